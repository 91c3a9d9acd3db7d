"""allauth's OpenID Connect and SAML providers, each reading what the identity provider vouched for into an Assertion.

Installed through ``SOCIALACCOUNT_PROVIDERS[...]["provider_class"]`` (allauth's documented way to replace a
provider class). The SAML provider also refuses a replayed assertion, which python3-saml leaves to the application,
and both turn a provider that cannot be reached into the failure page instead of a server error.
"""

from typing import Any

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from turnabout.identity.sso.diagnostics import NOT_STARTED_HERE
from turnabout.identity.sso.errors import SsoError, SsoTurnedOff
from turnabout.identity.sso.responses import failure_response, refusal_response
from turnabout.identity.sso.services import Assertion, claim_saml_assertion
from turnabout.identity.sso.social_apps import identity_provider_of_app


def _as_bool(value: object) -> bool | None:
    """An ``email_verified`` claim as sent: true/false, or the strings some providers send; None when absent.

    >>> [_as_bool(v) for v in (True, "true", "False", None, "maybe")]
    [True, True, False, None, None]
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def _as_groups(value: object) -> tuple[str, ...] | None:
    """A groups claim (a list, or one string; SAML attributes are lists) as a tuple of names; None when absent.

    >>> _as_groups(["Admins", 7]), _as_groups("Admins"), _as_groups(None)
    (('Admins', '7'), ('Admins',), None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return None


def _refuse_when_turned_off(request: HttpRequest, provider: OpenIDConnectProvider | SAMLProvider) -> None:

    identity_provider = identity_provider_of_app(provider.app)
    if not identity_provider.is_enabled:
        raise ImmediateHttpResponse(refusal_response(request, error=SsoTurnedOff(identity_provider.display_name)))


def _failure(request: HttpRequest, provider: OpenIDConnectProvider | SAMLProvider, error: SsoError, *, record: bool) -> HttpResponse:

    return failure_response(request, identity_provider=identity_provider_of_app(provider.app), error=error, record=record)


class OrganisationOpenIDConnectProvider(OpenIDConnectProvider):  # type: ignore[misc]  # allauth has no types
    """An organisation's OpenID Connect provider (authorization code with PKCE; scope openid email profile)."""

    assertion: Assertion | None = None

    def sociallogin_from_response(self, request: HttpRequest, response: Any) -> SocialLogin:
        # allauth's data: {"userinfo": {...}, "id_token": {...}}; the userinfo is fresher, the ID token has more claims.
        userinfo: dict[str, Any] = response.get("userinfo") or {}
        id_token: dict[str, Any] = response.get("id_token") or {}
        email = str(userinfo.get("email") or id_token.get("email") or "")
        verified = _as_bool(userinfo.get("email_verified", id_token.get("email_verified")))
        claim = identity_provider_of_app(self.app).groups_claim
        groups = _as_groups(id_token.get(claim, userinfo.get(claim))) if claim else None
        self.assertion = Assertion(email=email, email_verified=verified, groups=groups)
        return super().sociallogin_from_response(request, response)

    def redirect(self, request: HttpRequest, process: Any, next_url: str | None = None, data: Any = None, **kwargs: Any) -> HttpResponse:
        _refuse_when_turned_off(request, self)
        try:
            # Signing in is the only process: allauth's "connect" and "redirect" (chosen by a query parameter) are not offered.
            response: HttpResponse = super().redirect(request, AuthProcess.LOGIN, next_url, data, **kwargs)
            return response
        except (requests.RequestException, KeyError, ValueError) as error:
            url = self.server_url
            raise ImmediateHttpResponse(
                _failure(
                    request,
                    self,
                    SsoError(f"Turnabout could not read the OpenID configuration at {url} ({error.__class__.__name__})."),
                    record=True,
                )
            ) from None


class OrganisationSAMLProvider(SAMLProvider):  # type: ignore[misc]  # allauth has no types
    """An organisation's SAML 2.0 identity provider; allauth and python3-saml check signature, audience, recipient and times."""

    assertion: Assertion | None = None

    def sociallogin_from_response(self, request: HttpRequest, response: Any) -> SocialLogin:
        # ``response`` is python3-saml's OneLogin_Saml2_Auth after it validated the response.
        identity_provider = identity_provider_of_app(self.app)
        try:
            claim_saml_assertion(
                identity_provider=identity_provider,
                assertion_id=response.get_last_assertion_id() or response.get_last_message_id() or "",
                not_on_or_after=response.get_last_assertion_not_on_or_after(),
            )
        except SsoError as error:
            raise ImmediateHttpResponse(_failure(request, self, error, record=True)) from None
        fields = self.extract_common_fields(response)
        attributes: dict[str, list[str]] = response.get_attributes()
        claim = identity_provider.groups_claim
        groups = _as_groups(attributes.get(claim)) if claim else None
        verified = fields.get("email_verified")
        self.assertion = Assertion(
            email=str(fields.get("email") or ""), email_verified=verified if isinstance(verified, bool) else None, groups=groups
        )
        return super().sociallogin_from_response(request, response)

    def unstash_redirect_state(self, request: HttpRequest, state_id: str) -> dict[str, Any]:
        # The response answers no request of this session: started at the IdP, in another browser, or replayed here.
        try:
            state: dict[str, Any] = super().unstash_redirect_state(request, state_id)
            return state
        except PermissionDenied:
            raise ImmediateHttpResponse(_failure(request, self, SsoError(NOT_STARTED_HERE), record=False)) from None

    def redirect(self, request: HttpRequest, process: Any, next_url: str | None = None, data: Any = None, **kwargs: Any) -> HttpResponse:
        _refuse_when_turned_off(request, self)
        try:
            response: HttpResponse = super().redirect(request, AuthProcess.LOGIN, next_url, data, **kwargs)
            return response
        except ImmediateHttpResponse:
            raise
        except Exception as error:  # reading the metadata URL: urllib's errors, or python3-saml's own
            idp = self.app.settings["idp"]
            where = idp.get("metadata_url") or idp.get("sso_url")
            raise ImmediateHttpResponse(
                _failure(
                    request,
                    self,
                    SsoError(f"Turnabout could not start signing in with the identity provider at {where}: {error}"),
                    record=True,
                )
            ) from None
