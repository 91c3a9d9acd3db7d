"""Compiled pair scoring: the rules and the float score of one (mentee, mentor) pair, in one pass.

Scanning every pair of a 100,000 × 100,000 problem is 10^10 pairs. As whole-array NumPy operations
that is a dozen passes over memory per pair (about 40 ns per pair per core, measured); compiled
with Numba it is one pass with every operand in registers. Two kernels share :func:`_score`:

- :func:`fill_scores` writes a block of scores (mentees × every mentor), like the NumPy scan did;
- :func:`best_pairs` streams a block of mentees against every mentor and keeps only each mentee's
  ``k`` best pairs by reduced value ``score - (u_i + v_j)``, the best score left out, the sum of
  positive reduced values and, optionally, each mentor's best mentees. Nothing of size
  mentees × mentors is ever held.

Scores here are float64 sums and are only used to choose and price candidates; the scores that
are optimised and reported come from :func:`turnabout.engine._scoring.edge_scores`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt

from turnabout.engine._features import SLOT_MINUTES, Encoded, Float32Array, FloatArray, IntArray

# Parameters, by position in the float64 vector the kernels take.
(
    MIN_GAP,
    REQUIRE_LANGUAGE,
    FORBID_SAME_DEPARTMENT,
    MIN_OVERLAP_SLOTS,
    W_GOALS,
    W_COMMON,
    COMMON_FULL_AT,
    W_AVAILABILITY,
    FULL_SLOTS,
    W_BOUNDARY_HALF,
    W_DIVERSITY,
    W_GRADE,
    PREFERRED_GAP,
    MIN_SCORE,
) = range(14)


def _jit[F: Callable[..., Any]](function: F) -> F:
    """Compile to machine code (cached on disk next to this module), releasing the GIL while it runs."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(function))


def _inline[F: Callable[..., Any]](function: F) -> F:
    """Compiled into its callers: a call per pair would pass every array again."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")(function))


@dataclass(frozen=True, eq=False)
class KernelInputs:
    """An :class:`Encoded` problem laid out for the kernels (contiguous arrays, one parameter vector).

    Mentors are renumbered so that those sharing an availability pattern are contiguous: a mentee
    then visits only the patterns it overlaps with enough (most pairs across time zones are never
    looked at). ``order[new]`` is a mentor's original index and ``rank[original]`` its new one.
    """

    arrays: tuple[Any, ...]
    parameters: FloatArray
    order: IntArray
    rank: IntArray

    def sorted_lists(self, rows: IntArray, cols: IntArray, mentees: int) -> tuple[IntArray, IntArray]:
        """Pairs as per-mentee lists of renumbered mentors, sorted (CSR over all mentees)."""
        width = max(1, len(self.order))
        keys = np.unique(np.asarray(rows, dtype=np.int64) * width + self.rank[np.asarray(cols, dtype=np.int64)])
        indptr = np.zeros(mentees + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // width, minlength=mentees), out=indptr[1:])
        return indptr, keys % width


_inputs: weakref.WeakKeyDictionary[Encoded, KernelInputs] = weakref.WeakKeyDictionary()


def kernel_inputs(encoded: Encoded) -> KernelInputs:
    """The kernels' view of ``encoded``, built once per problem."""
    cached = _inputs.get(encoded)
    if cached is not None:
        return cached
    rules, weights, normalised = encoded.rules, encoded.weights, encoded.normalised
    mentors, mentees = encoded.mentors, encoded.mentees
    goals = mentees.skills.tocsr()
    common = mentees.common.tocsr()
    table = encoded.overlap_table if encoded.overlap_table is not None else np.zeros((0, 0), dtype=np.int16)
    full_slots = weights.availability_full_at_minutes / SLOT_MINUTES
    use_goals = bool(normalised["goals"]) and encoded.skill_credit_dense.shape[0] > 0
    use_common = bool(normalised["common_ground"]) and encoded.common_dense.shape[0] > 0
    use_diversity = bool(normalised["diversity"]) and mentees.diversity.shape[1] > 0
    parameters = np.array(
        [
            rules.min_grade_gap,
            float(rules.require_shared_language),
            float(rules.forbid_same_department),
            -(-rules.min_overlap_minutes // SLOT_MINUTES) if rules.min_overlap_minutes else 0,
            normalised["goals"] if use_goals else 0.0,
            normalised["common_ground"] if use_common else 0.0,
            weights.common_ground_full_at,
            normalised["availability"],
            full_slots,
            normalised["boundaries"] / 2,
            normalised["diversity"] if use_diversity else 0.0,
            normalised["grade_gap"],
            weights.preferred_grade_gap,
            # The float sum may fall a hair short of an exact score at the threshold: keep those.
            rules.min_pair_score - 1e-5 if rules.min_pair_score > 0 else -np.inf,
        ],
        dtype=np.float64,
    )

    def contiguous(array: npt.NDArray[Any], dtype: Any) -> npt.NDArray[Any]:
        return np.ascontiguousarray(array, dtype=dtype)

    use_table = encoded.overlap_table is not None
    order = np.argsort(mentors.slot_pattern, kind="stable") if use_table else np.arange(encoded.n_mentors)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    # Mentors of pattern p are order[group_start[p]:group_start[p + 1]] (one group of all without a table).
    if use_table:
        group_start = np.searchsorted(mentors.slot_pattern[order], np.arange(table.shape[1] + 1))
    else:
        group_start = np.array([0, encoded.n_mentors])
    blocked_ptr, blocked_cols = encoded.blocked_indptr, encoded.blocked_cols
    if len(blocked_cols):
        renumbered = KernelInputs((), parameters, order, rank)
        _same_ptr, blocked_cols = renumbered.sorted_lists(encoded.blocked_rows, blocked_cols, encoded.n_mentees)

    # In the order _scan unpacks them.
    arrays = (
        contiguous(mentees.grade, np.int32),
        contiguous(mentees.capacity, np.int32),
        contiguous(mentees.department, np.int32),
        contiguous(mentees.site, np.int32),
        contiguous(mentees.languages, np.uint64),
        contiguous(mentees.slot_pattern, np.int32),
        contiguous(mentees.patterns, np.uint64),
        contiguous(goals.indptr, np.int64),
        contiguous(goals.indices, np.int64),
        contiguous(goals.data, np.float64),
        contiguous(common.indptr, np.int64),
        contiguous(common.indices, np.int64),
        contiguous(mentees.diversity, np.int32),
        contiguous(mentors.grade[order], np.int32),
        contiguous(mentors.capacity[order], np.int32),
        contiguous(mentors.department[order], np.int32),
        contiguous(mentors.site[order], np.int32),
        contiguous(mentors.languages[order], np.uint64),
        contiguous(mentors.slot_pattern[order], np.int32),
        contiguous(mentors.patterns, np.uint64),
        contiguous(encoded.skill_credit_dense[:, order], np.float32),
        contiguous(encoded.common_dense[:, order], np.float32),
        contiguous(mentors.diversity[order], np.int32),
        contiguous(table, np.int16),
        contiguous(blocked_ptr, np.int64),
        contiguous(blocked_cols, np.int64),
        contiguous(group_start, np.int64),
        contiguous(order, np.int64),
    )
    made = KernelInputs(arrays, parameters, order, rank)
    _inputs[encoded] = made
    return made


@_inline
def _popcount(word: np.uint64) -> int:
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + ((word >> np.uint64(2)) & np.uint64(0x3333333333333333))
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((word * np.uint64(0x0101010101010101)) >> np.uint64(56))


def fill_scores(encoded: Encoded, rows: IntArray) -> Float32Array:
    """Scores of mentees ``rows`` against every mentor; ``-inf`` where a rule fails or below the minimum score."""
    out = np.empty((len(rows), encoded.n_mentors), dtype=np.float32)
    best_pairs(encoded, rows, 0, out=out)
    return out


@dataclass(frozen=True, eq=False)
class MentorsBest:
    """Each mentor's best ``m`` mentees seen so far (``rows`` -1 and ``scores`` -inf in empty slots)."""

    scores: FloatArray  # (mentors, m)
    rows: IntArray  # (mentors, m)
    floor: FloatArray  # (mentors,) the weakest kept score: a mentee must beat it to get in

    @classmethod
    def empty(cls, mentors: int, m: int) -> MentorsBest:
        return cls(np.full((mentors, m), -np.inf), np.full((mentors, m), -1, dtype=np.int64), np.full(mentors, -np.inf))

    def in_original_order(self, encoded: Encoded) -> MentorsBest:
        """The same lists indexed by the mentors' original numbers (the kernels renumber mentors)."""
        rank = kernel_inputs(encoded).rank
        return MentorsBest(self.scores[rank], self.rows[rank], self.floor[rank])


@dataclass(frozen=True, eq=False)
class BestPairs:
    """Each scanned mentee's best pairs by reduced value, best first (``cols`` is -1 past the last)."""

    cols: IntArray  # (rows, k)
    scores: FloatArray  # (rows, k)
    values: FloatArray  # (rows, k) score - u_i - v_j, in score units
    left_out: FloatArray  # (rows,) best score among feasible pairs not listed (-inf if none)
    hits: IntArray  # (rows,) pairs with value > -slack
    excess: FloatArray  # (rows,) sum over pairs of max(0, value + slack)


@_jit
def _scan(
    rows: IntArray,
    arrays: tuple[Any, ...],
    p: FloatArray,
    dense: Float32Array,
    u: FloatArray,
    v: FloatArray,
    skip_ptr: IntArray,
    skip_cols: IntArray,
    slack: float,
    top_cols: IntArray,
    top_scores: FloatArray,
    top_values: FloatArray,
    left_out: FloatArray,
    hits: IntArray,
    excess: FloatArray,
    mentor_best: FloatArray,
    mentor_rows: IntArray,
    mentor_floor: FloatArray,
) -> None:
    # The arrays are unpacked once, here (in kernel_inputs' order): unpacking them per pair costs a
    # reference count each.
    (
        e_grade,
        e_capacity,
        e_department,
        e_site,
        e_languages,
        e_pattern,
        e_patterns,
        goal_ptr,
        goal_idx,
        goal_val,
        common_ptr,
        common_idx,
        e_diversity,
        m_grade,
        m_capacity,
        m_department,
        m_site,
        m_languages,
        m_pattern,
        m_patterns,
        credit,
        common_dense,
        m_diversity,
        table,
        blocked_ptr,
        blocked_cols,
        group_start,
        original,
    ) = arrays
    # Parameters as locals: the compiler keeps them in registers (array reads could alias the outputs).
    min_gap = p[MIN_GAP]
    require_language = p[REQUIRE_LANGUAGE]
    forbid_same_department = p[FORBID_SAME_DEPARTMENT]
    min_overlap_slots = p[MIN_OVERLAP_SLOTS]
    w_goals = p[W_GOALS]
    w_common = p[W_COMMON]
    common_full_at = p[COMMON_FULL_AT]
    w_availability = p[W_AVAILABILITY]
    full_slots = p[FULL_SLOTS]
    w_boundary_half = p[W_BOUNDARY_HALF]
    w_diversity = p[W_DIVERSITY]
    w_grade = p[W_GRADE]
    preferred_gap = p[PREFERRED_GAP]
    min_score = p[MIN_SCORE]
    mentors = v.shape[0]
    write_dense = dense.shape[0] > 0
    k = top_cols.shape[1]
    streaming = k > 0 and not write_dense
    per_mentor = mentor_best.shape[1]
    words = e_languages.shape[1]
    use_table = table.shape[0] > 0
    groups = group_start.shape[0] - 1
    for local in range(rows.shape[0]):
        i = rows[local]
        count = 0
        lowest = 0  # position of the smallest listed value once the list is full
        best_left = -np.inf
        hit_count = 0
        over = 0.0
        if write_dense:
            for j in range(mentors):
                dense[local, j] = -np.inf
        if e_capacity[i] > 0:
            pointer, end = blocked_ptr[i], blocked_ptr[i + 1]
            skip, skip_end = skip_ptr[i], skip_ptr[i + 1]
            # The most common ground, availability and diversity can add for this mentee.
            rest_common = w_diversity
            if w_common > 0:
                rest_common += min(float(common_ptr[i + 1] - common_ptr[i]), common_full_at) * (w_common / common_full_at)
            for group in range(groups):
                rest = rest_common + w_availability
                if use_table:
                    # A group shares one availability pattern: mentors who overlap this mentee too little
                    # are never looked at, and the others' availability term is known exactly.
                    shared_slots = table[e_pattern[i], group]
                    if shared_slots < min_overlap_slots:
                        continue
                    rest = rest_common + min(float(shared_slots), full_slots) * (w_availability / full_slots)
                for j in range(group_start[group], group_start[group + 1]):
                    # The score first, without a branch on any rule (see _scoring for the formulas): a
                    # pair that could neither enter the list, nor be a hit, nor enter the mentor's best is
                    # skipped before its rules are checked, and its score still bounds what is left out.
                    gap = e_grade[i] - m_grade[j]
                    goals = 0.0
                    for position in range(goal_ptr[i], goal_ptr[i + 1]):
                        goals += goal_val[position] * credit[goal_idx[position], j]
                    score = goals * w_goals
                    score += w_boundary_half * ((e_department[i] != m_department[j]) + (e_site[i] != m_site[j]))
                    score += min(max(gap / preferred_gap, 0.0), 1.0) * w_grade
                    if streaming and count == k:
                        # Most pairs are ruled out here already, by what common ground (and availability) could add.
                        ceiling = score + rest
                        value = ceiling - u[local] - v[j]
                        if value <= top_values[local, lowest] and value <= -slack and (per_mentor == 0 or ceiling <= mentor_floor[j]):
                            best_left = max(best_left, ceiling)
                            continue
                    if w_common > 0:
                        shared_count = 0.0
                        for position in range(common_ptr[i], common_ptr[i + 1]):
                            shared_count += common_dense[common_idx[position], j]
                        score += min(shared_count, common_full_at) * (w_common / common_full_at)
                    if use_table:
                        overlap = int(table[e_pattern[i], m_pattern[j]])
                    else:
                        overlap = 0
                        for word in range(e_patterns.shape[1]):
                            overlap += _popcount(e_patterns[e_pattern[i], word] & m_patterns[m_pattern[j], word])
                    score += min(float(overlap), full_slots) * (w_availability / full_slots)
                    if w_diversity > 0:
                        differ = 0.0
                        both = 0.0
                        for column in range(e_diversity.shape[1]):
                            left = e_diversity[i, column]
                            right = m_diversity[j, column]
                            if left >= 0 and right >= 0:
                                both += 1.0
                                if left != right:
                                    differ += 1.0
                        score += differ / max(both, 1.0) * w_diversity
                    if streaming and count == k:
                        value = score - u[local] - v[j]
                        if value <= top_values[local, lowest] and value <= -slack and (per_mentor == 0 or score <= mentor_floor[j]):
                            best_left = max(best_left, score)
                            continue
                    # Hard rules, cheapest first.
                    if gap < min_gap or m_capacity[j] <= 0 or overlap < min_overlap_slots or score < min_score:
                        continue
                    if forbid_same_department > 0 and e_department[i] == m_department[j]:
                        continue
                    if require_language > 0:
                        shared = False
                        for word in range(words):
                            if e_languages[i, word] & m_languages[j, word]:
                                shared = True
                                break
                        if not shared:
                            continue
                    while pointer < end and blocked_cols[pointer] < j:
                        pointer += 1
                    if pointer < end and blocked_cols[pointer] == j:
                        continue
                    if write_dense:
                        dense[local, original[j]] = score
                    if k == 0:
                        continue
                    while skip < skip_end and skip_cols[skip] < j:
                        skip += 1
                    if skip < skip_end and skip_cols[skip] == j:
                        continue
                    if per_mentor > 0 and score > mentor_floor[j]:
                        # Each mentor's best mentees: this one replaces the weakest kept.
                        weakest = 0
                        for slot in range(1, per_mentor):
                            if mentor_best[j, slot] < mentor_best[j, weakest]:
                                weakest = slot
                        mentor_best[j, weakest] = score
                        mentor_rows[j, weakest] = i
                        floor = mentor_best[j, 0]
                        for slot in range(1, per_mentor):
                            floor = min(floor, mentor_best[j, slot])
                        mentor_floor[j] = floor
                    value = score - u[local] - v[j]
                    if value > -slack:
                        hit_count += 1
                        over += value + slack
                    if count < k:
                        top_cols[local, count] = j
                        top_scores[local, count] = score
                        top_values[local, count] = value
                        count += 1
                        if count == k:
                            lowest = 0
                            for slot in range(1, k):
                                if top_values[local, slot] < top_values[local, lowest]:
                                    lowest = slot
                    elif value > top_values[local, lowest]:
                        best_left = max(best_left, top_scores[local, lowest])
                        top_cols[local, lowest] = j
                        top_scores[local, lowest] = score
                        top_values[local, lowest] = value
                        lowest = 0
                        for slot in range(1, k):
                            if top_values[local, slot] < top_values[local, lowest]:
                                lowest = slot
                    else:
                        best_left = max(best_left, score)
        if k > 0:
            # Best first; unused slots at the end.
            order = np.argsort(-top_values[local, :count])
            cols_sorted = top_cols[local, :count][order].copy()
            scores_sorted = top_scores[local, :count][order].copy()
            values_sorted = top_values[local, :count][order].copy()
            top_cols[local, :count] = cols_sorted
            top_scores[local, :count] = scores_sorted
            top_values[local, :count] = values_sorted
            top_cols[local, count:] = -1
            top_scores[local, count:] = -np.inf
            top_values[local, count:] = -np.inf
        left_out[local] = best_left
        hits[local] = hit_count
        excess[local] = over


def best_pairs(
    encoded: Encoded,
    rows: IntArray,
    k: int,
    *,
    u: FloatArray | None = None,
    v: FloatArray | None = None,
    skip_ptr: IntArray | None = None,
    skip_cols: IntArray | None = None,
    slack: float = -np.inf,
    mentors_best: MentorsBest | None = None,
    out: Float32Array | None = None,
) -> BestPairs:
    """The ``k`` best pairs of each mentee in ``rows`` by ``score - u - v``, skipping listed pairs.

    ``u`` is per row of ``rows`` and ``v`` per mentor (both in score units, zero by default);
    ``skip_ptr``/``skip_cols``, made by :func:`pair_lists`, are pairs not to consider (the current
    candidates). Pairs with a value above ``-slack`` are counted as hits (none by default).
    ``mentors_best``, when given, is updated in place with each mentor's best-scoring mentees (in
    the kernels' numbering: see :meth:`MentorsBest.in_original_order`); ``out``, when given,
    receives every score as :func:`fill_scores` does.
    """
    inputs = kernel_inputs(encoded)
    count = len(rows)
    mentors = encoded.n_mentors
    if skip_ptr is None or skip_cols is None:
        skip_ptr = np.zeros(encoded.n_mentees + 1, dtype=np.int64)
        skip_cols = np.zeros(0, dtype=np.int64)
    if mentors_best is None:
        mentors_best = MentorsBest.empty(mentors, 0)
    result = BestPairs(
        cols=np.full((count, k), -1, dtype=np.int64),
        scores=np.full((count, k), -np.inf),
        values=np.full((count, k), -np.inf),
        left_out=np.full(count, -np.inf),
        hits=np.zeros(count, dtype=np.int64),
        excess=np.zeros(count),
    )
    _scan(
        np.ascontiguousarray(rows, dtype=np.int64),
        inputs.arrays,
        inputs.parameters,
        np.zeros((0, 0), dtype=np.float32) if out is None else out,
        np.zeros(count) if u is None else np.ascontiguousarray(u, dtype=np.float64),
        np.zeros(mentors) if v is None else np.ascontiguousarray(np.asarray(v, dtype=np.float64)[inputs.order]),
        np.ascontiguousarray(skip_ptr, dtype=np.int64),
        np.ascontiguousarray(skip_cols, dtype=np.int64),
        float(slack),
        result.cols,
        result.scores,
        result.values,
        result.left_out,
        result.hits,
        result.excess,
        mentors_best.scores,
        mentors_best.rows,
        mentors_best.floor,
    )
    listed = result.cols >= 0
    result.cols[listed] = inputs.order[result.cols[listed]]
    return result


def pair_lists(encoded: Encoded, rows: IntArray, cols: IntArray) -> tuple[IntArray, IntArray]:
    """Pairs (mentee ``rows``, mentor ``cols``) as the per-mentee sorted lists :func:`best_pairs` skips."""
    return kernel_inputs(encoded).sorted_lists(rows, cols, encoded.n_mentees)
