"""Point estimates with confidence intervals for program KPIs.

Every function validates its arguments at the edge (a :class:`ValueError` names the bad argument) and
returns a frozen dataclass with ``estimate``, ``low``, ``high``, ``n`` and ``level``. Methods:

- proportions: Wilson score interval (:func:`proportion_ci`);
- difference of two proportions: Newcombe's hybrid score interval, his method 10 (:func:`difference_in_proportions_ci`);
- means and paired pre/post gains: Student's t interval (:func:`mean_ci`, :func:`paired_gain_ci`);
- means on a bounded scale (pulse ratings 1–5, goal shares 0–1): the t interval clipped to the scale, or when every
  value is the same (no spread, so no t interval) the Wilson interval of the mean rescaled to 0–1
  (:func:`bounded_mean_ci`); a mean share can take the Wilson interval throughout (``always_wilson``);
- events per unit of exposure (ideas adopted per pair, meetings per pair-month): the exact Poisson interval of
  Garwood (1936) from chi-square quantiles, never below 0 (:func:`poisson_rate_ci`);
- Net Promoter Score: normal interval with the multinomial variance of %promoters − %detractors (:func:`nps`).

Every interval lies within the range of its figure and holds its estimate (``low ≤ estimate ≤ high``).

Formulas are written out in ``docs/insights.md``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Real
from typing import SupportsIndex

from scipy import stats as scipy_stats

__all__ = [
    "BoundedMeanEstimate",
    "DifferenceEstimate",
    "Estimate",
    "MeanEstimate",
    "NpsResult",
    "PairedGainEstimate",
    "ProportionEstimate",
    "RateEstimate",
    "bounded_mean_ci",
    "difference_in_proportions_ci",
    "mean_ci",
    "nps",
    "paired_gain_ci",
    "poisson_rate_ci",
    "proportion_ci",
    "wilson_bounds",
    "wilson_bounds_of_share",
    "z_value",
]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its two-sided confidence interval ``[low, high]`` at ``level``, from ``n`` observations."""

    estimate: float
    low: float
    high: float
    n: int
    level: float


@dataclass(frozen=True, slots=True)
class ProportionEstimate(Estimate):
    """A proportion ``successes / n`` (0 to 1) with its Wilson score interval."""

    successes: int


@dataclass(frozen=True, slots=True)
class DifferenceEstimate(Estimate):
    """``first.estimate − second.estimate`` (−1 to 1) with Newcombe's hybrid score interval; ``n`` counts both groups."""

    first: ProportionEstimate
    second: ProportionEstimate


@dataclass(frozen=True, slots=True)
class MeanEstimate(Estimate):
    """A sample mean with its t interval; ``standard_deviation`` is the sample one (divisor ``n − 1``)."""

    standard_deviation: float


@dataclass(frozen=True, slots=True)
class BoundedMeanEstimate(Estimate):
    """A mean of values on the scale ``lower``–``upper`` with an interval inside the scale (:func:`bounded_mean_ci`)."""

    standard_deviation: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class RateEstimate(Estimate):
    """``events / exposure`` (at least 0) with Garwood's exact Poisson interval; ``n`` is the number of units observed."""

    events: int
    exposure: float


@dataclass(frozen=True, slots=True)
class PairedGainEstimate(Estimate):
    """Mean of ``after − before`` over ``n`` pairs of answers, with its t interval."""

    mean_before: float
    mean_after: float
    standard_deviation: float


@dataclass(frozen=True, slots=True)
class NpsResult(Estimate):
    """Net Promoter Score in points (−100 to 100) with its interval; the three counts add up to ``n``."""

    promoters: int
    passives: int
    detractors: int


def z_value(level: float) -> float:
    """The standard normal quantile of a two-sided interval at ``level``.

    Parameters
    ----------
    level : float
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    float
        ``z`` such that ``P(−z < Z < z) = level``.

    Examples
    --------
    >>> round(z_value(0.95), 6)
    1.959964
    """
    _check_level(level)
    return float(scipy_stats.norm.ppf(0.5 + level / 2))


def wilson_bounds(successes: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of ``successes / n`` for a normal quantile ``z``, without validation.

    Used by :func:`proportion_ci` and by :mod:`turnabout.insights.comparison`, which has validated
    its counts already.

    Examples
    --------
    >>> [round(bound, 4) for bound in wilson_bounds(0, 10, 1.959964)]
    [0.0, 0.2775]
    """
    return wilson_bounds_of_share(successes / n, n, z)


def wilson_bounds_of_share(proportion: float, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of a share ``proportion`` (0 to 1) of ``n``, without validation; the share may be
    a mean of values on [0, 1] rather than a count over ``n`` (:func:`bounded_mean_ci`).

    >>> [round(bound, 4) for bound in wilson_bounds_of_share(0.5, 10, 1.959964)]
    [0.2366, 0.7634]
    """
    denominator = 1 + z * z / n
    centre = (proportion + z * z / (2 * n)) / denominator
    half_width = z / denominator * math.sqrt(proportion * (1 - proportion) / n + z * z / (4 * n * n))
    # The exact bounds at 0 and n are 0 and 1; clamp so rounding never leaves [0, 1] or excludes the estimate.
    return max(0.0, min(centre - half_width, proportion)), min(1.0, max(centre + half_width, proportion))


def proportion_ci(successes: SupportsIndex, n: SupportsIndex, level: float = 0.95) -> ProportionEstimate:
    """A proportion with its Wilson score interval.

    With ``p = successes / n`` and ``z`` the normal quantile of ``level``, the bounds are
    ``(p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n)``. Unlike the textbook Wald interval it stays
    inside [0, 1] and keeps its coverage for small ``n`` and for ``p`` near 0 or 1.

    Parameters
    ----------
    successes : int
        Number of successes, from 0 to ``n`` (an ``int`` or a NumPy integer).
    n : int
        Number of trials, at least 1.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionEstimate

    Raises
    ------
    ValueError
        If ``n`` is not positive, ``successes`` is outside ``0..n`` or ``level`` outside (0, 1).

    Examples
    --------
    8 of 10 mentors would take part again. By hand, with ``z = 1.959964`` (``z² = 3.841459``): centre
    ``(0.8 + 0.192073) / 1.384146 = 0.716739``, half-width
    ``1.959964 / 1.384146 × √(0.016 + 0.009604) = 0.226577``.

    >>> ci = proportion_ci(8, 10)
    >>> ci.estimate, round(ci.low, 4), round(ci.high, 4), ci.n
    (0.8, 0.4902, 0.9433, 10)

    >>> proportion_ci(11, 10)
    Traceback (most recent call last):
    ...
    ValueError: successes must be between 0 and n (10); got 11
    """
    n = _positive_count("n", n)
    successes = _count("successes", successes)
    if successes > n:
        raise ValueError(f"successes must be between 0 and n ({n}); got {successes}")
    low, high = wilson_bounds(successes, n, z_value(level))
    return ProportionEstimate(estimate=successes / n, low=low, high=high, n=n, level=level, successes=successes)


def poisson_rate_ci(events: SupportsIndex, exposure: float, *, n: SupportsIndex, level: float = 0.95) -> RateEstimate:
    """A rate of events per unit of exposure with Garwood's exact Poisson interval.

    With ``x`` events over an exposure ``E`` (pairs, or pair-months) and ``α = 1 − level``:
    ``low = χ²(α/2; 2x) / 2E`` (0 when ``x = 0``) and ``high = χ²(1 − α/2; 2x + 2) / 2E``, where ``χ²(q; ν)``
    is the ``q`` quantile of the chi-square distribution with ``ν`` degrees of freedom. The bounds are never
    negative, and with no events the upper bound is still positive (``3.689 / E`` at 95 %).

    Parameters
    ----------
    events : int
        Number of events, at least 0.
    exposure : float
        Total exposure the events happened in, a finite number above 0.
    n : int
        Number of units behind the exposure (pairs), at least 1; reported as the figure's ``n``.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    RateEstimate

    Raises
    ------
    ValueError
        If ``events`` is negative or not whole, ``exposure`` is not a positive finite number, ``n`` is not
        positive, or ``level`` is outside (0, 1).

    Examples
    --------
    One idea adopted in 18 pairs: 0.056 per pair, from 0.0014 to 0.31 (the t interval gave −0.06 to 0.17):

    >>> ci = poisson_rate_ci(1, 18, n=18)
    >>> round(ci.estimate, 4), round(ci.low, 4), round(ci.high, 4)
    (0.0556, 0.0014, 0.3095)
    >>> round(poisson_rate_ci(0, 18, n=18).high, 4)
    0.2049
    """
    _check_level(level)
    count = _count("events", events)
    units = _positive_count("n", n)
    if isinstance(exposure, bool) or not isinstance(exposure, Real) or not math.isfinite(exposure) or exposure <= 0:
        raise ValueError(f"exposure must be a finite number above 0; got {exposure!r}")
    alpha = 1 - level
    low = 0.0 if count == 0 else float(scipy_stats.chi2.ppf(alpha / 2, 2 * count)) / 2
    high = float(scipy_stats.chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    estimate = count / exposure
    return RateEstimate(
        estimate=estimate,
        low=min(low / exposure, estimate),
        high=max(high / exposure, estimate),
        n=units,
        level=level,
        events=count,
        exposure=float(exposure),
    )


def bounded_mean_ci(
    counts: Mapping[float, SupportsIndex],
    *,
    lower: float,
    upper: float,
    level: float = 0.95,
    always_wilson: bool = False,
) -> BoundedMeanEstimate:
    """The mean of values on the scale ``lower``–``upper`` (each value given with how often it occurs), with an
    interval that stays on the scale.

    The interval is Student's t interval clipped to ``[lower, upper]``. When every value is the same, the sample
    standard deviation is 0 and the t interval has no width, which no sample of ``n`` supports; then (and always
    with ``always_wilson``) the interval is the Wilson score interval of the mean rescaled to 0–1,
    ``m = (x̄ − lower) / (upper − lower)`` with ``m · n`` "successes" of ``n``, mapped back to the scale. Since a
    variable on [0, 1] with mean ``m`` has a variance of at most ``m(1 − m)``, this interval is conservative for
    any such variable, and for a mean of 0/1 values it is the plain Wilson interval.

    Parameters
    ----------
    counts : mapping of float to int
        How many times each value occurs; every value with a positive count must lie on the scale; at least two
        values in all.
    lower, upper : float
        The ends of the scale, ``lower < upper``.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.
    always_wilson : bool, default False
        Use the rescaled Wilson interval whatever the spread (for a mean of shares, such as goal completion).

    Returns
    -------
    BoundedMeanEstimate

    Raises
    ------
    ValueError
        If the scale is empty, a value lies off the scale or is not finite, a count is negative or not whole,
        fewer than two values are given, or ``level`` is outside (0, 1).

    Examples
    --------
    Eighteen pairs, none of whose goals were achieved: 0 % (0 to 17.6 %), as for a rate of 0 out of 18:

    >>> ci = bounded_mean_ci({0.0: 18}, lower=0, upper=1)
    >>> ci.estimate, ci.low, round(ci.high, 4)
    (0.0, 0.0, 0.1759)

    Ten ratings of 5 on a 1–5 scale stay on the scale:

    >>> ci = bounded_mean_ci({5.0: 10}, lower=1, upper=5)
    >>> ci.estimate, round(ci.low, 4), ci.high
    (5.0, 3.8899, 5.0)
    """
    _check_level(level)
    if not (isinstance(lower, Real) and isinstance(upper, Real) and math.isfinite(lower) and math.isfinite(upper) and lower < upper):
        raise ValueError(f"lower and upper must be finite numbers with lower < upper; got {lower!r} and {upper!r}")
    tally: dict[float, int] = {}
    for value, how_many in counts.items():
        number = _count(f"counts[{value!r}]", how_many)
        if number == 0:
            continue
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or not lower <= value <= upper:
            raise ValueError(f"values must lie on the scale {lower} to {upper}; got {value!r}")
        tally[float(value)] = tally.get(float(value), 0) + number
    lower, upper = float(lower), float(upper)
    n = sum(tally.values())
    if n < 2:
        raise ValueError(f"counts must hold at least 2 values; got {n}")
    mean = math.fsum(value * number for value, number in tally.items()) / n
    mean = min(upper, max(lower, mean))
    variance = math.fsum(number * (value - mean) ** 2 for value, number in tally.items()) / (n - 1)
    standard_deviation = math.sqrt(variance)
    if always_wilson or len(tally) == 1:
        width = upper - lower
        low_share, high_share = wilson_bounds_of_share((mean - lower) / width, n, z_value(level))
        low, high = lower + width * low_share, lower + width * high_share
    else:
        half_width = float(scipy_stats.t.ppf(0.5 + level / 2, n - 1)) * standard_deviation / math.sqrt(n)
        low, high = mean - half_width, mean + half_width
    return BoundedMeanEstimate(
        estimate=mean,
        low=max(lower, min(low, mean)),
        high=min(upper, max(high, mean)),
        n=n,
        level=level,
        standard_deviation=standard_deviation,
        lower=lower,
        upper=upper,
    )


def difference_in_proportions_ci(
    s1: SupportsIndex, n1: SupportsIndex, s2: SupportsIndex, n2: SupportsIndex, level: float = 0.95
) -> DifferenceEstimate:
    """``s1/n1 − s2/n2`` with Newcombe's hybrid score interval (method 10 of Newcombe, 1998).

    With Wilson intervals ``[l1, u1]`` and ``[l2, u2]`` of the two proportions and ``d = p1 − p2``:
    ``low = d − √((p1 − l1)² + (u2 − p2)²)`` and ``high = d + √((u1 − p1)² + (p2 − l2)²)``.
    The groups must be independent (different people).

    Parameters
    ----------
    s1, n1 : int
        Successes and trials of the first group (for instance participants).
    s2, n2 : int
        Successes and trials of the second group (for instance non-participants).
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    DifferenceEstimate
        ``n`` is ``n1 + n2``; ``first`` and ``second`` hold each group's Wilson interval.

    Raises
    ------
    ValueError
        If a count is invalid (the message names ``s1``, ``n1``, ``s2`` or ``n2``) or ``level`` is outside (0, 1).

    Examples
    --------
    A worked example of Newcombe's paper (Statistics in Medicine 17:873, 1998): 56/70 against 48/80,
    a difference of 0.2 with interval 0.0524 to 0.3339.

    >>> ci = difference_in_proportions_ci(56, 70, 48, 80)
    >>> round(ci.estimate, 4), round(ci.low, 4), round(ci.high, 4), ci.n
    (0.2, 0.0524, 0.3339, 150)
    """
    first = _named_proportion(s1, n1, "s1", "n1", level)
    second = _named_proportion(s2, n2, "s2", "n2", level)
    difference = first.estimate - second.estimate
    low = difference - math.hypot(first.estimate - first.low, second.high - second.estimate)
    high = difference + math.hypot(first.high - first.estimate, second.estimate - second.low)
    return DifferenceEstimate(
        estimate=difference,
        low=max(-1.0, low),
        high=min(1.0, high),
        n=first.n + second.n,
        level=level,
        first=first,
        second=second,
    )


def mean_ci(values: Iterable[float], level: float = 0.95) -> MeanEstimate:
    """The mean of ``values`` with Student's t interval ``mean ± t(n − 1) · s / √n``.

    Parameters
    ----------
    values : iterable of float
        At least two finite numbers (for instance 1–5 satisfaction answers).
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    MeanEstimate

    Raises
    ------
    ValueError
        If ``values`` holds fewer than two numbers or a value that is not finite, or ``level`` is outside (0, 1).

    Examples
    --------
    Mean 5, sample standard deviation ``√(32/7) = 2.13809``, standard error ``0.755929``,
    ``t(7) = 2.364624``, half-width ``1.787490``:

    >>> ci = mean_ci([2, 4, 4, 4, 5, 5, 7, 9])
    >>> ci.estimate, round(ci.low, 4), round(ci.high, 4), ci.n, round(ci.standard_deviation, 4)
    (5.0, 3.2125, 6.7875, 8, 2.1381)
    """
    numbers = _finite_values("values", values)
    mean, standard_deviation, low, high = _t_interval(numbers, level)
    return MeanEstimate(estimate=mean, low=low, high=high, n=len(numbers), level=level, standard_deviation=standard_deviation)


def paired_gain_ci(before: Iterable[float], after: Iterable[float], level: float = 0.95) -> PairedGainEstimate:
    """The mean gain ``after − before`` of paired answers, with the t interval of the differences.

    Pair ``i`` is the same person's answer before (``before[i]``) and after (``after[i]``) the program;
    people who answered only one of the two surveys must be left out by the caller.

    Parameters
    ----------
    before, after : iterable of float
        Paired answers, of equal length, at least two pairs, all finite.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    PairedGainEstimate

    Raises
    ------
    ValueError
        If the lengths differ, fewer than two pairs are given, a value is not finite, or ``level`` is outside (0, 1).

    Examples
    --------
    Gains 2, 2, 1, 1: mean 1.5, standard deviation ``√(1/3) = 0.57735``, standard error ``0.288675``,
    ``t(3) = 3.182446``, half-width ``0.918693``:

    >>> ci = paired_gain_ci(before=[3, 4, 2, 5], after=[5, 6, 3, 6])
    >>> ci.estimate, round(ci.low, 4), round(ci.high, 4), ci.n, ci.mean_before, ci.mean_after
    (1.5, 0.5813, 2.4187, 4, 3.5, 5.0)
    """
    first = _finite_values("before", before)
    second = _finite_values("after", after)
    if len(first) != len(second):
        raise ValueError(f"before and after must have the same length; got {len(first)} and {len(second)}")
    gains = [later - earlier for earlier, later in zip(first, second, strict=True)]
    mean, standard_deviation, low, high = _t_interval(gains, level)
    return PairedGainEstimate(
        estimate=mean,
        low=low,
        high=high,
        n=len(gains),
        level=level,
        mean_before=math.fsum(first) / len(first),
        mean_after=math.fsum(second) / len(second),
        standard_deviation=standard_deviation,
    )


def nps(scores: Iterable[int], level: float = 0.95) -> NpsResult:
    """Net Promoter Score of 0–10 answers, in points, with a normal interval.

    Promoters answer 9–10, passives 7–8, detractors 0–6. With shares ``P`` and ``D`` of promoters and
    detractors, the score is ``100 · (P − D)``; its multinomial variance is ``(P + D − (P − D)²) / n``, so
    the interval is ``100 · (P − D ± z · √((P + D − (P − D)²) / n))``, clamped to [−100, 100]. When every
    answer falls in one category the variance is 0 and the interval collapses to the score.

    Parameters
    ----------
    scores : iterable of int
        Whole numbers from 0 to 10, at least one.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    NpsResult

    Raises
    ------
    ValueError
        If ``scores`` is empty or holds anything but a whole number from 0 to 10, or ``level`` is outside (0, 1).

    Examples
    --------
    Five promoters, two passives, three detractors out of ten: ``P = 0.5``, ``D = 0.3``, score 20;
    variance ``(0.8 − 0.04) / 10 = 0.076``, half-width ``100 × 1.959964 × 0.275681 = 54.0325``:

    >>> result = nps([10, 10, 9, 8, 7, 6, 3, 10, 9, 0])
    >>> round(result.estimate, 4), round(result.low, 4), round(result.high, 4)
    (20.0, -34.0325, 74.0325)
    >>> result.promoters, result.passives, result.detractors, result.n
    (5, 2, 3, 10)
    """
    if isinstance(scores, str | bytes):
        raise ValueError("scores must be a sequence of whole numbers from 0 to 10; got a string")
    answers = list(scores)
    if not answers:
        raise ValueError("scores must not be empty")
    promoters = passives = detractors = 0
    for position, score in enumerate(answers):
        if isinstance(score, bool) or not isinstance(score, Real) or score not in range(11):
            raise ValueError(f"scores must be whole numbers from 0 to 10; got {score!r} at position {position}")
        if score >= 9:
            promoters += 1
        elif score >= 7:
            passives += 1
        else:
            detractors += 1
    z = z_value(level)
    n = len(answers)
    promoter_share, detractor_share = promoters / n, detractors / n
    net = promoter_share - detractor_share
    variance = max(0.0, promoter_share + detractor_share - net * net) / n
    half_width = z * math.sqrt(variance)
    return NpsResult(
        estimate=100 * net,
        low=max(-100.0, 100 * (net - half_width)),
        high=min(100.0, 100 * (net + half_width)),
        n=n,
        level=level,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
    )


def _check_level(level: float) -> None:
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1; got {level!r}")


def _count(name: str, value: SupportsIndex) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    try:
        number = operator.index(value)  # accepts int and numpy integers, refuses 2.5 and "3"
    except TypeError:
        raise ValueError(f"{name} must be a whole number; got {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative; got {number}")
    return number


def _positive_count(name: str, value: SupportsIndex) -> int:
    number = _count(name, value)
    if number == 0:
        raise ValueError(f"{name} must be at least 1; got 0")
    return number


def _named_proportion(successes: SupportsIndex, n: SupportsIndex, successes_name: str, n_name: str, level: float) -> ProportionEstimate:
    trials = _positive_count(n_name, n)
    count = _count(successes_name, successes)
    if count > trials:
        raise ValueError(f"{successes_name} must be between 0 and {n_name} ({trials}); got {count}")
    return proportion_ci(count, trials, level)


def _finite_values(name: str, values: Iterable[float]) -> list[float]:
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a sequence of numbers; got a string")
    numbers: list[float] = []
    for position, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(f"{name} must hold finite numbers; got {value!r} at position {position}")
        numbers.append(float(value))
    if len(numbers) < 2:
        raise ValueError(f"{name} must hold at least 2 numbers; got {len(numbers)}")
    return numbers


def _t_interval(numbers: list[float], level: float) -> tuple[float, float, float, float]:
    """Mean, sample standard deviation and t interval of already validated numbers."""
    _check_level(level)
    n = len(numbers)
    mean = math.fsum(numbers) / n
    standard_deviation = math.sqrt(math.fsum((value - mean) ** 2 for value in numbers) / (n - 1))
    half_width = float(scipy_stats.t.ppf(0.5 + level / 2, n - 1)) * standard_deviation / math.sqrt(n)
    return mean, standard_deviation, mean - half_width, mean + half_width
