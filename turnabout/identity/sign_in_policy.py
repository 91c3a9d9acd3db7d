"""The "SSO only" policy: who may still sign in with a password or an emailed link.

When an organisation turns "SSO only" on, its employees — logins linked to a directory person, and the people
themselves — sign in only through the organisation's identity provider. Guests (logins without a person, such as an
invited sponsor from outside) and the designated break-glass administrator keep passwords and emailed links, so a
broken identity provider never locks the organisation out.

Passwords are refused by ``backends.SingleSignOnPolicyBackend``. Emailed links are refused where identity issues
and redeems them, by calling ``sign_in_refusal`` (identity/links.py).
"""

from urllib.parse import urlencode

from django.urls import reverse

from turnabout.accounts.models import User
from turnabout.identity.models import IdentityProvider
from turnabout.people.models import Person


def sso_only_provider(*, user: User | None = None, person: Person | None = None) -> IdentityProvider | None:
    """The identity provider ``user`` (or ``person``) must sign in through, or None when passwords and links are allowed.

    An employee is a login linked to a directory person, or the person; the break-glass administrator and logins
    without a person are never held to "SSO only". Reads only (one query, two when only a user is given).
    """
    if person is None and user is not None:
        person = Person.objects.filter(user=user).first()
    if person is None:
        return None
    provider = IdentityProvider.objects.select_related("organisation").filter(organisation_id=person.organisation_id).first()
    if provider is None or not provider.is_enabled or not provider.is_sso_only:
        return None
    login_id = user.pk if user is not None else person.user_id
    if login_id is not None and login_id == provider.break_glass_admin_id:
        return None
    return provider


def sso_sign_in_path(identity_provider: IdentityProvider, *, next_path: str = "") -> str:
    """The page with the organisation's "Sign in with …" button, keeping where the person was going."""
    path = reverse("sso:organisation", args=[identity_provider.organisation.slug])
    return f"{path}?{urlencode({'next': next_path})}" if next_path else path


def sign_in_refusal(*, user: User | None = None, person: Person | None = None) -> str | None:
    """Why ``user`` (or ``person``) may not sign in with a password or an emailed link, or None when they may.

    Call it before issuing or redeeming a link and before checking a password; the message says where to sign in.
    """
    provider = sso_only_provider(user=user, person=person)
    if provider is None:
        return None
    return (
        f"{provider.organisation.name} signs in only with single sign-on: use “Sign in with {provider.display_name}” on the sign-in page."
    )
