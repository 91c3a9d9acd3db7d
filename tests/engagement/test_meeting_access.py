"""``access_meeting``: a meeting of the user's own pair and their side, in one query."""

from datetime import UTC, datetime

import pytest
from django.http import Http404

from turnabout.accounts.models import User
from turnabout.engagement.access import access_meeting
from turnabout.engagement.models import Meeting, MeetingMode, Pair
from turnabout.engagement.services import schedule_meeting
from turnabout.programs.models import Role


@pytest.fixture
def meeting(active_pair: Pair, time_machine, django_capture_on_commit_callbacks) -> Meeting:
    time_machine.move_to(datetime(2025, 1, 13, 8, tzinfo=UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        return schedule_meeting(
            pair=active_pair,
            starts_at=datetime(2025, 1, 14, 9, tzinfo=UTC),
            duration_minutes=45,
            mode=MeetingMode.VIDEO,
            location="https://meet.example/room",
            by_role=Role.MENTOR,
        )


def signed_in(user: User) -> User:
    """The user as the authentication middleware hands it over, its organisation loaded (the role check reads it)."""
    return User.objects.select_related("organisation").get(pk=user.pk)


@pytest.mark.parametrize("role", [Role.MENTOR, Role.MENTEE])
def test_each_side_gets_the_meeting_its_pair_and_its_side_in_one_query(meeting, role, django_assert_max_num_queries):
    # given
    user = signed_in(meeting.pair.enrolment_for(role).person.user)

    # when
    with django_assert_max_num_queries(1):
        found, side = access_meeting(user, meeting.pk)
        # then what the meeting pages read comes with it
        names = (found.pair.program.name, found.pair.mentor.person.full_name, found.pair.mentee.person.grade.code)

    assert (found, side) == (meeting, role)
    assert names[0] == meeting.pair.program.name


def test_anyone_else_gets_404_in_one_query(meeting, manager, django_assert_max_num_queries):
    # given a program manager of the same organisation: the content is the pair's only
    user = signed_in(manager)

    # when / then
    with django_assert_max_num_queries(1), pytest.raises(Http404, match="No such meeting of yours"):
        access_meeting(user, meeting.pk)


def test_a_meeting_that_does_not_exist_is_404(meeting, django_assert_max_num_queries):
    user = signed_in(meeting.pair.mentor.person.user)
    with django_assert_max_num_queries(1), pytest.raises(Http404, match="No such meeting of yours"):
        access_meeting(user, meeting.pk + 1000)
