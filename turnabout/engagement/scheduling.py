"""Time zones and scheduling, pure: each person's zone, weekly availability as UTC intervals, and free slots.

No ORM and no writes: the reads that find busy times are in ``engagement.queries`` (``propose_times``), the
services that book meetings in ``engagement.services``. Meeting times are stored in UTC and shown in each
person's own zone (``display_zone_of``, ``local_wall_clock``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from turnabout.engagement.errors import InvalidMeeting
from turnabout.programs.models import Enrolment

SHORTEST_MEETING_MINUTES = 15
LONGEST_MEETING_MINUTES = 240
# Proposed times start on UTC quarter hours (every zone's offset is a multiple of 15 minutes) and step by 30.
SLOT_ALIGNMENT = timedelta(minutes=15)
SLOT_STEP = timedelta(minutes=30)

Interval = tuple[datetime, datetime]


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


def local_wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` as naive wall-clock time in ``zone``: templates would otherwise convert an aware datetime back to
    the server's zone.

    >>> local_wall_clock(datetime(2026, 3, 9, 8, tzinfo=UTC), ZoneInfo("Europe/Berlin"))
    datetime.datetime(2026, 3, 9, 9, 0)
    """
    return moment.astimezone(zone).replace(tzinfo=None)


def from_wall_clock(wall_clock: datetime, zone: ZoneInfo) -> datetime | None:
    """A naive wall-clock time read in ``zone`` (aware), or None when it does not exist there: the clocks skip it.

    >>> from_wall_clock(datetime(2026, 3, 29, 2, 30), ZoneInfo("Europe/Berlin")) is None
    True
    >>> from_wall_clock(datetime(2026, 3, 29, 3, 30), ZoneInfo("Europe/Berlin")).utcoffset()
    datetime.timedelta(seconds=7200)
    """
    moment = wall_clock.replace(tzinfo=zone)
    round_trip = moment.astimezone(UTC).astimezone(zone)
    return moment if round_trip.replace(tzinfo=None) == wall_clock.replace(tzinfo=None) else None


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


def intersect(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """The times in both lists of merged intervals."""
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


def intersect_all(intervals: Sequence[list[Interval]]) -> list[Interval]:
    """The times in every list of merged intervals (a circle's members); none for no lists."""
    if not intervals:
        return []
    common = intervals[0]
    for other in intervals[1:]:
        common = intersect(common, other)
    return common


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    remainder = (moment - epoch) % step
    return moment if not remainder else moment + (step - remainder)


def free_slots(common: Sequence[Interval], busy: Sequence[Interval], *, start: datetime, length: timedelta, count: int) -> list[datetime]:
    """Up to ``count`` start times of ``length`` inside the ``common`` windows, after ``start`` and clear of ``busy``.

    Spreads over days: the earliest free time of each common window first, then the second of each, and so on;
    returned in time order.
    """
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
