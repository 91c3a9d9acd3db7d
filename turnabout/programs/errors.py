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


class CircleSizesUnfillable(ProgramError):
    """The pool cannot fill even one of the program's circles (``rules.circle_size_problems`` says why)."""

    code = "circle_sizes_unfillable"

    def __init__(self, sentences: list[str]) -> None:
        super().__init__(" ".join(sentences))
        self.sentences = sentences


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


class GuestInvitationRefused(ProgramError):
    """An invitation of guests from outside that cannot go ahead; nothing of it was written."""

    code = "guest_invitation_refused"


class GuestIsEmployee(GuestInvitationRefused):
    code = "guest_is_employee"

    def __init__(self, *, email: str, name: str) -> None:
        super().__init__(
            gettext("%(email)s is in the directory as %(name)s, an employee: invite them as an employee instead.")
            % {"email": email, "name": name}
        )


class GuestLoginElsewhere(GuestInvitationRefused):
    """The address is a login of another organisation, or one reserved for a token's service login."""

    code = "guest_login_elsewhere"


class GuestAccessEndInvalid(GuestInvitationRefused):
    code = "guest_access_end_invalid"


class GuestOrganisationMissing(GuestInvitationRefused):
    code = "guest_organisation_missing"


class GuestGradeMissing(GuestInvitationRefused):
    code = "guest_grade_missing"


class GuestListInvalid(GuestInvitationRefused):
    """The list of guests itself: empty, or an address given twice."""

    code = "guest_list_invalid"


class GuestNotEligible(GuestInvitationRefused):
    code = "guest_not_eligible"

    def __init__(self, *, email: str, problems: list[str]) -> None:
        super().__init__(gettext("%(email)s cannot be invited: %(problems)s.") % {"email": email, "problems": "; ".join(problems)})
        self.problems = problems
