from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import AccountRole, AuditAction, AuditGroup
from turnabout.core.forms import BoundedForm
from turnabout.identity.models import TokenScope
from turnabout.identity.queries import AuditFilters
from turnabout.identity.tokens import EXPIRY_CHOICES_DAYS


class LinkRequestForm(BoundedForm):
    email = forms.EmailField(label=_("Your work email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class SetUpForm(BoundedForm):
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    admin_email = forms.EmailField(label=_("Your email (the first administrator)"), max_length=254)
    admin_name = forms.CharField(label=_("Your name"), max_length=200, required=False)


# The roles user administration gives: every role but guest, which comes only with a program's invitation of a guest.
GRANTED_ROLE_CHOICES = [(value, label) for value, label in AccountRole.choices if value != AccountRole.GUEST]


class GrantRoleForm(BoundedForm):
    email = forms.EmailField(label=_("Email"), max_length=254, help_text=_("A login, someone in the directory, or someone from outside."))
    role = forms.ChoiceField(label=_("Role"), choices=GRANTED_ROLE_CHOICES)
    full_name = forms.CharField(label=_("Name (only for someone outside the directory)"), max_length=200, required=False)


class ChangeRoleForm(BoundedForm):
    role = forms.ChoiceField(label=_("Role"), choices=GRANTED_ROLE_CHOICES)


class LoginSearchForm(BoundedForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("Any role")), *AccountRole.choices])


class AuditFilterForm(BoundedForm):
    """The audit page's filters: every field optional; dates are whole days in the site's time zone."""

    group = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Every kind")), *AuditGroup.choices])
    action = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("Every event")), *AuditAction.choices])
    actor = forms.CharField(label=_("Who (email or name)"), required=False, max_length=200)
    about = forms.CharField(label=_("About (email, name or employee id)"), required=False, max_length=200)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", gettext("The last day comes before the first: swap them."))
        return cleaned

    def filters(self) -> AuditFilters | None:
        """The filters asked for (none: everything), or None when the form is refused (it shows why)."""
        if not self.is_bound:
            return AuditFilters()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return AuditFilters(
            group=AuditGroup(data["group"]) if data["group"] else None,
            action=AuditAction(data["action"]) if data["action"] else None,
            actor=data["actor"].strip(),
            about=data["about"].strip(),
            since=data["since"],
            until=data["until"],
        )


class TokenForm(BoundedForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses it, e.g. “HR dashboard sync”."))
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=[(days, ngettext_lazy("%(days)d day", "%(days)d days", days) % {"days": days}) for days in EXPIRY_CHOICES_DAYS],
        initial=90,
    )


class ChoosePasswordForm(BoundedForm):
    """A first password for a login that signed in by link, or a new one."""

    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), max_length=200)
    confirm = forms.CharField(label=_("The same again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), max_length=200)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        password, confirm = cleaned.get("password"), cleaned.get("confirm")
        if password and confirm and password != confirm:
            self.add_error("confirm", gettext("The two passwords differ."))
        elif password:
            try:
                validate_password(str(password), self.user)  # type: ignore[arg-type]
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned
