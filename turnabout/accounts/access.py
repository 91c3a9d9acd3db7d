"""Who may act on behalf of which organisation. Every view and endpoint starts here."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from turnabout.accounts.models import AccountRole, Organisation, User

MANAGING_ROLES = frozenset({AccountRole.ADMIN, AccountRole.PROGRAM_MANAGER})


def access_organisation(user: User, *, roles: frozenset[str] | None = None) -> Organisation:
    """The signed-in user's organisation, if their role is among ``roles`` (any role when None).

    Raises PermissionDenied for anonymous users, users without an organisation, and other roles.
    """
    if not user.is_authenticated or not user.is_active or user.organisation_id is None:
        raise PermissionDenied(_("You are not a member of an organisation."))
    if roles is not None and user.role not in roles:
        raise PermissionDenied(_("Your role does not allow this."))
    assert user.organisation is not None
    return user.organisation


def access_managed_organisation(user: User) -> Organisation:
    """The organisation, for admins and program managers only."""
    return access_organisation(user, roles=MANAGING_ROLES)


def access_admin_organisation(user: User) -> Organisation:
    """The organisation, for its administrators only."""
    return access_organisation(user, roles=frozenset({AccountRole.ADMIN}))
