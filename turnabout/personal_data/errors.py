"""Why a personal-data request was refused; each error carries a stable code."""

from turnabout.core.errors import DomainError


class PersonalDataError(DomainError):
    code = "personal_data_error"


class ErasureNotConfirmed(PersonalDataError):
    """The name typed to confirm an erasure is not the person's."""

    code = "erasure_not_confirmed"


class AlreadyErased(PersonalDataError):
    code = "already_erased"


class StillTakingPart(PersonalDataError):
    """The person is in an open pair or an open enrolment: ending those is a decision of its own, with its own figures."""

    code = "still_taking_part"


class UnknownLanguage(PersonalDataError):
    """A language Turnabout does not speak (not one of settings.LANGUAGES)."""

    code = "unknown_language"
