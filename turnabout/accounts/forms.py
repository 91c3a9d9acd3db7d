from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from turnabout.accounts.models import AttemptKind
from turnabout.accounts.services import clear_sign_in_attempts, record_sign_in_attempt, sign_in_is_throttled


class ThrottledLoginForm(AuthenticationForm):
    """Email and password sign-in that refuses after repeated failures."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean(self) -> dict[str, Any]:
        email = (self.data.get("username") or "").strip().lower()
        ip_address = self.request.META.get("REMOTE_ADDR") if self.request else None
        if email and sign_in_is_throttled(kind=AttemptKind.FAILED_PASSWORD, email=email, ip_address=ip_address):
            raise ValidationError(
                "Too many failed sign-in attempts. Wait a few minutes, or ask for a sign-in link by email.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_sign_in_attempt(kind=AttemptKind.FAILED_PASSWORD, email=email, ip_address=ip_address)
            raise
        clear_sign_in_attempts(kind=AttemptKind.FAILED_PASSWORD, email=email)
        return cleaned
