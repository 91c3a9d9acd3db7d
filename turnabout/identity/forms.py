from django import forms
from django.contrib.auth.password_validation import validate_password

from turnabout.accounts.models import Role
from turnabout.identity.models import TokenScope
from turnabout.identity.tokens import EXPIRY_CHOICES_DAYS


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label="Your work email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class SetUpForm(forms.Form):
    organisation_name = forms.CharField(label="Organisation name", max_length=200)
    admin_email = forms.EmailField(label="Your email (the first administrator)", max_length=254)
    admin_name = forms.CharField(label="Your name", max_length=200, required=False)


class GrantRoleForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254, help_text="A login, someone in the directory, or someone from outside.")
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    full_name = forms.CharField(label="Name (only for someone outside the directory)", max_length=200, required=False)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class LoginSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *Role.choices])


class TokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="What uses it, e.g. “HR dashboard sync”.")
    scope = forms.ChoiceField(label="Scope", choices=TokenScope.choices, initial=TokenScope.READ)
    expires_in_days = forms.TypedChoiceField(
        label="Expires after", coerce=int, choices=[(days, f"{days} days") for days in EXPIRY_CHOICES_DAYS], initial=90
    )


class ChoosePasswordForm(forms.Form):
    """A first password for a login that signed in by link, or a new one."""

    password = forms.CharField(label="New password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), max_length=200)
    confirm = forms.CharField(label="The same again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), max_length=200)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        password, confirm = cleaned.get("password"), cleaned.get("confirm")
        if password and confirm and password != confirm:
            self.add_error("confirm", "The two passwords differ.")
        elif password:
            try:
                validate_password(str(password), self.user)  # type: ignore[arg-type]
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned
