from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from turnabout.accounts.services import clear_failed_logins, login_is_throttled, record_failed_login


class ThrottledLoginForm(AuthenticationForm):
    """Email and password sign-in that refuses after repeated failures."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean(self) -> dict[str, Any]:
        email = (self.data.get("username") or "").strip().lower()
        ip_address = self.request.META.get("REMOTE_ADDR") if self.request else None
        if email and login_is_throttled(email=email, ip_address=ip_address):
            raise ValidationError(
                "Too many failed sign-in attempts. Wait a few minutes, or reset your password.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failed_login(email=email, ip_address=ip_address)
            raise
        clear_failed_logins(email=email)
        return cleaned
