"""Pages of single sign-on: finding the "Sign in with …" button, the administrator's settings, and why a sign-in failed.

The protocol endpoints themselves (OIDC login and callback; SAML login, ACS, metadata) are allauth's views (urls.py).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from turnabout.accounts.access import access_admin_organisation
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.htmx import is_htmx
from turnabout.identity.links import safe_next_path
from turnabout.identity.models import IdentityProvider, SsoProtocol
from turnabout.identity.sso import services
from turnabout.identity.sso.errors import SsoConfigurationInvalid
from turnabout.identity.sso.forms import DiscoverForm, ProviderForm, SignInRulesForm
from turnabout.identity.sso.queries import find_identity_provider, identity_provider_of
from turnabout.identity.sso.social_apps import redirect_uri, saml_acs_url, saml_metadata_url, sign_in_path


def _choice_context(request: HttpRequest, identity_provider: IdentityProvider | None, *, asked: bool) -> dict[str, object]:
    return {
        "identity_provider": identity_provider,
        "start_path": sign_in_path(identity_provider) if identity_provider is not None else "",
        "next": safe_next_path(request.GET.get("next") or ""),
        "asked": asked,
    }


def discover(request: HttpRequest) -> HttpResponse:
    """Find the organisation's "Sign in with …" button by email domain or organisation; htmx gets the button alone."""
    form = DiscoverForm(request.GET)
    identity_provider, asked = None, False
    if form.is_valid():
        email = form.cleaned_data["email"] or form.cleaned_data["username"]
        asked = bool(email or form.cleaned_data["organisation"])
        identity_provider = find_identity_provider(email=email, organisation_slug=form.cleaned_data["organisation"])
    context = {"form": form, **_choice_context(request, identity_provider, asked=asked)}
    template = "identity/sso_discover.html#choice" if is_htmx(request) else "identity/sso_discover.html"
    return render(request, template, context)


def organisation_sign_in(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's own "Sign in with …" page, for an intranet link or an email (``?next=`` is kept)."""
    identity_provider = find_identity_provider(organisation_slug=slug)
    if identity_provider is None:
        raise Http404("This organisation does not sign in with single sign-on.")
    context = {"form": DiscoverForm(), **_choice_context(request, identity_provider, asked=True)}
    return render(request, "identity/sso_discover.html", context)


def _provider_initial(provider: IdentityProvider | None) -> dict[str, object]:
    if provider is None:
        return {"protocol": SsoProtocol.OIDC}
    return {
        "protocol": provider.protocol,
        "display_name": provider.display_name,
        "email_domains": ", ".join(domain.domain for domain in provider.domains.all()),
        "issuer_url": provider.issuer_url,
        "client_id": provider.client_id,
        "client_secret_variable": provider.client_secret_variable,
        "metadata_url": provider.saml_metadata_url,
        "metadata_xml": provider.saml_metadata_xml,
    }


def _rules_initial(provider: IdentityProvider | None) -> dict[str, object]:
    if provider is None:
        return {}
    return {
        "is_enabled": provider.is_enabled,
        "groups_claim": provider.groups_claim,
        "admin_groups": ", ".join(provider.admin_groups),
        "program_manager_groups": ", ".join(provider.program_manager_groups),
        "sponsor_groups": ", ".join(provider.sponsor_groups),
        "is_sso_only": provider.is_sso_only,
        "break_glass_admin": provider.break_glass_admin_id,
    }


def _save_provider(request: AuthenticatedRequest, form: ProviderForm) -> bool:
    organisation = access_admin_organisation(request.user)
    data = form.cleaned_data
    try:
        if data["protocol"] == SsoProtocol.OIDC:
            oidc = services.OidcSettings(
                issuer_url=data["issuer_url"],
                client_id=data["client_id"],
                client_secret=data["client_secret"],
                client_secret_variable=data["client_secret_variable"],
            )
            services.configure_identity_provider(
                organisation=organisation,
                display_name=data["display_name"],
                email_domains=data["email_domains"],
                oidc=oidc,
                by=request.user,
            )
        else:
            saml = services.SamlSettings(metadata_xml=data["metadata_xml"], metadata_url=data["metadata_url"])
            services.configure_identity_provider(
                organisation=organisation,
                display_name=data["display_name"],
                email_domains=data["email_domains"],
                saml=saml,
                by=request.user,
            )
    except SsoConfigurationInvalid as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    return True


def _save_rules(request: AuthenticatedRequest, form: SignInRulesForm, provider: IdentityProvider) -> bool:
    data = form.cleaned_data
    rules = services.SignInRules(
        is_enabled=data["is_enabled"],
        is_sso_only=data["is_sso_only"],
        break_glass_admin=data["break_glass_admin"],
        groups_claim=data["groups_claim"],
        admin_groups=data["admin_groups"],
        program_manager_groups=data["program_manager_groups"],
        sponsor_groups=data["sponsor_groups"],
    )
    try:
        services.update_sign_in_rules(identity_provider=provider, rules=rules, by=request.user)
    except SsoConfigurationInvalid as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    return True


@login_required
def sso_settings(request: AuthenticatedRequest) -> HttpResponse:
    """Administrators: the organisation's identity provider, the values to copy into it, roles from groups, "SSO only"."""
    organisation = access_admin_organisation(request.user)
    provider = identity_provider_of(organisation)
    provider_form = ProviderForm(initial=_provider_initial(provider))
    rules_form = SignInRulesForm(initial=_rules_initial(provider), organisation=organisation)
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "rules" and provider is not None:
            rules_form = SignInRulesForm(request.POST, organisation=organisation)
            if rules_form.is_valid() and _save_rules(request, rules_form, provider):
                messages.success(request, _("Sign-in rules saved."))
                return redirect("identity:sso_settings")
        else:
            provider_form = ProviderForm(request.POST)
            if provider_form.is_valid() and _save_provider(request, provider_form):
                messages.success(request, _("Identity provider saved: Turnabout read its configuration and it looks right."))
                return redirect("identity:sso_settings")
        status = 400
    copy_these = {
        "redirect_uri": redirect_uri(organisation),
        "sp_entity_id": saml_metadata_url(organisation),
        "acs_url": saml_acs_url(organisation),
        "sign_in_page": f"{settings.SITE_URL}{reverse('sso:organisation', args=[organisation.slug])}",
    }
    return render(
        request,
        "identity/sso_settings.html",
        {"provider": provider, "provider_form": provider_form, "rules_form": rules_form, "copy": copy_these},
        status=status,
    )
