"""The greedy baseline: best pair first, taken while both sides have room."""

from __future__ import annotations

import numpy as np

from turnabout.engine._compiling import compiled
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
    chosen = np.zeros(len(order), dtype=np.bool_)
    _take_in_order(
        np.ascontiguousarray(order, dtype=np.int64),
        np.ascontiguousarray(rows, dtype=np.int64),
        np.ascontiguousarray(cols, dtype=np.int64),
        np.array(mentee_capacity, dtype=np.int64),
        np.array(mentor_capacity, dtype=np.int64),
        chosen,
    )
    return chosen


@compiled
def _take_in_order(
    order: Int64Array, rows: Int64Array, cols: Int64Array, mentee_room: Int64Array, mentor_room: Int64Array, chosen: BoolArray
) -> None:
    """Mark in ``chosen`` each pair, in ``order``, whose mentee and mentor still have room (rooms are used up)."""
    for position in range(order.shape[0]):
        pair = order[position]
        row, col = rows[pair], cols[pair]
        if mentee_room[row] > 0 and mentor_room[col] > 0:
            mentee_room[row] -= 1
            mentor_room[col] -= 1
            chosen[pair] = True
