"""Input of the single sign-on pages: the administrator's settings and the sign-in page's discovery."""

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.core.forms import BoundedForm
from turnabout.identity.models import SsoProtocol
from turnabout.identity.sso.social_apps import SECRET_VARIABLE_PREFIX


def split_list(text: str) -> list[str]:
    """Items separated by commas or new lines, stripped, empty ones dropped.

    >>> split_list("acme.example, eu.acme.example\\n\\nAdmins")
    ['acme.example', 'eu.acme.example', 'Admins']
    """
    return [item.strip() for line in text.splitlines() for item in line.split(",") if item.strip()]


class ProviderForm(BoundedForm):
    protocol = forms.ChoiceField(label=_("Protocol"), choices=SsoProtocol.choices, widget=forms.RadioSelect, initial=SsoProtocol.OIDC)
    display_name = forms.CharField(
        label=_("Name on the sign-in button"), max_length=100, help_text=_("The button says “Sign in with …”, e.g. “Acme Entra ID”.")
    )
    email_domains = forms.CharField(
        label=_("Email domains"),
        max_length=2000,
        help_text=_("Comma-separated, e.g. acme.example, eu.acme.example: they find the button by email."),
    )
    issuer_url = forms.CharField(label=_("Issuer URL"), max_length=500, required=False)
    client_id = forms.CharField(label=_("Client id"), max_length=255, required=False)
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=2000,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted. Leave empty to keep the stored one."),
    )
    client_secret_variable = forms.CharField(
        label=_("…or the server's environment variable that holds it"),
        max_length=100,
        required=False,
        help_text=format_lazy(_("Its name starts with {prefix}, e.g. {prefix}ACME."), prefix=SECRET_VARIABLE_PREFIX),
    )
    metadata_url = forms.CharField(label=_("IdP metadata URL"), max_length=500, required=False)
    metadata_xml = forms.CharField(
        label=_("…or the IdP metadata XML"), max_length=200_000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def clean_email_domains(self) -> list[str]:
        return split_list(self.cleaned_data["email_domains"])


class LoginChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.email


GROUPS_INPUT = forms.Textarea(attrs={"rows": 2})


class SignInRulesForm(BoundedForm):
    is_enabled = forms.BooleanField(label=_("Show “Sign in with …” on the sign-in page"), required=False)
    groups_claim = forms.CharField(
        label=_("Groups claim or SAML attribute"),
        max_length=300,
        required=False,
        help_text=_("e.g. groups (Okta, Entra ID OIDC), http://schemas.microsoft.com/ws/2008/06/identity/claims/groups (Entra ID SAML)."),
    )
    # Lists: one group a line, or separated by commas (split_list).
    admin_groups = forms.CharField(label=_("Administrator groups"), max_length=2000, required=False, widget=GROUPS_INPUT)
    program_manager_groups = forms.CharField(label=_("Program manager groups"), max_length=2000, required=False, widget=GROUPS_INPUT)
    sponsor_groups = forms.CharField(label=_("Sponsor groups"), max_length=2000, required=False, widget=GROUPS_INPUT)
    is_sso_only = forms.BooleanField(
        label=_("SSO only: employees cannot sign in with a password or an emailed link"),
        required=False,
        help_text=_("Guests outside the directory and the break-glass administrator still can."),
    )
    break_glass_admin = LoginChoiceField(
        label=_("Break-glass administrator"), queryset=User.objects.none(), required=False, empty_label=_("Nobody (needed for SSO only)")
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["break_glass_admin"]
        assert isinstance(field, LoginChoiceField)
        field.queryset = User.objects.filter(
            organisation=organisation, role=AccountRole.ADMIN, is_active=True, is_service_account=False
        ).order_by("email")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("admin_groups", "program_manager_groups", "sponsor_groups"):
            cleaned[name] = tuple(split_list(cleaned.get(name) or ""))
        return cleaned


class DiscoverForm(BoundedForm):
    email = forms.CharField(label=_("Your work email or your organisation's short name"), max_length=254, required=False)
    # The sign-in page's email field (its name is username) finds the button as the person types.
    username = forms.CharField(max_length=254, required=False)
    organisation = forms.SlugField(max_length=60, required=False)
