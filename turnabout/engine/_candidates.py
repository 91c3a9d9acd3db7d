"""Candidate pairs: every feasible pair is looked at once, only the best few are kept.

Mentees are scanned in blocks against every mentor by the compiled kernels (one thread per core).
Each mentee keeps its ``per_mentee`` best feasible mentors and remembers the best score it left
out, ``bound[i]``: every pair that is not a candidate scores at most that. Pricing re-scans chosen
mentees against dual potentials to find left-out pairs that could improve the matching; that is
what turns "optimal on the candidates" into a proof of global optimality. Problems up to
``STORED_PAIRS_LIMIT`` pairs keep every score from the first scan, so pricing reads them back;
larger ones stream, and nothing of size mentees × mentors is held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from turnabout.engine._features import BoolArray, Encoded, Float32Array, FloatArray, Int64Array, IntArray
from turnabout.engine._kernels import BestPairs, MentorsBest, best_pairs, fill_scores, pair_lists, price_stored
from turnabout.engine._parallel import in_parallel, split, workers
from turnabout.engine._scoring import SCALE, edge_scores, quantise
from turnabout.engine._sorting import contains, pair_keys, pair_order, unique_keys

# Scan scores (and the float32 ones kept in memory) differ from the exact float64 ones by far less than this.
FLOAT32_SLACK = 1e-5
_BLOCK_CELLS = 4_000_000
# Up to this many pairs (2 GiB of float32), the scan keeps every score so that pricing reads them back
# instead of scoring every pair again.
STORED_PAIRS_LIMIT = 1 << 29
# ``Pricing.rest`` of a mentee the scan did not check, and of one with no pair left to bound.
NOT_CHECKED = np.iinfo(np.int64).max // 4
NO_PAIR = -(np.iinfo(np.int64).max // 4)
# Mentees per call of the streaming scan when no block of scores is written: the kernel scores them
# all against one mentor group at a time (measured at 100k: 1024 rows priced in 20 s, 256 in 23 s).
_STREAM_ROWS = 1024

Progress = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate pairs sorted by (mentee, mentor), with exact scores and the bound on the rest."""

    rows: IntArray
    cols: IntArray
    contributions: FloatArray  # (E, 6)
    scores: FloatArray
    weights: Int64Array  # scores in integer millionths
    bound: FloatArray  # per mentee: no left-out pair outside the reserve scores more; -inf if none
    # The next-best pairs of each mentee, not offered to the solver but priced first (float32 scores).
    reserve_rows: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    reserve_cols: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    reserve_scores: Float32Array = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # Every pair's float32 score (mentees × mentors) when the problem is small enough to keep them.
    stored: Float32Array | None = None

    @property
    def exhaustive(self) -> bool:
        """Whether every feasible pair is a candidate."""
        return not np.isfinite(self.bound).any() and len(self.reserve_rows) == 0

    def without_reserve(self, taken: BoolArray) -> Candidates:
        """A copy whose reserve no longer holds the pairs marked in ``taken``."""
        keep = ~taken
        return replace(
            self, reserve_rows=self.reserve_rows[keep], reserve_cols=self.reserve_cols[keep], reserve_scores=self.reserve_scores[keep]
        )


def block_size(encoded: Encoded) -> int:
    """Mentees per block so that a block of scores stays around 16 MB."""
    return int(max(1, min(encoded.n_mentees, _BLOCK_CELLS // max(1, encoded.n_mentors))))


def _rows_per_call(encoded: Encoded, *, streaming: bool) -> int:
    """Mentees per kernel call: a block of scores of about 16 MB, or ``_STREAM_ROWS`` when only lists stream out."""
    return _STREAM_ROWS if streaming else block_size(encoded)


@dataclass(eq=False)
class _ScanPart:
    kept_rows: list[IntArray] = field(default_factory=list)
    kept_cols: list[IntArray] = field(default_factory=list)
    spare_rows: list[IntArray] = field(default_factory=list)
    spare_cols: list[IntArray] = field(default_factory=list)
    spare_scores: list[Float32Array] = field(default_factory=list)
    column_best: FloatArray | None = None
    column_rows: IntArray | None = None


def generate(encoded: Encoded, per_mentee: int, *, reserve: int = 0, per_mentor: int = 0, progress: Progress | None = None) -> Candidates:
    """Scan every mentee against every mentor; keep each mentee's best ``per_mentee`` feasible pairs.

    With ``per_mentor``, each mentor's best ``per_mentor`` mentees are kept as well, so that
    mentors nobody ranks highly still reach the mentees who suit them best.
    """
    mentees, mentors = encoded.n_mentees, encoded.n_mentors
    bound = np.full(mentees, -np.inf)
    reserve = min(reserve, max(0, mentors - per_mentee - 1))
    track_mentors = 0 < per_mentor < mentees and per_mentee < mentors
    keep_scores = per_mentee < mentors and mentees * mentors <= STORED_PAIRS_LIMIT
    stored = np.empty((mentees, mentors), dtype=np.float32) if keep_scores else None
    if keep_scores:
        # Pricing reads every left-out score back from memory: no reserve needed.
        reserve = 0

    def scan(first: int, stop: int, done: list[int], slot: int) -> _ScanPart:
        part = _ScanPart()
        tracked = MentorsBest.empty(mentors, per_mentor if track_mentors else 0)
        for start in range(first, stop, step):
            rows = np.arange(start, min(start + step, stop), dtype=np.int32)
            if per_mentee >= mentors:
                scores = fill_scores(encoded, rows)
                local, cols = np.nonzero(np.isfinite(scores))
                part.kept_rows.append(rows[local])
                part.kept_cols.append(cols.astype(np.int32))
            else:
                # The compiled scan keeps each mentee's best per_mentee + reserve pairs (best first) and
                # the best score beyond them, writing every score to ``stored`` when it is kept.
                out = stored[start : start + len(rows)] if stored is not None else None
                found = best_pairs(encoded, rows, per_mentee + reserve, mentors_best=tracked, out=out)
                listed = found.cols >= 0
                local, position = np.nonzero(listed[:, :per_mentee])
                part.kept_rows.append(rows[local])
                part.kept_cols.append(found.cols[local, position].astype(np.int32))
                if reserve:
                    local, position = np.nonzero(listed[:, per_mentee:])
                    position += per_mentee
                    part.spare_rows.append(rows[local])
                    part.spare_cols.append(found.cols[local, position].astype(np.int32))
                    part.spare_scores.append(found.scores[local, position].astype(np.float32))
                bound[rows] = np.where(np.isfinite(found.left_out), found.left_out + FLOAT32_SLACK, -np.inf)
            done[slot] += len(rows)
        tracked = tracked.in_original_order(encoded)
        part.column_best, part.column_rows = tracked.scores, tracked.rows
        return part

    step = _rows_per_call(encoded, streaming=stored is None and per_mentee < mentors)
    parts = in_parallel(split(mentees, step, workers()), scan, mentees, progress, "scoring pairs")
    kept_rows = [array for part in parts for array in part.kept_rows]
    kept_cols = [array for part in parts for array in part.kept_cols]
    spare_rows = [array for part in parts for array in part.spare_rows]
    spare_cols = [array for part in parts for array in part.spare_cols]
    spare_scores = [array for part in parts for array in part.spare_scores]
    if track_mentors:
        pooled = np.concatenate([part.column_best for part in parts if part.column_best is not None], axis=1)
        pooled_rows = np.concatenate([part.column_rows for part in parts if part.column_rows is not None], axis=1)
        keep = np.argpartition(-pooled, per_mentor - 1, axis=1)[:, :per_mentor]
        column_best = np.take_along_axis(pooled, keep, axis=1)
        column_rows = np.take_along_axis(pooled_rows, keep, axis=1)
        mentor_of, slot = np.nonzero(np.isfinite(column_best))
        kept_rows.append(column_rows[mentor_of, slot].astype(np.int32))
        kept_cols.append(mentor_of.astype(np.int32))
    rows_all = np.concatenate(kept_rows) if kept_rows else np.zeros(0, dtype=np.int32)
    cols_all = np.concatenate(kept_cols) if kept_cols else np.zeros(0, dtype=np.int32)
    if track_mentors:
        unique = unique_keys(pair_keys(rows_all, cols_all, mentors))
        rows_all, cols_all = (unique // max(1, mentors)).astype(np.int32), (unique % max(1, mentors)).astype(np.int32)
    candidates = replace(with_edges(encoded, rows_all, cols_all, bound), stored=stored)
    if spare_rows:
        spare_r, spare_c, spare_s = np.concatenate(spare_rows), np.concatenate(spare_cols), np.concatenate(spare_scores)
        if track_mentors:
            fresh = ~contains(pair_keys(candidates.rows, candidates.cols, mentors), pair_keys(spare_r, spare_c, mentors))
            spare_r, spare_c, spare_s = spare_r[fresh], spare_c[fresh], spare_s[fresh]
        candidates = replace(candidates, reserve_rows=spare_r, reserve_cols=spare_c, reserve_scores=spare_s)
    return candidates


def with_edges(encoded: Encoded, rows: IntArray, cols: IntArray, bound: FloatArray) -> Candidates:
    """Exactly score pairs, drop those under the minimum pair score, and sort them."""
    order = pair_order(rows, cols)
    rows, cols = rows[order].astype(np.int32), cols[order].astype(np.int32)
    contributions, scores = edge_scores(encoded, rows, cols)
    keep = scores >= encoded.rules.min_pair_score
    return Candidates(
        rows=rows[keep],
        cols=cols[keep],
        contributions=contributions[keep],
        scores=scores[keep],
        weights=quantise(scores[keep]),
        bound=bound,
    )


def merge(encoded: Encoded, candidates: Candidates, rows: IntArray, cols: IntArray, bound: FloatArray) -> Candidates:
    """Candidates plus the pairs ``(rows, cols)`` (not already present), with a new bound."""
    if len(rows) == 0:
        return replace(candidates, bound=bound)
    extra = with_edges(encoded, rows, cols, bound)
    all_rows = np.concatenate((candidates.rows, extra.rows))
    all_cols = np.concatenate((candidates.cols, extra.cols))
    order = pair_order(all_rows, all_cols)
    return Candidates(
        rows=all_rows[order],
        cols=all_cols[order],
        contributions=np.concatenate((candidates.contributions, extra.contributions))[order],
        scores=np.concatenate((candidates.scores, extra.scores))[order],
        weights=np.concatenate((candidates.weights, extra.weights))[order],
        bound=bound,
        reserve_rows=candidates.reserve_rows,
        reserve_cols=candidates.reserve_cols,
        reserve_scores=candidates.reserve_scores,
        stored=candidates.stored,
    )


@dataclass(frozen=True, eq=False)
class Pricing:
    """Left-out pairs whose score beats the dual potentials, and the refreshed bounds."""

    rows: IntArray
    cols: IntArray
    bound: FloatArray
    violation: int  # sum over all left-out pairs of max(0, w - u - v), in millionths (an upper bound)
    complete: bool  # every violating pair was returned (none was cut by ``per_mentee``)
    near_rows: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # close to violating:
    near_cols: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # kept in the reserve
    near_scores: Float32Array = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # Per mentee checked: max(0, the largest reduced cost of a left-out pair), in millionths. Raising
    # u_i by it makes every pair of mentee i dual feasible, which bounds the optimum (see the solver).
    worst: Int64Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Per mentee checked: the largest reduced cost (in millionths) of a pair the scan neither returned
    # nor skipped. It keeps bounding those pairs under later duals (see the solver's carried bound).
    rest: Int64Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def price(
    encoded: Encoded,
    candidates: Candidates,
    mentees_to_check: IntArray,
    u: Int64Array,
    v: Int64Array,
    *,
    per_mentee: int,
    threshold: FloatArray | None = None,
    near: float = 0.0,
) -> Pricing:
    """Re-scan ``mentees_to_check`` for left-out pairs with ``score > u[i] + v[j]`` (reduced cost).

    Up to ``per_mentee`` of the most violated pairs per mentee are returned for adding; the bound
    of each checked mentee becomes the best score still left out. With ``threshold`` (fair mode),
    every left-out pair scoring at least ``threshold[i]`` is returned instead. Pairs within
    ``near`` (in score units) of violating are returned as ``near_*`` for the reserve, so that the
    next rounds can price them without another scan.
    """
    bound = candidates.bound.copy()
    present = _candidate_mask_builder(candidates)
    slack = FLOAT32_SLACK * SCALE
    take = min(per_mentee, encoded.n_mentors)

    worst = np.zeros(len(candidates.bound), dtype=np.int64)
    rest = np.full(len(candidates.bound), NOT_CHECKED, dtype=np.int64)
    streaming = candidates.stored is None and threshold is None
    step = _rows_per_call(encoded, streaming=streaming)
    skip_ptr, skip_cols = _skip_lists(candidates, encoded) if streaming else (None, None)
    compiled_pass = candidates.stored is not None and threshold is None
    stored_ptr, stored_cols = _stored_skip_lists(candidates) if compiled_pass else (None, None)

    def scan(first: int, stop: int, done: list[int], slot: int) -> Pricing:
        found_rows: list[IntArray] = []
        found_cols: list[IntArray] = []
        near_rows: list[IntArray] = []
        near_cols: list[IntArray] = []
        near_scores: list[Float32Array] = []
        violation = 0.0
        complete = True
        for start in range(first, stop, step):
            rows = mentees_to_check[start : min(start + step, stop)].astype(np.int32)
            local: IntArray
            cols: IntArray
            if streaming:
                found = best_pairs(
                    encoded, rows, 2 * take, u=u[rows] / SCALE, v=v / SCALE, skip_ptr=skip_ptr, skip_cols=skip_cols, slack=FLOAT32_SLACK
                )
                streamed = _read_streamed(found, take, near)
                violation += streamed.violation
                complete &= streamed.complete
                worst[rows] = streamed.worst
                rest[rows] = streamed.rest
                bound[rows] = streamed.bound
                found_rows.append(rows[streamed.local])
                found_cols.append(streamed.cols)
                near_rows.append(rows[streamed.near_local])
                near_cols.append(streamed.near_cols)
                near_scores.append(streamed.near_scores)
                done[slot] += len(rows)
                continue
            if candidates.stored is not None and stored_ptr is not None and stored_cols is not None:
                priced = price_stored(
                    candidates.stored,
                    rows,
                    u[rows],
                    v,
                    stored_ptr,
                    stored_cols,
                    take=take,
                    slack=slack,
                    near=near * SCALE,
                    scale=SCALE,
                )
                violation += priced.violation
                complete &= priced.complete
                worst[rows] = np.ceil(np.maximum(0.0, priced.worst))
                rest[rows] = _ceiling(priced.rest)
                bound[rows] = np.where(np.isfinite(priced.remaining), priced.remaining + FLOAT32_SLACK, -np.inf)
                found_rows.append(rows[priced.local])
                found_cols.append(priced.cols.astype(np.int32))
                if near > 0:
                    near_rows.append(rows[priced.near_local])
                    near_cols.append(priced.near_cols.astype(np.int32))
                    near_scores.append(priced.near_scores)
                done[slot] += len(rows)
                continue
            scores = candidates.stored[rows] if candidates.stored is not None else fill_scores(encoded, rows)
            present(rows, scores)
            if threshold is not None:
                wanted: BoolArray = scores >= (threshold[rows, None] - FLOAT32_SLACK)
                local, cols = np.nonzero(wanted)
                scores[local, cols] = -np.inf
            else:
                # Blanked pairs (scores -inf) stay -inf: u and v are finite.
                reduced = scores.astype(np.float64) * SCALE - u[rows, None] - v[None, :]
                hits = reduced > -slack
                violation += float((reduced[hits] + slack).sum())
                worst[rows] = np.ceil(np.maximum(0.0, reduced.max(axis=1, initial=-np.inf) + slack))
                local, cols, all_taken = _best_per_row(reduced, hits, take)
                complete &= all_taken
                scores[local, cols] = -np.inf
                reduced[local, cols] = -np.inf
                if near > 0:
                    # At most ``take`` close pairs per mentee, the closest first.
                    close = reduced > -near * SCALE
                    close_local, close_cols, _ = _best_per_row(reduced, close, take)
                    near_rows.append(rows[close_local])
                    near_cols.append(close_cols.astype(np.int32))
                    near_scores.append(scores[close_local, close_cols])
                    scores[close_local, close_cols] = -np.inf
                    reduced[close_local, close_cols] = -np.inf
                rest[rows] = _ceiling(reduced.max(axis=1, initial=-np.inf) + slack)
            found_rows.append(rows[local])
            found_cols.append(cols.astype(np.int32))
            remaining = scores.max(axis=1) if scores.shape[1] else np.full(len(rows), -np.inf)
            bound[rows] = np.where(np.isfinite(remaining), remaining + FLOAT32_SLACK, -np.inf)
            done[slot] += len(rows)
        return Pricing(
            rows=_joined(found_rows, np.int32),
            cols=_joined(found_cols, np.int32),
            bound=bound,
            violation=int(np.ceil(violation)),
            complete=complete,
            near_rows=_joined(near_rows, np.int32),
            near_cols=_joined(near_cols, np.int32),
            near_scores=_joined(near_scores, np.float32),
        )

    parts = in_parallel(split(len(mentees_to_check), step, workers()), scan, len(mentees_to_check), None, "pricing")
    return Pricing(
        rows=_joined([part.rows for part in parts], np.int32),
        cols=_joined([part.cols for part in parts], np.int32),
        bound=bound,
        violation=sum(part.violation for part in parts),
        complete=all(part.complete for part in parts),
        near_rows=_joined([part.near_rows for part in parts], np.int32),
        near_cols=_joined([part.near_cols for part in parts], np.int32),
        near_scores=_joined([part.near_scores for part in parts], np.float32),
        worst=worst,
        rest=rest,
    )


@dataclass(frozen=True, eq=False)
class _Streamed:
    local: IntArray  # rows (within the block) and columns of the pairs to add
    cols: IntArray
    near_local: IntArray
    near_cols: IntArray
    near_scores: Float32Array
    bound: FloatArray
    worst: Int64Array
    rest: Int64Array
    violation: float
    complete: bool


def _read_streamed(found: BestPairs, take: int, near: float) -> _Streamed:
    """Pricing's view of a streamed block: each mentee's best list, best reduced cost first.

    The first ``take`` pairs with a positive reduced cost are added; up to ``take`` more within
    ``near`` of it go straight to the solver too; the bound becomes the best score of what is left.
    """
    listed = found.cols >= 0
    width = found.cols.shape[1]
    taken = listed & (found.values > -FLOAT32_SLACK) & (np.arange(width) < take)
    close = listed & ~taken & (found.values > -near) if near > 0 else np.zeros_like(listed)
    close &= np.cumsum(close, axis=1) <= take
    local, position = np.nonzero(taken)
    near_local, near_position = np.nonzero(close)
    unreturned = listed & ~taken & ~close
    best_unreturned = np.where(unreturned, found.scores, -np.inf).max(axis=1, initial=-np.inf)
    remaining = np.maximum(found.left_out, best_unreturned)
    # Pairs never listed have a value at most the last listed one (when the list is full).
    rest_value = np.where(unreturned, found.values, -np.inf).max(axis=1, initial=-np.inf)
    rest_value = np.maximum(rest_value, np.where(listed[:, -1], found.values[:, -1], -np.inf) if width else -np.inf)
    best_value = np.where(np.isfinite(found.values[:, 0]), found.values[:, 0], -1.0)
    return _Streamed(
        local=local,
        cols=found.cols[local, position].astype(np.int32),
        near_local=near_local,
        near_cols=found.cols[near_local, near_position].astype(np.int32),
        near_scores=found.scores[near_local, near_position].astype(np.float32),
        bound=np.where(np.isfinite(remaining), remaining + FLOAT32_SLACK, -np.inf),
        worst=np.ceil(np.maximum(0.0, best_value + FLOAT32_SLACK) * SCALE).astype(np.int64),
        rest=_ceiling((rest_value + FLOAT32_SLACK) * SCALE),
        violation=float(found.excess.sum()) * SCALE,
        complete=bool(np.all(found.hits <= take)),
    )


def _ceiling(reduced: FloatArray) -> Int64Array:
    """Reduced costs rounded up to whole millionths; -inf (no such pair) becomes ``NO_PAIR``."""
    return np.where(np.isfinite(reduced), np.ceil(np.where(np.isfinite(reduced), reduced, 0.0)), NO_PAIR).astype(np.int64)


def _skip_lists(candidates: Candidates, encoded: Encoded) -> tuple[IntArray, IntArray]:
    """Candidate and reserve pairs, which pricing leaves alone, as the compiled scan's skip lists."""
    rows = np.concatenate((candidates.rows, candidates.reserve_rows))
    cols = np.concatenate((candidates.cols, candidates.reserve_cols))
    return pair_lists(encoded, rows, cols)


def _stored_skip_lists(candidates: Candidates) -> tuple[Int64Array, Int64Array]:
    """Candidate and reserve pairs, which pricing leaves alone, as per-mentee lists of mentors (CSR)."""
    mentees = len(candidates.bound)
    rows = np.concatenate((candidates.rows, candidates.reserve_rows)).astype(np.int64)
    cols = np.concatenate((candidates.cols, candidates.reserve_cols)).astype(np.int64)
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(mentees + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=mentees), out=indptr[1:])
    return indptr, cols[order]


def _joined(arrays: list[np.ndarray], dtype: type[np.generic]) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)


def _best_per_row(values: np.ndarray, marked: BoolArray, take: int) -> tuple[IntArray, IntArray, bool]:
    """Positions of up to ``take`` marked entries per row, the largest ``values`` first.

    Also says whether every marked entry was taken. Rows with few marks (the usual case) are read
    off directly; only rows with more than ``take`` marks are partitioned.
    """
    counts = np.count_nonzero(marked, axis=1)
    crowded = counts > take
    if not crowded.any():
        local, cols = np.nonzero(marked)
        return local, cols, True
    local, cols = np.nonzero(marked & ~crowded[:, None])
    busy = np.flatnonzero(crowded)
    order = np.argpartition(-values[busy], take - 1, axis=1)[:, :take]
    busy_local = np.repeat(busy, take)
    busy_cols = order.ravel()
    return np.concatenate((local, busy_local)), np.concatenate((cols, busy_cols)), False


def _candidate_mask_builder(candidates: Candidates) -> Callable[[IntArray, np.ndarray], None]:
    """A function that blanks (sets to -inf) the candidate and reserve pairs of a block of mentees."""
    mentees = len(candidates.bound)
    groups = []
    for rows, cols in ((candidates.rows, candidates.cols), (candidates.reserve_rows, candidates.reserve_cols)):
        indptr = np.zeros(mentees + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=mentees), out=indptr[1:])
        groups.append((indptr, cols))

    def blank(rows: IntArray, scores: np.ndarray) -> None:
        for indptr, cols in groups:
            starts, ends = indptr[rows], indptr[rows + 1]
            counts = ends - starts
            if counts.any():
                local = np.repeat(np.arange(len(rows)), counts)
                positions = np.repeat(ends - np.cumsum(counts), counts) + np.arange(int(counts.sum()))
                scores[local, cols[positions]] = -np.inf

    return blank
