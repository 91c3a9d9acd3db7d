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

import itertools
import weakref
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from turnabout.engine._compiling import compiled, inline
from turnabout.engine._features import SLOT_MINUTES, Encoded, Float32Array, FloatArray, IntArray
from turnabout.engine._sorting import pair_keys, unique_keys

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


# The kernels' arguments, grouped. Numba takes named tuples of arrays as they are; every field is a
# contiguous array of the dtype noted (the kernels are compiled for exactly those).


class MenteeArrays(NamedTuple):
    """Per mentee (original numbering)."""

    grade: npt.NDArray[np.int32]
    capacity: npt.NDArray[np.int32]
    department: npt.NDArray[np.int32]
    site: npt.NDArray[np.int32]
    languages: npt.NDArray[np.uint64]  # (mentees, words) bit sets
    pattern: npt.NDArray[np.int32]  # index into ``patterns``
    patterns: npt.NDArray[np.uint64]  # (patterns, words) availability slot bit sets
    goal_ptr: npt.NDArray[np.int64]  # goals as CSR: skill indices and weights
    goal_idx: npt.NDArray[np.int64]
    goal_val: npt.NDArray[np.float64]
    common_ptr: npt.NDArray[np.int64]  # interests and values as CSR (indices only)
    common_idx: npt.NDArray[np.int64]
    diversity: npt.NDArray[np.int32]  # (mentees, attributes), -1 where unknown


class MentorArrays(NamedTuple):
    """Per mentor, in the kernels' numbering (see :class:`KernelInputs`)."""

    grade: npt.NDArray[np.int32]
    capacity: npt.NDArray[np.int32]
    department: npt.NDArray[np.int32]
    site: npt.NDArray[np.int32]
    languages: npt.NDArray[np.uint64]
    pattern: npt.NDArray[np.int32]
    patterns: npt.NDArray[np.uint64]
    credit: npt.NDArray[np.float32]  # skill credit (skills × mentors), flattened group by group
    common: npt.NDArray[np.float32]  # interests and values (items × mentors), flattened group by group
    diversity: npt.NDArray[np.int32]


class Layout(NamedTuple):
    """How mentees and mentors meet: overlap table, blocked pairs, mentor groups, original numbers."""

    table: npt.NDArray[np.int16]  # (mentee patterns, mentor groups) shared slots; empty without a table
    blocked_ptr: npt.NDArray[np.int64]  # blocked pairs as per-mentee sorted lists of renumbered mentors
    blocked_cols: npt.NDArray[np.int64]
    group_start: npt.NDArray[np.int64]  # mentors of group g are group_start[g]:group_start[g + 1]
    original: npt.NDArray[np.int64]  # a renumbered mentor's original index


class ScanRequest(NamedTuple):
    """Which mentees to scan, under which duals, skipping which pairs."""

    rows: npt.NDArray[np.int64]
    u: npt.NDArray[np.float64]  # per row of ``rows``
    v: npt.NDArray[np.float64]  # per mentor, in the kernels' numbering
    skip_ptr: npt.NDArray[np.int64]  # pairs not to list, as made by :func:`pair_lists`
    skip_cols: npt.NDArray[np.int64]
    slack: float  # pairs with a value above ``-slack`` are hits


class ScanOutputs(NamedTuple):
    """What a scan writes, per row of the request (the fields of :class:`BestPairs`)."""

    top_cols: IntArray  # int64
    top_scores: FloatArray
    top_values: FloatArray
    left_out: FloatArray
    hits: IntArray  # int64
    excess: FloatArray


class MentorLists(NamedTuple):
    """Each mentor's best mentees, updated in place (the fields of :class:`MentorsBest`)."""

    scores: FloatArray
    rows: IntArray  # int64
    floor: FloatArray


def _sorted_lists(rank: IntArray, rows: IntArray, cols: IntArray, mentees: int) -> tuple[IntArray, IntArray]:
    """Pairs as per-mentee lists of renumbered mentors, sorted (CSR over all mentees)."""
    width = max(1, len(rank))
    keys = unique_keys(pair_keys(rows, rank[np.asarray(cols, dtype=np.int64)], width))
    indptr = np.zeros(mentees + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // width, minlength=mentees), out=indptr[1:])
    return indptr, keys % width


@dataclass(frozen=True, eq=False)
class KernelInputs:
    """An :class:`Encoded` problem laid out for the kernels (contiguous arrays, one parameter vector).

    Mentors are renumbered so that those sharing an availability pattern are contiguous: a mentee
    then visits only the patterns it overlaps with enough (most pairs across time zones are never
    looked at). ``order[new]`` is a mentor's original index and ``rank[original]`` its new one.
    """

    mentees: MenteeArrays
    mentors: MentorArrays
    layout: Layout
    parameters: FloatArray
    order: IntArray
    rank: IntArray

    def sorted_lists(self, rows: IntArray, cols: IntArray, mentees: int) -> tuple[IntArray, IntArray]:
        """Pairs as per-mentee lists of renumbered mentors, sorted (CSR over all mentees)."""
        return _sorted_lists(self.rank, rows, cols, mentees)


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
        _same_ptr, blocked_cols = _sorted_lists(rank, encoded.blocked_rows, blocked_cols, encoded.n_mentees)

    mentee_arrays = MenteeArrays(
        grade=contiguous(mentees.grade, np.int32),
        capacity=contiguous(mentees.capacity, np.int32),
        department=contiguous(mentees.department, np.int32),
        site=contiguous(mentees.site, np.int32),
        languages=contiguous(mentees.languages, np.uint64),
        pattern=contiguous(mentees.slot_pattern, np.int32),
        patterns=contiguous(mentees.patterns, np.uint64),
        goal_ptr=contiguous(goals.indptr, np.int64),
        goal_idx=contiguous(goals.indices, np.int64),
        goal_val=contiguous(goals.data, np.float64),
        common_ptr=contiguous(common.indptr, np.int64),
        common_idx=contiguous(common.indices, np.int64),
        diversity=contiguous(mentees.diversity, np.int32),
    )
    mentor_arrays = MentorArrays(
        grade=contiguous(mentors.grade[order], np.int32),
        capacity=contiguous(mentors.capacity[order], np.int32),
        department=contiguous(mentors.department[order], np.int32),
        site=contiguous(mentors.site[order], np.int32),
        languages=contiguous(mentors.languages[order], np.uint64),
        pattern=contiguous(mentors.slot_pattern[order], np.int32),
        patterns=contiguous(mentors.patterns, np.uint64),
        credit=_by_group(encoded.skill_credit_dense[:, order], group_start),
        common=_by_group(encoded.common_dense[:, order], group_start),
        diversity=contiguous(mentors.diversity[order], np.int32),
    )
    layout = Layout(
        table=contiguous(table, np.int16),
        blocked_ptr=contiguous(blocked_ptr, np.int64),
        blocked_cols=contiguous(blocked_cols, np.int64),
        group_start=contiguous(group_start, np.int64),
        original=contiguous(order, np.int64),
    )
    made = KernelInputs(mentee_arrays, mentor_arrays, layout, parameters, order, rank)
    _inputs[encoded] = made
    return made


def _by_group(table: npt.NDArray[Any], group_start: IntArray) -> Float32Array:
    """A (rows × mentors) table flattened group by group, each group's block row-major.

    Group ``g`` (mentors ``a:b``) occupies ``[a * rows, b * rows)`` as a ``(rows, b - a)`` block, so
    scoring a mentee against a group reads one contiguous stretch of memory.
    """
    height = table.shape[0]
    flat = np.empty(table.size, dtype=np.float32)
    for first, stop in itertools.pairwise(group_start):
        flat[first * height : stop * height] = table[:, first:stop].ravel()
    return flat


@inline
def _popcount(word: np.uint64) -> int:
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + ((word >> np.uint64(2)) & np.uint64(0x3333333333333333))
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((word * np.uint64(0x0101010101010101)) >> np.uint64(56))


@inline
def _advance(cols: IntArray, position: int, end: int, j: int) -> int:
    """The first position from ``position`` in the sorted list ``cols[:end]`` holding a mentor ``>= j``.

    Mentors are visited in increasing order, so each list is walked once per scan.
    """
    while position < end and cols[position] < j:
        position += 1
    return position


@inline
def _lowest_slot(values: FloatArray, local: int) -> int:
    """The slot of row ``local``'s smallest value (the first, on ties)."""
    smallest = 0
    for slot in range(1, values.shape[1]):
        if values[local, slot] < values[local, smallest]:
            smallest = slot
    return smallest


@inline
def _passed_over(value: float, lowest_value: float, slack: float, per_mentor: int, score: float, floor: float) -> bool:
    """Whether a pair could neither enter a full list, nor be a hit, nor enter its mentor's best."""
    return value <= lowest_value and value <= -slack and (per_mentor == 0 or score <= floor)


@compiled
def _row_dots(
    left_ptr: IntArray,
    left_idx: IntArray,
    left_val: FloatArray,
    right_ptr: IntArray,
    right_idx: IntArray,
    right_val: FloatArray,
    rows: IntArray,
    cols: IntArray,
    out: FloatArray,
) -> None:
    for pair in range(rows.shape[0]):
        a, a_end = left_ptr[rows[pair]], left_ptr[rows[pair] + 1]
        b, b_end = right_ptr[cols[pair]], right_ptr[cols[pair] + 1]
        total = 0.0
        while a < a_end and b < b_end:
            if left_idx[a] == right_idx[b]:
                total += left_val[a] * right_val[b]
                a += 1
                b += 1
            elif left_idx[a] < right_idx[b]:
                a += 1
            else:
                b += 1
        out[pair] = total


def row_dots(left: sp.csr_array, right: sp.csr_array, rows: IntArray, cols: IntArray) -> FloatArray:
    """``left[rows[k]] · right[cols[k]]`` for every k (products summed in column order).

    Slicing ten million rows out of a sparse matrix to multiply them takes seconds; merging the two
    short sorted rows of each pair takes a fraction of one.

    >>> import scipy.sparse as sp
    >>> row_dots(sp.csr_array([[1.0, 2.0]]), sp.csr_array([[0.0, 3.0], [5.0, 0.0]]), np.array([0, 0]), np.array([0, 1])).tolist()
    [6.0, 5.0]
    """
    left, right = left.sorted_indices(), right.sorted_indices()
    out = np.empty(len(rows))

    def arrays(matrix: sp.csr_array) -> tuple[IntArray, IntArray, FloatArray]:
        return (
            np.ascontiguousarray(matrix.indptr, dtype=np.int64),
            np.ascontiguousarray(matrix.indices, dtype=np.int64),
            np.ascontiguousarray(matrix.data, dtype=np.float64),
        )

    _row_dots(*arrays(left), *arrays(right), np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(cols, dtype=np.int64), out)
    return out


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


@compiled
def _scan(
    request: ScanRequest,
    mentees: MenteeArrays,
    mentors: MentorArrays,
    layout: Layout,
    p: FloatArray,
    dense: Float32Array,
    out: ScanOutputs,
    best: MentorLists,
) -> None:
    # The arrays are unpacked once, here: unpacking them per pair costs a reference count each.
    rows, u, v, skip_ptr, skip_cols, slack = request.rows, request.u, request.v, request.skip_ptr, request.skip_cols, request.slack
    e_grade, e_capacity, e_department, e_site = mentees.grade, mentees.capacity, mentees.department, mentees.site
    e_languages, e_pattern, e_patterns, e_diversity = mentees.languages, mentees.pattern, mentees.patterns, mentees.diversity
    goal_ptr, goal_idx, goal_val = mentees.goal_ptr, mentees.goal_idx, mentees.goal_val
    common_ptr, common_idx = mentees.common_ptr, mentees.common_idx
    m_grade, m_capacity, m_department, m_site = mentors.grade, mentors.capacity, mentors.department, mentors.site
    m_languages, m_pattern, m_patterns, m_diversity = mentors.languages, mentors.pattern, mentors.patterns, mentors.diversity
    credit, common_dense = mentors.credit, mentors.common
    table, blocked_ptr, blocked_cols = layout.table, layout.blocked_ptr, layout.blocked_cols
    group_start, original = layout.group_start, layout.original
    top_cols, top_scores, top_values = out.top_cols, out.top_scores, out.top_values
    left_out, hits, excess = out.left_out, out.hits, out.excess
    mentor_best, mentor_rows, mentor_floor = best.scores, best.rows, best.floor
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
    n_rows = rows.shape[0]
    write_dense = dense.shape[0] > 0
    k = top_cols.shape[1]
    streaming = k > 0 and not write_dense
    per_mentor = mentor_best.shape[1]
    words = e_languages.shape[1]
    use_table = table.shape[0] > 0
    groups = group_start.shape[0] - 1
    # Each mentee's running state, kept across mentor groups.
    count = np.zeros(n_rows, dtype=np.int64)
    lowest = np.zeros(n_rows, dtype=np.int64)  # position of the smallest listed value once the list is full
    best_left = np.full(n_rows, -np.inf)
    blocked_at = np.empty(n_rows, dtype=np.int64)
    skip_at = np.empty(n_rows, dtype=np.int64)
    for local in range(n_rows):
        blocked_at[local] = blocked_ptr[rows[local]]
        skip_at[local] = skip_ptr[rows[local]]
        hits[local] = 0
        excess[local] = 0.0
        if write_dense:
            for j in range(dense.shape[1]):
                dense[local, j] = -np.inf
    widest = 0
    for group in range(groups):
        widest = max(widest, group_start[group + 1] - group_start[group])
    skills = credit.shape[0] // max(1, group_start[groups])
    interests = common_dense.shape[0] // max(1, group_start[groups])
    score = np.empty(widest)
    shared = np.empty(widest)
    overlaps = np.empty(widest, dtype=np.int64)
    keep = np.empty(widest, dtype=np.int64)
    # Group by group (mentors sharing an availability pattern), every mentee of the block in turn: a
    # group's mentor data stays in cache while the block's mentees are scored against it. Writing
    # every score, mentee by mentee instead: each mentee's row of scores stays in cache.
    for step in range(groups * n_rows):
        if write_dense:
            local, group = step // groups, step % groups
        else:
            group, local = step // n_rows, step % n_rows
        first = group_start[group]
        width = group_start[group + 1] - first
        i = rows[local]
        if width == 0 or e_capacity[i] <= 0:
            continue
        shared_slots = 0
        if use_table:
            # Mentors who overlap this mentee too little are never looked at, and the others'
            # availability term is known exactly.
            shared_slots = int(table[e_pattern[i], group])
            if shared_slots < min_overlap_slots:
                continue
        # Every term but diversity, for the whole group, in straight loops over slices that the
        # compiler vectorises (see _scoring for the formulas; the order of operations matches it).
        scores = score[:width]
        scores[:] = 0.0
        block = first * skills
        for position in range(goal_ptr[i], goal_ptr[i + 1]):
            weight = goal_val[position]
            offset = block + goal_idx[position] * width
            credits = credit[offset : offset + width]
            for t in range(width):
                scores[t] += weight * credits[t]
        grade = e_grade[i]
        department = e_department[i]
        site = e_site[i]
        grades = m_grade[first : first + width]
        departments = m_department[first : first + width]
        sites = m_site[first : first + width]
        for t in range(width):
            gap = grade - grades[t]
            total = scores[t] * w_goals
            total += w_boundary_half * ((department != departments[t]) + (site != sites[t]))
            total += min(max(gap / preferred_gap, 0.0), 1.0) * w_grade
            scores[t] = total
        if w_common > 0:
            counts = shared[:width]
            counts[:] = 0.0
            block = first * interests
            for position in range(common_ptr[i], common_ptr[i + 1]):
                offset = block + common_idx[position] * width
                ones = common_dense[offset : offset + width]
                for t in range(width):
                    counts[t] += ones[t]
            for t in range(width):
                scores[t] += min(counts[t], common_full_at) * (w_common / common_full_at)
        if use_table:
            availability = min(float(shared_slots), full_slots) * (w_availability / full_slots)
            for t in range(width):
                overlaps[t] = shared_slots
                scores[t] += availability
        else:
            for t in range(width):
                overlap = 0
                for word in range(e_patterns.shape[1]):
                    overlap += _popcount(e_patterns[e_pattern[i], word] & m_patterns[m_pattern[first + t], word])
                overlaps[t] = overlap
                scores[t] += min(float(overlap), full_slots) * (w_availability / full_slots)
        # Pairs that could neither enter the list, nor be a hit, nor enter the mentor's best are
        # passed over before their rules are checked; what they could score still bounds what is
        # left out. The limit only rises while the group is visited, so this pass keeps a superset.
        survivors = 0
        if streaming and count[local] == k:
            lowest_value = top_values[local, lowest[local]]
            passed_best = best_left[local]
            prices = v[first : first + width]
            floors = mentor_floor[first : first + width]
            base = u[local]
            for t in range(width):
                ceiling = scores[t] + w_diversity
                passed = _passed_over(ceiling - base - prices[t], lowest_value, slack, per_mentor, ceiling, floors[t])
                keep[survivors] = t
                survivors += 0 if passed else 1
                passed_best = max(passed_best, ceiling if passed else -np.inf)
            best_left[local] = passed_best
        else:
            for t in range(width):
                keep[t] = t
            survivors = width
        for index in range(survivors):
            t = keep[index]
            j = first + t
            total = scores[t]
            full = streaming and count[local] == k
            if w_diversity > 0:
                # The list's limit may have risen since the group's first pass.
                ceiling = total + w_diversity
                lowest_value = top_values[local, lowest[local]]
                if full and _passed_over(ceiling - u[local] - v[j], lowest_value, slack, per_mentor, ceiling, mentor_floor[j]):
                    best_left[local] = max(best_left[local], ceiling)
                    continue
                differ = 0.0
                both = 0.0
                for column in range(e_diversity.shape[1]):
                    left = e_diversity[i, column]
                    right = m_diversity[j, column]
                    if left >= 0 and right >= 0:
                        both += 1.0
                        if left != right:
                            differ += 1.0
                total += differ / max(both, 1.0) * w_diversity
            if full and _passed_over(total - u[local] - v[j], top_values[local, lowest[local]], slack, per_mentor, total, mentor_floor[j]):
                best_left[local] = max(best_left[local], total)
                continue
            # Hard rules, cheapest first.
            if e_grade[i] - m_grade[j] < min_gap or m_capacity[j] <= 0 or overlaps[t] < min_overlap_slots or total < min_score:
                continue
            if forbid_same_department > 0 and e_department[i] == m_department[j]:
                continue
            if require_language > 0:
                speaks = False
                for word in range(words):
                    if e_languages[i, word] & m_languages[j, word]:
                        speaks = True
                        break
                if not speaks:
                    continue
            pointer = _advance(blocked_cols, blocked_at[local], blocked_ptr[i + 1], j)
            blocked_at[local] = pointer
            if pointer < blocked_ptr[i + 1] and blocked_cols[pointer] == j:
                continue
            if write_dense:
                dense[local, original[j]] = total
            if k == 0:
                continue
            skip = _advance(skip_cols, skip_at[local], skip_ptr[i + 1], j)
            skip_at[local] = skip
            if skip < skip_ptr[i + 1] and skip_cols[skip] == j:
                continue
            if per_mentor > 0 and total > mentor_floor[j]:
                # Each mentor's best mentees: this one replaces the weakest kept.
                weakest = 0
                for slot in range(1, per_mentor):
                    if mentor_best[j, slot] < mentor_best[j, weakest]:
                        weakest = slot
                mentor_best[j, weakest] = total
                mentor_rows[j, weakest] = i
                floor = mentor_best[j, 0]
                for slot in range(1, per_mentor):
                    floor = min(floor, mentor_best[j, slot])
                mentor_floor[j] = floor
            value = total - u[local] - v[j]
            if value > -slack:
                hits[local] += 1
                excess[local] += value + slack
            filled = count[local]
            if filled < k:
                top_cols[local, filled] = j
                top_scores[local, filled] = total
                top_values[local, filled] = value
                count[local] = filled + 1
                if filled + 1 == k:
                    lowest[local] = _lowest_slot(top_values, local)
            elif value > top_values[local, lowest[local]]:
                weakest = lowest[local]
                best_left[local] = max(best_left[local], top_scores[local, weakest])
                top_cols[local, weakest] = j
                top_scores[local, weakest] = total
                top_values[local, weakest] = value
                lowest[local] = _lowest_slot(top_values, local)
            else:
                best_left[local] = max(best_left[local], total)
    for local in range(n_rows):
        filled = count[local]
        if k > 0:
            # Best first; unused slots at the end.
            order = np.argsort(-top_values[local, :filled])
            cols_sorted = top_cols[local, :filled][order].copy()
            scores_sorted = top_scores[local, :filled][order].copy()
            values_sorted = top_values[local, :filled][order].copy()
            top_cols[local, :filled] = cols_sorted
            top_scores[local, :filled] = scores_sorted
            top_values[local, :filled] = values_sorted
            top_cols[local, filled:] = -1
            top_scores[local, filled:] = -np.inf
            top_values[local, filled:] = -np.inf
        left_out[local] = best_left[local]


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
    request = ScanRequest(
        rows=np.ascontiguousarray(rows, dtype=np.int64),
        u=np.zeros(count) if u is None else np.ascontiguousarray(u, dtype=np.float64),
        v=np.zeros(mentors) if v is None else np.ascontiguousarray(np.asarray(v, dtype=np.float64)[inputs.order]),
        skip_ptr=np.ascontiguousarray(skip_ptr, dtype=np.int64),
        skip_cols=np.ascontiguousarray(skip_cols, dtype=np.int64),
        slack=float(slack),
    )
    _scan(
        request,
        inputs.mentees,
        inputs.mentors,
        inputs.layout,
        inputs.parameters,
        np.zeros((0, 0), dtype=np.float32) if out is None else out,
        ScanOutputs(result.cols, result.scores, result.values, result.left_out, result.hits, result.excess),
        MentorLists(mentors_best.scores, mentors_best.rows, mentors_best.floor),
    )
    listed = result.cols >= 0
    result.cols[listed] = inputs.order[result.cols[listed]]
    return result


def pair_lists(encoded: Encoded, rows: IntArray, cols: IntArray) -> tuple[IntArray, IntArray]:
    """Pairs (mentee ``rows``, mentor ``cols``) as the per-mentee sorted lists :func:`best_pairs` skips."""
    return kernel_inputs(encoded).sorted_lists(rows, cols, encoded.n_mentees)


class StoredPricing(NamedTuple):
    """What :func:`price_stored` finds for a block of mentees (``local`` indexes the block's rows)."""

    local: IntArray  # pairs to add: the ``take`` most violated of each mentee (all of them if fewer)
    cols: IntArray
    near_local: IntArray  # then up to ``take`` more within ``near`` of violating, the closest first
    near_cols: IntArray
    near_scores: Float32Array
    worst: FloatArray  # per row: the largest reduced cost of any left-out pair plus the slack (-inf if none)
    rest: FloatArray  # per row: the same over the pairs neither returned nor near
    remaining: FloatArray  # per row: the best score among those (-inf if none)
    violation: float  # the sum of (reduced cost + slack) over every pair above -slack
    complete: bool  # no mentee had more than ``take`` violated pairs


@compiled
def _price_stored(
    stored: Float32Array,
    rows: IntArray,
    u: IntArray,
    v: IntArray,
    skip_ptr: IntArray,
    skip_cols: IntArray,
    take: int,
    slack: float,
    near: float,
    scale: float,
    found: IntArray,
    found_count: IntArray,
    near_scores: Float32Array,
    per_row: FloatArray,
    totals: FloatArray,
) -> None:
    """One pass over each row's stored scores: pricing's reduced costs, its picks and its bounds.

    ``found`` receives (local row, col, kind) triples, kind 0 for a pair to add and 1 for a near one;
    ``per_row`` receives worst, rest and remaining; ``totals`` the violation and 1.0 when complete.
    """
    mentors = stored.shape[1]
    blanked = np.zeros(mentors, dtype=np.bool_)
    listed_cols = np.empty(mentors, dtype=np.int64)
    listed_values = np.empty(mentors)
    reach = -max(slack, near) if near > 0 else -slack
    position = 0
    violation = 0.0
    complete = True
    for local in range(rows.shape[0]):
        row = rows[local]
        for index in range(skip_ptr[row], skip_ptr[row + 1]):
            blanked[skip_cols[index]] = True
        base = float(u[local])
        worst = -np.inf
        rest = -np.inf
        remaining = -np.inf
        listed = 0
        hits = 0
        for j in range(mentors):
            if blanked[j]:
                continue
            score = stored[row, j]
            reduced = float(score) * scale - base - float(v[j])
            worst = max(worst, reduced)
            if reduced > reach:
                listed_cols[listed] = j
                listed_values[listed] = reduced
                listed += 1
                if reduced > -slack:
                    hits += 1
                    violation += reduced + slack
            else:
                rest = max(rest, reduced)
                remaining = max(remaining, float(score))
        # Most violated first (ties by mentor); the first ``take`` hits are added, up to ``take`` near ones follow.
        order = np.argsort(-listed_values[:listed], kind="mergesort")
        if hits > take:
            complete = False
        added = 0
        close = 0
        for rank in range(listed):
            entry = order[rank]
            j = listed_cols[entry]
            reduced = listed_values[entry]
            if reduced > -slack and added < take:
                found[position, 0] = local
                found[position, 1] = j
                found[position, 2] = 0
                position += 1
                added += 1
            elif near > 0 and reduced > -near and close < take:
                found[position, 0] = local
                found[position, 1] = j
                found[position, 2] = 1
                near_scores[position] = stored[row, j]
                position += 1
                close += 1
            else:
                rest = max(rest, reduced)
                remaining = max(remaining, float(stored[row, j]))
        per_row[local, 0] = worst + slack
        per_row[local, 1] = rest + slack
        per_row[local, 2] = remaining
        for index in range(skip_ptr[row], skip_ptr[row + 1]):
            blanked[skip_cols[index]] = False
    found_count[0] = position
    totals[0] = violation
    totals[1] = 1.0 if complete else 0.0


def price_stored(
    stored: Float32Array,
    rows: IntArray,
    u: IntArray,
    v: IntArray,
    skip_ptr: IntArray,
    skip_cols: IntArray,
    *,
    take: int,
    slack: float,
    near: float,
    scale: float,
) -> StoredPricing:
    """Price the mentees ``rows`` against every mentor from the stored scores, in one compiled pass per row.

    ``u`` is per row (millionths), ``v`` per mentor; ``skip_ptr``/``skip_cols`` list, per mentee
    (CSR over every mentee), the mentors whose pairs are already candidates (left alone). A pair's reduced cost is
    ``score * scale - u - v``; ``slack`` and ``near`` are in the same units.
    """
    count = len(rows)
    found = np.empty((count * 2 * max(take, 0), 3), dtype=np.int64)
    near_scores = np.empty(len(found), dtype=np.float32)
    found_count = np.zeros(1, dtype=np.int64)
    per_row = np.empty((count, 3))
    totals = np.zeros(2)
    _price_stored(
        stored,
        np.ascontiguousarray(rows, dtype=np.int64),
        np.ascontiguousarray(u, dtype=np.int64),
        np.ascontiguousarray(v, dtype=np.int64),
        np.ascontiguousarray(skip_ptr, dtype=np.int64),
        np.ascontiguousarray(skip_cols, dtype=np.int64),
        int(take),
        float(slack),
        float(near),
        float(scale),
        found,
        found_count,
        near_scores,
        per_row,
        totals,
    )
    found = found[: int(found_count[0])]
    added = found[:, 2] == 0
    near_pairs = ~added
    return StoredPricing(
        local=found[added, 0],
        cols=found[added, 1],
        near_local=found[near_pairs, 0],
        near_cols=found[near_pairs, 1],
        near_scores=near_scores[: len(found)][near_pairs],
        worst=per_row[:, 0],
        rest=per_row[:, 1],
        remaining=per_row[:, 2],
        violation=float(totals[0]),
        complete=bool(totals[1]),
    )
