"""Errors of single sign-on, each with a stable code; the message is what the person or administrator reads."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from turnabout.identity.errors import IdentityError


class SsoError(IdentityError):
    code = "sso_error"


class SsoConfigurationInvalid(SsoError):
    """What the administrator entered cannot work; the message names the field and the fix."""

    code = "sso_configuration_invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SsoTurnedOff(SsoError):
    """The organisation's identity provider is configured but not turned on: nobody signs in through it."""

    code = "sso_turned_off"

    def __init__(self, display_name: str) -> None:
        super().__init__(
            gettext("Single sign-on with %(provider)s is turned off. Sign in with a password or an emailed link.")
            % {"provider": display_name}
        )


class SecretUnreadable(SsoError):
    code = "sso_secret_unreadable"


class RefusalReason(models.TextChoices):
    NOT_IN_DIRECTORY = "not_in_directory", _("No directory person has this email")
    EMAIL_NOT_VERIFIED = "email_not_verified", _("The identity provider did not verify the email")
    NO_EMAIL = "no_email", _("The identity provider sent no email")
    LEFT = "left", _("The directory lists the person as having left")
    DEACTIVATED = "deactivated", _("The login is deactivated")
    LOGIN_ELSEWHERE = "login_elsewhere", _("The email has a login in another organisation")
    REPLAYED = "replayed", _("The SAML assertion was already used")
    PROVIDER_ERROR = "provider_error", _("The identity provider's answer was refused")
    CANCELLED = "cancelled", _("Signing in was cancelled at the identity provider")


class SsoSignInRefused(SsoError):
    """A sign-in through the identity provider that lets nobody in; ``reason`` says which rule refused it."""

    code = "sso_sign_in_refused"

    def __init__(self, message: str, *, reason: RefusalReason) -> None:
        super().__init__(message)
        self.reason = reason
