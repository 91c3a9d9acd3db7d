"""Domain errors for sign-in, user administration and API tokens; each carries a stable code."""

from turnabout.core.errors import DomainError


class IdentityError(DomainError):
    code = "identity_error"


class LinkInvalid(IdentityError):
    """No link has this token: mistyped, truncated by a mail client, or tampered with."""

    code = "link_invalid"


class LinkUsed(IdentityError):
    code = "link_used"


class LinkExpired(IdentityError):
    code = "link_expired"


class SignInRefused(IdentityError):
    """The link is sound but its holder may not sign in (left the organisation, login deactivated)."""

    code = "sign_in_refused"


class AlreadySetUp(IdentityError):
    code = "already_set_up"


class LastAdmin(IdentityError):
    code = "last_admin"


class NotInDirectory(IdentityError):
    code = "not_in_directory"


class LoginElsewhere(IdentityError):
    """The address already has a login in another organisation: one login belongs to one organisation."""

    code = "login_elsewhere"


class GuestRoleRefused(IdentityError):
    """The guest role comes only with a program's invitation of a guest, and a guest's login keeps it: user
    administration neither gives it nor changes it (the program manager extends or ends a guest's access)."""

    code = "guest_role_refused"


class GuestAccessEnded(IdentityError):
    """A guest's access ended (``Person.access_ends_on`` passed): their login is not reactivated nor sent a link."""

    code = "guest_access_ended"
