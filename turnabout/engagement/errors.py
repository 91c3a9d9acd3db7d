"""Domain errors for running pairs; each carries a stable code for the API."""


class EngagementError(Exception):
    code = "engagement_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
