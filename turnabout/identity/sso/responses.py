"""The pages a single sign-on ends on when it lets nobody in: shared by the views and allauth's adapters and providers."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from turnabout.identity.models import IdentityProvider
from turnabout.identity.sso import services
from turnabout.identity.sso.errors import SsoError, SsoSignInRefused


def failure_response(request: HttpRequest, *, identity_provider: IdentityProvider, error: SsoError, record: bool) -> HttpResponse:
    """The page for a sign-in the identity provider's answer could not complete; kept for the administrator when ``record``."""
    if record:
        services.record_sign_in_failure(identity_provider=identity_provider, message=error.message)
    context = {"error": error, "identity_provider": identity_provider, "recorded": record, "retry_path": reverse("accounts:login")}
    return render(request, "identity/sso_refused.html", context, status=400)


def refusal_response(request: HttpRequest, *, error: SsoError, identity_provider: IdentityProvider | None = None) -> HttpResponse:
    """The page for a sound sign-in that lets nobody in (not in the directory, left, deactivated, replayed)."""
    context = {
        "error": error,
        "identity_provider": identity_provider,
        "recorded": isinstance(error, SsoSignInRefused),
        "retry_path": reverse("accounts:login"),
    }
    return render(request, "identity/sso_refused.html", context, status=403)
