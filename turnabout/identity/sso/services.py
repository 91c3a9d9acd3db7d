"""State changes of single sign-on: configuring an organisation's identity provider, and signing in through it.

``check_*`` validate what an administrator entered — reading the provider's OpenID configuration or SAML metadata
over the network, outside any transaction — and raise SsoConfigurationInvalid with a message that names the fix;
``configure_identity_provider`` and ``update_sign_in_rules`` write, with an audit entry in the same transaction.
``sign_in_through_provider`` turns what the provider vouched for into the directory person's login, or refuses and
records why in the audit log: it never creates a login for someone who is not an active person in the directory.
"""

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml.etree import XMLSyntaxError
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from turnabout.accounts.models import AccountRole, AuditAction, Organisation, User
from turnabout.accounts.services import record_audit_entry
from turnabout.identity.errors import LoginElsewhere
from turnabout.identity.links import login_for_person
from turnabout.identity.models import IdentityProvider, SsoEmailDomain, SsoProtocol, UsedSamlAssertion
from turnabout.identity.sso.encryption import encrypt_secret
from turnabout.identity.sso.errors import RefusalReason, SsoConfigurationInvalid, SsoSignInRefused
from turnabout.identity.sso.social_apps import SECRET_VARIABLE_PREFIX, provider_id_of
from turnabout.people.models import EmploymentStatus, Person

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
METADATA_TIMEOUT_SECONDS = 10
# What _check_url says of each field it checks, by the field's name.
_NOT_HTTPS = {
    "issuer_url": gettext_lazy("The issuer URL must start with https://; got %(url)s."),
    "metadata_url": gettext_lazy("The metadata URL must start with https://; got %(url)s."),
}


@dataclass(frozen=True)
class OidcSettings:
    issuer_url: str
    client_id: str
    # A new secret to store encrypted; empty keeps the stored one. Or the name of an environment variable holding it.
    client_secret: str = ""
    client_secret_variable: str = ""


@dataclass(frozen=True)
class SamlSettings:
    metadata_xml: str = ""
    metadata_url: str = ""


@dataclass(frozen=True)
class SamlIdentityProvider:
    """What Turnabout needs from an IdP's SAML metadata."""

    entity_id: str
    sso_url: str
    certificate: str


@dataclass(frozen=True)
class SignInRules:
    is_enabled: bool
    is_sso_only: bool = False
    break_glass_admin: User | None = None
    groups_claim: str = ""
    admin_groups: tuple[str, ...] = ()
    program_manager_groups: tuple[str, ...] = ()
    sponsor_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assertion:
    """What an identity provider vouched for in one sign-in.

    ``email_verified`` is None when the provider does not say (SAML never does, Entra ID's OIDC does not), and
    ``groups`` is None when the groups claim is absent, which leaves roles as they are.
    """

    email: str
    email_verified: bool | None
    groups: tuple[str, ...] | None = None


def _check_url(url: str, *, field: str) -> None:
    if url.startswith("https://") or (settings.SSO_ALLOW_HTTP and url.startswith("http://")):
        return
    raise SsoConfigurationInvalid(_NOT_HTTPS[field] % {"url": repr(url)}, field=field)


def normalised_domains(domains: list[str]) -> list[str]:
    """Lowercase, deduplicated email domains; SsoConfigurationInvalid names the first malformed one.

    >>> normalised_domains([" Acme.example ", "@eu.acme.example", "acme.example"])
    ['acme.example', 'eu.acme.example']
    """
    result: list[str] = []
    for raw in domains:
        domain = raw.strip().lower().removeprefix("@")
        if not domain:
            continue
        if not DOMAIN.match(domain):
            raise SsoConfigurationInvalid(
                _("“%(domain)s” is not an email domain such as acme.example.") % {"domain": raw.strip()}, field="email_domains"
            )
        if domain not in result:
            result.append(domain)
    if not result:
        raise SsoConfigurationInvalid(
            _(
                "Give at least one email domain of your organisation: it finds the sign-in button and limits whose email "
                "the provider may vouch for."
            ),
            field="email_domains",
        )
    return result


def check_oidc_issuer(issuer_url: str) -> dict[str, Any]:
    """The provider's OpenID configuration at ``issuer_url``, checked for what Turnabout needs. Reads over the network."""
    issuer_url = issuer_url.strip().split("/.well-known/")[0].rstrip("/")
    _check_url(issuer_url, field="issuer_url")
    url = f"{issuer_url}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.SOCIALACCOUNT_REQUESTS_TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException as error:
        raise SsoConfigurationInvalid(
            _("Turnabout could not reach %(url)s (%(error)s): check the issuer URL, and that this server can reach it.")
            % {"url": url, "error": error.__class__.__name__},
            field="issuer_url",
        ) from None
    if response.status_code != 200:
        raise SsoConfigurationInvalid(
            _("%(url)s answered HTTP %(status)s: check the issuer URL.") % {"url": url, "status": response.status_code}, field="issuer_url"
        )
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise SsoConfigurationInvalid(
            _("%(url)s is not an OpenID Connect configuration (not a JSON object).") % {"url": url}, field="issuer_url"
        )
    issuer = str(document.get("issuer", ""))
    if "{tenantid}" in issuer.lower():
        raise SsoConfigurationInvalid(
            _(
                "This is Microsoft Entra ID's multi-tenant endpoint. Use your tenant's issuer URL, "
                "https://login.microsoftonline.com/<directory (tenant) ID>/v2.0, so that only your tenant's accounts are accepted."
            ),
            field="issuer_url",
        )
    if issuer.rstrip("/") != issuer_url:
        if issuer:
            message = _("The provider's configuration names its issuer %(issuer)s, not %(typed)s: enter %(issuer)s as the issuer URL.")
        else:
            message = _("The provider's configuration names its issuer (none), not %(typed)s: enter the issuer as the issuer URL.")
        raise SsoConfigurationInvalid(message % {"issuer": issuer, "typed": issuer_url}, field="issuer_url")
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint") if not document.get(key)]
    if missing:
        raise SsoConfigurationInvalid(_("The provider's configuration has no %(keys)s.") % {"keys": ", ".join(missing)}, field="issuer_url")
    response_types = document.get("response_types_supported") or ["code"]
    if "code" not in response_types:
        raise SsoConfigurationInvalid(
            _("The provider does not offer the authorization code flow (response type “code”)."), field="issuer_url"
        )
    challenge_methods = document.get("code_challenge_methods_supported")
    if challenge_methods is not None and "S256" not in challenge_methods:
        raise SsoConfigurationInvalid(_("The provider does not support PKCE with S256, which Turnabout requires."), field="issuer_url")
    return document


def check_saml_metadata(*, metadata_xml: str = "", metadata_url: str = "") -> SamlIdentityProvider:
    """The entity id, sign-in URL and signing certificate in an IdP's metadata (pasted, or read from its URL)."""
    metadata_xml, metadata_url = metadata_xml.strip(), metadata_url.strip()
    if bool(metadata_xml) == bool(metadata_url):
        raise SsoConfigurationInvalid(
            _("Paste the identity provider's metadata XML or give its URL: one of the two."), field="metadata_xml"
        )
    field = "metadata_url" if metadata_url else "metadata_xml"
    if metadata_url:
        _check_url(metadata_url, field=field)
        try:
            metadata_xml = OneLogin_Saml2_IdPMetadataParser.get_metadata(metadata_url, timeout=METADATA_TIMEOUT_SECONDS)
        except Exception as error:  # urllib's errors, or python3-saml's "Not valid IdP XML found from URL."
            raise SsoConfigurationInvalid(
                _("Turnabout could not read SAML metadata at %(url)s: %(error)s") % {"url": metadata_url, "error": error}, field=field
            ) from None
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(metadata_xml)
    except XMLSyntaxError as error:
        raise SsoConfigurationInvalid(_("The metadata is not well-formed XML: %(error)s") % {"error": error}, field=field) from None
    except Exception as error:  # python3-saml refuses DTDs and entities (XML bombs) with a plain Exception
        raise SsoConfigurationInvalid(_("The metadata cannot be read: %(error)s") % {"error": error}, field=field) from None
    idp = parsed.get("idp")
    if not idp or not idp.get("entityId"):
        raise SsoConfigurationInvalid(
            _("This is not an identity provider's SAML metadata: it has no IDPSSODescriptor with an entityID."), field=field
        )
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    if not sso_url:
        raise SsoConfigurationInvalid(
            _("The metadata has no SingleSignOnService with the %(binding)s binding.")
            % {"binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT},
            field=field,
        )
    certificates = [idp["x509cert"]] if idp.get("x509cert") else (idp.get("x509certMulti") or {}).get("signing", [])
    if not certificates:
        raise SsoConfigurationInvalid(_("The metadata has no signing certificate: Turnabout accepts only signed assertions."), field=field)
    return SamlIdentityProvider(entity_id=idp["entityId"], sso_url=sso_url, certificate=certificates[0])


def _check_domains_free(*, domains: list[str], organisation: Organisation) -> None:
    taken = SsoEmailDomain.objects.filter(domain__in=domains).exclude(identity_provider__organisation=organisation).first()
    if taken is not None:
        raise SsoConfigurationInvalid(
            _("%(domain)s already signs in through another organisation's identity provider.") % {"domain": taken.domain},
            field="email_domains",
        )


def _check_secret(*, oidc: OidcSettings, existing: IdentityProvider | None) -> None:
    variable = oidc.client_secret_variable.strip()
    if variable:
        if oidc.client_secret:
            raise SsoConfigurationInvalid(_("Enter the client secret or name its environment variable, not both."), field="client_secret")
        if not variable.startswith(SECRET_VARIABLE_PREFIX) or not re.fullmatch(r"[A-Z0-9_]+", variable):
            raise SsoConfigurationInvalid(
                _(
                    "The environment variable's name must start with %(prefix)s (capitals, digits and _ only), "
                    "so that no other server setting can be sent to an identity provider."
                )
                % {"prefix": SECRET_VARIABLE_PREFIX},
                field="client_secret_variable",
            )
        if not os.environ.get(variable):
            raise SsoConfigurationInvalid(
                _("The environment variable %(variable)s is not set on this server.") % {"variable": variable},
                field="client_secret_variable",
            )
        return
    has_stored = existing is not None and existing.is_oidc and existing.client_secret_encrypted
    if not oidc.client_secret and not has_stored:
        raise SsoConfigurationInvalid(_("Enter the client secret the identity provider gave you."), field="client_secret")


def configure_identity_provider(
    *,
    organisation: Organisation,
    display_name: str,
    email_domains: list[str],
    by: User,
    oidc: OidcSettings | None = None,
    saml: SamlSettings | None = None,
) -> IdentityProvider:
    """Set the organisation's identity provider (OpenID Connect or SAML), checked against the provider first.

    The administrator is assumed (access_admin_organisation). Reads the provider's configuration over the network
    before writing; the write and its audit entry are one transaction. When the provider's identity (issuer or
    entity id) changes, existing links are dropped and people are linked again by email at their next sign-in.
    """
    if (oidc is None) == (saml is None):
        raise ValueError("Configure exactly one of OpenID Connect and SAML.")
    display_name = display_name.strip()
    if not display_name:
        raise SsoConfigurationInvalid(_("Give the provider a name for the sign-in button, e.g. “Acme Entra ID”."), field="display_name")
    domains = normalised_domains(email_domains)
    _check_domains_free(domains=domains, organisation=organisation)
    existing = IdentityProvider.objects.filter(organisation=organisation).first()
    saml_idp: SamlIdentityProvider | None = None
    if oidc is not None:
        if not oidc.client_id.strip():
            raise SsoConfigurationInvalid(_("Enter the client id (application id) the identity provider gave you."), field="client_id")
        _check_secret(oidc=oidc, existing=existing)
        issuer_url = str(check_oidc_issuer(oidc.issuer_url)["issuer"]).rstrip("/")
    else:
        assert saml is not None
        saml_idp = check_saml_metadata(metadata_xml=saml.metadata_xml, metadata_url=saml.metadata_url)

    with transaction.atomic():
        provider = IdentityProvider.objects.select_for_update().filter(organisation=organisation).first()
        if provider is None:
            provider = IdentityProvider(organisation=organisation)
        previous_links = provider_id_of(provider) if provider.pk else None
        previous_identity = (provider.protocol, provider.issuer_url if provider.is_oidc else provider.saml_idp_entity_id)
        provider.display_name = display_name
        if oidc is not None:
            provider.protocol = SsoProtocol.OIDC
            provider.issuer_url = issuer_url
            provider.client_id = oidc.client_id.strip()
            if oidc.client_secret_variable.strip():
                provider.client_secret_variable, provider.client_secret_encrypted = oidc.client_secret_variable.strip(), ""
            elif oidc.client_secret:
                provider.client_secret_variable, provider.client_secret_encrypted = "", encrypt_secret(oidc.client_secret)
            provider.saml_metadata_xml = provider.saml_metadata_url = provider.saml_idp_entity_id = ""
            provider.saml_idp_sso_url = provider.saml_idp_certificate = ""
            summary = f"Single sign-on set to OpenID Connect at {issuer_url} (client {provider.client_id})"
        else:
            assert saml is not None
            assert saml_idp is not None
            provider.protocol = SsoProtocol.SAML
            provider.saml_metadata_xml = saml.metadata_xml.strip() if not saml.metadata_url.strip() else ""
            provider.saml_metadata_url = saml.metadata_url.strip()
            provider.saml_idp_entity_id = saml_idp.entity_id
            provider.saml_idp_sso_url = saml_idp.sso_url
            provider.saml_idp_certificate = saml_idp.certificate
            provider.issuer_url = provider.client_id = provider.client_secret_encrypted = provider.client_secret_variable = ""
            summary = f"Single sign-on set to SAML 2.0 with {saml_idp.entity_id}"
        provider.last_error, provider.last_error_at = "", None
        provider.save()
        provider.domains.exclude(domain__in=domains).delete()
        for domain in domains:
            SsoEmailDomain.objects.get_or_create(identity_provider=provider, domain=domain)
        identity = (provider.protocol, provider.issuer_url if provider.is_oidc else provider.saml_idp_entity_id)
        dropped = 0
        if previous_links is not None and identity != previous_identity:
            # Another provider's user ids mean nothing here: relink by verified email at the next sign-in.
            dropped = SocialAccount.objects.filter(provider=previous_links).delete()[0]
        record_audit_entry(
            organisation=organisation,
            actor=by,
            action=AuditAction.SSO_CONFIGURED,
            summary=summary,
            details={"protocol": provider.protocol, "email_domains": domains, "links_dropped": dropped},
        )
    return provider


def _role_groups(groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(group.strip() for group in groups if group.strip()))


@transaction.atomic
def update_sign_in_rules(*, identity_provider: IdentityProvider, rules: SignInRules, by: User) -> IdentityProvider:
    """Show or hide the sign-in button, map groups to roles, and set the "SSO only" policy; audited.

    "SSO only" needs the button shown and a break-glass administrator (an active administrator of the organisation
    who keeps their password and emailed links), so that a broken identity provider never locks everyone out.
    """
    provider = IdentityProvider.objects.select_for_update().select_related("organisation").get(pk=identity_provider.pk)
    if (rules.admin_groups or rules.program_manager_groups or rules.sponsor_groups) and not rules.groups_claim.strip():
        raise SsoConfigurationInvalid(_("Name the claim (or SAML attribute) that carries the groups, e.g. “groups”."), field="groups_claim")
    if rules.is_sso_only and not rules.is_enabled:
        raise SsoConfigurationInvalid(_("“SSO only” needs the sign-in button shown: turn single sign-on on first."), field="is_sso_only")
    glass = rules.break_glass_admin
    if glass is not None and (
        glass.organisation_id != provider.organisation_id
        or glass.role != AccountRole.ADMIN
        or not glass.is_active
        or glass.is_service_account
    ):
        raise SsoConfigurationInvalid(
            _("The break-glass login must be an active administrator of your organisation."), field="break_glass_admin"
        )
    if rules.is_sso_only and glass is None:
        raise SsoConfigurationInvalid(
            _("“SSO only” needs a break-glass administrator, who can still sign in if the identity provider fails."),
            field="break_glass_admin",
        )
    provider.is_enabled = rules.is_enabled
    provider.is_sso_only = rules.is_sso_only
    provider.break_glass_admin = glass
    provider.groups_claim = rules.groups_claim.strip()
    provider.admin_groups = list(_role_groups(rules.admin_groups))
    provider.program_manager_groups = list(_role_groups(rules.program_manager_groups))
    provider.sponsor_groups = list(_role_groups(rules.sponsor_groups))
    provider.save()
    state = "on" if provider.is_enabled else "off"
    policy = ", SSO only" if provider.is_sso_only else ""
    roles = f", roles from “{provider.groups_claim}”" if provider.maps_roles else ""
    record_audit_entry(
        organisation=provider.organisation,
        actor=by,
        action=AuditAction.SSO_CONFIGURED,
        target=glass,
        summary=f"Single sign-on {state}{policy}{roles}",
        details={
            "is_enabled": provider.is_enabled,
            "is_sso_only": provider.is_sso_only,
            "break_glass_admin": glass.email if glass else None,
            "groups_claim": provider.groups_claim,
            "admin_groups": provider.admin_groups,
            "program_manager_groups": provider.program_manager_groups,
            "sponsor_groups": provider.sponsor_groups,
        },
    )
    return provider


def role_from_groups(*, identity_provider: IdentityProvider, groups: tuple[str, ...]) -> AccountRole:
    """The role the groups give, the highest first (case-insensitive): admin, program manager, sponsor, else participant."""
    have = {group.casefold() for group in groups}
    for role, listed in (
        (AccountRole.ADMIN, identity_provider.admin_groups),
        (AccountRole.PROGRAM_MANAGER, identity_provider.program_manager_groups),
        (AccountRole.SPONSOR, identity_provider.sponsor_groups),
    ):
        if have & {group.casefold() for group in listed}:
            return role
    return AccountRole.PARTICIPANT


def _apply_role_mapping(*, identity_provider: IdentityProvider, user: User, groups: tuple[str, ...] | None) -> None:
    """Give ``user`` the role their groups map to; inside the sign-in transaction. The break-glass login and the last
    active administrator keep theirs; no groups claim in the response changes nothing."""
    if not identity_provider.maps_roles or groups is None or user.pk == identity_provider.break_glass_admin_id:
        return
    role = role_from_groups(identity_provider=identity_provider, groups=groups)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        return
    if user.role == AccountRole.ADMIN:
        # Lock every active admin row (as user administration does), so two admins signing in at once are not both demoted.
        admins = User.objects.select_for_update().filter(
            organisation=identity_provider.organisation, role=AccountRole.ADMIN, is_active=True, is_service_account=False
        )
        if list(admins.values_list("pk", flat=True)) == [user.pk]:
            return
    previous, previous_label = user.role, user.get_role_display()
    user.role = role
    user.save(update_fields=["role"])
    record_audit_entry(
        organisation=identity_provider.organisation,
        actor=None,
        action=AuditAction.ROLE_CHANGED,
        target=user,
        summary=f"{user.email}: {previous_label} → {user.get_role_display()} (groups from {identity_provider.display_name})",
        details={"from": previous, "to": role, "groups": list(groups)[:50]},
    )


def _refuse(message: str, reason: RefusalReason) -> SsoSignInRefused:
    return SsoSignInRefused(message, reason=reason)


def _trusted_email(*, identity_provider: IdentityProvider, assertion: Assertion) -> str:
    """The asserted email if Turnabout may rely on it: verified by the provider, or (when the provider does not say)
    in one of the organisation's email domains. A provider saying "not verified" is always refused."""
    email = assertion.email.strip().lower()
    if not email or "@" not in email:
        raise _refuse(
            _(
                "%(provider)s did not tell Turnabout your email address, so it cannot find you in the directory. "
                "Your administrator must release the email claim (attribute) to Turnabout."
            )
            % {"provider": identity_provider.display_name},
            RefusalReason.NO_EMAIL,
        )
    if assertion.email_verified is False:
        raise _refuse(
            _("%(provider)s has not verified your email address %(email)s.") % {"provider": identity_provider.display_name, "email": email},
            RefusalReason.EMAIL_NOT_VERIFIED,
        )
    if assertion.email_verified is None:
        domain = email.rpartition("@")[2]
        if not identity_provider.domains.filter(domain=domain).exists():
            raise _refuse(
                _("%(email)s is not in one of your organisation's email domains, and %(provider)s does not say it verified it.")
                % {"email": email, "provider": identity_provider.display_name},
                RefusalReason.EMAIL_NOT_VERIFIED,
            )
    return email


def sign_in_through_provider(*, identity_provider: IdentityProvider, assertion: Assertion, linked_user: User | None) -> User:
    """The login that a verified sign-in through ``identity_provider`` opens.

    ``linked_user`` is the login already linked to this provider account, if any. Otherwise the directory person
    with the asserted email (case-insensitive) is found and their login created or linked as an emailed link does
    (login_for_person), with the role from the groups claim when mapped. Refuses — changing nothing but the audit
    log, where the refusal is recorded — when the email is unverified, nobody active in the directory has it, or
    the login is deactivated. Returns the user; the caller links the provider account and opens the session.
    """
    organisation = identity_provider.organisation
    email = assertion.email.strip().lower()
    try:
        email = _trusted_email(identity_provider=identity_provider, assertion=assertion)
        with transaction.atomic():
            user = _sign_in(identity_provider=identity_provider, assertion=assertion, email=email, linked_user=linked_user)
            IdentityProvider.objects.filter(pk=identity_provider.pk).update(last_sign_in_at=timezone.now())
    except SsoSignInRefused as refusal:
        with transaction.atomic():
            target = linked_user
            if target is None and email:
                target = User.objects.filter(email__iexact=email, organisation=organisation).first()
            record_audit_entry(
                organisation=organisation,
                actor=None,
                action=AuditAction.SSO_SIGN_IN_REFUSED,
                target=target,
                summary=f"Single sign-on refused for {email or 'an account without an email'}: {refusal.reason.label.lower()}",
                details={"reason": refusal.reason, "email": email, "provider": identity_provider.display_name},
            )
        raise
    return user


def _sign_in(*, identity_provider: IdentityProvider, assertion: Assertion, email: str, linked_user: User | None) -> User:
    organisation = identity_provider.organisation
    if linked_user is not None:
        if linked_user.organisation_id != organisation.pk:
            raise _refuse(_("%(email)s has a Turnabout login in another organisation.") % {"email": email}, RefusalReason.LOGIN_ELSEWHERE)
        user = linked_user
        person = Person.objects.filter(user=user).first()
    else:
        person = Person.objects.select_related("organisation", "user").filter(organisation=organisation, email__iexact=email).first()
        if person is None:
            raise _refuse(
                _(
                    "%(provider)s signed you in as %(email)s, but nobody in %(organisation)s's directory has that "
                    "address, so Turnabout has not created a login for you. Your administrator has been told; ask them to check "
                    "the email the directory lists for you."
                )
                % {"provider": identity_provider.display_name, "email": email, "organisation": organisation.name},
                RefusalReason.NOT_IN_DIRECTORY,
            )
    if person is not None and person.employment_status != EmploymentStatus.ACTIVE:
        raise _refuse(
            _("%(organisation)s's directory lists you as having left, so you can no longer sign in.") % {"organisation": organisation.name},
            RefusalReason.LEFT,
        )
    if linked_user is None:
        assert person is not None
        role = AccountRole.PARTICIPANT
        if identity_provider.maps_roles and assertion.groups is not None:
            role = role_from_groups(identity_provider=identity_provider, groups=assertion.groups)
        try:
            user = login_for_person(person=person, role=role)
        except LoginElsewhere as error:
            raise _refuse(error.message, RefusalReason.LOGIN_ELSEWHERE) from None
    if not user.is_active:
        raise _refuse(_("Your login has been deactivated. Ask your Turnabout administrator to reactivate it."), RefusalReason.DEACTIVATED)
    if linked_user is None:
        record_audit_entry(
            organisation=organisation,
            actor=None,
            action=AuditAction.SSO_LINKED,
            target=user,
            summary=f"{user.email} linked to {identity_provider.display_name} at their first single sign-on",
            details={"provider": identity_provider.display_name, "protocol": identity_provider.protocol},
        )
    _apply_role_mapping(identity_provider=identity_provider, user=user, groups=assertion.groups)
    user.refresh_from_db()
    return user


def claim_saml_assertion(*, identity_provider: IdentityProvider, assertion_id: str, not_on_or_after: int | None) -> None:
    """Mark a SAML assertion consumed; SsoSignInRefused if it was already (a replayed response). Forgets expired ones.

    Kept until the assertion expires plus python3-saml's clock drift, after which the library refuses it anyway.
    """
    now = timezone.now()
    drift = timedelta(seconds=OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT)
    expires_at = datetime.fromtimestamp(not_on_or_after, tz=UTC) if not_on_or_after else now + timedelta(days=1)
    UsedSamlAssertion.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            UsedSamlAssertion.objects.create(
                identity_provider=identity_provider, assertion_id=assertion_id[:256], expires_at=max(expires_at, now) + drift
            )
    except IntegrityError:
        raise _refuse(
            _(
                "This sign-in response from %(provider)s was already used once, so Turnabout refused it (a replay). "
                "Start again from the sign-in page."
            )
            % {"provider": identity_provider.display_name},
            RefusalReason.REPLAYED,
        ) from None


def record_sign_in_failure(*, identity_provider: IdentityProvider, message: str) -> None:
    """Keep the latest failure for the administrator's settings page. At most one write a minute, so failures
    posted by anyone cannot turn into a write storm."""
    now = timezone.now()
    IdentityProvider.objects.filter(pk=identity_provider.pk).exclude(last_error_at__gte=now - timedelta(minutes=1)).update(
        last_error=message[:1000], last_error_at=now
    )
