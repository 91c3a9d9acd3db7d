"""A circle's meetings (ADR 0008, package 4): times that suit every member's zone, an invitation and a pulse each."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from tests.builders import signed_up_circle
from turnabout.core.delivery import meeting_invitation_key, pulse_request_key
from turnabout.core.models import EmailDelivery
from turnabout.engagement.models import Meeting, Pair, PairMember, Pulse
from turnabout.engagement.pulse_links import pulse_token, read_pulse_token
from turnabout.engagement.queries import propose_times
from turnabout.engagement.scheduling import available_intervals
from turnabout.engagement.services import log_meeting_held
from turnabout.engagement.tasks import send_meeting_invitation, send_pulse_request

PASSWORD = "x" * 12
NOW = datetime(2025, 1, 13, 8, tzinfo=UTC)  # a Monday in winter: London UTC+0, New York UTC−5, Kolkata UTC+5:30
TUESDAY = 1
# Each member's Tuesday window in their own zone; in UTC they share 13:00–15:00 only.
WINDOWS = {
    "Europe/London": ("09:00", "15:00"),  # 09:00–15:00 UTC
    "America/New_York": ("08:00", "11:30"),  # 13:00–16:30 UTC
    "Asia/Kolkata": ("17:30", "21:30"),  # 12:00–16:00 UTC
}
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Europe/London", "America/New_York", "Asia/Kolkata", "Europe/London"]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def circle(acme, manager, circle_program, time_machine) -> tuple[list, Pair]:
    """A 4+3 circle across London, New York and Kolkata, each member with their Tuesday window."""
    time_machine.move_to(NOW, tick=False)
    juniors, seniors, pair = signed_up_circle(acme, manager, circle_program, password=PASSWORD)
    people = [*juniors, *seniors]
    for person, zone in zip(people, ZONES, strict=True):
        start, end = WINDOWS[zone]
        enrolment = pair.members.get(enrolment__person=person).enrolment
        enrolment.timezone = zone
        enrolment.availability = [{"day": TUESDAY, "start": start, "end": end}]
        enrolment.save(update_fields=["timezone", "availability"])
    return people, Pair.objects.get(pk=pair.pk)


def _member(pair: Pair, person) -> PairMember:
    return pair.members.select_related("enrolment").get(enrolment__person=person)


def _schedule(client, pair: Pair, person, starts_at: datetime, committed):
    client.force_login(person.user)
    with committed():
        return client.post(
            reverse("engagement:meeting_schedule", args=[pair.pk]),
            {"slot": starts_at.isoformat(), "duration_minutes": "45", "mode": "video", "location": "https://meet.example/board"},
        )


@pytest.mark.django_db
def test_every_proposed_time_is_inside_every_members_availability(circle):
    _people, pair = circle
    proposals = propose_times(pair=pair, now=NOW)
    assert proposals == [at(14, 13), at(14, 13, 30), at(14, 14), at(21, 13), at(21, 13, 30)]
    for member in pair.members.select_related("enrolment"):
        windows = available_intervals(member.enrolment, start=NOW, end=at(28, 0))
        for proposal in proposals:
            end = proposal + timedelta(minutes=45)
            assert any(start <= proposal and end <= stop for start, stop in windows), (member.enrolment.timezone, proposal)


@pytest.mark.django_db
def test_the_meetings_page_offers_the_times_that_suit_every_member(client, circle):
    people, pair = circle
    client.force_login(people[2].user)
    page = client.get(reverse("engagement:meetings", args=[pair.pk]))
    assert "These times suit every member" in page.content.decode()
    assert next(value for value, _label in page.context["form"].fields["slot"].widget.choices) == at(14, 13).isoformat()


@pytest.mark.django_db
def test_proposals_avoid_every_members_busy_meetings(client, circle, committed):
    people, pair = circle
    _schedule(client, pair, people[6], at(14, 13), committed)
    assert at(14, 13) not in propose_times(pair=pair, now=NOW)
    assert at(14, 13, 30) not in propose_times(pair=pair, now=NOW)  # it would overlap the 13:00–13:45 meeting


@pytest.mark.django_db
def test_scheduling_invites_every_member_once_with_seven_attendees(client, circle, committed):
    # given
    people, pair = circle
    mail.outbox.clear()

    # when a senior books the first proposed time through the page
    response = _schedule(client, pair, people[5], at(14, 13), committed)

    # then one invitation per member, each with an .ics naming all seven
    assert response.status_code == 302
    meeting = Meeting.objects.get(pair=pair)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
    for message in mail.outbox:
        (attachment,) = message.attachments
        (event,) = Calendar.from_ical(attachment.content).events
        attendees = sorted(str(address).removeprefix("mailto:") for address in event.get("ATTENDEE"))
        assert attendees == sorted(person.email for person in people)
        assert str(event.get("ORGANIZER")).removeprefix("mailto:") == people[0].email  # the first mentor
    keys = {meeting_invitation_key(meeting.pk, sequence=0, role=m.role, member_id=m.pk) for m in pair.members.all()}
    assert set(EmailDelivery.objects.filter(key__startswith="invite:").values_list("key", flat=True)) == keys

    # and running the task again sends nothing more
    send_meeting_invitation.enqueue(meeting.pk, 0, "mentee", _member(pair, people[5]).pk)
    assert len(mail.outbox) == 7

    # and every member opens the meeting page of their circle
    for person in people:
        client.force_login(person.user)
        page = client.get(reverse("engagement:meeting", args=[meeting.pk]))
        assert page.status_code == 200
        assert "Meeting of your circle" in page.content.decode()

    # and the downloaded .ics lists seven attendees too
    ics = client.get(reverse("engagement:meeting_invite", args=[meeting.pk]))
    (event,) = Calendar.from_ical(ics.content).events
    assert len(event.get("ATTENDEE")) == 7


@pytest.mark.django_db
def test_logging_as_held_asks_every_member_once_and_each_gives_a_pulse_through_their_own_link(client, circle, committed, time_machine):
    # given a meeting that took place
    people, pair = circle
    _schedule(client, pair, people[1], at(14, 13), committed)
    meeting = Meeting.objects.get(pair=pair)
    time_machine.move_to(at(14, 14), tick=False)
    mail.outbox.clear()

    # when a senior logs it as held through the page
    client.force_login(people[4].user)
    with committed():
        client.post(reverse("engagement:meeting_log", args=[meeting.pk]), {"held_minutes": "45", "mode": "video", "topics": "AI pilot"})

    # then every member gets one pulse request, with a link of their own
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
    keys = {pulse_request_key(meeting.pk, role=m.role, member_id=m.pk) for m in pair.members.all()}
    assert set(EmailDelivery.objects.filter(key__startswith="pulse-request:").values_list("key", flat=True)) == keys
    with committed():
        log_meeting_held(meeting=meeting, held_minutes=50, topics=["AI pilot"], mode="video")
    send_pulse_request.enqueue(meeting.pk, "mentor", _member(pair, people[0]).pk)
    assert len(mail.outbox) == 7

    # and each member's link opens only for them and records their pulse
    for rating, person in enumerate(people, start=1):
        member = _member(pair, person)
        token = pulse_token(meeting, member)
        assert read_pulse_token(token) == (meeting.pk, member.pk)
        (message,) = [message for message in mail.outbox if message.to == [person.email]]
        assert "Your circle met on" in message.body
        other = people[(people.index(person) + 1) % len(people)]
        client.force_login(other.user)
        assert client.get(reverse("engagement:pulse", args=[token])).status_code == 404
        client.force_login(person.user)
        response = client.post(reverse("engagement:pulse", args=[token]), {"rating": str(min(rating, 5)), "learned": "A lot"})
        assert response.status_code == 302
    pulses = Pulse.objects.filter(meeting=meeting)
    assert sorted(pulses.values_list("member_id", flat=True)) == sorted(pair.members.values_list("pk", flat=True))

    # and a second pulse from the same member makes no second row (it updates theirs within the week)
    member = _member(pair, people[0])
    client.force_login(people[0].user)
    client.post(reverse("engagement:pulse", args=[pulse_token(meeting, member)]), {"rating": "4", "learned": "More"})
    assert Pulse.objects.filter(meeting=meeting).count() == 7
    assert Pulse.objects.get(meeting=meeting, member=member).rating == 4


@pytest.mark.django_db
def test_the_schedule_form_and_the_meeting_page_show_every_other_members_zone(client, circle, committed):
    people, pair = circle
    client.force_login(people[0].user)  # J1, in London
    page = client.get(reverse("engagement:meetings", args=[pair.pk]))
    _value, label = page.context["form"].fields["slot"].widget.choices[0]
    assert label == "Tue 14 Jan 2025, 13:00 your time · 08:00 for J2, S1 · 18:30 for J3, S2 · 13:00 for J4, S3"
    _schedule(client, pair, people[0], at(14, 13), committed)
    meeting = Meeting.objects.get(pair=pair)
    text = client.get(reverse("engagement:meeting", args=[meeting.pk])).content.decode()
    for zone in ("America/New_York", "Asia/Kolkata", "Europe/London"):
        assert zone in text
    assert "Tue 08:00 for J2, S1 (America/New_York) · Tue 18:30 for J3, S2 (Asia/Kolkata)" in text


@pytest.mark.django_db
def test_any_mentor_member_sends_the_agenda_to_every_mentee_and_a_mentee_member_cannot(client, circle, committed):
    people, pair = circle
    _schedule(client, pair, people[0], at(14, 13), committed)
    meeting = Meeting.objects.get(pair=pair)
    mail.outbox.clear()
    client.force_login(people[2].user)  # J3, not the lead mentor
    assert client.get(reverse("engagement:meeting", args=[meeting.pk])).context["can_send_agenda"] is True
    with committed():
        response = client.post(reverse("engagement:meeting_agenda", args=[meeting.pk]), {"agenda": "The AI pilot"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).agenda == "The AI pilot"
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people[4:])
    client.force_login(people[5].user)  # S2, a mentee member
    assert client.get(reverse("engagement:meeting", args=[meeting.pk])).context["can_send_agenda"] is False
    refused = client.post(reverse("engagement:meeting_agenda", args=[meeting.pk]), {"agenda": "Something else"})
    assert refused.status_code == 400
    assert Meeting.objects.get(pk=meeting.pk).agenda == "The AI pilot"


@pytest.mark.django_db
def test_a_mentee_member_who_is_not_the_lead_cancelling_tells_the_managers_who_cancelled(client, circle, committed, manager):
    people, pair = circle
    _schedule(client, pair, people[0], at(14, 13), committed)
    meeting = Meeting.objects.get(pair=pair)
    mail.outbox.clear()
    client.force_login(people[5].user)  # S2; the lead mentee is S1
    with committed():
        client.post(reverse("engagement:meeting_cancel", args=[meeting.pk]))
    cancelled = Meeting.objects.get(pk=meeting.pk)
    assert cancelled.cancelled_by_member == _member(pair, people[5])
    assert cancelled.cancelled_by_role == "mentee"
    (notice,) = [message for message in mail.outbox if message.to == [manager.email]]
    assert "the mentee S2 Tester cancelled a meeting of their circle planned for 14 January 2025" in " ".join(notice.body.split())
    assert "S1 Tester" not in notice.body
    assert "J1 Tester" not in notice.body
