"""Quality figures of a matching: score statistics, coverage and stability."""

from __future__ import annotations

import numpy as np

from turnabout.engine._features import BoolArray, FloatArray, Int64Array, IntArray
from turnabout.engine._result import Baseline


def score_statistics(scores: FloatArray) -> tuple[float, float, float]:
    """Mean, minimum and 10th percentile (linear interpolation) of pair scores; zeros when empty.

    Examples
    --------
    >>> score_statistics(np.array([0.2, 0.4, 0.9]))
    (0.5, 0.2, 0.24)
    """
    if len(scores) == 0:
        return 0.0, 0.0, 0.0
    return round(float(np.mean(scores)), 12), float(np.min(scores)), round(float(np.percentile(scores, 10)), 12)


def blocking_pairs(
    rows: IntArray, cols: IntArray, weights: Int64Array, chosen: BoolArray, mentee_capacity: Int64Array, mentor_capacity: Int64Array
) -> int:
    """Pairs not made in which both people would rather be together than with their weakest partner.

    A participant prefers a pair if it scores strictly more than their weakest current pair, or if
    they still have free capacity. Scores are symmetric, so both sides rank by the same number.

    Examples
    --------
    >>> rows, cols = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    >>> weights = np.array([9, 1, 8, 2])
    >>> blocking_pairs(rows, cols, weights, np.array([False, True, True, False]), np.array([1, 1]), np.array([1, 1]))
    1
    """
    mentees, mentors = len(mentee_capacity), len(mentor_capacity)
    big = np.iinfo(np.int64).max
    weakest_mentee = np.full(mentees, big, dtype=np.int64)
    weakest_mentor = np.full(mentors, big, dtype=np.int64)
    np.minimum.at(weakest_mentee, rows[chosen], weights[chosen])
    np.minimum.at(weakest_mentor, cols[chosen], weights[chosen])
    mentee_free = np.bincount(rows[chosen], minlength=mentees) < mentee_capacity
    mentor_free = np.bincount(cols[chosen], minlength=mentors) < mentor_capacity
    mentee_wants = mentee_free[rows] | (weights > weakest_mentee[rows])
    mentor_wants = mentor_free[cols] | (weights > weakest_mentor[cols])
    return int(np.count_nonzero(~chosen & mentee_wants & mentor_wants & (weights > 0)))


def baseline(name: str, rows: IntArray, scores: FloatArray, chosen: BoolArray, mentees: int) -> Baseline:
    """Summarise a baseline matching."""
    picked = scores[chosen]
    mean, minimum, _p10 = score_statistics(picked)
    return Baseline(
        name=name,
        total_score=float(picked.sum()),
        pairs=int(chosen.sum()),
        mentees_matched=int(np.count_nonzero(np.bincount(rows[chosen], minlength=mentees))),
        mean_score=mean,
        min_score=minimum,
    )
