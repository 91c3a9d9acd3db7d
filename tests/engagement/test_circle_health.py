"""Circle health: the pure assessment of a circle (pulse means, missing pulses) beside a pair's unchanged numbers, the
facts a circle gathers from all its members, and the health page showing a circle as one row."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.builders import signed_up_circle
from tests.conftest import PASSWORD
from tests.engagement.health_builders import at, meeting
from turnabout.engagement.assessment import HealthFacts, PastMeeting, assess_health, describe_reason
from turnabout.engagement.health import refresh_pair_health
from turnabout.engagement.models import HealthState, Meeting, MeetingStatus, Pair, Pulse
from turnabout.engagement.queries import gather_health_facts, program_health
from turnabout.programs.models import Role

TODAY = date(2026, 6, 1)
PAIR = HealthFacts(
    started_on=TODAY - timedelta(days=100),
    cadence_days=30,
    cadence_name="monthly",
    meetings=(PastMeeting(on=TODAY - timedelta(days=5), held=True),),
    has_goals=True,
    last_goal_activity_on=TODAY - timedelta(days=5),
)
CIRCLE = replace(PAIR, member_count=7, last_meeting_pulses=7, meeting_pulse_means=(4.5, 4.2, 4.8))


def _summary(facts: HealthFacts) -> tuple[str, int, list[str]]:
    assessment = assess_health(facts, today=TODAY)
    return assessment.state.value, assessment.score, [reason.code for reason in assessment.reasons]


# --- The pure assessment -------------------------------------------------------------------------------------------


def test_a_circle_where_every_member_sent_a_pulse_is_healthy():
    assert _summary(CIRCLE) == ("healthy", 100, [])


def test_more_than_half_of_the_members_silent_takes_20_points_and_names_nobody():
    assessment = assess_health(replace(CIRCLE, last_meeting_pulses=3), today=TODAY)

    assert (assessment.state, assessment.score) == (HealthState.HEALTHY, 80)
    [reason] = assessment.reasons
    assert (reason.code, reason.params, reason.points) == ("missing_pulses", {"missing": 4, "members": 7}, 20)
    assert reason.text == "4 of 7 members sent no pulse for the last meeting"


def test_fewer_than_half_silent_is_no_reason():
    assert _summary(replace(CIRCLE, last_meeting_pulses=4)) == ("healthy", 100, [])


def test_exactly_half_silent_is_a_reason():
    facts = replace(CIRCLE, member_count=6, last_meeting_pulses=3)

    assert _summary(facts) == ("healthy", 80, ["missing_pulses"])
    assert describe_reason("missing_pulses", {"missing": 3, "members": 6}, mentor_label="m", mentee_label="s") == (
        "3 of 6 members sent no pulse for the last meeting"
    )


def test_a_circle_with_no_held_meeting_has_no_missing_pulses_reason():
    assert "missing_pulses" not in _summary(replace(CIRCLE, last_meeting_pulses=None))[2]


def test_a_circles_pulse_trend_runs_on_each_meetings_mean_not_on_single_ratings():
    # the single ratings fall by far (many members were kind before), the meeting means fall by 1.0
    falling_means = (3.0, 3.5, 3.5, 4.5, 4.0, 4.5)
    singles = (1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5)
    facts = replace(CIRCLE, meeting_pulse_means=falling_means, pulse_ratings=singles)

    assessment = assess_health(facts, today=TODAY)

    [reason] = assessment.reasons
    assert (reason.code, reason.params, reason.points) == ("pulse", {"before": 4.3, "recent": 3.3}, 20)
    assert _summary(replace(facts, meeting_pulse_means=(4.0,) * 6))[1] == 100


def test_a_pairs_numbers_are_unchanged_by_the_circle_fields_for_the_same_facts():
    # a pair's trend runs on its single ratings (a fall of 2.0: 40 points), whatever means it might be given
    falling = replace(PAIR, pulse_ratings=(2, 3, 2, 4, 5, 4))
    expected = ("healthy", 100, []), ("watch", 60, ["pulse"])

    assert (_summary(PAIR), _summary(falling)) == expected
    with_defaults = replace(falling, member_count=2, last_meeting_pulses=0, meeting_pulse_means=(5.0,) * 6)
    assert assess_health(with_defaults, today=TODAY) == assess_health(falling, today=TODAY)


# --- Facts of a circle, and the page -------------------------------------------------------------------------------


def _circle(acme, manager, circle_program) -> Pair:
    with time_machine.travel(at(2026, 1, 5), tick=False):
        _juniors, _seniors, circle = signed_up_circle(acme, manager, circle_program, password=PASSWORD)
    return circle


def _held(circle: Pair, *, on: datetime, ratings: tuple[int, ...]) -> Meeting:
    """A held meeting of the circle with a pulse from the first ``len(ratings)`` members, each under their member key."""
    item = meeting(circle, at=on, status=MeetingStatus.HELD)
    for offset, (member, rating) in enumerate(zip(circle.members.current().order_by("pk"), ratings, strict=False)):
        Pulse.objects.create(
            meeting=item, pair=circle, role=member.role, member=member, rating=rating, submitted_at=on + timedelta(hours=1, minutes=offset)
        )
    return item


@pytest.mark.django_db
def test_a_circles_facts_count_every_members_pulses_and_the_last_meetings_pulses(acme, manager, circle_program):
    circle = _circle(acme, manager, circle_program)
    _held(circle, on=at(2026, 2, 1), ratings=(5, 5, 4, 4, 4, 3, 3))
    _held(circle, on=at(2026, 3, 1), ratings=(2, 3, 4))

    facts = gather_health_facts(circle, today=date(2026, 3, 2))

    assert facts.member_count == 7
    assert len(facts.pulse_ratings) == 10
    assert facts.meeting_pulse_means == (3.0, 4.0)
    assert facts.last_meeting_pulses == 3


@pytest.mark.django_db
def test_half_the_circle_silent_lowers_the_stored_health(acme, manager, circle_program):
    circle = _circle(acme, manager, circle_program)
    _held(circle, on=at(2026, 2, 1), ratings=(4,) * 7)
    with time_machine.travel(at(2026, 2, 2), tick=False):
        full = refresh_pair_health(pair=circle)
    _held(circle, on=at(2026, 2, 20), ratings=(4, 4, 4))

    with time_machine.travel(at(2026, 2, 21), tick=False):
        silent = refresh_pair_health(pair=circle)

    assert full is not None
    assert silent is not None
    assert "missing_pulses" not in [reason.code for reason in full.reasons]
    assert [reason.code for reason in silent.reasons] == ["missing_pulses"]
    assert silent.score == full.score - 20
    circle.refresh_from_db()
    assert circle.health_reasons[0]["params"] == {"missing": 4, "members": 7}


@pytest.mark.django_db
def test_a_cancellation_by_any_senior_member_weighs_as_a_mentee_cancellation(acme, manager, circle_program):
    circle = _circle(acme, manager, circle_program)
    _held(circle, on=at(2026, 2, 1), ratings=(4,) * 7)
    senior = circle.members.current().mentees().order_by("pk").last()
    assert senior is not None
    assert senior.enrolment_id != circle.mentee_id  # not the lead mentee
    cancelled = meeting(circle, at=at(2026, 2, 15), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
    Meeting.objects.filter(pk=cancelled.pk).update(cancelled_by_member=senior)

    with time_machine.travel(at(2026, 2, 16), tick=False):
        assessment = refresh_pair_health(pair=circle)

    assert assessment is not None
    assert [(reason.code, reason.points) for reason in assessment.reasons] == [("cancellations", 30)]


@pytest.mark.django_db
def test_the_health_page_shows_a_circle_as_one_row_marked_circle_with_every_name(client, acme, manager, circle_program):
    circle = _circle(acme, manager, circle_program)
    _held(circle, on=at(2026, 2, 1), ratings=(4, 4, 4))
    meeting(circle, at=at(2026, 2, 15), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
    with time_machine.travel(at(2026, 2, 16), tick=False):
        refresh_pair_health(pair=circle)
    client.force_login(manager)

    page = client.get(reverse("engagement:health", args=[circle_program.pk])).content.decode()

    assert page.count('data-testid="health-pair"') == 1
    assert page.count('data-testid="circle-mark">Circle</span>') == 1
    assert "J1 Tester, J2 Tester, J3 Tester, J4 Tester" in page
    assert "S1 Tester, S2 Tester, S3 Tester" in page
    assert "4 of 7 members sent no pulse for the last meeting" in page
    [row] = program_health(circle_program).watch
    assert (row.is_circle, row.names) == (True, "J1 Tester, J2 Tester, J3 Tester, J4 Tester with S1 Tester, S2 Tester, S3 Tester")
