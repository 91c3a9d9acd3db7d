"""Pair health: the pure assessment (every transition and reason) and the refresh services over time."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.engagement.health_builders import at, held, meeting, running_program_with_cast_pair
from turnabout.engagement.assessment import HealthFacts, PastMeeting, assess_health
from turnabout.engagement.health import refresh_pair_health, refresh_program_health
from turnabout.engagement.models import CloseReason, HealthState, MeetingStatus, Pair
from turnabout.engagement.queries import gather_health_facts
from turnabout.engagement.services import add_goal, add_milestone, close_pair, pause_pair, update_goal_progress
from turnabout.programs.models import Role

TODAY = date(2026, 6, 1)
FRESH = HealthFacts(
    started_on=TODAY - timedelta(days=100),
    cadence_days=30,
    cadence_name="monthly",
    meetings=(PastMeeting(on=TODAY - timedelta(days=5), held=True),),
    has_goals=True,
    last_goal_activity_on=TODAY - timedelta(days=5),
)


def _held(days_ago: int) -> PastMeeting:
    return PastMeeting(on=TODAY - timedelta(days=days_ago), held=True)


def _cancelled(days_ago: int, by: str) -> PastMeeting:
    return PastMeeting(on=TODAY - timedelta(days=days_ago), held=False, cancelled_by_role=by)


def _summary(facts: HealthFacts, today: date = TODAY) -> tuple[str, int, list[str]]:
    assessment = assess_health(facts, today=today)
    return assessment.state.value, assessment.score, [reason.text for reason in assessment.reasons]


# --- The pure function ---------------------------------------------------------------------------------------------


def test_a_pair_that_meets_on_cadence_is_healthy_with_no_reasons():
    assert _summary(FRESH) == ("healthy", 100, [])


@pytest.mark.parametrize(
    ("days_since_meeting", "expected"),
    [
        (37, ("healthy", 100, [])),  # 30 days + 25 % grace, rounded down
        (38, ("watch", 65, ["no meeting held for 38 days against a monthly cadence"])),
        (60, ("watch", 65, ["no meeting held for 60 days against a monthly cadence"])),
        (61, ("at_risk", 35, ["no meeting held for 61 days against a monthly cadence"])),
    ],
)
def test_overdue_moves_healthy_to_watch_to_at_risk(days_since_meeting, expected):
    # given a pair whose last held meeting was some days ago
    facts = replace(FRESH, meetings=(_held(days_since_meeting),))

    # then
    assert _summary(facts) == expected


def test_a_newly_held_meeting_brings_an_at_risk_pair_back_to_healthy():
    # given
    overdue = replace(FRESH, meetings=(_held(70),))
    assert _summary(overdue)[0] == "at_risk"

    # when they meet
    met = replace(overdue, meetings=(_held(70), _held(0)))

    # then
    assert _summary(met) == ("healthy", 100, [])


def test_a_pair_that_never_met_counts_from_its_start_against_its_own_cadence():
    facts = replace(FRESH, started_on=TODAY - timedelta(days=18), meetings=(), cadence_days=14, cadence_name="fortnightly")
    assert _summary(facts) == ("watch", 65, ["no meeting held in the 18 days since the pair started, against a fortnightly cadence"])


@pytest.mark.parametrize(
    ("streak", "expected"),
    [
        (("mentor",), ("healthy", 80, ["the mentor cancelled the last meeting"])),
        (("mentee",), ("healthy", 70, ["the mentee cancelled the last meeting"])),
        (("mentor", "mentor"), ("watch", 60, ["the mentor cancelled the last 2 meetings"])),
        (("mentee", "mentee"), ("watch", 40, ["the mentee cancelled the last 2 meetings"])),
        (("mentee", "mentor"), ("watch", 50, ["the last 2 meetings were cancelled, 1 by the mentee"])),
        (("mentor", "mentor", "mentor"), ("watch", 40, ["the mentor cancelled the last 3 meetings"])),
        (("mentee", "mentee", "mentee"), ("at_risk", 30, ["the mentee cancelled the last 3 meetings"])),
        (("mentor",) * 5, ("at_risk", 30, ["the mentor cancelled the last 5 meetings"])),  # capped at 70 points
    ],
)
def test_cancellation_streaks_weigh_senior_side_cancellations_one_and_a_half_times(streak, expected):
    # given a held meeting 20 days ago and cancellations since, newest first
    cancelled = tuple(_cancelled(days_ago=number + 1, by=role) for number, role in enumerate(streak))

    # then
    assert _summary(replace(FRESH, meetings=(_held(20), *cancelled))) == expected


def test_a_held_meeting_ends_the_cancellation_streak():
    # given the senior cancelled twice, then the pair met
    facts = replace(FRESH, meetings=(_cancelled(20, "mentee"), _cancelled(10, "mentee"), _held(2)))

    # then the streak is over
    assert _summary(facts) == ("healthy", 100, [])


def test_reasons_use_the_programs_wording():
    facts = replace(FRESH, meetings=(_held(20), _cancelled(3, "mentee"), _cancelled(1, "mentee")), mentee_label="learner")
    assert _summary(facts)[2] == ["the learner cancelled the last 2 meetings"]


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ((3, 2, 3, 5, 5, 4), ("watch", 60, ["pulse ratings fell from 4.7 to 2.7"])),
        ((3, 4, 3, 4, 5, 4), ("healthy", 80, ["pulse ratings fell from 4.3 to 3.3"])),
        ((4, 4, 4, 5, 4, 4), ("healthy", 100, [])),  # a small dip is noise
        ((5, 5, 5, 1, 1, 1), ("healthy", 100, [])),  # rising
        ((1, 1, 1, 5, 5), ("healthy", 100, [])),  # too few pulses for a trend
    ],
)
def test_pulse_trend_compares_the_last_three_ratings_with_the_three_before(ratings, expected):
    assert _summary(replace(FRESH, pulse_ratings=ratings)) == expected


@pytest.mark.parametrize(
    ("idle_days", "expected"),
    [
        (59, ("healthy", 100, [])),
        (60, ("healthy", 80, ["no goal updated for 60 days"])),
        (120, ("watch", 65, ["no goal updated for 120 days"])),
    ],
)
def test_goal_inactivity(idle_days, expected):
    facts = replace(FRESH, started_on=TODAY - timedelta(days=200), last_goal_activity_on=TODAY - timedelta(days=idle_days))
    assert _summary(facts) == expected


def test_a_pair_without_goals_counts_from_its_start():
    facts = replace(FRESH, started_on=TODAY - timedelta(days=60), has_goals=False, last_goal_activity_on=None)
    assert _summary(facts) == ("healthy", 80, ["no goal set in the 60 days since the pair started"])


def test_concerns_add_up_to_at_risk_and_clear_back_to_healthy():
    # given overdue (35) and a falling pulse (40)
    troubled = replace(FRESH, meetings=(_held(45),), pulse_ratings=(2, 3, 2, 5, 4, 5))
    assert _summary(troubled) == (
        "at_risk",
        25,
        ["no meeting held for 45 days against a monthly cadence", "pulse ratings fell from 4.7 to 2.3"],
    )

    # when they meet and rate it well
    better = replace(troubled, meetings=(_held(45), _held(1)), pulse_ratings=(5, 4, 2, 3, 2, 5))
    assert _summary(better) == ("healthy", 100, [])


# --- The services, over time ---------------------------------------------------------------------------------------


@pytest.fixture
def pair(manager, mentor, mentee, matching_program) -> Pair:
    with time_machine.travel(at(2026, 1, 5), tick=False):
        return running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)


def _stored(pair: Pair) -> tuple[str, int, list[str]]:
    pair.refresh_from_db()
    return pair.health_state, pair.health_score, [reason["text"] for reason in pair.health_reasons]


def test_refresh_moves_a_pair_through_every_state_as_days_pass_and_back(pair):
    # given a goal the pair keeps updating
    with time_machine.travel(at(2026, 1, 5), tick=False):
        goal = add_goal(pair=pair, owner_role=Role.MENTEE, title="Post on LinkedIn weekly")
        refresh_pair_health(pair=pair)
    assert _stored(pair) == ("healthy", 100, [])

    # when 38 days pass without a meeting
    with time_machine.travel(at(2026, 2, 12), tick=False):
        update_goal_progress(goal=goal, progress_percent=20)
        refresh_pair_health(pair=pair)
    assert _stored(pair) == ("watch", 65, ["no meeting held in the 38 days since the pair started, against a monthly cadence"])

    # when 61 days pass
    with time_machine.travel(at(2026, 3, 7), tick=False):
        add_milestone(goal=goal, title="First post")
        refresh_pair_health(pair=pair)
    assert _stored(pair) == ("at_risk", 35, ["no meeting held in the 61 days since the pair started, against a monthly cadence"])

    # when they finally meet
    with time_machine.travel(at(2026, 3, 8), tick=False):
        held(pair, at=at(2026, 3, 8, 9))
        refresh_pair_health(pair=pair)
    assert _stored(pair) == ("healthy", 100, [])


def test_senior_cancellations_and_goal_silence_are_stored_as_reasons(pair):
    # given a held meeting, then the senior cancels two in a row
    with time_machine.travel(at(2026, 3, 6), tick=False):
        held(pair, at=at(2026, 2, 1))
        meeting(pair, at=at(2026, 2, 20), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
        meeting(pair, at=at(2026, 3, 5), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)

        # when
        assessment = refresh_pair_health(pair=pair)

    # then: 60 days without a goal (20), two senior cancellations (60), 33 days since the meeting is within grace
    assert assessment is not None
    reasons = ["the mentee cancelled the last 2 meetings", "no goal set in the 60 days since the pair started"]
    assert _stored(pair) == ("at_risk", 20, reasons)
    assert [reason["code"] for reason in pair.health_reasons] == ["cancellations", "goals"]


def test_facts_hold_metadata_only_and_ignore_the_future(pair):
    # given meetings and pulses, one of them in the future
    held(pair, at=at(2026, 1, 20), ratings=(4, 5))
    meeting(pair, at=at(2026, 2, 10), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTOR)
    meeting(pair, at=at(2026, 3, 10), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
    meeting(pair, at=at(2026, 2, 15))

    # when
    facts = gather_health_facts(pair, today=date(2026, 2, 20))

    # then
    assert facts.meetings == (
        PastMeeting(on=date(2026, 1, 20), held=True, cancelled_by_role=""),
        PastMeeting(on=date(2026, 2, 10), held=False, cancelled_by_role="mentor"),
    )
    assert (facts.pulse_ratings, facts.cadence_days, facts.cadence_name, facts.has_goals) == ((5, 4), 30, "monthly", False)
    assert (facts.mentor_label, facts.mentee_label) == (pair.program.mentor_label, pair.program.mentee_label)


def test_refresh_writes_only_when_the_assessment_changed(pair):
    # given a stored assessment
    with time_machine.travel(at(2026, 1, 6), tick=False):
        refresh_pair_health(pair=pair)
    pair.refresh_from_db()
    first_checked_at = pair.health_checked_at

    # when refreshed a day later with nothing changed
    with time_machine.travel(at(2026, 1, 7), tick=False), CaptureQueriesContext(connection) as queries:
        refresh_pair_health(pair=pair)
        refresh_program_health(program=pair.program)

    # then nothing was written
    assert not [query for query in queries.captured_queries if query["sql"].startswith("UPDATE")]
    pair.refresh_from_db()
    assert pair.health_checked_at == first_checked_at


def test_paused_and_closed_pairs_are_not_assessed(pair, manager):
    # given a paused pair that would be at risk
    pause_pair(pair=pair, by=manager, message="Parental leave")
    pair.refresh_from_db()

    # when
    with time_machine.travel(at(2026, 4, 1), tick=False):
        result = refresh_pair_health(pair=pair)
        summary = refresh_program_health(program=pair.program)

    # then nothing changed
    assert (result, summary.assessed, summary.changed) == (None, 0, 0)
    assert _stored(pair) == ("healthy", 100, [])
    assert pair.health_checked_at is None

    # and a closed pair is not assessed either
    close_pair(pair=pair, reason=CloseReason.NO_FAULT, by=manager)
    pair.refresh_from_db()
    assert refresh_pair_health(pair=pair) is None


def test_program_refresh_counts_states_in_a_bounded_number_of_queries(pair, django_assert_max_num_queries):
    # given an at-risk pair
    # when (one query for the pairs, six for their facts — meetings, pulses, goals, milestones, open concerns,
    # agreements — and the writes)
    with time_machine.travel(at(2026, 3, 10), tick=False), django_assert_max_num_queries(10):
        summary = refresh_program_health(program=pair.program)

    # then
    assert (summary.assessed, summary.changed, summary.by_state) == (1, 1, {"healthy": 0, "watch": 0, "at_risk": 1})
    assert _stored(pair)[0] == HealthState.AT_RISK
