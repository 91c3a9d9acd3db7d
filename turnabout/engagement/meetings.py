"""Meetings of a pair: proposed times, scheduling with invitations, logging, agendas and pulses.

Agenda and pulse text belong to the pair. Nothing here hands them to program managers or sponsors: the
manager-facing notice of a senior-side cancellation carries no content, and managers read ratings only
in aggregate, elsewhere. Every service assumes the caller went through access_pair/access_meeting.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from turnabout.accounts.models import User
from turnabout.engagement.errors import InvalidMeeting, InvalidPulse, NotAllowed, PairNotActive
from turnabout.engagement.models import CalendarFeed, Meeting, MeetingMode, MeetingStatus, Pair, PairStatus, Pulse
from turnabout.programs.models import Enrolment, Role

PULSE_SALT = "engagement.pulse"
PULSE_LINK_MAX_AGE = timedelta(days=14)
PULSE_EDIT_WINDOW = timedelta(days=7)
SHORTEST_MEETING_MINUTES = 15
LONGEST_MEETING_MINUTES = 240
LONGEST_HELD_MINUTES = 600
LONGEST_AGENDA_CHARACTERS = 5000
LONGEST_LEARNED_CHARACTERS = 2000
# Proposed times start on UTC quarter hours (every zone's offset is a multiple of 15 minutes) and step by 30.
SLOT_ALIGNMENT = timedelta(minutes=15)
SLOT_STEP = timedelta(minutes=30)

Interval = tuple[datetime, datetime]


class PulseLinkExpired(InvalidPulse):
    """A genuine pulse link older than PULSE_LINK_MAX_AGE."""

    code = "pulse_link_expired"


# --- Time zones and weekly availability -----------------------------------------------------------


def zone_of(enrolment: Enrolment) -> ZoneInfo:
    """The enrolment's IANA zone (from the application, else the person's record, else UTC)."""
    name = enrolment.timezone or enrolment.person.timezone or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidMeeting(
            _("%(person)s's time zone %(zone)s is not a known time zone.") % {"person": enrolment.person.given_name, "zone": repr(name)}
        ) from error


def display_zone_of(enrolment: Enrolment) -> ZoneInfo:
    """The zone to show times in: the enrolment's, or UTC when it is unknown (pages must still render)."""
    try:
        return zone_of(enrolment)
    except InvalidMeeting:
        return ZoneInfo("UTC")


def _clock(value: object) -> time | None:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return None


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def available_intervals(enrolment: Enrolment, *, start: datetime, end: datetime) -> list[Interval]:
    """The enrolment's weekly windows between ``start`` and ``end`` as merged UTC intervals.

    Each window is wall-clock time in the person's own zone on each date, so "Tuesday 09:00" stays 09:00
    locally across daylight-saving changes and its UTC time moves with the clocks. A window edge that
    falls in a skipped hour (spring forward) is read with the offset in force before the change, and one
    in a repeated hour (fall back) as its first occurrence: zoneinfo's fold=0. A window whose end is not
    after its start runs past midnight. Malformed stored windows are ignored rather than guessed at.
    """
    zone = zone_of(enrolment)
    first_date = start.astimezone(zone).date() - timedelta(days=1)
    last_date = end.astimezone(zone).date() + timedelta(days=1)
    windows: list[Interval] = []
    for offset in range((last_date - first_date).days + 1):
        date = first_date + timedelta(days=offset)
        for window in enrolment.availability or []:
            if not isinstance(window, dict) or window.get("day") != date.weekday():
                continue
            opens, closes = _clock(window.get("start")), _clock(window.get("end"))
            if opens is None or closes is None:
                continue
            closes_on = date if closes > opens else date + timedelta(days=1)
            utc_start = datetime.combine(date, opens, tzinfo=zone).astimezone(UTC)
            utc_end = datetime.combine(closes_on, closes, tzinfo=zone).astimezone(UTC)
            if utc_end > utc_start:
                windows.append((max(utc_start, start), min(utc_end, end)))
    return _merge(window for window in windows if window[0] < window[1])


def _intersect(first: list[Interval], second: list[Interval]) -> list[Interval]:
    overlaps: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            overlaps.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return overlaps


def _busy_intervals(pair: Pair, *, start: datetime, end: datetime) -> list[Interval]:
    """Scheduled or held meetings of either person, in any of their pairs."""
    person_ids = [pair.mentor.person_id, pair.mentee.person_id]
    meetings = Meeting.objects.filter(
        Q(pair__mentor__person_id__in=person_ids) | Q(pair__mentee__person_id__in=person_ids),
        status__in=[MeetingStatus.SCHEDULED, MeetingStatus.HELD],
        starts_at__lt=end,
        starts_at__gte=start - timedelta(minutes=LONGEST_MEETING_MINUTES),
    ).values_list("starts_at", "duration_minutes")
    return [(starts_at, starts_at + timedelta(minutes=minutes)) for starts_at, minutes in meetings]


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    remainder = (moment - epoch) % step
    return moment if not remainder else moment + (step - remainder)


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
    common = _intersect(available_intervals(pair.mentor, start=start, end=end), available_intervals(pair.mentee, start=start, end=end))
    busy = _busy_intervals(pair, start=start, end=end)
    length = timedelta(minutes=duration_minutes)
    slots_per_window: list[list[datetime]] = []
    for window_start, window_end in common:
        slots = []
        slot = _ceil(max(window_start, start), SLOT_ALIGNMENT)
        while slot + length <= window_end:
            if slot > start and not any(slot < busy_end and busy_start < slot + length for busy_start, busy_end in busy):
                slots.append(slot)
            slot += SLOT_STEP
        if slots:
            slots_per_window.append(slots)
    chosen: list[datetime] = []
    rank = 0
    while len(chosen) < count and any(rank < len(slots) for slots in slots_per_window):
        chosen.extend(slots[rank] for slots in slots_per_window if rank < len(slots))
        rank += 1
    return sorted(chosen[:count])


# --- Scheduling -------------------------------------------------------------------------------------


def _check_slot(*, pair: Pair, starts_at: datetime, duration_minutes: int, mode: str, location: str, moving: Meeting | None) -> None:
    if timezone.is_naive(starts_at):
        raise InvalidMeeting(_("The start time needs a time zone."))
    if starts_at <= timezone.now():
        raise InvalidMeeting(_("Pick a start time in the future."))
    if not SHORTEST_MEETING_MINUTES <= duration_minutes <= LONGEST_MEETING_MINUTES:
        raise InvalidMeeting(
            ngettext(
                "A meeting lasts between %(shortest)d and %(longest)d minute.",
                "A meeting lasts between %(shortest)d and %(longest)d minutes.",
                LONGEST_MEETING_MINUTES,
            )
            % {"shortest": SHORTEST_MEETING_MINUTES, "longest": LONGEST_MEETING_MINUTES}
        )
    if mode not in MeetingMode.values:
        raise InvalidMeeting(_("Choose how you meet: %(modes)s.") % {"modes": _mode_list()})
    if len(location) > 300:
        raise InvalidMeeting(
            ngettext("Keep the place or link under %(count)d character.", "Keep the place or link under %(count)d characters.", 300)
            % {"count": 300}
        )
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    scheduled = pair.meetings.filter(status=MeetingStatus.SCHEDULED, starts_at__lt=ends_at)
    if moving is not None:
        scheduled = scheduled.exclude(pk=moving.pk)
    for other in scheduled:
        if other.starts_at + timedelta(minutes=other.duration_minutes) > starts_at:
            raise InvalidMeeting(
                _("That overlaps your meeting at %(time)s UTC.") % {"time": date_format(other.starts_at.astimezone(UTC), "D d M Y, H:i")}
            )


def _mode_list() -> str:
    """The ways to meet, as a list in a sentence: "in person, video call, phone, a mix"."""
    return pgettext("list separator", ", ").join(str(label).lower() for label in MeetingMode.labels)


def _require_role(role: str) -> Role:
    if role not in Role.values:
        raise ValueError(f"Unknown side {role!r}.")
    return Role(role)


@transaction.atomic
def schedule_meeting(*, pair: Pair, starts_at: datetime, duration_minutes: int, mode: str, location: str, by_role: str) -> Meeting:
    """Schedule a meeting of an active pair; both people get an invitation with an .ics after commit.

    Locks the pair row so two requests cannot book overlapping meetings. Refuses past times, paused or closed
    pairs and overlaps with the pair's scheduled meetings (InvalidMeeting, PairNotActive).
    """
    by_role = _require_role(by_role)
    status = Pair.objects.select_for_update().values_list("status", flat=True).get(pk=pair.pk)
    if status != PairStatus.ACTIVE:
        raise PairNotActive(
            _("This pair is paused: no new meetings can be scheduled.")
            if status == PairStatus.PAUSED
            else _("This pair is closed: no new meetings can be scheduled.")
        )
    location = location.strip()
    _check_slot(pair=pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode, location=location, moving=None)
    meeting = Meeting.objects.create(pair=pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode, location=location)
    _enqueue_invitation(meeting, by_role)
    return meeting


def _enqueue_invitation(meeting: Meeting, by_role: Role) -> None:
    from turnabout.engagement.tasks import send_meeting_invitation

    transaction.on_commit(partial(send_meeting_invitation.enqueue, meeting.pk, meeting.ical_sequence, str(by_role)))


def _locked(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    # Keep the caller's already loaded pair, program and people.
    locked.pair = meeting.pair
    return locked


@transaction.atomic
def reschedule_meeting(
    *,
    meeting: Meeting,
    starts_at: datetime,
    duration_minutes: int,
    mode: str | None = None,
    location: str | None = None,
    by_role: str,
) -> Meeting:
    """Move a scheduled meeting: same UID, sequence raised by one, and a fresh invitation to both after commit."""
    by_role = _require_role(by_role)
    status = Pair.objects.select_for_update().values_list("status", flat=True).get(pk=meeting.pair_id)
    if status != PairStatus.ACTIVE:
        raise PairNotActive(
            _("This pair is paused: meetings cannot be moved.")
            if status == PairStatus.PAUSED
            else _("This pair is closed: meetings cannot be moved.")
        )
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise InvalidMeeting(
            _("This meeting is held; only scheduled meetings can be moved.")
            if meeting.status == MeetingStatus.HELD
            else _("This meeting is cancelled; only scheduled meetings can be moved.")
        )
    mode = meeting.mode if mode is None else mode
    location = meeting.location if location is None else location.strip()
    _check_slot(pair=meeting.pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode, location=location, moving=meeting)
    meeting.starts_at, meeting.duration_minutes, meeting.mode, meeting.location = starts_at, duration_minutes, mode, location
    meeting.ical_sequence += 1
    meeting.save(update_fields=["starts_at", "duration_minutes", "mode", "location", "ical_sequence", "updated_at"])
    _enqueue_invitation(meeting, by_role)
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by_role: str) -> Meeting:
    """Cancel a scheduled meeting, recording which side cancelled and when; raises the iCalendar sequence.

    After commit the partner gets a CANCEL .ics; when the mentee (the senior) cancels, the program managers
    are told that it happened, with no agenda, place or notes.
    """
    from turnabout.engagement.tasks import send_meeting_cancellation, send_senior_cancellation_notice

    by_role = _require_role(by_role)
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise InvalidMeeting(
            _("This meeting is already held.") if meeting.status == MeetingStatus.HELD else _("This meeting is already cancelled.")
        )
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_by_role = by_role
    meeting.cancelled_at = timezone.now()
    meeting.ical_sequence += 1
    meeting.save(update_fields=["status", "cancelled_by_role", "cancelled_at", "ical_sequence", "updated_at"])
    transaction.on_commit(partial(send_meeting_cancellation.enqueue, meeting.pk, str(by_role)))
    if by_role == Role.MENTEE:
        transaction.on_commit(partial(send_senior_cancellation_notice.enqueue, meeting.pk))
    return meeting


def _clean_topics(topics: Iterable[str]) -> list[str]:
    cleaned = []
    for topic in topics:
        topic = " ".join(str(topic).split())
        if topic and topic not in cleaned:
            if len(topic) > 100:
                raise InvalidMeeting(
                    ngettext(
                        "Keep each topic under %(count)d character: %(topic)s….",
                        "Keep each topic under %(count)d characters: %(topic)s….",
                        100,
                    )
                    % {"count": 100, "topic": topic[:30]}
                )
            cleaned.append(topic)
    if len(cleaned) > 20:
        raise InvalidMeeting(ngettext("List at most %(count)d topic.", "List at most %(count)d topics.", 20) % {"count": 20})
    return cleaned


@transaction.atomic
def log_meeting_held(*, meeting: Meeting, held_minutes: int, topics: Iterable[str], mode: str) -> Meeting:
    """Record that a meeting whose start has passed took place; logging it again corrects the record.

    The first time, each side is sent a pulse request with a signed link after commit (once per side).
    """
    from turnabout.engagement.tasks import send_pulse_request

    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvalidMeeting(_("This meeting was cancelled; schedule a new one instead."))
    if meeting.starts_at > timezone.now():
        raise InvalidMeeting(_("This meeting has not started yet; log it once it has taken place."))
    if not 1 <= held_minutes <= LONGEST_HELD_MINUTES:
        raise InvalidMeeting(
            ngettext(
                "Say how long you met, from 1 to %(longest)d minute.",
                "Say how long you met, from 1 to %(longest)d minutes.",
                LONGEST_HELD_MINUTES,
            )
            % {"longest": LONGEST_HELD_MINUTES}
        )
    if mode not in MeetingMode.values:
        raise InvalidMeeting(_("Choose how you met: %(modes)s.") % {"modes": _mode_list()})
    first_time = meeting.status == MeetingStatus.SCHEDULED
    meeting.status = MeetingStatus.HELD
    meeting.held_minutes = held_minutes
    meeting.topics = _clean_topics(topics)
    meeting.mode = mode
    meeting.save(update_fields=["status", "held_minutes", "topics", "mode", "updated_at"])
    if first_time:
        for role in (Role.MENTOR, Role.MENTEE):
            transaction.on_commit(partial(send_pulse_request.enqueue, meeting.pk, str(role)))
    return meeting


@transaction.atomic
def send_agenda(*, meeting: Meeting, agenda: str, by_role: str) -> Meeting:
    """The mentor sends (or re-sends) the agenda of an upcoming meeting; the partner is emailed after commit.

    Raises NotAllowed for the mentee. The agenda is the pair's: only the two of them ever see it.
    """
    from turnabout.engagement.tasks import send_agenda_email

    by_role = _require_role(by_role)
    program = meeting.pair.program
    if by_role != Role.MENTOR:
        raise NotAllowed(_("Only the %(mentor)s sends the agenda.") % {"mentor": program.mentor_label})
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise InvalidMeeting(
            _("This meeting is held; agendas go out before a meeting.")
            if meeting.status == MeetingStatus.HELD
            else _("This meeting is cancelled; agendas go out before a meeting.")
        )
    if meeting.starts_at <= timezone.now():
        raise InvalidMeeting(_("This meeting has started; agendas go out beforehand."))
    agenda = agenda.strip()
    if not agenda:
        raise InvalidMeeting(_("Write the agenda first."))
    if len(agenda) > LONGEST_AGENDA_CHARACTERS:
        raise InvalidMeeting(
            ngettext("Keep the agenda under %(count)d character.", "Keep the agenda under %(count)d characters.", LONGEST_AGENDA_CHARACTERS)
            % {"count": LONGEST_AGENDA_CHARACTERS}
        )
    meeting.agenda = agenda
    meeting.agenda_sent_at = timezone.now()
    meeting.save(update_fields=["agenda", "agenda_sent_at", "updated_at"])
    transaction.on_commit(partial(send_agenda_email.enqueue, meeting.pk))
    return meeting


# --- Pulses -----------------------------------------------------------------------------------------


@transaction.atomic
def submit_pulse(*, meeting: Meeting, role: str, rating: int, learned: str) -> Pulse:
    """One side's one-minute pulse on a held meeting; a second submission within 7 days updates it.

    Raises InvalidPulse before the meeting is logged as held, for a rating outside 1–5, and for changes after
    7 days. The rating feeds pair health; ``learned`` stays with the pair.
    """
    role = _require_role(role)
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise InvalidPulse(_("You can give a pulse once the meeting is logged as held."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidPulse(_("Rate the meeting from 1 (not useful) to 5 (very useful)."))
    learned = learned.strip()
    if len(learned) > LONGEST_LEARNED_CHARACTERS:
        raise InvalidPulse(
            ngettext(
                "Keep what you learned under %(count)d character.",
                "Keep what you learned under %(count)d characters.",
                LONGEST_LEARNED_CHARACTERS,
            )
            % {"count": LONGEST_LEARNED_CHARACTERS}
        )
    now = timezone.now()
    existing = Pulse.objects.filter(meeting=meeting, role=role).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Pulse.objects.create(
                    meeting=meeting, pair_id=meeting.pair_id, role=role, rating=rating, learned=learned, submitted_at=now
                )
        except IntegrityError:
            # The same side submitted twice at once; the other request's row is there now.
            existing = Pulse.objects.get(meeting=meeting, role=role)
    if now - existing.submitted_at > PULSE_EDIT_WINDOW:
        raise InvalidPulse(
            ngettext(
                "You gave your pulse on %(date)s; it can be changed for %(days)d day only.",
                "You gave your pulse on %(date)s; it can be changed for %(days)d days only.",
                PULSE_EDIT_WINDOW.days,
            )
            % {"date": date_format(existing.submitted_at.astimezone(UTC), "d M Y"), "days": PULSE_EDIT_WINDOW.days}
        )
    existing.rating, existing.learned = rating, learned
    existing.save(update_fields=["rating", "learned"])
    return existing


def pulse_token(meeting: Meeting, role: str) -> str:
    """A signed, timestamped token naming the meeting and the side whose pulse the emailed link opens."""
    return TimestampSigner(salt=PULSE_SALT).sign(f"{meeting.pk}:{_require_role(role)}")


def read_pulse_token(token: str) -> tuple[int, Role]:
    """The meeting id and side a pulse token names. Raises PulseLinkExpired after 14 days, InvalidPulse if forged."""
    try:
        value = TimestampSigner(salt=PULSE_SALT).unsign(token, max_age=PULSE_LINK_MAX_AGE)
    except SignatureExpired as error:
        raise PulseLinkExpired(
            ngettext(
                "This pulse link has expired: links work for %(days)d day.",
                "This pulse link has expired: links work for %(days)d days.",
                PULSE_LINK_MAX_AGE.days,
            )
            % {"days": PULSE_LINK_MAX_AGE.days}
        ) from error
    except BadSignature as error:
        raise InvalidPulse(_("This pulse link is not valid.")) from error
    meeting_id, _colon, role = value.partition(":")
    if not meeting_id.isdigit() or role not in Role.values:
        raise InvalidPulse(_("This pulse link is not valid."))
    return int(meeting_id), Role(role)


# --- Calendar feeds ---------------------------------------------------------------------------------


@transaction.atomic
def ensure_calendar_feed(*, user: User) -> CalendarFeed:
    """The user's personal feed, created on first use; idempotent."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def rotate_calendar_feed(*, user: User) -> CalendarFeed:
    """Give the feed a new secret address; the old one stops working at once."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    feed.token = secrets.token_urlsafe()
    feed.save(update_fields=["token"])
    return feed


# --- Reads for pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastMeeting:
    """A past meeting as one side sees it: their own pulse in full, the partner's rating only."""

    meeting: Meeting
    my_pulse: Pulse | None
    partner_rating: int | None
    cancelled_by: str
    needs_logging: bool
    pulse_token: str | None


@dataclass(frozen=True)
class MeetingOverview:
    upcoming: list[Meeting]
    past: list[PastMeeting]
    timezone: str


def meeting_overview(pair: Pair, role: str, *, now: datetime) -> MeetingOverview:
    """The pair's meetings for one side, in two queries: coming up, then past ones newest first."""
    role = _require_role(role)
    partner_role = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
    partner_name = pair.enrolment_for(partner_role).person.given_name
    upcoming: list[Meeting] = []
    past: list[PastMeeting] = []
    for meeting in pair.meetings.prefetch_related("pulses").order_by("starts_at"):
        ends_at = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
        if meeting.status == MeetingStatus.SCHEDULED and ends_at > now:
            upcoming.append(meeting)
            continue
        pulses = {pulse.role: pulse for pulse in meeting.pulses.all()}
        partner_pulse = pulses.get(partner_role)
        cancelled_by = ""
        if meeting.status == MeetingStatus.CANCELLED:
            cancelled_by = "you" if meeting.cancelled_by_role == role else partner_name
        past.append(
            PastMeeting(
                meeting=meeting,
                my_pulse=pulses.get(role),
                partner_rating=partner_pulse.rating if partner_pulse else None,
                cancelled_by=cancelled_by,
                needs_logging=meeting.status == MeetingStatus.SCHEDULED,
                pulse_token=pulse_token(meeting, role) if meeting.status == MeetingStatus.HELD else None,
            )
        )
    past.reverse()
    return MeetingOverview(upcoming=upcoming, past=past, timezone=display_zone_of(pair.enrolment_for(role)).key)
