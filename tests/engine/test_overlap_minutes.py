"""``engine.overlap_minutes`` is the overlap the engine's ``min_overlap_minutes`` rule compares: a pair is rejected
for availability exactly when it is below the minimum, in any time zone and any reference week (daylight saving)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnabout.engine import Participant, Problem, Rules, Weights, Window, overlap_minutes, solve
from turnabout.engine._features import encode
from turnabout.engine._rules import edge_feasible, edge_rule_checks

# Whole- and half-hour offsets, both hemispheres' daylight saving, and none.
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "America/Chicago",
    "America/St_Johns",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Pacific/Auckland",
)
FIRST_MONDAY = dt.date(2024, 1, 1)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def windows(draw: st.DrawFn) -> Window:
    """A local window on any day, starting and ending off the quarter-hours as often as on them."""
    start = draw(st.integers(0, 1435)) // 5 * 5
    end = draw(st.integers(start + 5, 1440)) // 5 * 5
    return Window(draw(st.integers(0, 6)), _clock(start), _clock(max(end, start + 5)))


def people(grade: int) -> st.SearchStrategy[Participant]:
    return st.builds(
        lambda zone, availability: Participant(f"P{grade}", grade=grade, timezone=zone, availability=tuple(availability)),
        st.sampled_from(ZONES),
        st.lists(windows(), max_size=4, unique=True),
    )


mondays = st.integers(0, 4 * 52).map(lambda weeks: FIRST_MONDAY + dt.timedelta(weeks=weeks))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mentor=people(1), mentee=people(6), minimum=st.sampled_from((15, 30, 45, 60, 90, 120, 240)), monday=mondays)
def test_a_pair_is_rejected_for_availability_exactly_when_its_overlap_is_below_the_minimum(
    mentor: Participant, mentee: Participant, minimum: int, monday: dt.date
) -> None:
    # given one mentor and one mentee whom only the availability rule can keep apart
    rules = Rules(
        min_grade_gap=1,
        require_shared_language=False,
        forbid_same_department=False,
        min_overlap_minutes=minimum,
        min_pair_score=0.0,
        reference_monday=monday,
    )
    problem = Problem(mentors=(mentor,), mentees=(mentee,))
    encoded = encode(problem, rules, Weights())
    rows, cols = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)

    # when
    minutes = overlap_minutes(mentor, mentee, rules)

    # then it is the same either way round, in whole quarter-hours
    assert minutes == overlap_minutes(mentee, mentor, rules)
    assert minutes % 15 == 0
    # and the engine's availability rule, its hard rules as a whole, and a solve all agree with it
    availability = next(check for check in edge_rule_checks(encoded, rows, cols, for_mentee=True) if check.rule == "availability")
    assert bool(availability.passes[0]) == (minutes >= minimum)
    assert bool(edge_feasible(encoded, rows, cols)[0]) == (minutes >= minimum)
    assert len(solve(problem, rules, mode="coverage").pairs) == (1 if minutes >= minimum else 0)


def test_the_overlap_follows_daylight_saving_in_the_reference_week() -> None:
    # given a London and a New York participant free Wednesday 14:00–16:00 and 09:00–11:00 local
    london = Participant("M1", grade=1, timezone="Europe/London", availability=(Window(2, "14:00", "16:00"),))
    new_york = Participant("E1", grade=6, timezone="America/New_York", availability=(Window(2, "09:00", "11:00"),))

    # then they share the full two hours in January (UTC+0, UTC-5), one hour in the weeks only New York has moved its clocks
    assert overlap_minutes(london, new_york, Rules(reference_monday=dt.date(2026, 1, 5))) == 120
    assert overlap_minutes(london, new_york, Rules(reference_monday=dt.date(2026, 3, 9))) == 60
    assert overlap_minutes(london, new_york, Rules(reference_monday=dt.date(2026, 6, 1))) == 120
