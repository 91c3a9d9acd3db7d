"""allauth's view of an organisation's identity provider: an unsaved ``SocialApp`` built from ``IdentityProvider``.

Nothing is copied into allauth's own table, so the client secret stays encrypted at rest and the admin page is the
only place where single sign-on is configured. Provider ids (allauth's ``SocialAccount.provider``) are per
organisation, so an identity provider's user ids never match a login of another organisation:

- OpenID Connect: the organisation's slug (which is also the URL segment: ``/sso/oidc/<slug>/login/callback/``);
- SAML: ``saml:<slug>`` (a colon never appears in a slug), with the slug as allauth's "organization slug" in
  ``/sso/saml/<slug>/acs/``.
"""

import os

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from turnabout.accounts.models import Organisation
from turnabout.identity.models import IdentityProvider, SsoProtocol
from turnabout.identity.sso.encryption import decrypt_secret
from turnabout.identity.sso.errors import SecretUnreadable

OPENID_CONNECT = "openid_connect"
SAML = "saml"
# The server's environment variables an administrator may name as the client secret; nothing else is readable.
SECRET_VARIABLE_PREFIX = "TURNABOUT_SSO_SECRET_"
SAML_PROVIDER_PREFIX = "saml:"

# Where each IdP puts the email, names and groups in a SAML assertion (Entra ID, Okta, Google Workspace, ADFS).
SAML_ATTRIBUTES = {
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
        "Email",
    ],
    "first_name": ["urn:oid:2.5.4.42", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "firstName", "given_name"],
    "last_name": ["urn:oid:2.5.4.4", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "lastName", "family_name"],
}


def provider_id_of(identity_provider: IdentityProvider) -> str:
    """allauth's provider id for this organisation's identity provider (``SocialAccount.provider``)."""
    slug = identity_provider.organisation.slug
    return slug if identity_provider.is_oidc else f"{SAML_PROVIDER_PREFIX}{slug}"


def sign_in_path(identity_provider: IdentityProvider) -> str:
    """The path that starts signing in (POST, with ``next``)."""
    slug = identity_provider.organisation.slug
    if identity_provider.is_oidc:
        return reverse("openid_connect_login", kwargs={"provider_id": slug})
    return reverse("saml_login", kwargs={"organization_slug": slug})


def redirect_uri(organisation: Organisation) -> str:
    """The OpenID Connect redirect URI to register at the identity provider."""
    return f"{settings.SITE_URL}{reverse('openid_connect_callback', kwargs={'provider_id': organisation.slug})}"


def saml_metadata_url(organisation: Organisation) -> str:
    """Turnabout's SAML service provider metadata; also its entity id."""
    return f"{settings.SITE_URL}{reverse('saml_metadata', kwargs={'organization_slug': organisation.slug})}"


def saml_acs_url(organisation: Organisation) -> str:
    """The assertion consumer service (reply URL) to register at the identity provider."""
    return f"{settings.SITE_URL}{reverse('saml_acs', kwargs={'organization_slug': organisation.slug})}"


def client_secret_of(identity_provider: IdentityProvider) -> str:
    """The OIDC client secret, decrypted or read from the named environment variable; SecretUnreadable if neither works."""
    if identity_provider.client_secret_variable:
        value = os.environ.get(identity_provider.client_secret_variable, "")
        if not value:
            raise SecretUnreadable(
                f"The environment variable {identity_provider.client_secret_variable} that should hold the client secret "
                "is not set on the server."
            )
        return value
    if identity_provider.client_secret_encrypted:
        return decrypt_secret(identity_provider.client_secret_encrypted)
    return ""


def _saml_settings(identity_provider: IdentityProvider) -> dict[str, object]:
    idp: dict[str, object] = {"entity_id": identity_provider.saml_idp_entity_id}
    if identity_provider.saml_metadata_url:
        # allauth reads the metadata itself (cached for four hours), so a new signing certificate is picked up.
        idp["metadata_url"] = identity_provider.saml_metadata_url
    else:
        idp.update(sso_url=identity_provider.saml_idp_sso_url, x509cert=identity_provider.saml_idp_certificate)
    return {
        "identity_provider_id": identity_provider.pk,
        "idp": idp,
        "sp": {"entity_id": saml_metadata_url(identity_provider.organisation)},
        "attribute_mapping": SAML_ATTRIBUTES,
        "advanced": {
            # python3-saml's strict mode checks the signature, audience, recipient (Destination and
            # SubjectConfirmationData) and validity times, within its fixed clock drift of 300 seconds.
            "strict": True,
            "want_assertion_signed": True,
            "want_message_signed": False,
            "reject_deprecated_algorithm": True,
            "reject_idp_initiated_sso": True,
            "want_attribute_statement": False,
            "authn_request_signed": False,
        },
    }


def social_app_of(identity_provider: IdentityProvider) -> SocialApp:
    """The unsaved allauth app for ``identity_provider``; SecretUnreadable when its OIDC client secret cannot be read."""
    organisation = identity_provider.organisation
    if identity_provider.protocol == SsoProtocol.OIDC:
        return SocialApp(
            provider=OPENID_CONNECT,
            provider_id=organisation.slug,
            name=identity_provider.display_name,
            client_id=identity_provider.client_id,
            secret=client_secret_of(identity_provider),
            settings={
                "identity_provider_id": identity_provider.pk,
                "server_url": identity_provider.issuer_url,
                "oauth_pkce_enabled": True,
                "fetch_userinfo": True,
                "scope": ["openid", "email", "profile"],
            },
        )
    return SocialApp(
        provider=SAML,
        provider_id=provider_id_of(identity_provider),
        name=identity_provider.display_name,
        client_id=organisation.slug,
        settings=_saml_settings(identity_provider),
    )


def configured_identity_providers(*, provider: str | None = None, client_id: str | None = None) -> list[IdentityProvider]:
    """The identity providers matching allauth's lookup by provider (class or id) and client id. Reads only.

    Turned-off providers are included, so their SAML metadata is served while the administrator sets them up;
    signing in through one is refused (providers.py, adapters.py).
    """
    found = IdentityProvider.objects.select_related("organisation")
    if provider == OPENID_CONNECT:
        found = found.filter(protocol=SsoProtocol.OIDC)
    elif provider == SAML:
        found = found.filter(protocol=SsoProtocol.SAML)
    elif provider is not None and provider.startswith(SAML_PROVIDER_PREFIX):
        found = found.filter(protocol=SsoProtocol.SAML, organisation__slug=provider.removeprefix(SAML_PROVIDER_PREFIX))
    elif provider is not None:
        found = found.filter(protocol=SsoProtocol.OIDC, organisation__slug=provider)
    if client_id is not None:
        # allauth's client id of a SAML app is the organisation's slug (social_app_of).
        found = found.filter(Q(protocol=SsoProtocol.SAML, organisation__slug=client_id) | Q(protocol=SsoProtocol.OIDC, client_id=client_id))
    return list(found)


def identity_provider_of_app(app: SocialApp) -> IdentityProvider:
    """The identity provider an app built here stands for."""
    return IdentityProvider.objects.select_related("organisation", "break_glass_admin").get(pk=app.settings["identity_provider_id"])
