"""Matched comparison of participants with non-participants: simulated programs with a known effect."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.insights.strategies import employees
from turnabout.insights.comparison import CAUTION, OUTCOMES, Employee, compare_outcomes
from turnabout.insights.stats import difference_in_proportions_ci, proportion_ci

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GRADE_BANDS = ("G1-2", "G3-4", "G5-6", "G7-8")
DEPARTMENTS = ("Finance", "Sales", "Tech", "Operations", "People")
DEPARTMENT_OFFSETS = np.array([-0.02, 0.0, 0.02, -0.01, 0.01])
TENURE_BANDS = ("<1y", "1-3y", "3y+")


def simulate_program(*, seed: int, employees: int = 5000, uplift: float = 0.06) -> list[Employee]:
    """A workforce whose 12-month retention is about 80 %, plus ``uplift`` for participants.

    Retention rises with grade and tenure, and so does the chance of taking part, so a naive comparison
    overstates the effect; matching on the strata removes that. Six-month retention loses half as many
    people (its true uplift is ``uplift / 2``); promotion does not depend on taking part. A quarter of
    the employees joined too recently for 12-month outcomes (``None``).
    """
    rng = np.random.default_rng(seed)
    grade = rng.integers(0, len(GRADE_BANDS), employees)
    department = rng.integers(0, len(DEPARTMENTS), employees)
    tenure = rng.integers(0, len(TENURE_BANDS), employees)
    baseline = 0.80 + 0.04 * (grade - 1.5) + 0.03 * (tenure - 1) + DEPARTMENT_OFFSETS[department]
    is_participant = rng.random(employees) < 0.03 + 0.05 * grade + 0.04 * tenure
    retained_12m_probability = baseline + uplift * is_participant
    retained_12m = rng.random(employees) < retained_12m_probability
    retained_6m = rng.random(employees) < (1 + retained_12m_probability) / 2
    promoted_12m = rng.random(employees) < 0.12 - 0.02 * grade
    promoted_6m = rng.random(employees) < 0.06 - 0.01 * grade
    observed_12m = rng.random(employees) < 0.75
    return [
        Employee(
            id=f"E{index:05d}",
            is_participant=bool(is_participant[index]),
            grade_band=GRADE_BANDS[grade[index]],
            department=DEPARTMENTS[department[index]],
            tenure_band=TENURE_BANDS[tenure[index]],
            retained_6m=bool(retained_6m[index]),
            retained_12m=bool(retained_12m[index]) if observed_12m[index] else None,
            promoted_6m=bool(promoted_6m[index]),
            promoted_12m=bool(promoted_12m[index]) if observed_12m[index] else None,
        )
        for index in range(employees)
    ]


def naive_difference(people: list[Employee], outcome: str) -> float:
    observed = [person for person in people if getattr(person, outcome) is not None]
    participants = [bool(getattr(person, outcome)) for person in observed if person.is_participant]
    controls = [bool(getattr(person, outcome)) for person in observed if not person.is_participant]
    return sum(participants) / len(participants) - sum(controls) / len(controls)


# --- simulated programs -----------------------------------------------------------------------------


def test_the_interval_contains_the_true_retention_uplift():
    # given 5,000 employees, 80 % baseline retention, +6 points for participants at 12 months
    people = simulate_program(seed=2026, uplift=0.06)

    # when
    report = compare_outcomes(people)

    # then: counts
    assert (report.participants, report.controls, report.participants_matched, report.participants_unmatched) == (704, 4296, 704, 0)
    retained = report.outcomes["retained_12m"]
    assert (retained.participants_matched, retained.controls_matched, retained.participants_unobserved, retained.strata) == (
        539,
        3208,
        165,
        60,
    )
    # and: the effects contain the truth (+6 points at 12 months, +3 at 6, none on promotion)
    assert retained.effect is not None
    assert (round(retained.effect.estimate, 4), round(retained.effect.low, 4), round(retained.effect.high, 4)) == (0.0532, 0.0222, 0.0829)
    assert retained.effect.low <= 0.06 <= retained.effect.high
    six_months = report.outcomes["retained_6m"].effect
    assert six_months is not None
    assert six_months.low <= 0.03 <= six_months.high
    for outcome in ("promoted_6m", "promoted_12m"):
        promotion = report.outcomes[outcome].effect
        assert promotion is not None
        assert promotion.low <= 0 <= promotion.high
    assert report.caution == CAUTION


def test_without_an_uplift_the_interval_contains_zero():
    report = compare_outcomes(simulate_program(seed=2026, uplift=0.0))

    for outcome in OUTCOMES:
        effect = report.outcomes[outcome].effect
        assert effect is not None
        assert effect.low <= 0 <= effect.high


def test_the_report_is_the_same_whatever_the_order_of_the_rows():
    # given
    people = simulate_program(seed=11, employees=2000)
    shuffled = list(people)
    random.Random(3).shuffle(shuffled)

    # then
    assert compare_outcomes(people) == compare_outcomes(people) == compare_outcomes(shuffled)


def test_intervals_cover_the_true_uplift_about_95_times_in_100_and_matching_removes_the_naive_bias():
    # given 120 simulated programs of 1,500 employees with a true 12-month uplift of 6 points
    covered, matched_estimates, naive_estimates = 0, [], []
    for seed in range(120):
        people = simulate_program(seed=seed, employees=1500)

        # when
        effect = compare_outcomes(people, outcomes=("retained_12m",)).outcomes["retained_12m"].effect

        assert effect is not None
        covered += effect.low <= 0.06 <= effect.high
        matched_estimates.append(effect.estimate)
        naive_estimates.append(naive_difference(people, "retained_12m"))

    # then: coverage near the nominal 95 %, the matched estimate unbiased, the naive one too high
    assert 0.90 <= covered / 120 <= 0.99
    assert abs(float(np.mean(matched_estimates)) - 0.06) < 0.006
    assert float(np.mean(naive_estimates)) - 0.06 > 0.015


# --- exact examples ---------------------------------------------------------------------------------


def _people(stratum: str, *, participants: tuple[int, int], controls: tuple[int, int], start: int) -> list[Employee]:
    """``participants`` and ``controls`` as (retained, left) counts, all in department ``stratum``."""
    rows: list[Employee] = []
    for is_participant, (retained, left) in ((True, participants), (False, controls)):
        for outcome in [True] * retained + [False] * left:
            rows.append(Employee(f"E{start + len(rows)}", is_participant, "G3-4", stratum, "1-3y", retained_12m=outcome))
    return rows


def test_control_rates_are_weighted_by_participants_and_the_interval_follows_mover():
    # given Sales: participants 3 of 4 retained, controls 3 of 6; Tech: participants 2 of 2, controls 4 of 4
    people = _people("Sales", participants=(3, 1), controls=(3, 3), start=0) + _people(
        "Tech", participants=(2, 0), controls=(4, 0), start=100
    )

    # when
    result = compare_outcomes(people, k=3, outcomes=("retained_12m",)).outcomes["retained_12m"]

    # then: participant rate 5/6; control rate 4/6 × 3/6 + 2/6 × 4/4 = 2/3
    assert (result.participants_matched, result.controls_matched, result.strata) == (6, 10, 2)
    assert result.participant_rate == pytest.approx(5 / 6, abs=1e-15)
    assert result.control_rate == pytest.approx(2 / 3, abs=1e-15)
    # and: the interval from the Wilson bounds of 5/6, 3/6 and 4/4
    participant, sales, tech = proportion_ci(5, 6), proportion_ci(3, 6), proportion_ci(4, 4)
    control_low = math.hypot(4 / 6 * (0.5 - sales.low), 2 / 6 * (1 - tech.low))
    control_high = math.hypot(4 / 6 * (sales.high - 0.5), 2 / 6 * (tech.high - 1))
    assert result.effect is not None
    assert result.effect.low == pytest.approx(1 / 6 - math.hypot(5 / 6 - participant.low, control_high), abs=1e-12)
    assert result.effect.high == pytest.approx(1 / 6 + math.hypot(participant.high - 5 / 6, control_low), abs=1e-12)
    assert (round(result.effect.estimate, 4), round(result.effect.low, 4), round(result.effect.high, 4), result.effect.n) == (
        0.1667,
        -0.2815,
        0.4645,
        16,
    )


def test_participants_without_a_comparable_colleague_are_counted_and_left_out():
    # given a Legal participant with no non-participant in Legal, and one whose 12-month outcome is unknown
    people = [
        *_people("Sales", participants=(5, 0), controls=(4, 1), start=0),
        Employee("L1", True, "G3-4", "Legal", "1-3y", retained_12m=False),
        Employee("S9", True, "G3-4", "Sales", "1-3y", retained_12m=None),
    ]

    # when
    report = compare_outcomes(people, outcomes=("retained_12m",))
    result = report.outcomes["retained_12m"]

    # then
    assert (result.participants_matched, result.participants_unmatched, result.participants_unobserved) == (5, 1, 1)
    assert (report.participants, report.participants_matched, report.participants_unmatched) == (7, 6, 1)
    assert (result.participant_rate, result.control_rate) == (1.0, 0.8)


def test_rates_and_effect_are_withheld_below_k():
    # given 4 matched participants (k = 5)
    people = _people("Sales", participants=(4, 0), controls=(20, 5), start=0)

    # when
    result = compare_outcomes(people, k=5, outcomes=("retained_12m",)).outcomes["retained_12m"]

    # then
    assert (result.participant_rate, result.control_rate, result.effect, result.is_reportable) == (None, None, None, False)
    assert (result.participants_matched, result.controls_matched) == (4, 25)


def test_an_empty_workforce_gives_an_empty_report():
    report = compare_outcomes([])

    assert (report.participants, report.controls, report.participants_matched) == (0, 0, 0)
    assert all(result.effect is None for result in report.outcomes.values())
    assert tuple(report.outcomes) == OUTCOMES


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"level": 1.0}, r"^level must be strictly between 0 and 1; got 1.0$"),
        ({"k": 2}, r"^k must be at least 3; got 2$"),
        ({"outcomes": ("retained_3m",)}, r"^outcomes must be among \['retained_6m', 'retained_12m', 'promoted_6m', 'promoted_12m'\]"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        compare_outcomes([], **arguments)


def test_bad_rows_are_refused_by_name():
    twice = [Employee("E1", True, "G1", "Sales", "<1y"), Employee("E1", False, "G1", "Sales", "<1y")]
    with pytest.raises(ValueError, match=r"^employees must have unique ids; got 'E1' twice$"):
        compare_outcomes(twice)
    with pytest.raises(ValueError, match=r"^retained_6m must be True, False or None; got 1 for 'E2'$"):
        compare_outcomes([Employee("E2", True, "G1", "Sales", "<1y", retained_6m=1)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^is_participant must be True or False; got 'yes' for 'E3'$"):
        compare_outcomes([Employee("E3", "yes", "G1", "Sales", "<1y")])  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(employees())
def test_counts_add_up_and_intervals_hold_their_estimate(people):
    report = compare_outcomes(people, k=3)

    assert report.participants == sum(person.is_participant for person in people)
    assert report.participants_matched + report.participants_unmatched == report.participants
    for outcome, result in report.outcomes.items():
        assert result.participants_matched + result.participants_unmatched + result.participants_unobserved == report.participants
        assert result.participants_matched <= report.participants_matched
        if result.effect is not None:
            assert -1 <= result.effect.low <= result.effect.estimate <= result.effect.high <= 1
            assert result.effect.n == result.participants_matched + result.controls_matched
        else:
            assert result.participants_matched < 3 or result.controls_matched < 3, outcome


@PROPERTY_SETTINGS
@given(
    st.integers(min_value=3, max_value=30).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(min_value=3, max_value=30).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_with_one_stratum_the_interval_is_newcombes(participants, controls):
    # given everybody in one stratum
    people = _people(
        "Sales",
        participants=(participants[0], participants[1] - participants[0]),
        controls=(controls[0], controls[1] - controls[0]),
        start=0,
    )

    # when
    effect = compare_outcomes(people, k=3, outcomes=("retained_12m",)).outcomes["retained_12m"].effect

    # then
    newcombe = difference_in_proportions_ci(*participants, *controls)
    assert effect is not None
    assert effect.estimate == pytest.approx(newcombe.estimate, abs=1e-12)
    assert effect.low == pytest.approx(newcombe.low, abs=1e-12)
    assert effect.high == pytest.approx(newcombe.high, abs=1e-12)
