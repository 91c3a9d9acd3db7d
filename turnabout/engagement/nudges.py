"""Nudges, the pure part: when each is due (meeting reminders, past-cadence nudges, managers' weekly digests) and
their keys.

The reads finding what is due are in ``engagement.queries``; ``engagement.services.send_due_nudges`` only reads and
enqueues, and each task sends its email once under its key (``core.delivery``), so a job run twice, or a task
delivered twice, sends one email. Paused and closed pairs get no nudges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from turnabout.core.delivery import overdue_nudge_key
from turnabout.engagement.assessment import agreed_cadence, overdue_after_days
from turnabout.engagement.models import Pair
from turnabout.programs.models import CADENCE_DAYS, Cadence

REMINDER_LEAD = timedelta(hours=24)
# The digest covers the previous ISO week (Monday to Sunday) and goes out from Monday 08:00, server time.
DIGEST_WEEKDAY = 0
DIGEST_HOUR = 8


def iso_week(moment: datetime) -> str:
    """The ISO week of a moment in server time.

    >>> from datetime import UTC
    >>> iso_week(datetime(2027, 1, 1, 12, tzinfo=UTC))
    '2026-W53'
    """
    year, week, _weekday = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class OverdueStretch:
    """A pair past its cadence plus grace since ``since`` (its last held meeting, or its start when it never met)."""

    pair: Pair
    since: date
    never_met: bool
    cadence: Cadence

    @property
    def key(self) -> str:
        return overdue_nudge_key(self.pair.pk, self.since)


def overdue_stretch(pair: Pair, *, now: datetime) -> OverdueStretch | None:
    """The pair's overdue stretch at ``now``, or None when it is not overdue.

    ``pair`` needs the annotations of ``overdue_pairs``. A pair with a meeting already scheduled is not nudged:
    they have done what the nudge would ask.
    """
    if not pair.is_active or pair.has_upcoming:  # type: ignore[attr-defined]
        return None
    last_held_at = pair.last_held_at  # type: ignore[attr-defined]
    since = timezone.localdate(last_held_at) if last_held_at else pair.started_on
    cadence = Cadence(agreed_cadence(pair.agreed_cadence_value, pair.program))  # type: ignore[attr-defined]
    if (timezone.localdate(now) - since).days <= overdue_after_days(CADENCE_DAYS[cadence]):
        return None
    return OverdueStretch(pair=pair, since=since, never_met=last_held_at is None, cadence=cadence)


def digest_week_due(now: datetime) -> str | None:
    """The ISO week whose digest is due at ``now``: from Monday 08:00 on, else None (the week has just begun)."""
    local = timezone.localtime(now)
    if local.weekday() == DIGEST_WEEKDAY and local.hour < DIGEST_HOUR:
        return None
    return iso_week(now)


def digest_window(week: str) -> tuple[datetime, datetime]:
    """The week before the digest's week: from the previous Monday 00:00 to this Monday 00:00, server time."""
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    end = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    return end - timedelta(days=7), end
