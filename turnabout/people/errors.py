"""Domain errors for the people directory; each carries a stable code for the API."""

from turnabout.core.errors import DomainError


class PeopleError(DomainError):
    code = "people_error"


class ManagerCycle(PeopleError):
    code = "manager_cycle"


class ImportFileUnreadable(PeopleError):
    """The uploaded file is not a CSV or XLSX we can read (wrong type, not UTF-8, no header row)."""

    code = "import_file_unreadable"


class ImportRejected(PeopleError):
    """An HRIS import found problems; nothing was written. ``problems`` lists them (row, column, value, reason)."""

    code = "import_rejected"

    def __init__(self, message: str, *, problems: list, problem_count: int) -> None:  # type: ignore[type-arg]
        super().__init__(message)
        self.problems = problems
        self.problem_count = problem_count


class ImportAlreadyApplied(PeopleError):
    code = "import_already_applied"


class CommunityError(PeopleError):
    code = "community_error"


class CommunityNameTaken(CommunityError):
    code = "community_name_taken"


class CommunityClosed(CommunityError):
    """Only an open community takes members who join, or let go of members who leave, themselves."""

    code = "community_closed"


class CellRefused(ValueError):
    """One cell of an HRIS file cannot be stored; the message is the reason the import's problem list shows after the
    cell's value (e.g. "is not an email address"). Caught by the import and turned into a problem, never shown raw."""


class GuestNotInCommunity(CommunityError):
    """Communities are the organisation's own: a guest from outside is never a member or a lead of one."""

    code = "guest_not_in_community"
