"""iCalendar documents for meetings: an invitation or cancellation per meeting, and a personal feed.

No agenda, topics or notes ever go into a calendar: events carry when, where, who, and a link to the pair page.

Text typed by people (names, the program's name and labels, the location) is RFC 5545-escaped by icalendar: a line
break in a value becomes ``\\n`` and ``,`` ``;`` ``\\`` are escaped, so no value can start a property of its own;
parameter values such as the attendee's ``CN`` are quoted with RFC 6868's caret escapes. Before that every value
goes through ``plain_text``: control characters and direction overrides go, and names and the location are one line.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Literal

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress
from icalendar.enums import PARTSTAT, ROLE, STATUS

from turnabout.accounts.models import User
from turnabout.core.email import plain_text
from turnabout.engagement.models import Meeting, PairKind, PairMember
from turnabout.programs.models import Role

PRODID = "-//Turnabout//Reverse mentoring meetings//EN"
UID_DOMAIN = "turnabout"


def _line(text: str) -> str:
    return plain_text(text, multiline=False)


def _event(meeting: Meeting, *, cancelled: bool) -> Event:
    pair, program = meeting.pair, meeting.pair.program
    mentor, mentee = pair.mentor.person, pair.mentee.person
    pair_url = settings.SITE_URL + reverse("engagement:pair", args=[pair.pk])
    starts_at = meeting.starts_at.astimezone(UTC)
    if pair.is_circle:
        return _circle_event(meeting, cancelled=cancelled, pair_url=pair_url)
    return Event.new(
        uid=f"{meeting.ical_uid}@{UID_DOMAIN}",
        sequence=meeting.ical_sequence,
        stamp=timezone.now().astimezone(UTC),
        start=starts_at,
        end=starts_at + timedelta(minutes=meeting.duration_minutes),
        summary=_line(_("Reverse mentoring: %(mentor)s and %(mentee)s") % {"mentor": mentor.given_name, "mentee": mentee.given_name}),
        description=(
            _line(
                _("%(mentor)s (%(mentor_label)s) and %(mentee)s (%(mentee_label)s), %(program)s.")
                % {
                    "mentor": mentor.full_name,
                    "mentor_label": program.mentor_label,
                    "mentee": mentee.full_name,
                    "mentee_label": program.mentee_label,
                    "program": program.name,
                }
            )
            + "\n"
            + _("Details: %(url)s") % {"url": pair_url}
        ),
        location=_line(meeting.location or meeting.get_mode_display()),
        url=pair_url,
        status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
        # The mentor prepares and sends the agenda, so the mentor is the organiser; both attend.
        organizer=vCalAddress.new(mentor.email, cn=_line(mentor.full_name)),
        attendees=[
            vCalAddress.new(mentor.email, cn=_line(mentor.full_name), role=ROLE.REQ_PARTICIPANT, partstat=PARTSTAT.ACCEPTED),
            vCalAddress.new(mentee.email, cn=_line(mentee.full_name), role=ROLE.REQ_PARTICIPANT, partstat=PARTSTAT.NEEDS_ACTION, rsvp=True),
        ],
    )


def _circle_event(meeting: Meeting, *, cancelled: bool, pair_url: str) -> Event:
    """A circle's meeting: the first current mentor (by member id, stable across updates) organises; every current
    member attends."""
    pair, program = meeting.pair, meeting.pair.program
    prefetched: list[PairMember] | None = getattr(pair, "feed_members", None)
    members = prefetched if prefetched is not None else list(pair.members.current().select_related("enrolment__person").order_by("pk"))
    mentors = [member for member in members if member.role == Role.MENTOR]
    organiser = (mentors or members)[0].enrolment.person
    starts_at = meeting.starts_at.astimezone(UTC)
    return Event.new(
        uid=f"{meeting.ical_uid}@{UID_DOMAIN}",
        sequence=meeting.ical_sequence,
        stamp=timezone.now().astimezone(UTC),
        start=starts_at,
        end=starts_at + timedelta(minutes=meeting.duration_minutes),
        summary=_line(_("Reverse mentoring circle: %(program)s") % {"program": program.name}),
        description=(
            _line(", ".join(member.enrolment.person.full_name for member in members)) + "\n" + _("Details: %(url)s") % {"url": pair_url}
        ),
        location=_line(meeting.location or meeting.get_mode_display()),
        url=pair_url,
        status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
        organizer=vCalAddress.new(organiser.email, cn=_line(organiser.full_name)),
        attendees=[
            vCalAddress.new(
                member.enrolment.person.email,
                cn=_line(member.enrolment.person.full_name),
                role=ROLE.REQ_PARTICIPANT,
                partstat=PARTSTAT.ACCEPTED if member.enrolment.person.pk == organiser.pk else PARTSTAT.NEEDS_ACTION,
                rsvp=member.enrolment.person.pk != organiser.pk,
            )
            for member in members
        ],
    )


def _calendar(events: list[Event], *, method: str | None, name: str | None = None) -> bytes:
    calendar = Calendar.new(prodid=PRODID, method=method, name=name, subcomponents=events)
    # Calendar.new invents a random calendar UID; drop it so the same meeting always gives the same document.
    calendar.pop("UID", None)
    document: bytes = calendar.to_ical()
    return document


def meeting_ics(meeting: Meeting, *, method: Literal["REQUEST", "CANCEL"] = "REQUEST") -> bytes:
    """One meeting as an iTIP REQUEST (invitation or update) or CANCEL; load pair, program and people first."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"method must be REQUEST or CANCEL, not {method!r}.")
    cancelled = method == "CANCEL" or meeting.is_cancelled
    return _calendar([_event(meeting, cancelled=cancelled)], method=method)


def feed_ics(user: User) -> bytes:
    """Every meeting of every pair and circle the user is in (a circle while they are a current member), cancelled ones
    marked CANCELLED; two queries (the second for the circles' current members)."""
    meetings = (
        Meeting.objects.filter(
            Q(pair__kind=PairKind.PAIR) & (Q(pair__mentor__person__user=user) | Q(pair__mentee__person__user=user))
            | Q(
                pair__kind=PairKind.CIRCLE,
                pair__in=PairMember.objects.current().filter(enrolment__person__user=user).values("pair_id"),
            )
        )
        .select_related("pair__program", "pair__mentor__person", "pair__mentee__person")
        .prefetch_related(
            Prefetch(
                "pair__members",
                queryset=PairMember.objects.current().select_related("enrolment__person").order_by("pk"),
                to_attr="feed_members",
            )
        )
        .order_by("starts_at", "pk")
    )
    events = [_event(meeting, cancelled=meeting.is_cancelled) for meeting in meetings]
    return _calendar(events, method=None, name=_("Reverse mentoring meetings"))
