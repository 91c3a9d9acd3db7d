"""Statuses are read through the models: queryset methods for the states code filters on, properties for templates."""

from datetime import UTC, datetime

import pytest

from tests.engagement.health_builders import meeting
from turnabout.engagement.models import CloseReason, Meeting, MeetingStatus, Pair
from turnabout.engagement.services import close_pair, pause_pair
from turnabout.programs.models import Role


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 9, tzinfo=UTC)


@pytest.mark.django_db
def test_active_and_open_pairs_follow_the_status(active_pair, manager):
    # given one pair, paused and then closed
    # when / then: an active pair is active and open
    assert list(Pair.objects.active()) == [active_pair]
    assert list(Pair.objects.open()) == [active_pair]
    assert (active_pair.is_active, active_pair.is_paused, active_pair.is_closed) == (True, False, False)

    paused = pause_pair(pair=active_pair, by=manager)
    assert list(Pair.objects.active()) == []
    assert list(Pair.objects.open()) == [active_pair]
    assert (paused.is_active, paused.is_paused, paused.is_closed) == (False, True, False)

    closed = close_pair(pair=active_pair, reason=CloseReason.NO_FAULT, by=manager)
    assert list(Pair.objects.open()) == []
    assert (closed.is_active, closed.is_paused, closed.is_closed) == (False, False, True)


@pytest.mark.django_db
def test_scheduled_and_held_meetings_follow_the_status(active_pair):
    # given a meeting in each status
    scheduled = meeting(active_pair, at=at(10))
    held = meeting(active_pair, at=at(3), status=MeetingStatus.HELD)
    cancelled = meeting(active_pair, at=at(5), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTOR)

    # when / then
    assert list(Meeting.objects.scheduled()) == [scheduled]
    assert list(active_pair.meetings.held()) == [held]
    assert [(m.is_scheduled, m.is_held, m.is_cancelled) for m in (scheduled, held, cancelled)] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
