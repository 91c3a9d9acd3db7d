"""Nudges: what is due now (meeting reminders, past-cadence nudges, managers' weekly digests) and their keys.

``send_due_nudges`` only reads and enqueues; each task sends its email once under its key (``core.delivery``), so a
job run twice, or a task delivered twice, sends one email. Paused and closed pairs get no nudges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from turnabout.core.delivery import claimed_keys, meeting_reminder_key, overdue_nudge_key, weekly_digest_key
from turnabout.engagement.health import ProgramHealth, agreed_cadence, overdue_after_days, program_health, with_health_metadata
from turnabout.engagement.models import Meeting, MeetingStatus, Pair, PairStatus
from turnabout.programs.models import CADENCE_DAYS, Cadence, Program, ProgramStatus, Role

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


# --- What is due ---------------------------------------------------------------------------------------------------


def due_reminders(*, now: datetime) -> list[Meeting]:
    """Scheduled meetings of active pairs starting within the next 24 hours whose reminder is not sent yet."""
    meetings = list(
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + REMINDER_LEAD, pair__status=PairStatus.ACTIVE
        ).order_by("starts_at", "pk")
    )
    sent = claimed_keys(meeting_reminder_key(meeting.pk, meeting.starts_at) for meeting in meetings)
    return [meeting for meeting in meetings if meeting_reminder_key(meeting.pk, meeting.starts_at) not in sent]


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
    if pair.status != PairStatus.ACTIVE or pair.has_upcoming:  # type: ignore[attr-defined]
        return None
    last_held_at = pair.last_held_at  # type: ignore[attr-defined]
    since = timezone.localdate(last_held_at) if last_held_at else pair.started_on
    cadence = Cadence(agreed_cadence(pair.agreed_cadence_value, pair.program))  # type: ignore[attr-defined]
    if (timezone.localdate(now) - since).days <= overdue_after_days(CADENCE_DAYS[cadence]):
        return None
    return OverdueStretch(pair=pair, since=since, never_met=last_held_at is None, cadence=cadence)


def overdue_pairs(*, now: datetime, pair_ids: list[int] | None = None) -> list[OverdueStretch]:
    """Active pairs past their cadence (plus grace) with nothing scheduled, oldest pair first."""
    upcoming = Meeting.objects.filter(pair=OuterRef("pk"), status=MeetingStatus.SCHEDULED, starts_at__gt=now)
    pairs = (
        Pair.objects.filter(status=PairStatus.ACTIVE)
        .select_related("program", "mentor__person", "mentee__person")
        .annotate(has_upcoming=Exists(upcoming))
    )
    if pair_ids is not None:
        pairs = pairs.filter(pk__in=pair_ids)
    stretches = (overdue_stretch(pair, now=now) for pair in with_health_metadata(pairs).order_by("pk"))
    return [stretch for stretch in stretches if stretch is not None]


def digest_week_due(now: datetime) -> str | None:
    """The ISO week whose digest is due at ``now``: from Monday 08:00 on, else None (the week has just begun)."""
    local = timezone.localtime(now)
    if local.weekday() == DIGEST_WEEKDAY and local.hour < DIGEST_HOUR:
        return None
    return iso_week(now)


def digest_programs() -> list[Program]:
    """Programs that have open pairs and are not closed."""
    return list(
        Program.objects.exclude(status=ProgramStatus.CLOSED)
        .filter(pairs__status__in=[PairStatus.ACTIVE, PairStatus.PAUSED])
        .distinct()
        .order_by("pk")
    )


def digest_window(week: str) -> tuple[datetime, datetime]:
    """The week before the digest's week: from the previous Monday 00:00 to this Monday 00:00, server time."""
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    end = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    return end - timedelta(days=7), end


@dataclass(frozen=True)
class SeniorCancellations:
    mentor_name: str
    mentee_name: str
    count: int


@dataclass(frozen=True)
class WeeklyDigest:
    """What the digest says: metadata only (states, names, reasons from metadata, counts)."""

    program: Program
    week: str
    starts_on: date
    ends_on: date
    health: ProgramHealth
    meetings_held: int
    senior_cancellations: list[SeniorCancellations]

    @property
    def senior_cancellation_count(self) -> int:
        return sum(item.count for item in self.senior_cancellations)


def senior_cancellations(program: Program, *, start: datetime, end: datetime) -> list[SeniorCancellations]:
    """Meetings the senior side cancelled in the window, per pair (flagged to managers in the digest)."""
    counts: dict[int, int] = {}
    names: dict[int, tuple[str, str]] = {}
    for meeting in Meeting.objects.filter(
        pair__program=program, status=MeetingStatus.CANCELLED, cancelled_by_role=Role.MENTEE, cancelled_at__gte=start, cancelled_at__lt=end
    ).select_related("pair__mentor__person", "pair__mentee__person"):
        counts[meeting.pair_id] = counts.get(meeting.pair_id, 0) + 1
        names[meeting.pair_id] = (meeting.pair.mentor.person.full_name, meeting.pair.mentee.person.full_name)
    return [
        SeniorCancellations(mentor_name=names[pair_id][0], mentee_name=names[pair_id][1], count=count) for pair_id, count in counts.items()
    ]


def weekly_digest(program: Program, *, week: str) -> WeeklyDigest:
    start, end = digest_window(week)
    held = Meeting.objects.filter(pair__program=program, status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end).count()
    return WeeklyDigest(
        program=program,
        week=week,
        starts_on=timezone.localdate(start),
        ends_on=timezone.localdate(end) - timedelta(days=1),
        health=program_health(program),
        meetings_held=held,
        senior_cancellations=senior_cancellations(program, start=start, end=end),
    )


# --- The job -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeSummary:
    reminders: int
    overdue: int
    digests: int
    senior_cancellations: int

    def __str__(self) -> str:
        return (
            f"Enqueued {self.reminders} meeting reminders, {self.overdue} past-cadence nudges and {self.digests} weekly digests "
            f"({self.senior_cancellations} senior-side cancellations flagged)."
        )


def send_due_nudges(*, now: datetime) -> NudgeSummary:
    """Enqueue a task for every nudge due at ``now`` that is not sent yet. Reads only; safe to run at any interval.

    The tasks claim their keys, so overlapping runs send nothing twice.
    """
    from turnabout.engagement.tasks import send_meeting_reminder, send_overdue_nudge, send_weekly_digest

    reminders = due_reminders(now=now)
    for meeting in reminders:
        send_meeting_reminder.enqueue(meeting.pk)

    overdue = overdue_pairs(now=now)
    sent = claimed_keys(stretch.key for stretch in overdue)
    overdue = [stretch for stretch in overdue if stretch.key not in sent]
    for stretch in overdue:
        send_overdue_nudge.enqueue(stretch.pair.pk)

    digests = 0
    flagged = 0
    week = digest_week_due(now)
    if week is not None:
        programs = digest_programs()
        sent = claimed_keys(weekly_digest_key(program.pk, week) for program in programs)
        start, end = digest_window(week)
        for program in programs:
            if weekly_digest_key(program.pk, week) in sent:
                continue
            flagged += sum(item.count for item in senior_cancellations(program, start=start, end=end))
            send_weekly_digest.enqueue(program.pk, week)
            digests += 1
    return NudgeSummary(reminders=len(reminders), overdue=len(overdue), digests=digests, senior_cancellations=flagged)
