"""Domain errors for programs and enrolment; each carries a stable code for the API."""

from django.utils.translation import gettext

from turnabout.core.errors import DomainError


class ProgramError(DomainError):
    code = "program_error"


class NotReadyToLaunch(ProgramError):
    code = "not_ready_to_launch"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(gettext("The program is not ready: %(problems)s") % {"problems": "; ".join(problems)})
        self.problems = problems


class ProgramNotDeletable(ProgramError):
    code = "program_not_deletable"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(gettext("This program cannot be deleted: %(problems)s.") % {"problems": "; ".join(problems)})
        self.problems = problems


class InvalidTransition(ProgramError):
    code = "invalid_transition"


class FieldLocked(ProgramError):
    code = "field_locked"


class EnrolmentStateError(ProgramError):
    code = "enrolment_state"


class TrainingAnswerWrong(ProgramError):
    code = "training_answer_wrong"


class UnknownMatchSetting(ProgramError):
    """A stored matching setting the engine has no field for (its weights and rules are stored under its names)."""

    code = "unknown_match_setting"

    def __init__(self, names: list[str]) -> None:
        super().__init__(gettext("These are not matching settings: %(names)s.") % {"names": ", ".join(names)})
        self.names = names
