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
