"""Domain errors for running pairs; each carries a stable code for the API."""

from turnabout.core.errors import DomainError


class EngagementError(DomainError):
    code = "engagement_error"


class PairNotActive(EngagementError):
    code = "pair_not_active"


class AlreadySigned(EngagementError):
    code = "already_signed"


class InvalidMeeting(EngagementError):
    code = "invalid_meeting"


class InvalidPulse(EngagementError):
    code = "invalid_pulse"


class NotAllowed(EngagementError):
    code = "not_allowed"


class PulseLinkExpired(InvalidPulse):
    """A genuine pulse link older than its maximum age."""

    code = "pulse_link_expired"


class InvalidEntry(EngagementError):
    """Something a participant wrote or set is missing or out of range: a goal without a title, progress past 100 %."""

    code = "invalid_entry"


class QuoteWithdrawn(EngagementError):
    """The quote's author withdrew it: it can no longer be chosen, shown or edited."""

    code = "quote_withdrawn"


class AlreadyInCircle(EngagementError):
    """An enrolment asked to join a circle is already a current member of an open pair or circle."""

    code = "already_in_circle"


class InvalidCircle(EngagementError):
    """A circle asked for without a mentor or a mentee, or with someone from another program or on the wrong side."""

    code = "invalid_circle"
