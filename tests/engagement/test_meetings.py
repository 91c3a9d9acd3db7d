"""Meetings: proposed times across time zones, invitations and the feed, logging, agendas, pulses, and who may see what."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from tests.programs.sign_in_links import sign_in_link_in
from turnabout.core.models import EmailDelivery
from turnabout.engagement.calendar import feed_ics, meeting_ics
from turnabout.engagement.errors import InvalidMeeting, InvalidPulse, NotAllowed, PairNotActive, PulseLinkExpired
from turnabout.engagement.models import CalendarFeed, Meeting, MeetingMode, MeetingStatus, Pair, Pulse
from turnabout.engagement.pulse_links import pulse_token, read_pulse_token
from turnabout.engagement.queries import meeting_overview, propose_times
from turnabout.engagement.services import (
    cancel_meeting,
    close_pair,
    log_meeting_held,
    pause_pair,
    reschedule_meeting,
    schedule_meeting,
    send_agenda,
    submit_pulse,
)
from turnabout.engagement.tasks import send_meeting_invitation, send_pulse_request
from turnabout.programs.models import Role

VIDEO_LINK = "https://meet.example/ada-ben-secret-room"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the task enqueues) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def schedule(pair: Pair, starts_at: datetime, committed, *, by_role: Role = Role.MENTOR) -> Meeting:
    with committed():
        return schedule_meeting(
            pair=pair, starts_at=starts_at, duration_minutes=45, mode=MeetingMode.VIDEO, location=VIDEO_LINK, by_role=by_role
        )


def log_in(client, pair: Pair, role: Role):
    user = pair.enrolment_for(role).person.user
    client.force_login(user)
    return user


def attached_calendar(message) -> Calendar:
    (attachment,) = message.attachments
    assert attachment.mimetype.startswith("text/calendar")
    return Calendar.from_ical(attachment.content)


def snapshot() -> tuple:
    """Everything a meeting request could change."""
    return (
        list(Meeting.objects.order_by("pk").values()),
        list(Pulse.objects.order_by("pk").values()),
        list(EmailDelivery.objects.order_by("pk").values_list("key", flat=True)),
        list(CalendarFeed.objects.order_by("pk").values_list("token", flat=True)),
        len(mail.outbox),
    )


# --- Proposed times ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(
            at(2025, 1, 13, 8),  # winter: London is UTC+0, New York UTC−5; both windows are 09:00–12:00 UTC
            [at(2025, 1, 14, 9), at(2025, 1, 14, 9, 30), at(2025, 1, 14, 10), at(2025, 1, 21, 9), at(2025, 1, 21, 9, 30)],
            id="winter",
        ),
        pytest.param(
            at(2025, 3, 10, 8),  # New York moved to UTC−4 on 9 March, London only on 30 March: overlap 09:00–11:00 UTC
            [at(2025, 3, 11, 9), at(2025, 3, 11, 9, 30), at(2025, 3, 11, 10), at(2025, 3, 18, 9), at(2025, 3, 18, 9, 30)],
            id="between-the-clock-changes",
        ),
        pytest.param(
            at(2025, 4, 7, 7),  # both on summer time: both windows are 08:00–11:00 UTC
            [at(2025, 4, 8, 8), at(2025, 4, 8, 8, 30), at(2025, 4, 8, 9), at(2025, 4, 15, 8), at(2025, 4, 15, 8, 30)],
            id="summer",
        ),
    ],
)
def test_proposed_times_are_where_both_weekly_windows_overlap_in_utc(active_pair, time_machine, now, expected):
    # given Ada's London and Ben's New York Tuesday windows
    time_machine.move_to(now, tick=False)

    # when
    proposals = propose_times(pair=active_pair, now=now)

    # then the earliest time of each Tuesday comes first, then the next ones, in time order
    assert proposals == expected
    assert propose_times(pair=active_pair, now=now) == proposals


def test_proposed_times_skip_the_past_and_existing_meetings(active_pair, time_machine, committed):
    # given it is Tuesday 14 January, 09:40 UTC, and the pair meets next Tuesday at 09:00 UTC
    now = at(2025, 1, 14, 9, 40)
    time_machine.move_to(now, tick=False)
    schedule(active_pair, at(2025, 1, 21, 9), committed)

    # when
    proposals = propose_times(pair=active_pair, now=now)

    # then today's proposals start after now and next week's avoid the meeting
    assert proposals == [
        at(2025, 1, 14, 9, 45),
        at(2025, 1, 14, 10, 15),
        at(2025, 1, 14, 10, 45),
        at(2025, 1, 21, 10),
        at(2025, 1, 21, 10, 30),
    ]


def test_the_meetings_page_offers_the_proposed_times_in_each_persons_own_time(client, active_pair, time_machine):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    log_in(client, active_pair, Role.MENTEE)

    # when Ben (New York) opens the page
    page = client.get(reverse("engagement:meetings", args=[active_pair.pk]))

    # then the first proposal reads in his time and in Ada's
    assert page.status_code == 200
    assert "Tue 14 Jan 2025, 04:00 your time · 09:00 for Ada" in page.content.decode()
    assert page.context["form"].fields["slot"].widget.choices[0][0] == "2025-01-14T09:00:00+00:00"


def test_the_meeting_page_shows_the_time_for_each_side(client, active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    log_in(client, active_pair, Role.MENTOR)

    # when
    page = client.get(reverse("engagement:meeting", args=[meeting.pk])).content.decode()

    # then
    assert "Tue 14 Jan 2025, 09:00 your time (Europe/London) · Tue 04:00 for Ben (America/New_York)" in page


# --- Scheduling and invitations ------------------------------------------------------------------------------------


def test_scheduling_a_proposed_time_emails_both_an_invitation_and_serves_the_same_ics(client, active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    log_in(client, active_pair, Role.MENTOR)

    # when Ada picks the first proposed time
    with committed():
        response = client.post(
            reverse("engagement:meeting_schedule", args=[active_pair.pk]),
            {"slot": "2025-01-14T09:00:00+00:00", "duration_minutes": "45", "mode": "video", "location": VIDEO_LINK},
        )

    # then the meeting exists and both got an invitation with a REQUEST .ics
    meeting = Meeting.objects.get(pair=active_pair)
    assert response.status_code == 302
    assert response["Location"] == reverse("engagement:meeting", args=[meeting.pk])
    assert (meeting.starts_at, meeting.duration_minutes, meeting.status, meeting.ical_sequence) == (at(2025, 1, 14, 9), 45, "scheduled", 0)
    assert sorted(message.to[0] for message in mail.outbox) == ["ada@acme.test", "ben@acme.test"]
    to_ben = next(message for message in mail.outbox if message.to == ["ben@acme.test"])
    assert to_ben.subject == "Meeting scheduled: Ada Tester, Tue 14 Jan, 04:00"
    assert "Your mentor, Ada Tester, scheduled a meeting with you" in to_ben.body
    assert "Tuesday 14 January 2025 at 04:00 (America/New_York)" in to_ben.body
    assert to_ben.attachments[0].mimetype == "text/calendar; method=REQUEST"
    emailed = attached_calendar(to_ben)
    assert emailed["METHOD"] == "REQUEST"

    # and the download parses back to the same event
    download = client.get(reverse("engagement:meeting_invite", args=[meeting.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(download.content).events[0]
    assert event.uid == f"{meeting.ical_uid}@turnabout"
    assert (event.sequence, event.start, event.end) == (0, at(2025, 1, 14, 9), at(2025, 1, 14, 9, 45))
    assert (str(event["SUMMARY"]), str(event["STATUS"]), str(event["LOCATION"])) == (
        "Reverse mentoring: Ada and Ben",
        "CONFIRMED",
        VIDEO_LINK,
    )
    assert str(event["ORGANIZER"]) == "mailto:ada@acme.test"
    assert sorted(str(attendee) for attendee in event["ATTENDEE"]) == ["mailto:ada@acme.test", "mailto:ben@acme.test"]
    assert emailed.events[0].uid == event.uid


def test_a_typed_time_is_read_in_the_schedulers_own_time_zone(client, active_pair, time_machine, committed):
    # given Ben in New York
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    log_in(client, active_pair, Role.MENTEE)

    # when he types 15 January, 11:30
    with committed():
        client.post(
            reverse("engagement:meeting_schedule", args=[active_pair.pk]),
            {"starts_at": "2025-01-15T11:30", "duration_minutes": "30", "mode": "phone", "location": ""},
        )

    # then it is 16:30 UTC
    meeting = Meeting.objects.get(pair=active_pair)
    assert (meeting.starts_at, meeting.duration_minutes, meeting.mode) == (at(2025, 1, 15, 16, 30), 30, "phone")


def test_the_ics_never_carries_the_agenda_or_notes(active_pair, time_machine, committed):
    # given a meeting with an agenda
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    with committed():
        send_agenda(meeting=meeting, agenda="Talk about my promotion worries", by_role=Role.MENTOR)
    meeting.refresh_from_db()

    # when
    ics = meeting_ics(meeting).decode()

    # then only a link to the pair page describes it
    assert "promotion" not in ics
    event = Calendar.from_ical(ics).events[0]
    assert f"Details: http://127.0.0.1:8000/pairs/{active_pair.pk}/" in str(event["DESCRIPTION"]).replace("\r\n ", "")


def test_rescheduling_keeps_the_uid_raises_the_sequence_and_sends_an_update(active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    mail.outbox.clear()

    # when Ben moves it by a week
    with committed():
        reschedule_meeting(meeting=meeting, starts_at=at(2025, 1, 21, 9, 30), duration_minutes=60, by_role=Role.MENTEE)

    # then
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.duration_minutes, meeting.ical_sequence) == (at(2025, 1, 21, 9, 30), 60, 1)
    assert len(mail.outbox) == 2
    assert all(message.subject.startswith("Meeting moved: ") for message in mail.outbox)
    event = attached_calendar(mail.outbox[0]).events[0]
    assert (event.uid, event.sequence, event.start) == (f"{meeting.ical_uid}@turnabout", 1, at(2025, 1, 21, 9, 30))


def test_moving_through_the_page_reads_the_new_time_in_the_movers_zone(client, active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    log_in(client, active_pair, Role.MENTEE)

    # when Ben moves it to Wednesday 05:00 New York time
    with committed():
        response = client.post(
            reverse("engagement:meeting_reschedule", args=[meeting.pk]),
            {"starts_at": "2025-01-15T05:00", "duration_minutes": "45", "mode": "video", "location": VIDEO_LINK},
        )

    # then
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ical_sequence) == (at(2025, 1, 15, 10), 1)


def test_a_superseded_invitation_is_not_sent(active_pair, time_machine, committed):
    # given a meeting moved once (sequence 1)
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    with committed():
        reschedule_meeting(meeting=meeting, starts_at=at(2025, 1, 21, 9), duration_minutes=45, by_role=Role.MENTOR)
    mail.outbox.clear()

    # when a late delivery of the first invitation, and a repeat of the second, arrive
    send_meeting_invitation.call(meeting.pk, 0, "mentor")
    send_meeting_invitation.call(meeting.pk, 1, "mentor")

    # then nothing more is sent
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (at(2025, 1, 13, 7), "Pick a start time in the future."),
        (at(2025, 1, 14, 9, 30), "That overlaps your meeting at Tue 14 Jan 2025, 09:00 UTC."),
    ],
)
def test_scheduling_refuses_the_past_and_overlaps_and_changes_nothing(active_pair, time_machine, committed, starts_at, message):
    # given a meeting on Tuesday 09:00
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    schedule(active_pair, at(2025, 1, 14, 9), committed)
    before = snapshot()

    # when / then
    with pytest.raises(InvalidMeeting, match=re.escape(message)), committed():
        schedule_meeting(pair=active_pair, starts_at=starts_at, duration_minutes=45, mode="video", location="", by_role=Role.MENTOR)
    assert snapshot() == before


@pytest.mark.parametrize("stop", ["pause", "close"])
def test_paused_or_closed_pairs_schedule_nothing(active_pair, manager, time_machine, committed, stop):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    if stop == "pause":
        pause_pair(pair=active_pair, by=manager, message="Parental leave")
    else:
        close_pair(pair=active_pair, reason="no_fault", by=manager)
    before = snapshot()

    # when / then
    with pytest.raises(PairNotActive), committed():
        schedule_meeting(
            pair=active_pair, starts_at=at(2025, 1, 14, 9), duration_minutes=45, mode="video", location="", by_role=Role.MENTOR
        )
    assert snapshot() == before


def test_a_bad_schedule_post_says_what_is_wrong_and_changes_nothing(client, active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    log_in(client, active_pair, Role.MENTOR)
    url = reverse("engagement:meeting_schedule", args=[active_pair.pk])
    before = snapshot()

    # when
    with committed():
        past = client.post(url, {"starts_at": "2025-01-12T10:00", "duration_minutes": "45", "mode": "video"})
        neither = client.post(url, {"duration_minutes": "45", "mode": "video"})
        too_long = client.post(url, {"slot": "2025-01-14T09:00:00+00:00", "duration_minutes": "600", "mode": "video"})
        bad_mode = client.post(url, {"slot": "2025-01-14T09:00:00+00:00", "duration_minutes": "45", "mode": "carrier-pigeon"})

    # then
    assert (past.status_code, neither.status_code, too_long.status_code, bad_mode.status_code) == (400, 400, 400, 400)
    assert "Pick a start time in the future." in past.content.decode()
    assert "Pick a proposed time or type one." in neither.content.decode()
    assert too_long.context["form"].errors["duration_minutes"] == ["Ensure this value is less than or equal to 240."]
    assert "mode" in bad_mode.context["form"].errors
    assert snapshot() == before


# --- Cancelling --------------------------------------------------------------------------------------------------------


def test_a_senior_cancellation_tells_the_partner_and_the_manager_without_any_content(active_pair, manager, time_machine, committed):
    # given a meeting with an agenda
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    with committed():
        send_agenda(meeting=meeting, agenda="Feedback on my all-hands talk", by_role=Role.MENTOR)
    mail.outbox.clear()

    # when Ben, the mentee, cancels
    with committed():
        cancel_meeting(meeting=meeting, by_role=Role.MENTEE)

    # then it is recorded
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancelled_by_role, meeting.cancelled_at, meeting.ical_sequence) == (
        "cancelled",
        "mentee",
        at(2025, 1, 13, 8),
        1,
    )
    # and Ada got a CANCEL .ics, and Alice (the manager) a notice with no content
    to_ada, to_manager = sorted(mail.outbox, key=lambda message: message.to[0])
    assert to_ada.to == ["ada@acme.test"]
    event = attached_calendar(to_ada).events[0]
    assert (str(attached_calendar(to_ada)["METHOD"]), str(event["STATUS"]), event.sequence) == ("CANCEL", "CANCELLED", 1)
    assert to_manager.to == [manager.email]
    assert to_manager.subject == f"{active_pair.program.name}: a mentee cancelled a meeting"
    assert "Ben Tester cancelled a meeting with the mentor Ada Tester planned for 14 January 2025" in to_manager.body
    for content in ("Feedback on my all-hands talk", VIDEO_LINK, "all-hands"):
        assert content not in to_manager.body
        assert content not in to_manager.subject
    assert to_manager.attachments == []


def test_a_mentor_cancellation_does_not_notify_managers(active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    mail.outbox.clear()

    # when
    with committed():
        cancel_meeting(meeting=meeting, by_role=Role.MENTOR)

    # then only Ben hears of it
    assert [message.to for message in mail.outbox] == [["ben@acme.test"]]


def test_cancelling_twice_is_refused_and_changes_nothing(client, active_pair, time_machine, committed):
    # given a cancelled meeting
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    with committed():
        cancel_meeting(meeting=meeting, by_role=Role.MENTOR)
    log_in(client, active_pair, Role.MENTEE)
    before = snapshot()

    # when
    with committed():
        response = client.post(reverse("engagement:meeting_cancel", args=[meeting.pk]))

    # then
    assert response.status_code == 400
    assert "This meeting is already cancelled." in response.content.decode()
    assert snapshot() == before


# --- Logging and pulses -------------------------------------------------------------------------------------------------


def test_logging_a_held_meeting_asks_each_side_for_a_pulse_once(client, active_pair, time_machine, committed):
    # given a meeting that took place
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    time_machine.move_to(at(2025, 1, 14, 10), tick=False)
    mail.outbox.clear()
    log_in(client, active_pair, Role.MENTEE)

    # when Ben logs it through the page
    with committed():
        response = client.post(
            reverse("engagement:meeting_log", args=[meeting.pk]), {"held_minutes": "50", "mode": "video", "topics": "AI tools, LinkedIn"}
        )

    # then
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.held_minutes, meeting.topics) == ("held", 50, ["AI tools", "LinkedIn"])
    assert sorted(message.to[0] for message in mail.outbox) == ["ada@acme.test", "ben@acme.test"]
    assert {message.subject for message in mail.outbox} == {
        "One minute: how was your meeting with Ben Tester?",
        "One minute: how was your meeting with Ada Tester?",
    }

    # and when the task is delivered again, or the meeting is logged again to correct it, nothing more is sent
    send_pulse_request.call(meeting.pk, "mentor")
    send_pulse_request.call(meeting.pk, "mentee")
    with committed():
        log_meeting_held(meeting=meeting, held_minutes=55, topics=["AI tools"], mode="video")
    assert len(mail.outbox) == 2
    assert sorted(EmailDelivery.objects.filter(key__startswith="pulse-request:").values_list("key", flat=True)) == [
        f"pulse-request:{meeting.pk}:mentee",
        f"pulse-request:{meeting.pk}:mentor",
    ]


def test_a_meeting_cannot_be_logged_before_it_starts(active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    before = snapshot()

    # when / then
    with pytest.raises(InvalidMeeting, match="has not started yet"), committed():
        log_meeting_held(meeting=meeting, held_minutes=45, topics=[], mode="video")
    assert snapshot() == before


def _held_meeting(active_pair, time_machine, committed) -> Meeting:
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    time_machine.move_to(at(2025, 1, 14, 10), tick=False)
    with committed():
        log_meeting_held(meeting=meeting, held_minutes=45, topics=["AI tools"], mode="video")
    return meeting


def _emailed_link(recipient: str) -> tuple[str, str]:
    """The sign-in link in the pulse request ``recipient`` got, and the pulse page it opens once they are signed in."""
    (message,) = [message for message in mail.outbox if message.to == [recipient] and message.subject.startswith("One minute")]
    sign_in_path, link = sign_in_link_in(message)
    assert link.person is not None
    assert link.person.email == recipient
    return sign_in_path, link.next_path


def test_the_emailed_link_opens_the_pulse_form_for_that_side(client, active_pair, time_machine, committed):
    # given the pulse request Ada received
    meeting = _held_meeting(active_pair, time_machine, committed)
    sign_in_path, pulse_path = _emailed_link("ada@acme.test")

    # when she opens the pulse page signed out, then follows the emailed link, which signs her in
    signed_out = client.get(pulse_path)
    signed_in = client.post(sign_in_path)
    form = client.get(signed_in["Location"])
    saved = client.post(pulse_path, {"rating": "4", "learned": "Ben's view of budget rounds"})

    # then the pulse page needs a login; the link is hers and brings her to her side's form; her pulse is stored
    assert pulse_path == reverse("engagement:pulse", args=[pulse_token(meeting, Role.MENTOR)])
    assert signed_out.status_code == 302
    assert signed_out["Location"] == f"{reverse('accounts:login')}?{urlencode({'next': pulse_path}, safe='/')}"
    assert (signed_in.status_code, signed_in["Location"]) == (302, pulse_path)
    assert client.session["_auth_user_id"] == str(active_pair.mentor.person.user_id)
    assert form.status_code == 200
    page = form.content.decode()
    assert "How useful was this meeting? (1–5)" in page
    assert "What I learned" in page
    assert saved.status_code == 302
    assert saved["Location"] == reverse("engagement:meeting", args=[meeting.pk])
    pulse = Pulse.objects.get(meeting=meeting)
    assert pulse.pair_id == meeting.pair_id
    assert (pulse.role, pulse.rating, pulse.learned, pulse.submitted_at) == (
        "mentor",
        4,
        "Ben's view of budget rounds",
        at(2025, 1, 14, 10),
    )


def test_the_link_is_for_one_side_only(client, active_pair, time_machine, committed):
    # given the pulse page Ada's emailed link opens
    meeting = _held_meeting(active_pair, time_machine, committed)
    _sign_in_path, link = _emailed_link("ada@acme.test")
    log_in(client, active_pair, Role.MENTEE)
    before = snapshot()

    # when Ben opens or posts it
    opened = client.get(link)
    posted = client.post(link, {"rating": "1", "learned": "x"})

    # then
    assert (opened.status_code, posted.status_code) == (404, 404)
    assert snapshot() == before
    assert not Pulse.objects.filter(meeting=meeting).exists()


def test_a_second_pulse_within_7_days_updates_it_and_later_is_refused(active_pair, time_machine, committed):
    # given Ada's pulse
    meeting = _held_meeting(active_pair, time_machine, committed)
    submit_pulse(meeting=meeting, role=Role.MENTOR, rating=3, learned="First thoughts")

    # when she changes it six days later
    time_machine.move_to(at(2025, 1, 20, 10), tick=False)
    submit_pulse(meeting=meeting, role=Role.MENTOR, rating=5, learned="Second thoughts")

    # then one pulse, updated
    assert list(Pulse.objects.values_list("role", "rating", "learned")) == [("mentor", 5, "Second thoughts")]

    # and after seven days it stays as it is
    time_machine.move_to(at(2025, 1, 22, 10), tick=False)
    before = snapshot()
    with pytest.raises(InvalidPulse, match="it can be changed for 7 days only"):
        submit_pulse(meeting=meeting, role=Role.MENTOR, rating=1, learned="Third thoughts")
    assert snapshot() == before


def test_a_pulse_before_the_meeting_is_held_is_refused_and_nothing_is_stored(client, active_pair, time_machine, committed):
    # given a scheduled meeting (not logged) and a link made for it
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    link = reverse("engagement:pulse", args=[pulse_token(meeting, Role.MENTOR)])
    log_in(client, active_pair, Role.MENTOR)
    before = snapshot()

    # when
    with pytest.raises(InvalidPulse, match="once the meeting is logged as held"):
        submit_pulse(meeting=meeting, role=Role.MENTOR, rating=4, learned="Too early")
    response = client.post(link, {"rating": "4", "learned": "Too early"})

    # then
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("rating", [0, 6, True, "5"])
def test_a_rating_outside_1_to_5_is_refused(active_pair, time_machine, committed, rating):
    meeting = _held_meeting(active_pair, time_machine, committed)
    with pytest.raises(InvalidPulse, match="Rate the meeting from 1"):
        submit_pulse(meeting=meeting, role=Role.MENTEE, rating=rating, learned="")
    assert not Pulse.objects.exists()


def test_pulse_links_expire_after_14_days_and_forged_ones_are_not_found(client, active_pair, time_machine, committed):
    # given Ada's link
    meeting = _held_meeting(active_pair, time_machine, committed)
    token = pulse_token(meeting, Role.MENTOR)
    assert read_pulse_token(token) == (meeting.pk, Role.MENTOR)
    log_in(client, active_pair, Role.MENTOR)

    # when it is altered, or 15 days old
    forged = client.get(reverse("engagement:pulse", args=[token.replace(f"{meeting.pk}:mentor", f"{meeting.pk}:mentee")]))
    time_machine.move_to(at(2025, 1, 29, 11), tick=False)
    log_in(client, active_pair, Role.MENTOR)
    expired = client.get(reverse("engagement:pulse", args=[token]))

    # then
    assert forged.status_code == 404
    assert expired.status_code == 410
    assert "This pulse link has expired" in expired.content.decode()
    with pytest.raises(PulseLinkExpired):
        read_pulse_token(token)


def test_each_side_reads_its_own_pulse_text_and_only_the_partners_rating(client, active_pair, time_machine, committed):
    # given both pulses
    meeting = _held_meeting(active_pair, time_machine, committed)
    submit_pulse(meeting=meeting, role=Role.MENTOR, rating=4, learned="Learning kept by Ada")
    submit_pulse(meeting=meeting, role=Role.MENTEE, rating=5, learned="Learning kept by Ben")

    # when Ada opens the pair page and the meeting page
    log_in(client, active_pair, Role.MENTOR)
    pair_page = client.get(reverse("engagement:pair", args=[active_pair.pk])).content.decode()
    meeting_page = client.get(reverse("engagement:meeting", args=[meeting.pk])).content.decode()

    # then
    assert "your pulse 4/5" in pair_page
    assert "Ben's pulse 5/5" in pair_page
    assert "Learning kept by Ada" in meeting_page
    assert "Ben's pulse: 5/5" in meeting_page
    for page in (pair_page, meeting_page):
        assert "Learning kept by Ben" not in page


# --- Agenda -------------------------------------------------------------------------------------------------------------


def test_the_mentor_sends_the_agenda_to_the_mentee(client, active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    mail.outbox.clear()
    log_in(client, active_pair, Role.MENTOR)

    # when
    with committed():
        response = client.post(reverse("engagement:meeting_agenda", args=[meeting.pk]), {"agenda": "1. Prompting\n2. Your questions"})

    # then
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.agenda, meeting.agenda_sent_at) == ("1. Prompting\n2. Your questions", at(2025, 1, 13, 8))
    (message,) = mail.outbox
    assert message.to == ["ben@acme.test"]
    assert message.subject == "Agenda from Ada Tester for Tue 14 Jan, 04:00"
    assert "1. Prompting\n2. Your questions" in message.body


def test_the_mentee_cannot_send_the_agenda(client, active_pair, time_machine, committed):
    # given
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    meeting = schedule(active_pair, at(2025, 1, 14, 9), committed)
    log_in(client, active_pair, Role.MENTEE)
    before = snapshot()

    # when / then
    with pytest.raises(NotAllowed, match=r"Only the mentor sends the agenda\."), committed():
        send_agenda(meeting=meeting, agenda="My agenda", by_role=Role.MENTEE)
    with committed():
        response = client.post(reverse("engagement:meeting_agenda", args=[meeting.pk]), {"agenda": "My agenda"})
    assert response.status_code == 400
    assert "Only the mentor sends the agenda." in response.content.decode()
    assert snapshot() == before


# --- Calendar feed ------------------------------------------------------------------------------------------------------


def test_the_personal_feed_lists_every_meeting_and_marks_cancelled_ones(client, active_pair, time_machine, committed):
    # given two meetings, one cancelled, and Ada's feed page
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    kept = schedule(active_pair, at(2025, 1, 14, 9), committed)
    dropped = schedule(active_pair, at(2025, 1, 21, 9), committed)
    with committed():
        cancel_meeting(meeting=dropped, by_role=Role.MENTOR)
    user = log_in(client, active_pair, Role.MENTOR)
    page = client.get(reverse("engagement:calendar"))
    token = CalendarFeed.objects.get(user=user).token
    client.logout()

    # when a calendar app fetches it, signed out
    feed = client.get(reverse("engagement:calendar_feed", args=[token]))

    # then
    assert page.status_code == 200
    assert f"http://127.0.0.1:8000/pairs/calendar/{token}.ics" in page.content.decode()
    assert feed.status_code == 200
    events = {str(event.uid): event for event in Calendar.from_ical(feed.content).events}
    assert {uid: str(event["STATUS"]) for uid, event in events.items()} == {
        f"{kept.ical_uid}@turnabout": "CONFIRMED",
        f"{dropped.ical_uid}@turnabout": "CANCELLED",
    }
    assert feed_ics(user) == feed.content


def test_a_bad_or_rotated_feed_token_is_not_found(client, active_pair):
    # given Ada's feed, then a new address
    user = log_in(client, active_pair, Role.MENTOR)
    client.get(reverse("engagement:calendar"))
    old = CalendarFeed.objects.get(user=user).token
    response = client.post(reverse("engagement:calendar_rotate"))
    new = CalendarFeed.objects.get(user=user).token
    client.logout()

    # then
    assert response.status_code == 302
    assert new != old
    assert client.get(reverse("engagement:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("engagement:calendar_feed", args=["not-a-token"])).status_code == 404
    assert client.get(reverse("engagement:calendar_feed", args=[new])).status_code == 200


# --- Who may see and do what --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentor", "mentee", "manager", "sponsor", "outsider"])
def test_nobody_outside_the_pair_reaches_its_meetings(client, request, active_pair, time_machine, committed, who):
    # given a held meeting with an agenda, a scheduled one, and a valid pulse link of Ada's
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    held = schedule(active_pair, at(2025, 1, 14, 9), committed)
    with committed():
        send_agenda(meeting=held, agenda="Private agenda", by_role=Role.MENTOR)
    upcoming = schedule(active_pair, at(2025, 1, 21, 9), committed)
    time_machine.move_to(at(2025, 1, 14, 10), tick=False)
    with committed():
        log_meeting_held(meeting=held, held_minutes=45, topics=[], mode="video")
    link = reverse("engagement:pulse", args=[pulse_token(held, Role.MENTOR)])
    # the named cast's mentor and mentee are participants at Acme, but not in this pair
    client.force_login(request.getfixturevalue(who))
    before = snapshot()

    # when
    pages = [
        reverse("engagement:meetings", args=[active_pair.pk]),
        reverse("engagement:meeting", args=[held.pk]),
        reverse("engagement:meeting", args=[upcoming.pk]),
        reverse("engagement:meeting_invite", args=[upcoming.pk]),
        link,
    ]
    posts = [
        (
            reverse("engagement:meeting_schedule", args=[active_pair.pk]),
            {"slot": "2025-01-28T09:00:00+00:00", "duration_minutes": "45", "mode": "video"},
        ),
        (reverse("engagement:meeting_log", args=[upcoming.pk]), {"held_minutes": "45", "mode": "video"}),
        (reverse("engagement:meeting_cancel", args=[upcoming.pk]), {}),
        (
            reverse("engagement:meeting_reschedule", args=[upcoming.pk]),
            {"starts_at": "2025-02-04T09:00", "duration_minutes": "45", "mode": "video"},
        ),
        (reverse("engagement:meeting_agenda", args=[upcoming.pk]), {"agenda": "Hijacked"}),
        (link, {"rating": "1", "learned": "Hijacked"}),
    ]
    with committed():
        got = {url: client.get(url).status_code for url in pages}
        posted = {url: client.post(url, data).status_code for url, data in posts}

    # then
    assert set(got.values()) == {404}, got
    assert set(posted.values()) == {404}, posted
    assert snapshot() == before


def test_the_meetings_section_costs_two_queries_however_many_meetings(active_pair, time_machine, committed):
    # given three meetings, one held with a pulse
    meeting = _held_meeting(active_pair, time_machine, committed)
    submit_pulse(meeting=meeting, role=Role.MENTOR, rating=4, learned="")
    schedule(active_pair, at(2025, 1, 21, 9), committed)
    schedule(active_pair, at(2025, 1, 28, 9), committed)

    pair = Pair.objects.select_related("program", "mentor__person", "mentee__person").get(pk=active_pair.pk)

    # when
    with CaptureQueriesContext(connection) as queries:
        overview = meeting_overview(pair, Role.MENTOR, now=at(2025, 1, 14, 10))

    # then
    assert len(queries) == 2
    assert [(row.meeting.status, row.my_pulse.rating, row.partner_rating) for row in overview.past] == [(MeetingStatus.HELD, 4, None)]
    assert [upcoming.starts_at for upcoming in overview.upcoming] == [at(2025, 1, 21, 9), at(2025, 1, 28, 9)]
