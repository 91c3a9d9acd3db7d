"""The authentication backend that applies the "SSO only" policy to passwords (policy.py)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from turnabout.accounts.models import User
from turnabout.identity.sign_in_policy import sign_in_refusal


class SingleSignOnPolicyBackend(ModelBackend):
    """First in AUTHENTICATION_BACKENDS: refuses the password of an employee whose organisation signs in only with SSO.

    Raising PermissionDenied stops Django from asking the next backend, so the password is never checked; for
    everyone else it returns None and the email backend decides. It authenticates nobody itself, and inherits
    ModelBackend's ``get_user`` so a session opened under its name (the test client's ``force_login``) still works.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = (username or kwargs.get("email") or "").strip().lower()
        if not email or password is None:
            return None
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is not None and sign_in_refusal(user=user) is not None:
            # Spend a hash's time, as the email backend does for an unknown address, so timing does not reveal employees.
            User().set_password(password)
            raise PermissionDenied("This organisation signs in only with single sign-on.")
        return None
