"""Intervals that respect each figure's range (issue 16, point 2): exact Poisson for events per pair, Wilson for shares,
bounded means kept on their scale; the edge cases 0/n, n/n, fewer than k, and no spread; and properties over every KPI.

Seen on the demo before: "ideas adopted per pair 0.06, 95 % CI −0.06 to 0.17" (a t interval on a count), and goal
completion of 0 out of 18 pairs shown as "0.0 % to 0.0 %" while early closure showed 0 to 17.6 %.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from turnabout.insights.figures import Kpi, bounded_mean_kpi, proportion_kpi, rate_kpi
from turnabout.insights.presentation import kpi_line
from turnabout.insights.stats import bounded_mean_ci, poisson_rate_ci, proportion_ci

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
levels = st.sampled_from((0.8, 0.9, 0.95, 0.99))


# --- the two figures of the tour ---------------------------------------------------------------------------


def test_one_idea_in_eighteen_pairs_has_no_negative_bound():
    # given the demo's figure: 1 idea adopted over 18 pairs (the t interval read −0.06 to 0.17)
    kpi = rate_kpi("insights_per_pair", "Ideas adopted per pair", "count", 1, 18, 5, n=18)

    # then: Garwood's exact interval, χ²(0.025; 2) / 36 to χ²(0.975; 4) / 36
    assert kpi.estimate == pytest.approx(1 / 18)
    assert kpi.low == pytest.approx(scipy_stats.chi2.ppf(0.025, 2) / 36)
    assert kpi.high == pytest.approx(scipy_stats.chi2.ppf(0.975, 4) / 36)
    assert kpi.low > 0
    assert kpi_line(kpi).interval == "95 % CI 0.00 to 0.31"


def test_goal_completion_of_none_in_eighteen_pairs_reads_as_early_closure_does():
    # given 18 pairs, none of whose goals were achieved
    goals = bounded_mean_kpi("goal_completion.mentee", "Goal completion", "percent", {0.0: 18}, 5, n=18, scale=(0, 1), always_wilson=True)
    closure = proportion_kpi("early_closure", "Early-closure rate", 0, 18, 5)

    # then: 0 % with the same 0 to 17.6 % as a rate of 0 out of 18, not "0.0 % to 0.0 %"
    assert kpi_line(goals).interval == kpi_line(closure).interval == "95 % CI 0.0 % to 17.6 %"


# --- edge cases ------------------------------------------------------------------------------------------------


def test_zero_events_have_a_positive_upper_bound():
    result = poisson_rate_ci(0, 10, n=10)

    assert (result.estimate, result.low) == (0.0, 0.0)
    assert result.high == pytest.approx(-math.log(0.025) / 10)  # χ²(0.975; 2) / 2 = −ln 0.025


@pytest.mark.parametrize(("successes", "n"), [(0, 12), (12, 12)])
def test_a_proportion_of_none_or_all_has_a_one_sided_wilson_interval(successes, n):
    kpi = proportion_kpi("rate", "Rate", successes, n, 5)
    expected = proportion_ci(successes, n)

    assert (kpi.estimate, kpi.low, kpi.high) == (expected.estimate, expected.low, expected.high)
    assert (kpi.low, kpi.high) == ((0.0, expected.high) if successes == 0 else (expected.low, 1.0))
    assert 0 < expected.high - expected.low < 1


@pytest.mark.parametrize(
    "kpi",
    [
        proportion_kpi("rate", "Rate", 2, 4, 5),
        rate_kpi("per_pair", "Per pair", "count", 9, 4, 5, n=4),
        bounded_mean_kpi("rating", "Rating", "score", {4.0: 3, 5.0: 1}, 5, n=4, scale=(1, 5)),
        bounded_mean_kpi("goals", "Goals", "percent", {1.0: 4}, 5, n=4, scale=(0, 1), always_wilson=True),
    ],
    ids=["proportion", "rate", "rating", "share"],
)
def test_fewer_than_k_shows_no_estimate_and_no_interval(kpi: Kpi):
    line = kpi_line(kpi)

    assert (kpi.estimate, kpi.low, kpi.high) == (None, None, None)
    assert (line.value, line.interval) == ("—", "")
    assert line.note.startswith("withheld: fewer than 5")


@pytest.mark.parametrize(("value", "scale"), [(5.0, (1, 5)), (1.0, (1, 5)), (3.0, (1, 5)), (0.0, (0, 1)), (1.0, (0, 1))])
def test_no_spread_still_gives_an_interval_on_the_scale(value, scale):
    # given ten equal answers: the t interval would have no width
    result = bounded_mean_ci({value: 10}, lower=scale[0], upper=scale[1])

    # then: the Wilson interval of the rescaled mean, one-sided at an end of the scale
    assert scale[0] <= result.low <= result.estimate == value <= result.high <= scale[1]
    assert result.high - result.low > 0
    assert result.standard_deviation == 0


def test_a_rating_mean_near_the_top_is_clipped_to_the_scale():
    # given 9 ratings of 5 and one of 1: the t interval would reach above 5
    result = bounded_mean_ci({5.0: 9, 1.0: 1}, lower=1, upper=5)
    t_half_width = scipy_stats.t.ppf(0.975, 9) * result.standard_deviation / math.sqrt(10)

    assert result.estimate + t_half_width > 5
    assert (result.low, result.high) == (pytest.approx(result.estimate - t_half_width), 5.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: poisson_rate_ci(-1, 10, n=10), r"^events must not be negative; got -1$"),
        (lambda: poisson_rate_ci(1, 0, n=10), r"^exposure must be a finite number above 0; got 0$"),
        (lambda: poisson_rate_ci(1, 10, n=0), r"^n must be at least 1; got 0$"),
        (lambda: bounded_mean_ci({6.0: 2}, lower=1, upper=5), r"^values must lie on the scale 1 to 5; got 6.0$"),
        (lambda: bounded_mean_ci({3.0: 1}, lower=1, upper=5), r"^counts must hold at least 2 values; got 1$"),
        (lambda: bounded_mean_ci({3.0: 2}, lower=5, upper=1), r"^lower and upper must be finite numbers with lower < upper"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- properties ---------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.integers(0, 500), st.integers(1, 200), levels)
def test_a_rate_per_pair_is_never_negative_and_holds_its_estimate(events, pairs, level):
    result = poisson_rate_ci(events, pairs, n=pairs, level=level)

    assert 0 <= result.low <= result.estimate <= result.high
    assert result.high > 0


@PROPERTY_SETTINGS
@given(st.integers(0, 200), st.integers(1, 200), levels)
def test_a_wider_level_gives_a_wider_rate_interval(events, pairs, level):
    narrow = poisson_rate_ci(events, pairs, n=pairs, level=0.5)
    wide = poisson_rate_ci(events, pairs, n=pairs, level=level)

    assert wide.low <= narrow.low + 1e-12
    assert wide.high >= narrow.high - 1e-12


@PROPERTY_SETTINGS
@given(
    st.dictionaries(st.sampled_from((1.0, 2.0, 3.0, 4.0, 5.0)), st.integers(0, 40), min_size=1).filter(
        lambda counts: sum(counts.values()) >= 2
    ),
    levels,
    st.booleans(),
)
def test_a_rating_mean_stays_on_its_scale(counts, level, always_wilson):
    result = bounded_mean_ci(counts, lower=1, upper=5, level=level, always_wilson=always_wilson)

    assert 1 <= result.low <= result.estimate <= result.high <= 5
    assert result.high > result.low


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from((0.0, 0.25, 1 / 3, 0.5, 2 / 3, 1.0)), min_size=2, max_size=60), levels)
def test_a_mean_share_takes_a_wilson_interval_within_0_and_1(shares, level):
    counts: dict[float, int] = {}
    for share in shares:
        counts[share] = counts.get(share, 0) + 1

    result = bounded_mean_ci(counts, lower=0, upper=1, level=level, always_wilson=True)

    assert 0 <= result.low <= result.estimate <= result.high <= 1
    assert result.estimate == pytest.approx(sum(shares) / len(shares))


@PROPERTY_SETTINGS
@given(st.integers(0, 60), st.integers(1, 60), st.sampled_from((3, 5)))
def test_every_kpi_of_counts_has_its_bounds_in_range_or_none(successes_or_events, n, k):
    share = proportion_kpi("rate", "Rate", min(successes_or_events, n), n, k)
    per_pair = rate_kpi("per_pair", "Per pair", "count", successes_or_events, n, k, n=n)

    for kpi, lowest, highest in ((share, 0.0, 1.0), (per_pair, 0.0, math.inf)):
        if kpi.estimate is None:
            assert (kpi.low, kpi.high) == (None, None)
        else:
            assert kpi.low is not None
            assert kpi.high is not None
            assert lowest <= kpi.low <= kpi.estimate <= kpi.high <= highest
