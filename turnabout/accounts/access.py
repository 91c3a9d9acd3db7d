"""Who may act on behalf of which organisation. Every view and endpoint starts here."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from turnabout.accounts.models import AccountRole, Organisation, User

MANAGING_ROLES = frozenset({AccountRole.ADMIN, AccountRole.PROGRAM_MANAGER})
# The organisation's own people: every role but guests. A page open to "any role" is open to these.
MEMBER_ROLES = frozenset(role for role in AccountRole if role != AccountRole.GUEST)
# Pages of a participant's own programs, pairs and guides, which guests from outside reach too.
WITH_GUESTS = frozenset(AccountRole)


def access_organisation(user: User, *, roles: frozenset[str] | None = None) -> Organisation:
    """The signed-in user's organisation, if their role is among ``roles`` (``MEMBER_ROLES`` when None: guests from
    outside reach only the pages that name them, with ``WITH_GUESTS``).

    Raises PermissionDenied for anonymous users, users without an organisation, and other roles.
    """
    if not user.is_authenticated or not user.is_active or user.organisation_id is None:
        raise PermissionDenied(_("You are not a member of an organisation."))
    if user.role not in (MEMBER_ROLES if roles is None else roles):
        raise PermissionDenied(_("Your role does not allow this."))
    assert user.organisation is not None
    return user.organisation


def access_managed_organisation(user: User) -> Organisation:
    """The organisation, for admins and program managers only."""
    return access_organisation(user, roles=MANAGING_ROLES)


def access_admin_organisation(user: User) -> Organisation:
    """The organisation, for its administrators only."""
    return access_organisation(user, roles=frozenset({AccountRole.ADMIN}))
