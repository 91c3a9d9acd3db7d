"""Domain errors for matching; each carries a stable code for the API."""

from django.utils.translation import gettext as _

from turnabout.core.errors import DomainError


class MatchingError(DomainError):
    code = "matching_error"


class RunNotReady(MatchingError):
    code = "run_not_ready"


class AlreadyPublished(MatchingError):
    code = "already_published"


class StalePool(MatchingError):
    code = "stale_pool"

    def __init__(self, changes: list[str]) -> None:
        super().__init__(
            _("The pool changed since this run: %(changes)s. Re-run matching before publishing.") % {"changes": "; ".join(changes)}
        )
        self.changes = changes


class PairNoLongerAllowed(StalePool):
    """At acceptance: the directory changed since publishing, and the pair now breaks a hard rule."""

    code = "pair_no_longer_allowed"

    def __init__(self, changes: list[str]) -> None:
        message = _("This pair no longer meets the program's rules: %(changes)s. The program manager can rematch you.")
        MatchingError.__init__(self, message % {"changes": "; ".join(changes)})
        self.changes = changes


class NotYourTurn(MatchingError):
    code = "not_your_turn"


class MatchClosed(MatchingError):
    code = "match_closed"


class InvalidPairRule(MatchingError):
    code = "invalid_pair_rule"


class DeclineReasonRequired(MatchingError):
    code = "decline_reason_required"


class PinNotForCircles(MatchingError):
    """A pin of one mentor with one mentee, in a program that forms circles (pin a whole circle instead)."""

    code = "pin_not_for_circles"


class InvalidCircleRule(MatchingError):
    """A circle pin or ban that names someone outside the proposed circle, or a circle of another program."""

    code = "invalid_circle_rule"


class CircleNoLongerAllowed(PairNoLongerAllowed):
    """At acceptance: the directory changed since publishing, and the circle now breaks a hard rule."""

    code = "circle_no_longer_allowed"

    def __init__(self, changes: list[str]) -> None:
        message = _("This circle no longer meets the program's rules: %(changes)s. The program manager can form it again.")
        MatchingError.__init__(self, message % {"changes": "; ".join(changes)})
        self.changes = changes
