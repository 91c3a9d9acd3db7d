"""Pair health, the pure assessment: metadata in, state, score and reasons out. No ORM, no writes.

The reads gathering the facts are in ``engagement.queries``; the refresh that stores the assessment on the pair
is in ``engagement.health``.

The score starts at 100 and each concern takes points off (never below 0):

=============  ==========================================================================  ============
Concern        Measured as                                                                 Points off
=============  ==========================================================================  ============
Overdue        days since the last held meeting (or since the pair started) beyond the     35, or 65
               agreed cadence plus a 25 % grace; beyond twice the cadence it is serious
Cancellations  consecutive cancelled meetings since the last held one; each weighs 1,      20 per unit,
               a senior-side (mentee) cancellation 1.5                                      at most 70
Pulse trend    mean of the last 3 pulse ratings against the mean of the 3 before           20, or 40
               (needs 6 pulses); a fall of 1 point or more, or of 2 points or more
Goal activity  days since any goal or milestone was created or updated (since the pair     20, or 35
               started when it has none): 60 days or more, or 120 days or more
Concerns       open concerns a participant raised with the program manager (either side;   40
               the reason does not say which)
Missing pulses a circle only: half or more of the members sent no pulse for the last held     20
               meeting (counts only, never names)
=============  ==========================================================================  ============

A circle's pulse trend runs on each meeting's mean rating (``meeting_pulse_means``) instead of single ratings, so
a circle of eight is read meeting by meeting like a pair. Pairs keep the defaults (two members, no means), which
give exactly the numbers they had before circles.

States: healthy at 70 or more, watch from 40 to 69, at risk below 40. Reasons are phrased from metadata
only (counts, dates, ratings), never from notes, pulse text, agendas or goal contents.

A reason is stored as its code and params ({"code", "params", "text"}) and worded when shown, in the reader's
language with the program's current labels (``describe_reason``, ``stored_reason_text``); the stored text, in the
language of the refresh, is only the fallback for rows stored before reasons had params.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from turnabout.engagement.models import HealthState
from turnabout.programs.models import CADENCE_DAYS, Cadence, Program, Role

HEALTHY_FROM = 70
WATCH_FROM = 40
OVERDUE_GRACE = 0.25
OVERDUE_POINTS = 35
SERIOUSLY_OVERDUE_POINTS = 65
CANCELLATION_POINTS_PER_WEIGHT = 20
CANCELLATION_MAX_POINTS = 70
SENIOR_CANCELLATION_WEIGHT = 1.5
PULSE_WINDOW = 3
PULSE_FALL_POINTS = ((2.0, 40), (1.0, 20))
GOAL_IDLE_POINTS = ((120, 35), (60, 20))
# An open concern alone puts a pair on watch (100 − 40 < HEALTHY_FROM) until the program manager resolves it.
OPEN_CONCERN_POINTS = 40
# A circle where half or more of the members sent no pulse for the last held meeting.
MISSING_PULSE_POINTS = 20

# The cadence as an adjective in a sentence: "against a monthly cadence", "every fortnightly meeting".
CADENCE_NAMES = {
    Cadence.EVERY_2_WEEKS: pgettext_lazy("cadence adjective", "fortnightly"),
    Cadence.MONTHLY: pgettext_lazy("cadence adjective", "monthly"),
    Cadence.EVERY_2_MONTHS: pgettext_lazy("cadence adjective", "two-monthly"),
    Cadence.QUARTERLY: pgettext_lazy("cadence adjective", "quarterly"),
}


# --- The pure assessment -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastMeeting:
    """A meeting that happened or was cancelled: its date and, when cancelled, the side that cancelled."""

    on: date
    held: bool
    cancelled_by_role: str = ""


@dataclass(frozen=True)
class HealthFacts:
    """Everything health looks at: metadata of one pair, no content.

    ``meetings`` are held or cancelled meetings up to today in any order; ``pulse_ratings`` are newest first.
    """

    started_on: date
    cadence_days: int
    cadence_name: str
    # The cadence's key ("monthly"); without one (facts built by hand) ``cadence_name`` stands in for it.
    cadence: str = ""
    meetings: tuple[PastMeeting, ...] = ()
    pulse_ratings: tuple[int, ...] = ()
    has_goals: bool = False
    last_goal_activity_on: date | None = None
    mentor_label: str = "mentor"
    mentee_label: str = "mentee"
    open_concerns: int = 0
    # Circles: how many current members, each held meeting's mean pulse rating (newest first), and how many pulses
    # the last held meeting got (None when nothing was held or the count is not known).
    member_count: int = 2
    meeting_pulse_means: tuple[float, ...] = ()
    last_meeting_pulses: int | None = None

    @property
    def last_held_on(self) -> date | None:
        return max((meeting.on for meeting in self.meetings if meeting.held), default=None)


# A reason's params are plain JSON values: counts, days, ratings and keys, never words of a language.
ReasonParams = dict[str, Any]


@dataclass(frozen=True)
class HealthReason:
    """One concern: its code and params (what ``describe_reason`` words), the sentence in the active language
    when assessed, and the points it takes off."""

    code: str
    text: str
    points: int
    params: ReasonParams = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params, "text": self.text}


@dataclass(frozen=True)
class HealthAssessment:
    state: HealthState
    score: int
    reasons: tuple[HealthReason, ...]

    @property
    def reasons_json(self) -> list[dict[str, Any]]:
        return [reason.as_json() for reason in self.reasons]


def overdue_after_days(cadence_days: int) -> int:
    """Days without a held meeting after which a pair is overdue: the cadence plus 25 % grace.

    >>> overdue_after_days(30), overdue_after_days(14)
    (37, 17)
    """
    return math.floor(cadence_days * (1 + OVERDUE_GRACE))


def state_for_score(score: int) -> HealthState:
    """Healthy at 70 or more, watch from 40 to 69, at risk below 40.

    >>> [state_for_score(score).value for score in (100, 70, 69, 40, 39, 0)]
    ['healthy', 'healthy', 'watch', 'watch', 'at_risk', 'at_risk']
    """
    if score >= HEALTHY_FROM:
        return HealthState.HEALTHY
    if score >= WATCH_FROM:
        return HealthState.WATCH
    return HealthState.AT_RISK


def assess_health(facts: HealthFacts, *, today: date) -> HealthAssessment:
    """Score a pair from its metadata (see the module docstring for weights and thresholds).

    Examples
    --------
    A monthly pair that met 10 days ago is healthy:

    >>> from datetime import date, timedelta
    >>> today = date(2026, 3, 1)
    >>> met = PastMeeting(on=today - timedelta(days=10), held=True)
    >>> facts = HealthFacts(started_on=date(2026, 1, 1), cadence_days=30, cadence_name="monthly", meetings=(met,),
    ...                     has_goals=True, last_goal_activity_on=today)
    >>> assess_health(facts, today=today).state.value
    'healthy'

    45 days without a meeting is past the 37-day grace, so the pair is watched:

    >>> late = assess_health(facts, today=today + timedelta(days=35))
    >>> late.state.value, late.score, [reason.text for reason in late.reasons]
    ('watch', 65, ['no meeting held for 45 days against a monthly cadence'])

    The senior then cancelling two meetings in a row puts it at risk:

    >>> cancelled = tuple(PastMeeting(on=today + timedelta(days=d), held=False, cancelled_by_role="mentee") for d in (20, 30))
    >>> from dataclasses import replace
    >>> risky = assess_health(replace(facts, meetings=(met, *cancelled)), today=today + timedelta(days=35))
    >>> risky.state.value, risky.score, [reason.text for reason in risky.reasons][1]
    ('at_risk', 5, 'the mentee cancelled the last 2 meetings')
    """
    reasons = [
        reason
        for reason in (
            _overdue(facts, today),
            _cancellations(facts),
            _pulse_trend(facts),
            _goal_activity(facts, today),
            _open_concerns(facts),
            _missing_pulses(facts),
        )
        if reason is not None
    ]
    score = max(0, 100 - sum(reason.points for reason in reasons))
    return HealthAssessment(state=state_for_score(score), score=score, reasons=tuple(reasons))


# --- Reasons in words ----------------------------------------------------------------------------------------------


def _cadence_name(cadence: str) -> str:
    """The cadence adjective for a key in the active language; a value that is not a key (a name given by hand) as is."""
    return str(CADENCE_NAMES[Cadence(cadence)]) if cadence in Cadence.values else cadence


def describe_reason(code: str, params: ReasonParams, *, mentor_label: str, mentee_label: str) -> str:
    """A reason's sentence from its code and params, in the active language with the program's labels.

    Raises KeyError for an unknown code or missing params.

    >>> describe_reason("overdue", {"variant": "since_last", "days": 45, "cadence": "monthly"}, mentor_label="mentor",
    ...                 mentee_label="mentee")
    'no meeting held for 45 days against a monthly cadence'
    >>> describe_reason("cancellations", {"variant": "by_mentee", "count": 2, "senior": 2}, mentor_label="guide",
    ...                 mentee_label="learner")
    'the learner cancelled the last 2 meetings'
    """
    if code == "overdue":
        days = params["days"]
        values = {"days": days, "cadence": _cadence_name(params["cadence"])}
        if params["variant"] == "never_met":
            text = ngettext(
                "no meeting held in the %(days)d day since the pair started, against a %(cadence)s cadence",
                "no meeting held in the %(days)d days since the pair started, against a %(cadence)s cadence",
                days,
            )
        else:
            text = ngettext(
                "no meeting held for %(days)d day against a %(cadence)s cadence",
                "no meeting held for %(days)d days against a %(cadence)s cadence",
                days,
            )
        return text % values
    if code == "cancellations":
        variant, count, by_senior = params["variant"], params["count"], params["senior"]
        values = {"count": count, "senior": by_senior, "mentor": mentor_label, "mentee": mentee_label}
        if variant == "by_mentee":
            text = ngettext("the %(mentee)s cancelled the last meeting", "the %(mentee)s cancelled the last %(count)d meetings", count)
        elif variant == "by_mentor":
            text = ngettext("the %(mentor)s cancelled the last meeting", "the %(mentor)s cancelled the last %(count)d meetings", count)
        elif variant == "both_sides":
            # Both sides cancelled, so there are at least two meetings; the plural follows how many the senior cancelled.
            text = ngettext(
                "the last %(count)d meetings were cancelled, %(senior)d by the %(mentee)s",
                "the last %(count)d meetings were cancelled, %(senior)d by the %(mentee)s",
                by_senior,
            )
        else:
            text = ngettext("the last meeting was cancelled", "the last %(count)d meetings were cancelled", count)
        return text % values
    if code == "pulse":
        return _("pulse ratings fell from %(before)s to %(recent)s") % {
            "before": _one_decimal(params["before"]),
            "recent": _one_decimal(params["recent"]),
        }
    if code == "goals":
        days = params["days"]
        if params["variant"] == "idle":
            text = ngettext("no goal updated for %(days)d day", "no goal updated for %(days)d days", days)
        else:
            text = ngettext(
                "no goal set in the %(days)d day since the pair started",
                "no goal set in the %(days)d days since the pair started",
                days,
            )
        return text % {"days": days}
    if code == "open_concern":
        count = params["count"]
        return ngettext(
            "%(count)d open concern raised with the program manager",
            "%(count)d open concerns raised with the program manager",
            count,
        ) % {"count": count}
    if code == "missing_pulses":
        missing, members = params["missing"], params["members"]
        return ngettext(
            "%(missing)d of %(members)d members sent no pulse for the last meeting",
            "%(missing)d of %(members)d members sent no pulse for the last meeting",
            missing,
        ) % {"missing": missing, "members": members}
    raise KeyError(code)


def _reason(code: str, params: ReasonParams, facts: HealthFacts, points: int) -> HealthReason:
    text = describe_reason(code, params, mentor_label=facts.mentor_label, mentee_label=facts.mentee_label)
    return HealthReason(code=code, text=text, points=points, params=params)


def stored_reason_text(reason: Any, program: Program) -> str:
    """A stored reason in words, in the active language with the program's current labels.

    A reason stored without params (before reasons had them), or one whose params no longer word, shows its stored text.
    """
    if not isinstance(reason, dict):
        return str(reason)
    params = reason.get("params")
    if isinstance(params, dict):
        try:
            return describe_reason(reason.get("code", ""), params, mentor_label=program.mentor_label, mentee_label=program.mentee_label)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            pass
    return str(reason.get("text", ""))


def stored_reason_texts(reasons: Iterable[Any], program: Program) -> list[str]:
    return [stored_reason_text(reason, program) for reason in reasons]


def _overdue(facts: HealthFacts, today: date) -> HealthReason | None:
    last_held = facts.last_held_on
    days = max(0, (today - (last_held or facts.started_on)).days)
    if days <= overdue_after_days(facts.cadence_days):
        return None
    points = SERIOUSLY_OVERDUE_POINTS if days > 2 * facts.cadence_days else OVERDUE_POINTS
    variant = "never_met" if last_held is None else "since_last"
    return _reason("overdue", {"variant": variant, "days": days, "cadence": facts.cadence or facts.cadence_name}, facts, points)


def cancellation_streak(meetings: Iterable[PastMeeting]) -> tuple[PastMeeting, ...]:
    """The cancelled meetings since the last held one, newest first.

    >>> streak = cancellation_streak([PastMeeting(date(2026, 1, 1), False, "mentee"), PastMeeting(date(2026, 2, 1), True),
    ...                               PastMeeting(date(2026, 3, 1), False, "mentor"), PastMeeting(date(2026, 4, 1), False, "mentee")])
    >>> [meeting.cancelled_by_role for meeting in streak]
    ['mentee', 'mentor']
    """
    streak: list[PastMeeting] = []
    # Held before cancelled on the same day: a pair that cancelled and then met anyway has no streak.
    for meeting in sorted(meetings, key=lambda item: (item.on, item.held), reverse=True):
        if meeting.held:
            break
        streak.append(meeting)
    return tuple(streak)


def _cancellations(facts: HealthFacts) -> HealthReason | None:
    streak = cancellation_streak(facts.meetings)
    if not streak:
        return None
    by_senior = sum(1 for meeting in streak if meeting.cancelled_by_role == Role.MENTEE)
    weight = len(streak) + (SENIOR_CANCELLATION_WEIGHT - 1) * by_senior
    points = min(CANCELLATION_MAX_POINTS, round(CANCELLATION_POINTS_PER_WEIGHT * weight))
    sides = {meeting.cancelled_by_role for meeting in streak}
    if sides == {Role.MENTEE}:
        variant = "by_mentee"
    elif sides == {Role.MENTOR}:
        variant = "by_mentor"
    else:
        variant = "both_sides" if by_senior else "unknown_side"
    return _reason("cancellations", {"variant": variant, "count": len(streak), "senior": by_senior}, facts, points)


def _one_decimal(value: float) -> str:
    """``value`` rounded to one decimal as the active language writes it: 4.7, or 4,7.

    >>> _one_decimal(14 / 3)
    '4.7'
    """
    return number_format(Decimal(f"{value:.1f}"), 1)


def _pulse_trend(facts: HealthFacts) -> HealthReason | None:
    # A circle's trend runs on each meeting's mean, a pair's on its single ratings.
    ratings: tuple[float, ...] = facts.meeting_pulse_means if facts.member_count > 2 else tuple(facts.pulse_ratings)
    if len(ratings) < 2 * PULSE_WINDOW:
        return None
    recent = sum(ratings[:PULSE_WINDOW]) / PULSE_WINDOW
    before = sum(ratings[PULSE_WINDOW : 2 * PULSE_WINDOW]) / PULSE_WINDOW
    fall = round(before - recent, 6)
    for threshold, points in PULSE_FALL_POINTS:
        if fall >= threshold:
            # Stored rounded as shown; worded in the reader's number format (4.7, or 4,7).
            return _reason("pulse", {"before": float(f"{before:.1f}"), "recent": float(f"{recent:.1f}")}, facts, points)
    return None


def _goal_activity(facts: HealthFacts, today: date) -> HealthReason | None:
    since = facts.last_goal_activity_on if facts.has_goals and facts.last_goal_activity_on else facts.started_on
    days = max(0, (today - since).days)
    for threshold, points in GOAL_IDLE_POINTS:
        if days >= threshold:
            return _reason("goals", {"variant": "idle" if facts.has_goals else "none_set", "days": days}, facts, points)
    return None


def _open_concerns(facts: HealthFacts) -> HealthReason | None:
    """Open concerns, counted and never described: which side raised them, and what they say, stay with the manager's
    concerns page."""
    if facts.open_concerns == 0:
        return None
    return _reason("open_concern", {"count": facts.open_concerns}, facts, OPEN_CONCERN_POINTS)


def _missing_pulses(facts: HealthFacts) -> HealthReason | None:
    """Half or more of a circle's members sent no pulse for the last held meeting. Pairs are not assessed here:
    two pulses a meeting were never a health concern of their own."""
    if facts.member_count <= 2 or facts.last_meeting_pulses is None:
        return None
    missing = max(0, facts.member_count - facts.last_meeting_pulses)
    if 2 * missing < facts.member_count:
        return None
    return _reason("missing_pulses", {"missing": missing, "members": facts.member_count}, facts, MISSING_PULSE_POINTS)


def agreed_cadence(cadence: str | None, program: Program) -> str:
    """The cadence in the pair's latest agreement, or the program's when it is not one we know."""
    return cadence if cadence in CADENCE_DAYS else program.cadence
