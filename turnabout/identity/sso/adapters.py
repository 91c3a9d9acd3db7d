"""allauth's adapters: where allauth asks the project who may sign in, and how.

- apps come from ``identity.IdentityProvider`` (social_apps.py), never from allauth's table or settings;
- a verified sign-in is linked to the directory person with the asserted email, or refused (services.py);
- allauth never signs anyone up, and every failure ends on one page that says why (views.failure_response).
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthError
from django.http import HttpRequest

from turnabout.accounts.http import client_address
from turnabout.accounts.models import SignInMethod
from turnabout.accounts.services import record_sign_in
from turnabout.identity.sso import services
from turnabout.identity.sso.diagnostics import NOT_STARTED_HERE, explain_oauth_failure, explain_saml_failure
from turnabout.identity.sso.errors import RefusalReason, SsoError, SsoSignInRefused, SsoTurnedOff
from turnabout.identity.sso.responses import failure_response, refusal_response
from turnabout.identity.sso.social_apps import configured_identity_providers, identity_provider_of_app, social_app_of

# Every Turnabout session is opened under the email backend's name (identity.views does the same for links).
BACKEND = "turnabout.accounts.backends.EmailBackend"


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth has no types
    """Only allauth's social login runs here: no signup, no messages in allauth's voice, sessions like every other."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login(self, request: HttpRequest, user: Any) -> None:
        user.backend = BACKEND
        super().login(request, user)
        record_sign_in(user=user, method=SignInMethod.SSO, ip_address=client_address(request))

    def add_message(self, *args: Any, **kwargs: Any) -> None:
        return None

    def respond_user_inactive(self, request: HttpRequest, user: Any) -> Any:

        error = SsoSignInRefused(
            "Your login has been deactivated. Ask your Turnabout administrator to reactivate it.", reason=RefusalReason.DEACTIVATED
        )
        return refusal_response(request, error=error)


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]  # allauth has no types
    def list_apps(self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None) -> list[SocialApp]:
        """The enabled organisations' identity providers as allauth apps (built, not stored)."""

        apps = []
        for identity_provider in configured_identity_providers(provider=provider, client_id=client_id):
            try:
                apps.append(social_app_of(identity_provider))
            except SsoError as error:
                if request is None:
                    raise
                raise ImmediateHttpResponse(
                    failure_response(request, identity_provider=identity_provider, error=error, record=True)
                ) from None
        return apps

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # pre_social_login links or refuses every sign-in, so allauth never gets here; if it did, it must not sign up.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Link the sign-in to the directory person's login (creating it as an emailed link would), or refuse."""

        provider = sociallogin.provider
        identity_provider = identity_provider_of_app(provider.app)
        assertion = getattr(provider, "assertion", None)
        if assertion is None:
            raise ImmediateHttpResponse(refusal_response(request, error=SsoError("The identity provider's answer could not be read.")))
        if not identity_provider.is_enabled:
            raise ImmediateHttpResponse(refusal_response(request, error=SsoTurnedOff(identity_provider.display_name)))
        linked_user = sociallogin.user if sociallogin.is_existing else None
        try:
            user = services.sign_in_through_provider(identity_provider=identity_provider, assertion=assertion, linked_user=linked_user)
        except SsoSignInRefused as refusal:
            raise ImmediateHttpResponse(refusal_response(request, error=refusal, identity_provider=identity_provider)) from None
        if linked_user is None:
            sociallogin.connect(request, user)
        else:
            sociallogin.user = user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: BaseException | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        """Every failed sign-in ends on the failure page, in words the administrator can act on; nobody is signed in."""

        identity_provider = identity_provider_of_app(provider.app)
        context = extra_context or {}
        record = True
        if error == AuthError.CANCELLED:
            message, record = f"Signing in with {identity_provider.display_name} was cancelled. Nothing has changed.", False
        elif context.get("saml_last_error_reason"):
            message = explain_saml_failure(str(context["saml_last_error_reason"]))
        elif exception is not None:
            message = explain_oauth_failure(str(exception))
        elif request.GET.get("error"):
            message = explain_oauth_failure(request.GET["error"], description=request.GET.get("error_description", "")[:300])
        else:
            # No state for this answer: started elsewhere (IdP-initiated), in another browser, or too long ago.
            message, record = NOT_STARTED_HERE, False
        raise ImmediateHttpResponse(failure_response(request, identity_provider=identity_provider, error=SsoError(message), record=record))
