"""The "SSO only" policy, and the end of a guest's access: who may still sign in with a password or an emailed link.

When an organisation turns "SSO only" on, its employees — logins linked to a directory person, and the people
themselves — sign in only through the organisation's identity provider. Logins without a person (an invited sponsor
from outside) and the designated break-glass administrator keep passwords and emailed links, so a broken identity
provider never locks the organisation out. Guests (``Person.is_guest``: outside participants a program manager
invited) are not in the organisation's identity provider, so they are never held to "SSO only" either: they sign in by
emailed link until their ``access_ends_on``, and from the day after it not at all (``guest_access_refusal``).

Passwords are refused by ``backends.SingleSignOnPolicyBackend``. Emailed links are refused where identity issues
and redeems them, by calling ``sign_in_refusal`` (identity/links.py).
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from turnabout.accounts.models import User
from turnabout.identity.models import IdentityProvider
from turnabout.people.models import Person


def sso_only_provider(*, user: User | None = None, person: Person | None = None) -> IdentityProvider | None:
    """The identity provider ``user`` (or ``person``) must sign in through, or None when passwords and links are allowed.

    An employee is a login linked to a directory person, or the person; the break-glass administrator, logins
    without a person and guests are never held to "SSO only". Reads only (one query, two when only a user is given).
    """
    if person is None and user is not None:
        person = Person.objects.filter(user=user).first()
    if person is None or person.is_guest:
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


def guest_access_refusal(*, person: Person) -> str | None:
    """Why the guest ``person`` may no longer sign in (their ``access_ends_on`` is before today, the server's local
    date), naming the day; None for an employee and for a guest whose access lasts. Reads nothing."""
    if not person.guest_access_ended(timezone.localdate()):
        return None
    assert person.access_ends_on is not None
    return _("Your guest access to Turnabout ended on %(date)s. Ask the program manager who invited you to extend it.") % {
        "date": date_format(person.access_ends_on, "j F Y")
    }


def sign_in_refusal(*, user: User | None = None, person: Person | None = None) -> str | None:
    """Why ``user`` (or ``person``) may not sign in with a password or an emailed link, or None when they may.

    Call it before issuing or redeeming a link and before checking a password; the message says where to sign in,
    or, for a guest whose access ended, that it ended and when.
    """
    if person is None and user is not None:
        person = Person.objects.filter(user=user).first()
    if person is None:
        return None
    if (ended := guest_access_refusal(person=person)) is not None:
        return ended
    provider = sso_only_provider(user=user, person=person)
    if provider is None:
        return None
    return (
        f"{provider.organisation.name} signs in only with single sign-on: use “Sign in with {provider.display_name}” on the sign-in page."
    )
