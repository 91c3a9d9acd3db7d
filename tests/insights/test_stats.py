"""KPI statistics: published reference values, validation, and properties of the intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.insights.strategies import answers, levels, nps_scores, proportions
from turnabout.insights.stats import (
    DifferenceEstimate,
    Estimate,
    ProportionEstimate,
    difference_in_proportions_ci,
    mean_ci,
    nps,
    paired_gain_ci,
    proportion_ci,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rounded(result: Estimate, digits: int = 4) -> tuple[float, float, float]:
    return round(result.estimate, digits), round(result.low, digits), round(result.high, digits)


# --- reference values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in Medicine 17:857
        (81, 263, (0.308, 0.2553, 0.3662)),
        (15, 148, (0.1014, 0.0624, 0.1605)),
        (0, 20, (0.0, 0.0, 0.1611)),
        (1, 29, (0.0345, 0.0061, 0.1718)),
    ],
)
def test_wilson_matches_newcombes_published_intervals(successes, n, expected):
    assert rounded(proportion_ci(successes, n)) == expected


def test_a_proportion_carries_its_counts_and_level():
    # z = 1.644854 at 90 %: centre 0.935277 / 1.270554 = 0.736114, half-width 1.294596 × 0.150878 = 0.195327
    result = proportion_ci(8, 10, level=0.9)

    assert isinstance(result, ProportionEstimate)
    assert (result.estimate, round(result.low, 4), round(result.high, 4), result.n, result.level, result.successes) == (
        0.8,
        0.5408,
        0.9314,
        10,
        0.9,
        8,
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe (1998), "Interval estimation for the difference between independent proportions",
        # Statistics in Medicine 17:873: his worked examples, method 10
        ((56, 70, 48, 80), (0.2, 0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.6, 0.1705, 0.8090)),
        ((5, 56, 0, 29), (0.0893, -0.0381, 0.1926)),
    ],
)
def test_newcombe_matches_his_published_intervals(counts, expected):
    assert rounded(difference_in_proportions_ci(*counts)) == expected


def test_a_difference_keeps_both_groups():
    result = difference_in_proportions_ci(56, 70, 48, 80)

    assert isinstance(result, DifferenceEstimate)
    assert (result.n, result.first.successes, result.first.n, result.second.successes, result.second.n) == (150, 56, 70, 48, 80)


def test_mean_ci_matches_the_t_interval_by_hand():
    # given mean 5, s = √(32/7), t(7) at 95 % = 2.364624
    result = mean_ci([2, 4, 4, 4, 5, 5, 7, 9])

    half_width = 2.364624 * math.sqrt(32 / 7) / math.sqrt(8)
    assert result.estimate == 5.0
    assert result.low == pytest.approx(5 - half_width, abs=1e-6)
    assert result.high == pytest.approx(5 + half_width, abs=1e-6)
    assert (result.n, result.level) == (8, 0.95)


def test_identical_values_give_a_zero_width_interval():
    assert rounded(mean_ci([4, 4, 4])) == (4.0, 4.0, 4.0)


def test_paired_gain_is_the_t_interval_of_the_differences():
    result = paired_gain_ci(before=[3, 4, 2, 5], after=[5, 6, 3, 6])

    assert rounded(result) == (1.5, 0.5813, 2.4187)
    assert (result.n, result.mean_before, result.mean_after, round(result.standard_deviation, 4)) == (4, 3.5, 5.0, 0.5774)


def test_nps_counts_the_three_categories_at_their_boundaries():
    result = nps([0, 6, 7, 8, 9, 10])

    assert (result.detractors, result.passives, result.promoters, result.n) == (2, 2, 2, 6)
    assert result.estimate == 0.0


def test_nps_interval_uses_the_multinomial_variance():
    # given P = 0.5, D = 0.3 over 10 answers: variance (0.8 − 0.04) / 10
    result = nps([10, 10, 9, 8, 7, 6, 3, 10, 9, 0])

    half_width = 100 * 1.959963984540054 * math.sqrt(0.076)
    assert result.estimate == pytest.approx(20.0, abs=1e-12)
    assert result.low == pytest.approx(20 - half_width, abs=1e-9)
    assert result.high == pytest.approx(20 + half_width, abs=1e-9)


def test_nps_of_all_promoters_is_100_with_no_width():
    assert rounded(nps([9, 10, 10])) == (100.0, 100.0, 100.0)


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: proportion_ci(0, 0), r"^n must be at least 1; got 0$"),
        (lambda: proportion_ci(5, 4), r"^successes must be between 0 and n \(4\); got 5$"),
        (lambda: proportion_ci(-1, 4), r"^successes must not be negative; got -1$"),
        (lambda: proportion_ci(2.5, 4), r"^successes must be a whole number; got 2.5$"),  # type: ignore[arg-type]
        (lambda: proportion_ci(1, 4, level=0), r"^level must be strictly between 0 and 1; got 0$"),
        (lambda: proportion_ci(1, 4, level=95), r"^level must be strictly between 0 and 1; got 95$"),
        (lambda: difference_in_proportions_ci(1, 4, 3, 0), r"^n2 must be at least 1; got 0$"),
        (lambda: difference_in_proportions_ci(5, 4, 3, 9), r"^s1 must be between 0 and n1 \(4\); got 5$"),
        (lambda: difference_in_proportions_ci(1, 4, 10, 9), r"^s2 must be between 0 and n2 \(9\); got 10$"),
        (lambda: mean_ci([3]), r"^values must hold at least 2 numbers; got 1$"),
        (lambda: mean_ci([3, float("nan")]), r"^values must hold finite numbers; got nan at position 1$"),
        (lambda: mean_ci([3, 4], level=1.5), r"^level must be strictly between 0 and 1; got 1.5$"),
        (lambda: paired_gain_ci([1, 2, 3], [1, 2]), r"^before and after must have the same length; got 3 and 2$"),
        (lambda: paired_gain_ci([1, 2], [1, None]), r"^after must hold finite numbers; got None at position 1$"),  # type: ignore[list-item]
        (lambda: nps([]), r"^scores must not be empty$"),
        (lambda: nps([10, 11]), r"^scores must be whole numbers from 0 to 10; got 11 at position 1$"),
        (lambda: nps([7.5]), r"^scores must be whole numbers from 0 to 10; got 7.5 at position 0$"),  # type: ignore[list-item]
    ],
)
def test_bad_arguments_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_counts_and_values_are_accepted():
    assert proportion_ci(np.int64(8), np.int64(10)).estimate == 0.8
    assert mean_ci(np.array([2.0, 4.0])).estimate == 3.0


# --- properties -------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(proportions(), levels)
def test_wilson_holds_its_estimate_inside_zero_one(case, level):
    successes, n = case

    result = proportion_ci(successes, n, level)

    assert 0 <= result.low <= result.estimate <= result.high <= 1
    assert result.low < result.high


@PROPERTY_SETTINGS
@given(proportions(), levels)
def test_wilson_is_symmetric_between_successes_and_failures(case, level):
    successes, n = case

    result, mirrored = proportion_ci(successes, n, level), proportion_ci(n - successes, n, level)

    assert result.low == pytest.approx(1 - mirrored.high, abs=1e-12)
    assert result.high == pytest.approx(1 - mirrored.low, abs=1e-12)


@PROPERTY_SETTINGS
@given(proportions())
def test_a_higher_level_gives_a_wider_interval(case):
    successes, n = case

    narrow, wide = proportion_ci(successes, n, 0.8), proportion_ci(successes, n, 0.99)

    assert wide.low <= narrow.low
    assert narrow.high <= wide.high


@PROPERTY_SETTINGS
@given(proportions(), proportions(), levels)
def test_newcombe_holds_its_estimate_and_flips_sign_when_the_groups_swap(first, second, level):
    (s1, n1), (s2, n2) = first, second

    result = difference_in_proportions_ci(s1, n1, s2, n2, level)
    swapped = difference_in_proportions_ci(s2, n2, s1, n1, level)

    assert -1 <= result.low <= result.estimate <= result.high <= 1
    assert swapped.estimate == pytest.approx(-result.estimate, abs=1e-12)
    assert swapped.low == pytest.approx(-result.high, abs=1e-12)
    assert swapped.high == pytest.approx(-result.low, abs=1e-12)


@PROPERTY_SETTINGS
@given(answers, levels)
def test_the_mean_lies_in_its_interval_and_agrees_with_numpy(values, level):
    result = mean_ci(values, level)

    assert result.low <= result.estimate <= result.high
    assert result.estimate == pytest.approx(float(np.mean(values)), abs=1e-12)
    assert result.standard_deviation == pytest.approx(float(np.std(values, ddof=1)), abs=1e-12)


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=2, max_size=50), levels)
def test_paired_gain_is_the_mean_ci_of_the_differences(pairs, level):
    before, after = [first for first, _ in pairs], [second for _, second in pairs]

    gain = paired_gain_ci(before, after, level)
    differences = mean_ci([later - earlier for earlier, later in pairs], level)

    assert (gain.estimate, gain.low, gain.high, gain.n) == (differences.estimate, differences.low, differences.high, differences.n)


@PROPERTY_SETTINGS
@given(nps_scores, levels)
def test_nps_counts_add_up_and_the_interval_stays_within_100_points(scores, level):
    result = nps(scores, level)

    assert result.promoters + result.passives + result.detractors == result.n == len(scores)
    assert result.estimate == pytest.approx(100 * (result.promoters - result.detractors) / result.n, abs=1e-9)
    assert -100 <= result.low <= result.estimate <= result.high <= 100
