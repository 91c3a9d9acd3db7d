from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from turnabout.accounts.http import client_address
from turnabout.accounts.models import AttemptKind
from turnabout.accounts.services import clear_sign_in_attempts, record_sign_in_attempt, sign_in_wait_seconds
from turnabout.core.forms import BoundedTextMixin


class ThrottledLoginForm(BoundedTextMixin, AuthenticationForm):
    """Email and password sign-in that slows repeated failures down (exponential back-off, never a lock-out)."""

    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean(self) -> dict[str, Any]:
        # The checked address only: a raw one may hold what the database refuses (PostgreSQL: NUL), and without a
        # valid address nobody is authenticated, so there is nothing to throttle or record.
        email = (self.cleaned_data.get("username") or "").strip().lower()
        if not email:
            return super().clean()
        ip_address = client_address(self.request) if self.request else None
        wait = sign_in_wait_seconds(kind=AttemptKind.FAILED_PASSWORD, email=email, ip_address=ip_address)
        if wait:
            raise ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(seconds)s second, or ask for a sign-in link by email.",
                    "Too many failed sign-in attempts. Try again in %(seconds)s seconds, or ask for a sign-in link by email.",
                    wait,
                ),
                code="throttled",
                params={"seconds": wait},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_sign_in_attempt(kind=AttemptKind.FAILED_PASSWORD, email=email, ip_address=ip_address)
            raise
        clear_sign_in_attempts(kind=AttemptKind.FAILED_PASSWORD, email=email, ip_address=ip_address)
        return cleaned
