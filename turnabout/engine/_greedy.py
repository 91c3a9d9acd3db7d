"""The greedy baseline: best pair first, taken while both sides have room."""

from __future__ import annotations

import numpy as np

from turnabout.engine._features import BoolArray, Int64Array, IntArray
from turnabout.engine._sorting import pair_order


def greedy(rows: IntArray, cols: IntArray, weights: Int64Array, mentee_capacity: Int64Array, mentor_capacity: Int64Array) -> BoolArray:
    """Sort pairs by score (ties by mentee, then mentor) and take each one that still fits.

    Examples
    --------
    >>> greedy(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([5, 4, 3]), np.array([1, 1]), np.array([1, 1])).tolist()
    [True, False, False]
    """
    by_pair = pair_order(np.asarray(rows), np.asarray(cols))
    order = by_pair[np.argsort(-np.asarray(weights)[by_pair], kind="stable")]
    mentee_room = np.asarray(mentee_capacity, dtype=np.int64).tolist()
    mentor_room = np.asarray(mentor_capacity, dtype=np.int64).tolist()
    row_list = np.asarray(rows)[order].tolist()
    col_list = np.asarray(cols)[order].tolist()
    taken = []
    for position, (row, col) in enumerate(zip(row_list, col_list, strict=True)):
        if mentee_room[row] > 0 and mentor_room[col] > 0:
            mentee_room[row] -= 1
            mentor_room[col] -= 1
            taken.append(position)
    chosen = np.zeros(len(order), dtype=bool)
    chosen[order[np.array(taken, dtype=np.int64)]] = True
    return chosen
