"""Reads for pair pages, manager views and emails, and the page data built from them. Managers' reads return
metadata only, never content."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext

from turnabout.accounts.models import User
from turnabout.core.delivery import claimed_keys, meeting_reminder_key
from turnabout.engagement.assessment import CADENCE_NAMES, HealthFacts, PastMeeting, agreed_cadence, stored_reason_texts
from turnabout.engagement.models import (
    Agreement,
    Concern,
    ConcernStatus,
    Goal,
    GoalStatus,
    HealthState,
    ManagerActionKind,
    Meeting,
    MeetingStatus,
    Milestone,
    Note,
    NoteVisibility,
    Pair,
    PairKind,
    PairMember,
    PairStatus,
    Pulse,
    Quote,
)
from turnabout.engagement.nudges import REMINDER_LEAD, OverdueStretch, digest_window, overdue_stretch
from turnabout.engagement.pulse_links import pulse_token, require_role
from turnabout.engagement.scheduling import (
    LONGEST_MEETING_MINUTES,
    SHORTEST_MEETING_MINUTES,
    Interval,
    available_intervals,
    display_zone_of,
    free_slots,
    intersect,
    intersect_all,
)
from turnabout.programs.models import CADENCE_DAYS, Cadence, Program, ProgramStatus, Role


def circle_members(pair: Pair) -> list[PairMember]:
    """A circle's current members, mentors first (by member id), with their people loaded."""
    members = list(pair.members.current().select_related("enrolment__person").order_by("pk"))
    return [member for member in members if member.role == Role.MENTOR] + [member for member in members if member.role != Role.MENTOR]


def pairs_of_user(user: User) -> QuerySet[Pair]:
    """The user's pairs, and the circles they are a current member of (as any member, not only as a lead)."""
    circles = PairMember.objects.current().filter(enrolment__person__user=user).values("pair_id")
    return (
        Pair.objects.filter(
            (Q(kind=PairKind.PAIR) & (Q(mentor__person__user=user) | Q(mentee__person__user=user)))
            | Q(kind=PairKind.CIRCLE, pk__in=circles)
        )
        .select_related("program", "mentor__person", "mentee__person")
        .order_by("status", "-started_on")
    )


@dataclass(frozen=True)
class Achievements:
    meetings_held: int
    minutes_together: int
    goals_achieved_by_mentee: int
    goals_achieved_by_mentor: int
    insights_adopted: int
    goals_achieved_together: int = 0  # a circle's shared goals (no owner)

    @property
    def goals_achieved(self) -> int:
        return self.goals_achieved_by_mentee + self.goals_achieved_by_mentor + self.goals_achieved_together


def achievements(pair: Pair) -> Achievements:
    """What the pair did together, in two queries."""
    meetings = pair.meetings.held()
    held = list(meetings.values_list("held_minutes", "duration_minutes"))
    goals = dict(pair.goals.filter(status=GoalStatus.DONE).values_list("owner_role").annotate(n=Count("pk")))
    return Achievements(
        meetings_held=len(held),
        minutes_together=sum(held_minutes or planned for held_minutes, planned in held),
        goals_achieved_by_mentee=goals.get(Role.MENTEE, 0),
        goals_achieved_by_mentor=goals.get(Role.MENTOR, 0),
        insights_adopted=pair.insights.count(),
        goals_achieved_together=goals.get("", 0),
    )


# --- Agreements, goals and the journal ----------------------------------------------------------------------------


def current_agreement(pair: Pair) -> Agreement:
    agreement = pair.agreements.prefetch_related("signatures").order_by("-version").first()
    assert agreement is not None, "every pair starts with an agreement"
    return agreement


def milestone_share(goal: Goal) -> int | None:
    """The percentage of the goal's milestones done, or None when it has none."""
    total = goal.milestones.count()
    if total == 0:
        return None
    done = goal.milestones.filter(done_at__isnull=False).count()
    return round(100 * done / total)


def notes_visible_to(pair: Pair, user: User) -> QuerySet[Note]:
    """Shared notes of the pair and the user's own private ones; nobody else's private note, ever."""
    return pair.notes.filter(Q(visibility=NoteVisibility.SHARED) | Q(author=user)).select_related("author")


# --- Health facts and the health page (metadata only) ----------------------------------------------------------------


def with_health_metadata(pairs: QuerySet[Pair]) -> QuerySet[Pair]:
    """Annotate ``last_held_at`` and ``agreed_cadence_value`` (latest agreement) in the same query."""
    latest_agreement = Agreement.objects.filter(pair=OuterRef("pk")).order_by("-version").values("cadence")[:1]
    return pairs.annotate(
        last_held_at=Max("meetings__starts_at", filter=Q(meetings__status=MeetingStatus.HELD)),
        agreed_cadence_value=Subquery(latest_agreement),
    )


def _end_of(today: date) -> datetime:
    return timezone.make_aware(datetime.combine(today, datetime.max.time()))


def facts_for_pairs(pairs: Sequence[Pair], *, today: date) -> dict[int, HealthFacts]:
    """Facts for many pairs and circles of any programs in six queries (seven with circles); the pairs need
    ``program`` loaded.

    A circle's facts count every member's pulses and cancellations; its pulse trend runs on each held meeting's mean.
    """
    pair_ids = [pair.pk for pair in pairs]
    until = _end_of(today)
    meetings: dict[int, list[PastMeeting]] = defaultdict(list)
    last_held: dict[int, tuple[datetime, int]] = {}
    held_at: dict[int, datetime] = {}
    for meeting_id, pair_id, starts_at, status, role in Meeting.objects.filter(
        pair_id__in=pair_ids, status__in=[MeetingStatus.HELD, MeetingStatus.CANCELLED], starts_at__lte=until
    ).values_list("pk", "pair_id", "starts_at", "status", "cancelled_by_role"):
        held = status == MeetingStatus.HELD
        meetings[pair_id].append(PastMeeting(on=timezone.localdate(starts_at), held=held, cancelled_by_role=role))
        if held:
            held_at[meeting_id] = starts_at
        if held and (pair_id not in last_held or (starts_at, meeting_id) > last_held[pair_id]):
            last_held[pair_id] = (starts_at, meeting_id)
    ratings: dict[int, list[int]] = defaultdict(list)
    by_meeting: dict[int, list[int]] = defaultdict(list)
    meeting_order: dict[int, list[int]] = defaultdict(list)  # each pair's pulsed meetings
    for pair_id, meeting_id, rating in (
        Pulse.objects.filter(pair_id__in=pair_ids, submitted_at__lte=until)
        .order_by("-submitted_at", "-pk")
        .values_list("pair_id", "meeting_id", "rating")
    ):
        ratings[pair_id].append(rating)
        if meeting_id not in by_meeting:
            meeting_order[pair_id].append(meeting_id)
        by_meeting[meeting_id].append(rating)
    circle_ids = [pair.pk for pair in pairs if pair.is_circle]
    member_counts = (
        dict(
            PairMember.objects.current()
            .filter(pair_id__in=circle_ids)
            .values("pair_id")
            .annotate(count=Count("pk"))
            .values_list("pair_id", "count")
        )
        if circle_ids
        else {}
    )  # a pair has two members: asked only when there are circles
    goal_activity: dict[int, datetime] = {}
    for pair_id, updated_at in (
        Goal.objects.filter(pair_id__in=pair_ids).values("pair_id").annotate(last=Max("updated_at")).values_list("pair_id", "last")
    ):
        goal_activity[pair_id] = updated_at
    for pair_id, done_at in (
        Milestone.objects.filter(goal__pair_id__in=pair_ids, done_at__isnull=False)
        .values("goal__pair_id")
        .annotate(last=Max("done_at"))
        .values_list("goal__pair_id", "last")
    ):
        goal_activity[pair_id] = max(goal_activity.get(pair_id, done_at), done_at)
    open_concerns = dict(
        Concern.objects.filter(pair_id__in=pair_ids, status=ConcernStatus.OPEN)
        .values("pair_id")
        .annotate(count=Count("pk"))
        .values_list("pair_id", "count")
    )
    cadences = dict(
        Agreement.objects.filter(pair_id__in=pair_ids).order_by("pair_id", "version").values_list("pair_id", "cadence")
    )  # the last version of each pair wins
    facts = {}
    for pair in pairs:
        cadence = agreed_cadence(cadences.get(pair.pk), pair.program)
        activity = goal_activity.get(pair.pk)
        facts[pair.pk] = HealthFacts(
            started_on=pair.started_on,
            cadence_days=CADENCE_DAYS[Cadence(cadence)],
            cadence_name=str(CADENCE_NAMES[Cadence(cadence)]),
            cadence=cadence,
            meetings=tuple(meetings[pair.pk]),
            pulse_ratings=tuple(ratings[pair.pk]),
            has_goals=activity is not None,
            last_goal_activity_on=timezone.localdate(activity) if activity is not None else None,
            mentor_label=pair.program.mentor_label,
            mentee_label=pair.program.mentee_label,
            open_concerns=open_concerns.get(pair.pk, 0),
        )
        if pair.is_circle:
            last = last_held.get(pair.pk)
            facts[pair.pk] = replace(
                facts[pair.pk],
                member_count=member_counts.get(pair.pk, 0),
                meeting_pulse_means=tuple(
                    sum(by_meeting[meeting_id]) / len(by_meeting[meeting_id])
                    # newest held meeting first (a pulse on a meeting not held by today counts as of today)
                    for meeting_id in sorted(meeting_order[pair.pk], key=lambda mid: held_at.get(mid, until), reverse=True)
                ),
                last_meeting_pulses=len(by_meeting.get(last[1], [])) if last else None,
            )
    return facts


def gather_health_facts(pair: Pair, *, today: date) -> HealthFacts:
    """The metadata health looks at for one pair, as of the end of ``today``."""
    return facts_for_pairs([pair], today=today)[pair.pk]


@dataclass(frozen=True)
class PairHealthRow:
    """One pair or circle on the health page and in the digest: ``mentor_name``/``mentee_name`` are the side's names
    joined ("Ana, Ben"), one name for a pair."""

    pair: Pair
    mentor_name: str
    mentee_name: str
    state: str
    score: int
    stored_reasons: list[dict[str, Any]]
    last_held_on: date | None
    cadence_label: str | Promise  # lazy: the digest email renders it in each recipient's language
    last_check_in_at: datetime | None
    is_circle: bool = False

    @property
    def names(self) -> str:
        """Both sides: "Ana, Ben with Cy, Di, Ed" for a circle, "Ana and Cy" for a pair."""
        return _both_sides(self.mentor_name, self.mentee_name, is_circle=self.is_circle)

    @property
    def reasons(self) -> list[str]:
        """The reasons worded when read, in the active language: the page's, or each digest recipient's."""
        return stored_reason_texts(self.stored_reasons, self.pair.program)


@dataclass(frozen=True)
class ProgramHealth:
    counts: dict[str, int]
    at_risk: list[PairHealthRow]
    watch: list[PairHealthRow]
    paused: list[PairHealthRow]

    @property
    def active(self) -> int:
        return sum(self.counts.values())


def _circle_sides(pairs: Sequence[Pair]) -> dict[tuple[int, str], str]:
    """Each circle's sides by name, current members joined in member order ("Ana, Ben"), in one query (none without
    circles)."""
    circle_ids = [pair.pk for pair in pairs if pair.is_circle]
    names: dict[tuple[int, str], list[str]] = defaultdict(list)
    if circle_ids:
        for member in PairMember.objects.current().filter(pair_id__in=circle_ids).order_by("pk").select_related("enrolment__person"):
            names[member.pair_id, member.role].append(member.enrolment.person.full_name)
    return {key: ", ".join(value) for key, value in names.items()}


def _both_sides(mentors: str, mentees: str, *, is_circle: bool) -> str:
    template = gettext("%(mentors)s with %(mentees)s") if is_circle else gettext("%(mentors)s and %(mentees)s")
    return template % {"mentors": mentors, "mentees": mentees}


def pair_names(pair: Pair) -> str:
    """The pair's names, "Ana and Cy"; a circle's current members, "Ana, Ben with Cy, Di, Ed" (as on its health row)."""
    if not pair.is_circle:
        return _both_sides(pair.mentor.person.full_name, pair.mentee.person.full_name, is_circle=False)
    sides = _circle_sides([pair])
    return _both_sides(sides.get((pair.pk, Role.MENTOR), ""), sides.get((pair.pk, Role.MENTEE), ""), is_circle=True)


def _row(pair: Any, sides: dict[tuple[int, str], str]) -> PairHealthRow:
    cadence = agreed_cadence(pair.agreed_cadence_value, pair.program)
    return PairHealthRow(
        pair=pair,
        mentor_name=sides.get((pair.pk, Role.MENTOR), "") if pair.is_circle else pair.mentor.person.full_name,
        mentee_name=sides.get((pair.pk, Role.MENTEE), "") if pair.is_circle else pair.mentee.person.full_name,
        state=pair.health_state,
        score=pair.health_score,
        stored_reasons=list(pair.health_reasons or []),
        last_held_on=timezone.localdate(pair.last_held_at) if pair.last_held_at else None,
        cadence_label=Cadence(cadence).label,
        last_check_in_at=pair.last_check_in_at,
        is_circle=pair.is_circle,
    )


def program_health(program: Program) -> ProgramHealth:
    """Open pairs and circles of the program by stored health, in one query (two with circles; a circle is one row
    with its members' names): at risk and watch (worst first) and paused ones."""
    pairs = list(
        with_health_metadata(
            Pair.objects.open()
            .filter(program=program)
            .select_related("mentor__person", "mentee__person")
            .annotate(last_check_in_at=Max("manager_actions__taken_at", filter=Q(manager_actions__kind=ManagerActionKind.CHECK_IN)))
        ).order_by("health_score", "pk")
    )
    sides = _circle_sides(pairs)
    counts = {state.value: 0 for state in HealthState}
    at_risk, watch, paused = [], [], []
    for pair in pairs:
        pair.program = program  # already loaded; saves a query per row
        if pair.is_paused:
            paused.append(_row(pair, sides))
            continue
        counts[pair.health_state] += 1
        if pair.health_state == HealthState.AT_RISK:
            at_risk.append(_row(pair, sides))
        elif pair.health_state == HealthState.WATCH:
            watch.append(_row(pair, sides))
    return ProgramHealth(counts=counts, at_risk=at_risk, watch=watch, paused=paused)


# --- Meetings ------------------------------------------------------------------------------------------------------


def busy_intervals(pair: Pair, *, start: datetime, end: datetime) -> list[Interval]:
    """Scheduled or held meetings of either person (every current member of a circle), in any of their pairs and
    circles."""
    if pair.is_circle:
        person_ids = list(pair.members.current().values_list("enrolment__person_id", flat=True))
    else:
        person_ids = [pair.mentor.person_id, pair.mentee.person_id]
    circles = PairMember.objects.current().filter(enrolment__person_id__in=person_ids, pair__kind=PairKind.CIRCLE).values("pair_id")
    meetings = Meeting.objects.filter(
        Q(pair__kind=PairKind.PAIR) & (Q(pair__mentor__person_id__in=person_ids) | Q(pair__mentee__person_id__in=person_ids))
        | Q(pair_id__in=circles),
        status__in=[MeetingStatus.SCHEDULED, MeetingStatus.HELD],
        starts_at__lt=end,
        starts_at__gte=start - timedelta(minutes=LONGEST_MEETING_MINUTES),
    ).values_list("starts_at", "duration_minutes")
    return [(starts_at, starts_at + timedelta(minutes=minutes)) for starts_at, minutes in meetings]


def propose_times(*, pair: Pair, now: datetime, count: int = 5, duration_minutes: int = 45, days_ahead: int = 14) -> list[datetime]:
    """Up to ``count`` UTC start times in the next ``days_ahead`` days when both people's weekly windows overlap.

    Read-only and deterministic for the same data and ``now``. Skips times before ``now`` and times that
    overlap a scheduled or held meeting of either person. Spreads over days: the earliest free time of each
    common window first, then the second of each, and so on; returned in time order. Daylight saving: see
    available_intervals (each side's windows are converted from their own zone, date by date).
    """
    if count < 1:
        raise ValueError("count must be at least 1.")
    if not SHORTEST_MEETING_MINUTES <= duration_minutes <= LONGEST_MEETING_MINUTES:
        raise ValueError(f"duration_minutes must be between {SHORTEST_MEETING_MINUTES} and {LONGEST_MEETING_MINUTES}.")
    if not 1 <= days_ahead <= 90:
        raise ValueError("days_ahead must be between 1 and 90.")
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware.")
    start, end = now.astimezone(UTC), now.astimezone(UTC) + timedelta(days=days_ahead)
    if pair.is_circle:
        members = pair.members.current().select_related("enrolment").order_by("pk")
        common = intersect_all([available_intervals(member.enrolment, start=start, end=end) for member in members])
    else:
        common = intersect(available_intervals(pair.mentor, start=start, end=end), available_intervals(pair.mentee, start=start, end=end))
    busy = busy_intervals(pair, start=start, end=end)
    return free_slots(common, busy, start=start, length=timedelta(minutes=duration_minutes), count=count)


@dataclass(frozen=True)
class PastMeetingRow:
    """A past meeting as one side sees it: their own pulse in full, the partner's rating only."""

    meeting: Meeting
    my_pulse: Pulse | None
    partner_rating: int | None
    cancelled_by: str  # "you", the partner's given name, or "" when not cancelled
    needs_logging: bool
    pulse_token: str | None

    @property
    def cancelled_by_me(self) -> bool:
        return self.cancelled_by == CANCELLED_BY_ME


# What ``PastMeetingRow.cancelled_by`` says when the reader cancelled.
CANCELLED_BY_ME = "you"


@dataclass(frozen=True)
class MeetingOverview:
    upcoming: list[Meeting]
    past: list[PastMeetingRow]
    timezone: str


def meeting_overview(pair: Pair, role: str | PairMember, *, now: datetime) -> MeetingOverview:
    """The pair's meetings for one side (or a circle's member, passed as ``role``), in two queries: coming up, then
    past ones newest first. A circle member sees their own pulse and the others' mean rating."""
    if isinstance(role, PairMember):
        return _circle_meeting_overview(pair, role, now=now)
    role = require_role(role)
    partner_role = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
    partner_name = pair.enrolment_for(partner_role).person.given_name
    upcoming: list[Meeting] = []
    past: list[PastMeetingRow] = []
    for meeting in pair.meetings.prefetch_related("pulses").order_by("starts_at"):
        ends_at = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
        if meeting.is_scheduled and ends_at > now:
            upcoming.append(meeting)
            continue
        pulses = {pulse.role: pulse for pulse in meeting.pulses.all()}
        partner_pulse = pulses.get(partner_role)
        cancelled_by = ""
        if meeting.is_cancelled:
            cancelled_by = CANCELLED_BY_ME if meeting.cancelled_by_role == role else partner_name
        past.append(
            PastMeetingRow(
                meeting=meeting,
                my_pulse=pulses.get(role),
                partner_rating=partner_pulse.rating if partner_pulse else None,
                cancelled_by=cancelled_by,
                needs_logging=meeting.is_scheduled,
                pulse_token=pulse_token(meeting, role) if meeting.is_held else None,
            )
        )
    past.reverse()
    return MeetingOverview(upcoming=upcoming, past=past, timezone=display_zone_of(pair.enrolment_for(role)).key)


def _circle_meeting_overview(pair: Pair, member: PairMember, *, now: datetime) -> MeetingOverview:
    upcoming: list[Meeting] = []
    past: list[PastMeetingRow] = []
    names = {m.pk: m.enrolment.person.given_name for m in pair.members.select_related("enrolment__person")}
    for meeting in pair.meetings.prefetch_related("pulses").order_by("starts_at"):
        ends_at = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
        if meeting.is_scheduled and ends_at > now:
            upcoming.append(meeting)
            continue
        pulses = list(meeting.pulses.all())
        mine = next((pulse for pulse in pulses if pulse.member_id == member.pk), None)
        others = [pulse.rating for pulse in pulses if pulse.member_id != member.pk]
        cancelled_by = ""
        if meeting.is_cancelled:
            by = meeting.cancelled_by_member_id
            cancelled_by = CANCELLED_BY_ME if by == member.pk else names.get(by or 0, "")
        past.append(
            PastMeetingRow(
                meeting=meeting,
                my_pulse=mine,
                partner_rating=round(sum(others) / len(others)) if others else None,
                cancelled_by=cancelled_by,
                needs_logging=meeting.is_scheduled,
                pulse_token=pulse_token(meeting, member) if meeting.is_held else None,
            )
        )
    past.reverse()
    return MeetingOverview(upcoming=upcoming, past=past, timezone=display_zone_of(member.enrolment).key)


# --- Nudges and the weekly digest -----------------------------------------------------------------------------------


def due_reminders(*, now: datetime) -> list[Meeting]:
    """Scheduled meetings of active pairs starting within the next 24 hours whose reminder is not sent yet."""
    meetings = list(
        Meeting.objects.scheduled()
        .filter(starts_at__gt=now, starts_at__lte=now + REMINDER_LEAD, pair__status=PairStatus.ACTIVE)
        .order_by("starts_at", "pk")
    )
    sent = claimed_keys(meeting_reminder_key(meeting.pk, meeting.starts_at) for meeting in meetings)
    return [meeting for meeting in meetings if meeting_reminder_key(meeting.pk, meeting.starts_at) not in sent]


def overdue_pairs(*, now: datetime, pair_ids: list[int] | None = None) -> list[OverdueStretch]:
    """Active pairs past their cadence (plus grace) with nothing scheduled, oldest pair first."""
    upcoming = Meeting.objects.scheduled().filter(pair=OuterRef("pk"), starts_at__gt=now)
    pairs = Pair.objects.active().select_related("program", "mentor__person", "mentee__person").annotate(has_upcoming=Exists(upcoming))
    if pair_ids is not None:
        pairs = pairs.filter(pk__in=pair_ids)
    stretches = (overdue_stretch(pair, now=now) for pair in with_health_metadata(pairs).order_by("pk"))
    return [stretch for stretch in stretches if stretch is not None]


def digest_programs() -> list[Program]:
    """Programs that have open pairs and are not closed."""
    return list(
        Program.objects.exclude(status=ProgramStatus.CLOSED)
        .filter(pairs__status__in=[PairStatus.ACTIVE, PairStatus.PAUSED])
        .distinct()
        .order_by("pk")
    )


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


def senior_cancellations(program: Program, *, start: datetime, end: datetime) -> list[SeniorCancellations]:
    """Meetings the senior side cancelled in the window, per pair (flagged to managers in the digest)."""
    counts: dict[int, int] = {}
    names: dict[int, tuple[str, str]] = {}
    for meeting in Meeting.objects.filter(
        pair__program=program, status=MeetingStatus.CANCELLED, cancelled_by_role=Role.MENTEE, cancelled_at__gte=start, cancelled_at__lt=end
    ).select_related("pair__mentor__person", "pair__mentee__person", "cancelled_by_member__enrolment__person"):
        counts[meeting.pair_id] = counts.get(meeting.pair_id, 0) + 1
        senior = meeting.cancelled_by_member.enrolment if meeting.cancelled_by_member is not None else meeting.pair.mentee
        names[meeting.pair_id] = (meeting.pair.mentor.person.full_name, senior.person.full_name)
    return [
        SeniorCancellations(mentor_name=names[pair_id][0], mentee_name=names[pair_id][1], count=count) for pair_id, count in counts.items()
    ]


def weekly_digest(program: Program, *, week: str) -> WeeklyDigest:
    start, end = digest_window(week)
    held = Meeting.objects.held().filter(pair__program=program, starts_at__gte=start, starts_at__lt=end).count()
    return WeeklyDigest(
        program=program,
        week=week,
        starts_on=timezone.localdate(start),
        ends_on=timezone.localdate(end) - timedelta(days=1),
        health=program_health(program),
        meetings_held=held,
        senior_cancellations=senior_cancellations(program, start=start, end=end),
    )


# --- Quotes for the report -----------------------------------------------------------------------------------------


def own_quotes(pair: Pair, user: User) -> QuerySet[Quote]:
    """The quotes ``user`` offered in ``pair`` and has not withdrawn: only their author sees them here."""
    return Quote.objects.offered().filter(pair=pair, author=user)


def offered_quotes(program: Program) -> QuerySet[Quote]:
    """Every quote offered in ``program`` and not withdrawn, for its program managers to choose from."""
    return (
        Quote.objects.offered()
        .filter(pair__program=program)
        .select_related("pair__program", "pair__mentor__person", "pair__mentee__person", "author_member__enrolment__person")
    )


@dataclass(frozen=True, slots=True)
class ShownQuote:
    """A chosen quote as the dashboard and the executive report show it: the words and who said them."""

    text: str
    attribution: str


def quote_attribution(quote: Quote) -> str:
    """ "A participant" for an anonymous quote (no name, role or department); else the name and the program's wording of
    their side: "Ada Lovelace, reverse mentor"."""
    if quote.is_anonymous:
        return gettext("A participant")
    program = quote.pair.program
    author = quote.author_member.enrolment if quote.author_member is not None else quote.pair.enrolment_for(quote.author_role)
    person = author.person
    return gettext("%(name)s, %(role)s") % {"name": person.full_name, "role": program.label_for(quote.author_role)}


def chosen_quotes(program: Program) -> list[ShownQuote]:
    """The quotes program managers chose for ``program``'s dashboard and report, oldest choice first. A withdrawn quote
    is never among them."""
    quotes = (
        Quote.objects.chosen()
        .filter(pair__program=program)
        .select_related("pair__program", "pair__mentor__person", "pair__mentee__person", "author_member__enrolment__person")
        .order_by("chosen_at", "pk")
    )
    return [ShownQuote(text=quote.text, attribution=quote_attribution(quote)) for quote in quotes]
