"""A meeting's video link is a link on its page; a room, or anything not http(s), stays plain text."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from turnabout.engagement.meeting_forms import RescheduleForm
from turnabout.engagement.models import Meeting, MeetingMode, Pair
from turnabout.programs.models import Role


def _meeting_page(client, pair: Pair, location: str) -> str:
    meeting = Meeting.objects.create(
        pair=pair, starts_at=timezone.now() + timedelta(days=3), duration_minutes=45, mode=MeetingMode.VIDEO, location=location
    )
    client.force_login(pair.enrolment_for(Role.MENTOR).person.user)
    return client.get(reverse("engagement:meeting", args=[meeting.pk])).content.decode()


def test_a_video_link_is_clickable_and_opens_safely(client, active_pair):
    # when
    page = _meeting_page(client, active_pair, "https://meet.example.com/abc-defg?pwd=1&x=2")

    # then
    assert (
        '<a href="https://meet.example.com/abc-defg?pwd=1&amp;x=2" rel="noopener noreferrer" target="_blank" '
        'data-testid="meeting-link">https://meet.example.com/abc-defg?pwd=1&amp;x=2</a>'
    ) in page


@pytest.mark.parametrize(
    "location", ["Room 4.12, second floor", "javascript:alert(1)", "JavaScript://%0aalert(1)", "zoommtg://zoom.us/join"]
)
def test_a_room_or_another_scheme_stays_plain_text(client, active_pair, location):
    # when
    page = _meeting_page(client, active_pair, location)

    # then
    assert 'data-testid="meeting-link"' not in page
    assert 'href="javascript' not in page.lower()
    assert location.replace("&", "&amp;") in page


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("javascript:alert(1)", "A video link starts with https:// (or http://)."),
        ("zoommtg://zoom.us/join?confno=1", "A video link starts with https:// (or http://)."),
        ("https://not a web address", "That video link is not a valid web address."),
    ],
)
def test_the_meeting_form_refuses_a_link_that_is_not_a_web_address(location, problem):
    # given
    data = {"starts_at": "2030-01-08T10:00", "duration_minutes": 45, "mode": MeetingMode.VIDEO, "location": location}

    # when
    form = RescheduleForm(data, zone=ZoneInfo("UTC"))

    # then
    assert not form.is_valid()
    assert form.errors["location"] == [problem]


@pytest.mark.parametrize("location", ["https://meet.example.com/abc", "Room 4.12", "Teams (link in the invitation)"])
def test_the_meeting_form_takes_a_room_or_a_web_link(location):
    data = {"starts_at": "2030-01-08T10:00", "duration_minutes": 45, "mode": MeetingMode.VIDEO, "location": location}
    form = RescheduleForm(data, zone=ZoneInfo("UTC"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["location"] == location
