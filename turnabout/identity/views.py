"""Pages for signing in by link, first run, one's own account, and user administration."""

import hmac
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from turnabout.accounts.access import WITH_GUESTS, access_admin_organisation, access_organisation
from turnabout.accounts.http import AuthenticatedRequest, client_address
from turnabout.accounts.models import AccountRole, AuditEntry, SignInMethod
from turnabout.accounts.services import record_sign_in, record_sign_in_failure
from turnabout.core.htmx import template_for
from turnabout.identity import services, tokens
from turnabout.identity.access import access_login, access_organisation_token, access_own_token
from turnabout.identity.errors import IdentityError, LinkInvalid, SignInRefused
from turnabout.identity.forms import (
    AuditFilterForm,
    ChangeRoleForm,
    ChoosePasswordForm,
    GrantRoleForm,
    LinkRequestForm,
    LoginSearchForm,
    SetUpForm,
    TokenForm,
)
from turnabout.identity.links import find_link, link_request_path, redeem_sign_in_link, safe_next_path
from turnabout.identity.models import TokenScope
from turnabout.identity.queries import audit_log, logins_of, organisation_tokens, personal_tokens

logger = logging.getLogger(__name__)

BACKEND = "turnabout.accounts.backends.EmailBackend"
# Set in the session when it was opened by a link: proof of the email, enough to choose a new password.
SIGNED_IN_BY_LINK = "identity.signed_in_by_link"


def request_link(request: HttpRequest) -> HttpResponse:
    """“Email me a sign-in link”: the same answer whether or not the address is known."""
    next_path = safe_next_path(request.POST.get("next") or request.GET.get("next") or "")
    form = LinkRequestForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            email = form.cleaned_data["email"]
            if services.request_sign_in_link(email=email, ip_address=client_address(request), next_path=next_path):
                return render(request, "identity/link_sent.html", {"email": email, "link_max_age_days": settings.SIGN_IN_LINK_MAX_AGE_DAYS})
            form.add_error(None, "Too many sign-in links were asked for this address or from here. Wait a few minutes and try again.")
            status = 429
    return render(request, "identity/request_link.html", {"form": form, "next": next_path}, status=status)


def redeem_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows who the link signs in and asks to continue (mail scanners open links; only the POST uses it)."""
    try:
        link = find_link(token=token)
    except IdentityError as error:
        return _link_refused(request, error)
    if request.method != "POST":
        if request.user.is_authenticated and request.user.pk in {link.user_id, link.person.user_id if link.person else None}:
            # Already signed in as the link's holder: go straight on and keep the link unused.
            return redirect(link.next_path or "home")
        return render(request, "identity/redeem_link.html", {"email": link.email})
    try:
        user, next_path = redeem_sign_in_link(token=token)
    except SignInRefused as refusal:
        # The link is real but its holder may no longer sign in (left, deactivated, single sign-on only): audited.
        holder = link.person.user if link.person is not None and link.person.user is not None else link.user
        if holder is not None:
            record_sign_in_failure(email=holder.email, method=SignInMethod.LINK, reason=refusal.message, ip_address=client_address(request))
        return _link_refused(request, refusal)
    except IdentityError as error:
        return _link_refused(request, error)
    login(request, user, backend=BACKEND)
    record_sign_in(user=user, method=SignInMethod.LINK, ip_address=client_address(request))
    request.session[SIGNED_IN_BY_LINK] = True
    if not user.has_usable_password():
        messages.success(request, _("You are signed in. You can choose a password under “My account” if you like; links keep working."))
    return redirect(next_path or "home")


def _link_refused(request: HttpRequest, error: IdentityError) -> HttpResponse:
    status = 404 if isinstance(error, LinkInvalid) else 410
    return render(request, "identity/link_refused.html", {"error": error, "request_path": link_request_path()}, status=status)


def _setup_token() -> str:
    """The first-run token: derived from SECRET_KEY, so every process agrees on it and nothing is stored."""
    return salted_hmac("turnabout.identity.setup", "first-run", algorithm="sha256").hexdigest()[:32]


def setup(request: HttpRequest) -> HttpResponse:
    """The first-run page: only on an empty install, only with the token printed in the server log."""
    if not services.needs_first_run():
        return render(request, "identity/setup_done.html", status=410)
    token = request.POST.get("token") or request.GET.get("token") or ""
    expected = _setup_token()
    if not hmac.compare_digest(token.encode(), expected.encode()):
        logger.warning(
            "Turnabout is not set up yet. Open %s/setup/?token=%s to create the organisation.", settings.SITE_URL, _setup_token()
        )
        return render(request, "identity/setup_locked.html", {"token_given": bool(token)}, status=403 if token else 200)
    form = SetUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            first_run = services.set_up_organisation(
                organisation_name=form.cleaned_data["organisation_name"],
                admin_email=form.cleaned_data["admin_email"],
                admin_name=form.cleaned_data["admin_name"],
            )
        except IdentityError as error:
            form.add_error(None, error.message)
        else:
            services.email_first_run_link(first_run=first_run)
            return render(request, "identity/setup_sent.html", {"email": first_run.admin.email})
    return render(request, "identity/setup.html", {"form": form, "token": token})


@login_required
def my_account(request: AuthenticatedRequest) -> HttpResponse:
    """One's own login: choose a password, and personal API tokens (not for guests from outside)."""
    access_organisation(request.user, roles=WITH_GUESTS)
    user = request.user
    needs_current = user.has_usable_password() and not request.session.get(SIGNED_IN_BY_LINK)
    password_form = ChoosePasswordForm(user=user)
    if request.method == "POST":
        password_form = ChoosePasswordForm(request.POST, user=user)
        current_ok = not needs_current or user.check_password(request.POST.get("current", ""))
        if not current_ok:
            password_form.add_error(None, "Your current password is not right.")
        if current_ok and password_form.is_valid():
            services.set_password(user=user, password=password_form.cleaned_data["password"])
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is set."))
            return redirect("identity:my_account")
    return render(
        request,
        "identity/my_account.html",
        {
            "password_form": password_form,
            "needs_current": needs_current,
            "token_form": TokenForm(),
            "tokens": personal_tokens(user=user),
        },
        status=400 if password_form.errors else 200,
    )


def _create_token(request: AuthenticatedRequest, *, organisation_wide: bool) -> HttpResponse | None:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return None
    new = tokens.create_api_token(
        owner=request.user,
        name=form.cleaned_data["name"],
        scope=TokenScope(form.cleaned_data["scope"]),
        expires_in_days=form.cleaned_data["expires_in_days"],
        organisation_wide=organisation_wide,
    )
    return render(
        request, "identity/token_created.html", {"token": new.token, "secret": new.secret, "organisation_wide": organisation_wide}
    )


@require_POST
@login_required
def create_personal_token(request: AuthenticatedRequest) -> HttpResponse:
    access_organisation(request.user)
    response = _create_token(request, organisation_wide=False)
    if response is None:
        messages.error(request, _("The token needs a name, a scope and an expiry."))
        return redirect("identity:my_account")
    return response


@require_POST
@login_required
def revoke_personal_token(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = access_own_token(request.user, token_id)
    tokens.revoke_api_token(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("identity:my_account")


@login_required
def users(request: AuthenticatedRequest) -> HttpResponse:
    """Logins of the organisation with role, last sign-in and person; grant a role to anyone by email."""
    organisation = access_admin_organisation(request.user)
    search = LoginSearchForm(request.GET)
    search.is_valid()
    grant_form = GrantRoleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if grant_form.is_valid():
            try:
                grant = services.grant_role(
                    organisation=organisation,
                    email=grant_form.cleaned_data["email"],
                    role=AccountRole(grant_form.cleaned_data["role"]),
                    full_name=grant_form.cleaned_data["full_name"],
                    by=request.user,
                )
            except IdentityError as error:
                grant_form.add_error(None, error.message)
            else:
                granted = {"email": grant.user.email, "role": grant.user.get_role_display()}
                if grant.created:
                    messages.success(request, _("%(email)s now has a login with the role “%(role)s”.") % granted)
                else:
                    messages.success(request, _("%(email)s now has the role “%(role)s”.") % granted)
                return redirect("identity:users")
        status = 400
    logins = logins_of(organisation=organisation, search=search.cleaned_data.get("q", ""), role=search.cleaned_data.get("role", ""))
    page = Paginator(logins, 50).get_page(request.GET.get("page"))
    return render(request, "identity/users.html", {"page": page, "search": search, "grant_form": grant_form}, status=status)


@login_required
def user_detail(request: AuthenticatedRequest, login_id: int) -> HttpResponse:
    login_user = access_login(request.user, login_id)
    entries = audit_log(organisation=login_user.organisation).filter(target=login_user)[:20]  # type: ignore[arg-type]
    return render(
        request,
        "identity/user_detail.html",
        {"login": login_user, "role_form": ChangeRoleForm(initial={"role": login_user.role}), "entries": entries},
    )


USER_ACTIONS = frozenset({"role", "deactivate", "reactivate", "resend"})


@require_POST
@login_required
def user_action(request: AuthenticatedRequest, login_id: int, action: str) -> HttpResponse:
    """Change role, deactivate, reactivate or resend a link; a refused change shows why and changes nothing."""
    login_user = access_login(request.user, login_id)
    if action not in USER_ACTIONS:
        raise Http404("No such action.")
    try:
        if action == "role":
            form = ChangeRoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose one of the roles."))
                return redirect("identity:user", login_id)
            services.change_role(user=login_user, role=AccountRole(form.cleaned_data["role"]), by=request.user)
            messages.success(request, _("%(email)s now has the role you chose.") % {"email": login_user.email})
        elif action == "deactivate":
            services.deactivate_user(user=login_user, by=request.user)
            messages.success(request, _("%(email)s can no longer sign in; their sessions have ended.") % {"email": login_user.email})
        elif action == "reactivate":
            services.reactivate_user(user=login_user, by=request.user)
            messages.success(request, _("%(email)s can sign in again.") % {"email": login_user.email})
        elif action == "resend":
            services.resend_sign_in_link(user=login_user, by=request.user)
            messages.success(request, _("A new sign-in link is on its way to %(email)s.") % {"email": login_user.email})
    except IdentityError as error:
        messages.error(request, error.message)
    return redirect("identity:user", login_id)


AUDIT_PAGE_SIZE = 100


@login_required
def audit(request: AuthenticatedRequest) -> HttpResponse:
    """The audit log, newest first, filtered by kind, event, who, whom and days; htmx swaps the results only."""
    organisation = access_admin_organisation(request.user)
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    entries = audit_log(organisation=organisation, filters=filters) if filters is not None else AuditEntry.objects.none()
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        template_for(request, "identity/audit.html", "results"),
        {"form": form, "page": page},
        status=400 if filters is None else 200,
    )


@login_required
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    """Organisation tokens (administrators): list, create, revoke."""
    organisation = access_admin_organisation(request.user)
    if request.method == "POST":
        response = _create_token(request, organisation_wide=True)
        if response is not None:
            return response
        messages.error(request, _("The token needs a name, a scope and an expiry."))
    return render(
        request,
        "identity/api_tokens.html",
        {"tokens": organisation_tokens(organisation=organisation), "token_form": TokenForm(), "docs_url": reverse("api:openapi-view")},
    )


@require_POST
@login_required
def revoke_organisation_token(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = access_organisation_token(request.user, token_id)
    tokens.revoke_api_token(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("identity:api_tokens")
