"""A member leaves a circle (ADR 0008): above its minimum sizes the circle goes on without them, below them it closes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests.builders import signed_up_circle
from turnabout.engagement.calendar import meeting_ics
from turnabout.engagement.models import CloseReason, Meeting, MeetingMode, MeetingStatus, Pair, PairMember
from turnabout.engagement.services import end_membership, schedule_meeting
from turnabout.matching.services import end_matches_of_withdrawn
from turnabout.people.models import EmploymentStatus
from turnabout.programs.models import EnrolmentStatus, Role
from turnabout.programs.services import withdraw_leavers

PASSWORD = "x" * 12


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def circle(acme, manager, circle_program) -> tuple[list, list, Pair]:
    """Five juniors and three seniors: one junior above the program's minimum of four mentors, none above three mentees."""
    juniors, seniors, pair = signed_up_circle(acme, manager, circle_program, password=PASSWORD, mentors=5)
    return juniors, seniors, Pair.objects.get(pk=pair.pk)


def _member(pair: Pair, person) -> PairMember:
    return pair.members.select_related("enrolment__person").get(enrolment__person=person)


def _schedule(pair: Pair, person, committed) -> Meeting:
    with committed():
        return schedule_meeting(pair=pair, starts_at=timezone.now() + timedelta(days=3), duration_minutes=45, mode=MeetingMode.VIDEO,
                                location="", by_role=Role.MENTOR, by=_member(pair, person))  # fmt: skip


@pytest.mark.django_db
def test_a_circle_above_its_minimum_goes_on_without_the_member_who_left(circle, committed):
    juniors, seniors, pair = circle
    meeting = _schedule(pair, juniors[0], committed)
    mail.outbox.clear()
    with committed():
        pair = end_membership(member=_member(pair, juniors[4]), reason=CloseReason.PARTNER_LEFT, by=None)
    assert pair.is_active
    assert pair.close_reason == ""
    assert _member(pair, juniors[4]).has_left
    assert pair.members.current().count() == 7
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED
    # the seven who stay are told once each that Junior 5 left (and nothing of why); the leaver gets nothing
    stayed = sorted(person.email for person in (*juniors[:4], *seniors))
    assert sorted(message.to[0] for message in mail.outbox) == stayed
    assert all(f"{juniors[4].full_name} has left your circle" in message.body for message in mail.outbox)
    assert all("goes on with 7 members" in message.body for message in mail.outbox)
    mail.outbox.clear()
    with committed():
        end_membership(member=_member(pair, juniors[4]), reason=CloseReason.PARTNER_LEFT, by=None)
    assert mail.outbox == []
    attendees = [str(value) for value in Calendar.from_ical(meeting_ics(Meeting.objects.get(pk=meeting.pk), method="REQUEST"))
                 .walk("VEVENT")[0].get("ATTENDEE")]  # fmt: skip
    assert len(attendees) == 7
    assert not any(juniors[4].email in attendee for attendee in attendees)


@pytest.mark.django_db
def test_a_circle_below_its_minimum_closes_partner_left_and_its_meetings_are_cancelled(circle, committed):
    juniors, seniors, pair = circle
    meeting = _schedule(pair, juniors[0], committed)
    mail.outbox.clear()
    with committed():
        pair = end_membership(member=_member(pair, seniors[2]), reason=CloseReason.NO_FAULT, by=None)
    assert pair.is_closed
    assert pair.close_reason == CloseReason.PARTNER_LEFT
    cancelled = Meeting.objects.get(pk=meeting.pk)
    assert cancelled.is_cancelled
    assert cancelled.cancelled_by_role == ""
    assert cancelled.cancelled_by_member is None
    assert cancelled.ical_sequence == meeting.ical_sequence + 1
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(person.email for person in (*juniors, *seniors[:2]))
    assert all("Your circle has closed" in message.body for message in mail.outbox)
    assert all(message.attachments[0][2].startswith("text/calendar; method=CANCEL") for message in mail.outbox)


@pytest.mark.django_db
def test_leaving_twice_changes_nothing(circle):
    juniors, _seniors, pair = circle
    member = _member(pair, juniors[4])
    end_membership(member=member, reason=CloseReason.PARTNER_LEFT, by=None)
    left_at = PairMember.objects.get(pk=member.pk).left_at
    end_membership(member=member, reason=CloseReason.PARTNER_LEFT, by=None)
    assert PairMember.objects.get(pk=member.pk).left_at == left_at
    assert Pair.objects.get(pk=pair.pk).is_active


@pytest.mark.django_db
def test_a_lead_leaving_hands_the_lead_to_the_next_member_of_that_side(circle):
    juniors, _seniors, pair = circle
    assert pair.mentor.person == juniors[0]
    pair = end_membership(member=_member(pair, juniors[0]), reason=CloseReason.PARTNER_LEFT, by=None)
    pair = Pair.objects.get(pk=pair.pk)
    assert pair.is_active
    assert pair.mentor == _member(pair, juniors[1]).enrolment
    assert pair.mentor == pair.members.current().mentors().order_by("pk").first().enrolment


@pytest.mark.django_db
def test_the_member_who_left_gets_404_on_the_circle_and_its_meetings(client, circle, committed):
    juniors, _seniors, pair = circle
    meeting = _schedule(pair, juniors[0], committed)
    client.force_login(juniors[4].user)
    assert client.get(reverse("engagement:pair", args=[pair.pk])).status_code == 200
    end_membership(member=_member(pair, juniors[4]), reason=CloseReason.PARTNER_LEFT, by=None)
    assert client.get(reverse("engagement:pair", args=[pair.pk])).status_code == 404
    assert client.get(reverse("engagement:meeting", args=[meeting.pk])).status_code == 404
    client.force_login(juniors[3].user)
    assert client.get(reverse("engagement:pair", args=[pair.pk])).status_code == 200


@pytest.mark.django_db
def test_a_leaver_withdrawn_through_programs_leaves_the_circle_through_matching(acme, circle, committed):
    juniors, seniors, pair = circle
    leaver = juniors[0]
    leaver.employment_status = EmploymentStatus.LEAVER
    leaver.save(update_fields=["employment_status"])
    withdrawn = withdraw_leavers(organisation=acme)
    assert [enrolment.person for enrolment in withdrawn] == [leaver]
    assert withdrawn[0].status == EnrolmentStatus.WITHDRAWN
    with committed():
        end_matches_of_withdrawn(organisation_id=acme.pk)
    pair = Pair.objects.get(pk=pair.pk)
    assert _member(pair, leaver).has_left
    assert pair.is_active
    assert pair.mentor.person == juniors[1]
    seniors[1].employment_status = EmploymentStatus.LEAVER
    seniors[1].save(update_fields=["employment_status"])
    withdraw_leavers(organisation=acme)
    with committed():
        end_matches_of_withdrawn(organisation_id=acme.pk)
    pair = Pair.objects.get(pk=pair.pk)
    assert pair.is_closed
    assert pair.close_reason == CloseReason.PARTNER_LEFT
    assert _member(pair, seniors[1]).has_left
    assert pair.members.current().count() == 6
