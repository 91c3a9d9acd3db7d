"""The public solve: candidates, an exact assignment, a proof of optimality, explanations."""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import scipy.sparse as sp

from turnabout.engine._assignment import Assignment, solve_assignment
from turnabout.engine._candidates import FLOAT32_SLACK, NO_PAIR, Candidates, Pricing, generate, merge, price
from turnabout.engine._compiling import load_kernels
from turnabout.engine._diagnostics import baseline, blocking_pairs, score_statistics
from turnabout.engine._explain import pair_reasons, unmatched_reasons
from turnabout.engine._features import BoolArray, Encoded, FloatArray, Int64Array, IntArray, Side, encode
from turnabout.engine._greedy import greedy
from turnabout.engine._problem import COMPONENTS, Mode, Problem, ProblemError, Rules, Weights
from turnabout.engine._result import Baseline, Certificate, Diagnostics, MatchResult, Pair, Unmatched
from turnabout.engine._rules import edge_overlap_slots, edge_rule_checks
from turnabout.engine._scoring import SCALE, edge_scores, quantise
from turnabout.engine._sorting import contains, pair_keys, pair_order

__all__ = ["solve"]

Progress = Callable[[float, str], None]

# Above this many pairs, the best 40 per mentee are offered to the solver and pricing proves the rest:
# measured at 500 × 500 and up, that is faster than offering every pair (see docs/performance.md).
EXHAUSTIVE_PAIRS = 100_000
DEFAULT_CANDIDATES_PER_MENTEE = 40
MAX_PRICING_ROUNDS = 12
NEAR_VIOLATION = 0.02  # pairs this close to improving the matching are kept in memory after a scan
DEFAULT_RESERVE = 60
DEFAULT_CANDIDATES_PER_MENTOR = 10


def _report(progress: Progress | None, low: float, high: float) -> Progress | None:
    if progress is None:
        return None
    callback = progress

    def scaled(fraction: float, stage: str) -> None:
        callback(low + (high - low) * min(max(fraction, 0.0), 1.0), stage)

    return scaled


def coerce_mode(mode: Mode | str) -> Mode:
    """``mode`` as a :class:`Mode`, or a :class:`ProblemError` naming the ``mode`` field."""
    try:
        return Mode(mode)
    except ValueError:
        raise ProblemError(f"{mode!r} is not one of {', '.join(m.value for m in Mode)}", field="mode") from None


def default_candidates_per_mentee(encoded: Encoded) -> int:
    """Every pair for small problems; otherwise the best 40 per mentee, completed by pricing."""
    if encoded.n_mentees * encoded.n_mentors <= EXHAUSTIVE_PAIRS:
        return max(1, encoded.n_mentors)
    return DEFAULT_CANDIDATES_PER_MENTEE


def _check_pinned(encoded: Encoded) -> None:
    rows, cols = encoded.pinned_rows, encoded.pinned_cols
    if len(rows) == 0:
        return
    for check in edge_rule_checks(encoded, rows, cols, for_mentee=True):
        failing = np.flatnonzero(~check.passes)
        if len(failing):
            mentor = encoded.mentors.ids[cols[failing[0]]]
            mentee = encoded.mentees.ids[rows[failing[0]]]
            raise ProblemError(f"({mentor!r}, {mentee!r}) breaks the {check.rule.replace('_', ' ')} rule", field="pinned")


class PricingOutcome(enum.Enum):
    """How the pricing loop ended."""

    EXHAUSTIVE = "exhaustive"  # every feasible pair was offered to the solver: nothing to price
    CONVERGED = "converged"  # no left-out pair has a positive reduced cost: optimal over every pair
    WITHIN_TOLERANCE = "within_tolerance"  # the proven upper bound is within the tolerance of the total
    ROUND_LIMIT = "round_limit"  # MAX_PRICING_ROUNDS reached: the bound covers what is still left out


@dataclass(frozen=True, eq=False)
class Priced:
    """The pricing loop's answer: how it ended, the last assignment and the candidates it was solved on.

    ``certified`` is whether ``upper_bound`` (millionths, with the bonus) proves that assignment optimal.
    """

    outcome: PricingOutcome
    candidates: Candidates
    assignment: Assignment
    rounds: int
    certified: bool
    upper_bound: int


def _price_and_certify(
    encoded: Encoded,
    candidates: Candidates,
    mentee_capacity: Int64Array,
    mentor_capacity: Int64Array,
    bonus: Int64Array,
    per_mentee: int,
    progress: Progress | None,
    tolerance: float = 0.0,
) -> Priced:
    """Solve on the candidates, then price left-out pairs against the duals until none can improve.

    Pricing looks at each mentee's reserve first (kept in memory from the scan) and re-scans a
    mentee against every mentor only when its best pair beyond the reserve could still beat the
    duals. Every round also bounds the optimum: raising each mentee's dual by the largest reduced
    cost of its left-out pairs makes the duals feasible for every pair. With a ``tolerance``, the
    search stops once that bound is within ``tolerance`` of the total score. The answer says which
    of these ended it (:class:`PricingOutcome`).
    """
    rounds = 0
    mentees = len(mentee_capacity)
    capacity = mentee_capacity.clip(min=0)
    last_scan: _LastScan | None = None
    while True:
        assignment = solve_assignment(candidates.rows, candidates.cols, candidates.weights, mentee_capacity, mentor_capacity, bonus=bonus)
        if candidates.exhaustive:
            return Priced(PricingOutcome.EXHAUSTIVE, candidates, assignment, rounds, True, assignment.upper_bound)
        if progress is not None:
            progress(min(1.0, rounds / MAX_PRICING_ROUNDS), "proving optimality")
        open_mentors = mentor_capacity > 0
        # A full mentor (no capacity left) cannot take a left-out pair: price it out of reach.
        v = np.where(open_mentors, assignment.v, np.iinfo(np.int64).max // 4)
        lowest_v = int(v[open_mentors].min()) if open_mentors.any() else 0
        total = assignment.objective - _earned_bonus(bonus, candidates.rows[assignment.chosen])
        reduced = _reserve_reduced_costs(candidates, assignment.u, v, mentee_capacity)
        worst = _worst_per_mentee(candidates.reserve_rows, reduced, mentees)
        reserve_hits = reduced > 0
        strict_reserve = bool(reserve_hits.any())
        if strict_reserve:
            # Each solve starts from scratch, so add every reserve pair that is close to improving,
            # not only those that improve now: fewer, larger rounds.
            reserve_hits = reduced > -NEAR_VIOLATION * SCALE
        bound = _score_bounds(candidates, mentee_capacity)
        need = np.flatnonzero(bound > assignment.u + lowest_v) if open_mentors.any() else np.zeros(0, dtype=np.int64)
        if len(need) == 0 and not reserve_hits.any():
            return Priced(PricingOutcome.CONVERGED, candidates, assignment, rounds, True, assignment.upper_bound)
        if last_scan is not None and tolerance > 0:
            # The last scan still bounds every pair it saw under these new duals: perhaps closely enough.
            carried = _carried_upper_bound(assignment, last_scan, bound, worst, capacity, mentor_capacity)
            if carried - assignment.objective <= tolerance * total:
                return Priced(PricingOutcome.WITHIN_TOLERANCE, candidates, assignment, rounds, carried <= assignment.objective, carried)
        # Beyond the reserve, until a scan says more: no pair of mentee i scores above bound[i].
        beyond = np.zeros(mentees, dtype=np.int64)
        beyond[need] = np.maximum(bound[need] - assignment.u[need] - lowest_v, 0)
        # Re-scanning costs a full scoring pass: do it only once the reserve has nothing to offer,
        # in the last allowed round, or when a tolerance asks for the bound (measured at 100k × 100k:
        # one scan per round beat several rounds of reserve pairs, 295 s against 354 s).
        scanned = bool(len(need)) and (not strict_reserve or rounds >= MAX_PRICING_ROUNDS or tolerance > 0)
        strict_scan = False
        if scanned:
            pricing = price(encoded, candidates, need, assignment.u, v, per_mentee=per_mentee, near=NEAR_VIOLATION)
            last_scan = _LastScan(assignment.u, v, pricing.rest)
            strict_scan = len(pricing.rows) > 0 or not pricing.complete
            beyond[need] = pricing.worst[need]
            # Near pairs found by a scan go straight to the solver: the next round needs them anyway.
            pricing = replace(
                pricing, rows=np.concatenate((pricing.rows, pricing.near_rows)), cols=np.concatenate((pricing.cols, pricing.near_cols))
            )
        else:
            pricing = Pricing(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), candidates.bound, 0, True)
        upper = assignment.upper_bound + int(capacity @ np.maximum(worst, beyond))
        if scanned or len(need) == 0:
            # Or: add every left-out pair's positive reduced cost (valid once every such pair was seen).
            upper = min(upper, assignment.upper_bound + pricing.violation + int(np.ceil(reduced[reduced > 0].sum())))
        new_rows = np.concatenate((candidates.reserve_rows[reserve_hits], pricing.rows))
        new_cols = np.concatenate((candidates.reserve_cols[reserve_hits], pricing.cols))
        grown = merge(encoded, candidates.without_reserve(reserve_hits), *_without_pinned(encoded, new_rows, new_cols), pricing.bound)
        # Certified when no left-out pair has a positive reduced cost: none in the reserve and,
        # when some mentee's bound required it, none in a full scan.
        if not strict_reserve and (len(need) == 0 or (scanned and not strict_scan)):
            return Priced(PricingOutcome.CONVERGED, candidates, assignment, rounds, True, assignment.upper_bound)
        if upper - assignment.objective <= tolerance * total:
            return Priced(PricingOutcome.WITHIN_TOLERANCE, candidates, assignment, rounds, upper <= assignment.objective, upper)
        if rounds >= MAX_PRICING_ROUNDS:
            return Priced(PricingOutcome.ROUND_LIMIT, candidates, assignment, rounds, upper <= assignment.objective, upper)
        candidates = grown
        rounds += 1


def _earned_bonus(bonus: Int64Array, chosen_rows: IntArray) -> int:
    """The coverage bonus earned by the mentees in ``chosen_rows`` (each counts once)."""
    if len(bonus) == 0:
        return 0
    return int(bonus[np.bincount(chosen_rows, minlength=len(bonus)) > 0].sum())


def _reserve_reduced_costs(candidates: Candidates, u: Int64Array, v: Int64Array, mentee_capacity: Int64Array) -> FloatArray:
    """Reduced costs of the reserve pairs in millionths (rounded up by the float32 slack); -inf where
    the mentee has no room left."""
    scores = candidates.reserve_scores.astype(np.float64) * SCALE + FLOAT32_SLACK * SCALE
    reduced: FloatArray = scores - u[candidates.reserve_rows] - v[candidates.reserve_cols]
    reduced[mentee_capacity[candidates.reserve_rows] <= 0] = -np.inf
    return reduced


def _worst_per_mentee(rows: IntArray, reduced: FloatArray, mentees: int) -> Int64Array:
    """Per mentee, the largest positive reduced cost among its pairs (0 if none)."""
    worst = np.zeros(mentees, dtype=np.int64)
    np.maximum.at(worst, rows, np.ceil(np.maximum(reduced, 0)).astype(np.int64))
    return worst


def _score_bounds(candidates: Candidates, mentee_capacity: Int64Array) -> Int64Array:
    """``candidates.bound`` in millionths; ``NO_PAIR`` where no left-out pair can matter.

    ``NO_PAIR`` stays far below any dual sum, so the bound can be compared and subtracted from as is.
    """
    finite = np.isfinite(candidates.bound) & (mentee_capacity > 0)
    bound = np.full(len(candidates.bound), NO_PAIR, dtype=np.int64)
    bound[finite] = np.ceil(candidates.bound[finite] * SCALE).astype(np.int64)
    return bound


@dataclass(frozen=True, eq=False)
class _LastScan:
    """A scan's duals and what it proved under them.

    Every pair the scan neither returned nor skipped has ``score - u[i] - v[j] <= rest[i]``
    (millionths; ``NOT_CHECKED`` where it did not look).
    """

    u: Int64Array
    v: Int64Array
    rest: Int64Array


def _carried_upper_bound(
    assignment: Assignment,
    last_scan: _LastScan,
    bound: Int64Array,
    reserve_worst: Int64Array,
    capacity: Int64Array,
    mentor_capacity: Int64Array,
) -> int:
    """An upper bound on the optimum from new duals and the last scan, without scanning again.

    A left-out pair (i, j) the scan saw satisfies ``w <= u0[i] + v0[j] + rest[i]`` under the scan's
    duals. Take mentor prices ``v'[j] = max(v[j], v0[j] - theta)``: then ``w - u[i] - v'[j] <= u0[i]
    + rest[i] + theta - u[i]``, so raising ``u[i]`` by that (and by its reserve pairs' reduced costs)
    makes every pair dual feasible (reserve pairs: by their reduced cost under ``v``, ``reserve_worst``).
    The bound is the duals' value plus those raises, minimised over a few values of ``theta``. Pairs
    the scan did not check keep their score bound instead.
    """
    open_mentors = mentor_capacity > 0
    if not open_mentors.any():
        return int(assignment.upper_bound)
    u, v = assignment.u, assignment.v
    u0, v0, rest = last_scan.u, last_scan.v, last_scan.rest
    drop = np.where(open_mentors, v0 - v, 0)
    thetas = np.unique(
        np.concatenate(([0], np.quantile(drop[drop > 0], np.linspace(0, 1, 33)).astype(np.int64) if (drop > 0).any() else []))
    )
    # NOT_CHECKED (huge) leaves the score bound to decide; NO_PAIR (hugely negative) asks for nothing.
    unseen = u0 + rest - u
    totals = []
    for theta in thetas:
        raised_v = np.where(open_mentors, np.maximum(v, v0 - theta), v)
        mentors_cost = int(mentor_capacity[open_mentors] @ (raised_v - v)[open_mentors])
        lowest_v = int(raised_v[open_mentors].min())
        raise_u = np.minimum(bound - u - lowest_v, unseen + theta)
        # A reserve pair's reduced cost only falls as v rises to v'.
        raise_u = np.maximum(raise_u, reserve_worst)
        totals.append(int(assignment.upper_bound) + mentors_cost + int(capacity @ np.maximum(raise_u, 0)))
    return min(totals)  # theta = 0 is always among them


def _without_pinned(encoded: Encoded, rows: IntArray, cols: IntArray) -> tuple[IntArray, IntArray]:
    if len(encoded.pinned_rows) == 0 or len(rows) == 0:
        return rows, cols
    width = max(1, encoded.n_mentors)
    keep = ~contains(pair_keys(encoded.pinned_rows, encoded.pinned_cols, width), pair_keys(rows, cols, width))
    return rows[keep], cols[keep]


def _max_coverage(rows: IntArray, cols: IntArray, eligible: BoolArray, mentor_capacity: Int64Array) -> int:
    """Most eligible mentees that can each get one mentor (Hopcroft-Karp over mentor capacity slots)."""
    from scipy.sparse.csgraph import maximum_bipartite_matching  # deferred: heavy, and only fair mode needs it

    use = eligible[rows] & (mentor_capacity[cols] > 0)
    rows, cols = rows[use], cols[use]
    if len(rows) == 0:
        return 0
    slot_start = np.concatenate(([0], np.cumsum(mentor_capacity)))
    copies = mentor_capacity[cols]
    edge = np.repeat(np.arange(len(rows)), copies)
    slot = slot_start[cols[edge]] + (np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies))
    graph = sp.csr_array((np.ones(len(edge), dtype=np.int8), (rows[edge], slot)), shape=(len(eligible), int(slot_start[-1])))
    matched = maximum_bipartite_matching(graph, perm_type="column")
    return int(np.count_nonzero(matched >= 0))


def _fairness_floor(candidates: Candidates, eligible: BoolArray, mentor_capacity: Int64Array, target: int) -> int:
    """The highest score ``t`` such that pairs scoring at least ``t`` still match ``target`` mentees."""
    levels = np.unique(candidates.weights)
    low, high = 0, len(levels) - 1
    while low < high:
        middle = (low + high + 1) // 2
        keep = candidates.weights >= levels[middle]
        if _max_coverage(candidates.rows[keep], candidates.cols[keep], eligible, mentor_capacity) >= target:
            low = middle
        else:
            high = middle - 1
    return int(levels[low])


def load_solvers() -> None:
    """Import the solver stack now — Numba and the kernels, OR-Tools, SciPy's solvers — not at the first solve.

    For a process that loads once and then forks its workers (gunicorn's master, ``turnabout.core.serving``): the
    workers share it, and none pays the import on its first request.
    """
    from ortools.graph.python import min_cost_flow  # noqa: F401  # deferred at import, loaded here on purpose
    from scipy.optimize import linprog  # noqa: F401
    from scipy.sparse.csgraph import maximum_bipartite_matching  # noqa: F401

    load_kernels()


def solve(
    problem: Problem,
    rules: Rules | None = None,
    weights: Weights | None = None,
    *,
    mode: Mode | str = Mode.SCORE,
    candidates_per_mentee: int | None = None,
    progress: Progress | None = None,
    explain: bool = True,
    tolerance: float = 0.0,
) -> MatchResult:
    """Match mentors to mentees optimally under the hard rules and capacities.

    Parameters
    ----------
    problem : Problem
        Mentors, mentees and the skill taxonomy.
    rules : Rules, optional
        Hard rules; the defaults of :class:`Rules` when omitted.
    weights : Weights, optional
        Score weights; the defaults of :class:`Weights` when omitted.
    mode : {"score", "coverage", "fair"}
        ``score`` maximises the total score; ``coverage`` matches the most mentees, then maximises
        the total; ``fair`` matches the most mentees, then maximises the worst pair's score, then
        the total.
    candidates_per_mentee : int, optional
        Pairs kept per mentee before solving. By default every pair for problems up to 100,000
        pairs, else 40; pricing adds any left-out pair that could improve the result, so
        the answer is optimal either way.
    progress : callable, optional
        Called with a fraction from 0 to 1 and a stage name as the run advances.
    explain : bool
        Write reasons for pairs and unmatched people (on by default).
    tolerance : float
        Stop proving once the total is within this fraction of a proven upper bound (0.01: within
        1 %); the certificate then reports the bound and the gap instead of optimality. 0, the
        default, proves the optimum.

    Returns
    -------
    MatchResult
        Pairs (with score components and reasons), unmatched people (with a reason) and
        diagnostics (certificate of optimality, score statistics, coverage, blocking pairs and
        the greedy baseline).

    Raises
    ------
    ProblemError
        When rules and participants contradict each other (for example a pinned pair that breaks
        a rule), naming the field.

    Examples
    --------
    >>> from turnabout.engine import Participant, Problem, Rules, Window, solve
    >>> week = [Window(day, "09:00", "17:00") for day in range(5)]
    >>> mentors = [
    ...     Participant("M1", grade=2, languages=["en"], skills={"python": 5}, availability=week, name="Priya"),
    ...     Participant("M2", grade=1, languages=["en"], skills={"tiktok": 4}, availability=week, name="Leo"),
    ... ]
    >>> mentees = [
    ...     Participant("E1", grade=8, languages=["en"], goals={"python": 5}, availability=week, name="Sam"),
    ...     Participant("E2", grade=9, languages=["en"], goals={"tiktok": 3}, availability=week, name="Kim"),
    ... ]
    >>> result = solve(Problem(mentors, mentees), Rules(min_grade_gap=2))
    >>> [(pair.mentor_id, pair.mentee_id) for pair in result.pairs]
    [('M1', 'E1'), ('M2', 'E2')]
    >>> result.pairs[0].reasons[0]
    'Priya can help Sam with python (level 5 of 5).'
    >>> result.diagnostics.certificate.optimal
    True
    """
    started = time.perf_counter()
    settings = _validate(problem, rules, weights, mode, candidates_per_mentee, tolerance)
    if progress is not None:
        progress(0.0, "preparing")
    prepared = _prepare(settings)
    seconds = {"prepare": time.perf_counter() - started}

    mark = time.perf_counter()
    candidates = _candidates(prepared, _report(progress, 0.05, 0.6))
    seconds["candidates"] = time.perf_counter() - mark

    mark = time.perf_counter()
    objective = _objective(prepared)
    assigned = _assign(prepared, candidates, objective, _report(progress, 0.6, 0.85))
    seconds["solve"] = time.perf_counter() - mark

    mark = time.perf_counter()
    explained = _explain(prepared, assigned, explain=explain, progress=_report(progress, 0.85, 1.0))
    seconds["explain"] = time.perf_counter() - mark

    mark = time.perf_counter()
    compared = _compare(prepared, assigned, explained)
    seconds["diagnostics"] = time.perf_counter() - mark

    certificate = _certify(prepared, objective, assigned, explained)
    diagnostics = _diagnose(prepared, assigned, explained, compared, certificate, {**seconds, "total": time.perf_counter() - started})
    if progress is not None:
        progress(1.0, "done")
    return MatchResult(pairs=explained.pairs, unmatched=explained.unmatched, diagnostics=diagnostics)


@dataclass(frozen=True, eq=False)
class _Settings:
    """The caller's arguments, checked and with defaults filled in."""

    problem: Problem
    rules: Rules
    weights: Weights
    mode: Mode
    candidates_per_mentee: int | None
    tolerance: float


def _validate(
    problem: Problem, rules: Rules | None, weights: Weights | None, mode: Mode | str, candidates_per_mentee: int | None, tolerance: float
) -> _Settings:
    """The arguments of :func:`solve` checked, or a :class:`ProblemError` naming the field at fault."""
    rules = Rules() if rules is None else rules
    weights = Weights() if weights is None else weights
    if not isinstance(problem, Problem):
        raise ProblemError(f"{problem!r} is not a Problem", field="problem")
    if not isinstance(rules, Rules):
        raise ProblemError(f"{rules!r} is not Rules", field="rules")
    if not isinstance(weights, Weights):
        raise ProblemError(f"{weights!r} is not Weights", field="weights")
    checked_mode = coerce_mode(mode)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance < 1:
        raise ProblemError(f"{tolerance!r} is not a fraction from 0 up to 1", field="tolerance")
    if candidates_per_mentee is not None and (
        isinstance(candidates_per_mentee, bool) or not isinstance(candidates_per_mentee, int) or candidates_per_mentee < 1
    ):
        raise ProblemError(f"{candidates_per_mentee!r} is not a whole number of at least 1", field="candidates_per_mentee")
    return _Settings(problem, rules, weights, checked_mode, candidates_per_mentee, tolerance)


@dataclass(frozen=True, eq=False)
class _Prepared:
    """The encoded problem, the capacities left once pinned pairs are placed, and the candidate count."""

    mode: Mode
    tolerance: float
    encoded: Encoded
    mentee_capacity: Int64Array
    mentor_capacity: Int64Array
    per_mentee: int


def _prepare(settings: _Settings) -> _Prepared:
    """Encode the problem and check its pinned pairs against the rules."""
    encoded = encode(settings.problem, settings.rules, settings.weights)
    _check_pinned(encoded)
    mentee_capacity = encoded.mentees.capacity - np.bincount(encoded.pinned_rows, minlength=encoded.n_mentees)
    mentor_capacity = encoded.mentors.capacity - np.bincount(encoded.pinned_cols, minlength=encoded.n_mentors)
    per_mentee = settings.candidates_per_mentee or default_candidates_per_mentee(encoded)
    return _Prepared(settings.mode, settings.tolerance, encoded, mentee_capacity, mentor_capacity, per_mentee)


def _candidates(prepared: _Prepared, progress: Progress | None) -> Candidates:
    """The pairs offered to the solver (scored), without the pinned ones."""
    encoded, per_mentee = prepared.encoded, prepared.per_mentee
    exhaustive = per_mentee >= encoded.n_mentors
    candidates = generate(
        encoded,
        per_mentee,
        # Scaled down with per_mentee so that small settings (used in tests) exercise every path.
        reserve=0 if exhaustive else min(DEFAULT_RESERVE, 2 * per_mentee),
        per_mentor=0 if exhaustive else min(DEFAULT_CANDIDATES_PER_MENTOR, per_mentee),
        progress=progress,
    )
    kept_rows, kept_cols = _without_pinned(encoded, candidates.rows, candidates.cols)
    if len(kept_rows) == len(candidates.rows):
        return candidates
    mentors = encoded.n_mentors
    keep = contains(pair_keys(kept_rows, kept_cols, mentors), pair_keys(candidates.rows, candidates.cols, mentors))
    return replace(
        candidates,
        rows=candidates.rows[keep],
        cols=candidates.cols[keep],
        contributions=candidates.contributions[keep],
        scores=candidates.scores[keep],
        weights=candidates.weights[keep],
    )


@dataclass(frozen=True, eq=False)
class _Objective:
    """What the assignment maximises besides the pairs' scores: a bonus per mentee matched (millionths)."""

    bonus: Int64Array


def _objective(prepared: _Prepared) -> _Objective:
    """No bonus for ``score``; otherwise one worth more than any total score for each mentee still to match."""
    mentees, mentee_capacity = prepared.encoded.n_mentees, prepared.mentee_capacity
    if prepared.mode is Mode.SCORE:
        return _Objective(np.zeros(mentees, dtype=np.int64))
    pinned_covered = np.bincount(prepared.encoded.pinned_rows, minlength=mentees) > 0
    # Worth more than any total score: one more matched mentee beats every score difference.
    big = int(mentee_capacity.clip(min=0).sum()) * SCALE + 1
    return _Objective(np.where(pinned_covered | (mentee_capacity <= 0), 0, big).astype(np.int64))


@dataclass(frozen=True, eq=False)
class _Assigned:
    """The chosen candidates and what proves them: the dual bound (millionths, with the bonus) and
    in ``fair`` mode the proven floor on the worst pair's score."""

    candidates: Candidates
    assignment: Assignment
    chosen: BoolArray
    rounds: int
    certified: bool
    upper_bound: int
    floor: int | None


def _assign(prepared: _Prepared, candidates: Candidates, objective: _Objective, progress: Progress | None) -> _Assigned:
    """The optimal assignment over every pair, priced and certified; in ``fair`` mode, then the best floor."""
    priced = _price_and_certify(
        prepared.encoded,
        candidates,
        prepared.mentee_capacity,
        prepared.mentor_capacity,
        objective.bonus,
        prepared.per_mentee,
        progress,
        prepared.tolerance,
    )
    assigned = _Assigned(
        priced.candidates, priced.assignment, priced.assignment.chosen, priced.rounds, priced.certified, priced.upper_bound, None
    )
    if prepared.mode is Mode.FAIR:
        return _raise_floor(prepared, objective, assigned)
    return assigned


def _raise_floor(prepared: _Prepared, objective: _Objective, assigned: _Assigned) -> _Assigned:
    """The same coverage with the highest worst-pair score, then the best total above that floor.

    Every pair scoring at least the floor is priced into the candidates first, so the floor and the
    total are exact.
    """
    encoded, mentee_capacity, mentor_capacity = prepared.encoded, prepared.mentee_capacity, prepared.mentor_capacity
    mentees = encoded.n_mentees
    candidates, assignment, rounds = assigned.candidates, assigned.assignment, assigned.rounds
    eligible = objective.bonus > 0
    target = int(np.count_nonzero(np.bincount(candidates.rows[assigned.chosen], minlength=mentees)[eligible]))
    if target == 0:
        return assigned
    while True:
        floor = _fairness_floor(candidates, eligible, mentor_capacity, target)
        need = np.flatnonzero(_score_bounds(candidates, mentee_capacity) >= floor)
        if len(need) == 0:
            break
        # Pairs above the floor must all be candidates for the floor and the total to be exact.
        pricing = price(
            encoded, candidates, need, assignment.u, assignment.v, per_mentee=prepared.per_mentee, threshold=np.full(mentees, floor / SCALE)
        )
        candidates = merge(encoded, candidates, *_without_pinned(encoded, pricing.rows, pricing.cols), pricing.bound)
        rounds += 1
    above = candidates.weights >= floor
    final = solve_assignment(
        candidates.rows[above], candidates.cols[above], candidates.weights[above], mentee_capacity, mentor_capacity, bonus=objective.bonus
    )
    chosen = np.zeros(len(candidates.rows), dtype=bool)
    chosen[np.flatnonzero(above)[final.chosen]] = True
    return _Assigned(candidates, final, chosen, rounds, assigned.certified, final.upper_bound, floor)


@dataclass(frozen=True, eq=False)
class _Explained:
    """The pairs (chosen and pinned) and the unmatched people, with their reasons and partner counts."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    total_score: float  # the sum of the pairs' reported scores
    pair_scores: FloatArray
    pinned_scores: FloatArray
    mentee_partners: Int64Array
    mentor_partners: Int64Array


def _explain(prepared: _Prepared, assigned: _Assigned, *, explain: bool, progress: Progress | None) -> _Explained:
    """Every pair with its score components (and reasons), every unmatched person (with the reason)."""
    encoded, candidates, chosen = prepared.encoded, assigned.candidates, assigned.chosen
    pinned_rows, pinned_cols = encoded.pinned_rows, encoded.pinned_cols
    pinned_contributions, pinned_scores = edge_scores(encoded, pinned_rows, pinned_cols)
    pair_rows = np.concatenate((candidates.rows[chosen], pinned_rows)).astype(np.int32)
    pair_cols = np.concatenate((candidates.cols[chosen], pinned_cols)).astype(np.int32)
    pair_contributions = np.concatenate((candidates.contributions[chosen], pinned_contributions))
    pair_scores = np.concatenate((candidates.scores[chosen], pinned_scores))
    pair_pinned = np.concatenate((np.zeros(int(chosen.sum()), dtype=bool), np.ones(len(pinned_rows), dtype=bool)))
    order = pair_order(pair_rows, pair_cols)
    # Shared availability of every pair at once, for the reasons that quote it.
    overlap = edge_overlap_slots(encoded, pair_rows, pair_cols).tolist() if explain and len(pair_rows) else []

    pairs: list[Pair] = []
    for count, position in enumerate(order.tolist()):
        row, col = int(pair_rows[position]), int(pair_cols[position])
        contributions = pair_contributions[position]
        components = dict(zip(COMPONENTS, contributions.tolist(), strict=True))
        pairs.append(
            Pair(
                mentor_id=encoded.mentors.ids[col],
                mentee_id=encoded.mentees.ids[row],
                # Exactly what a reader gets by adding the reported contributions.
                score=sum(components.values()),
                components=components,
                explanations=pair_reasons(encoded, row, col, contributions, overlap_slots=int(overlap[position])) if explain else (),
                pinned=bool(pair_pinned[position]),
            )
        )
        if progress is not None and count % 1000 == 0:
            progress(0.5 * count / max(1, len(order)), "explaining")

    mentee_partners = np.bincount(pair_rows, minlength=encoded.n_mentees)
    mentor_partners = np.bincount(pair_cols, minlength=encoded.n_mentors)
    threshold = assigned.floor / SCALE if assigned.floor is not None else None
    unmatched: list[Unmatched] = []
    sides: tuple[tuple[Literal["mentee", "mentor"], Int64Array, Side], ...] = (
        ("mentee", mentee_partners, encoded.mentees),
        ("mentor", mentor_partners, encoded.mentors),
    )
    for role, partners, side in sides:
        alone = np.flatnonzero(partners == 0)
        reasons = (
            unmatched_reasons(encoded, alone, is_mentee=role == "mentee", mode=prepared.mode.value, threshold=threshold)
            if explain
            else [None] * len(alone)
        )
        unmatched += [
            Unmatched(id=side.ids[index], role=role, explanation=reason) for index, reason in zip(alone.tolist(), reasons, strict=True)
        ]
    total = float(sum(pair.score for pair in pairs))
    return _Explained(tuple(pairs), tuple(unmatched), total, pair_scores, pinned_scores, mentee_partners, mentor_partners)


@dataclass(frozen=True, eq=False)
class _Compared:
    """The greedy baseline and the blocking pairs of the chosen matching."""

    greedy: Baseline
    blocking_pairs: int


def _compare(prepared: _Prepared, assigned: _Assigned, explained: _Explained) -> _Compared:
    """The matching against the greedy baseline, and the pairs that would both rather be together."""
    encoded, candidates, chosen = prepared.encoded, assigned.candidates, assigned.chosen
    pinned_rows, pinned_cols, pinned_scores = encoded.pinned_rows, encoded.pinned_cols, explained.pinned_scores
    all_rows = np.concatenate((candidates.rows, pinned_rows)).astype(np.int32)
    all_cols = np.concatenate((candidates.cols, pinned_cols)).astype(np.int32)
    all_weights = np.concatenate((candidates.weights, quantise(pinned_scores)))
    all_scores = np.concatenate((candidates.scores, pinned_scores))
    all_chosen = np.concatenate((chosen, np.ones(len(pinned_rows), dtype=bool)))
    # The greedy baseline takes the pinned pairs first, then the best remaining candidates.
    greedy_chosen = np.concatenate(
        (
            greedy(candidates.rows, candidates.cols, candidates.weights, prepared.mentee_capacity, prepared.mentor_capacity),
            np.ones(len(pinned_rows), dtype=bool),
        )
    )
    greedy_figures = baseline("greedy", all_rows, all_scores, greedy_chosen, encoded.n_mentees)
    blocking = blocking_pairs(all_rows, all_cols, all_weights, all_chosen, encoded.mentees.capacity, encoded.mentors.capacity)
    return _Compared(greedy_figures, blocking)


def _certify(prepared: _Prepared, objective: _Objective, assigned: _Assigned, explained: _Explained) -> Certificate:
    """The certificate: the total, the proven upper bound on it, the gap and how they were proven."""
    candidates, chosen, upper = assigned.candidates, assigned.chosen, assigned.upper_bound
    total = explained.total_score
    bonus_total = _earned_bonus(objective.bonus, candidates.rows[chosen])
    pinned_total = float(explained.pinned_scores.sum())
    score_bound = (upper - bonus_total) / SCALE + pinned_total
    objective_int = int(candidates.weights[chosen].sum())
    gap = max(0.0, (upper - bonus_total - objective_int) / SCALE)
    optimal = assigned.certified and upper == objective_int + bonus_total
    return Certificate(
        optimal=optimal,
        objective=round(total, 9),
        upper_bound=round(score_bound, 9) if math.isfinite(score_bound) else math.inf,
        gap=round(gap, 9),
        method=_certificate_method(prepared.mode, candidates, assigned.rounds, optimal, assigned.floor),
        candidate_pairs=len(candidates.rows),
        exhaustive=candidates.exhaustive,
        pricing_rounds=assigned.rounds,
    )


def _diagnose(
    prepared: _Prepared,
    assigned: _Assigned,
    explained: _Explained,
    compared: _Compared,
    certificate: Certificate,
    seconds: dict[str, float],
) -> Diagnostics:
    """The run's quality and proof figures."""
    mentees, mentors = prepared.encoded.n_mentees, prepared.encoded.n_mentors
    mean, minimum, p10 = score_statistics(explained.pair_scores)
    mentees_matched = int(np.count_nonzero(explained.mentee_partners))
    return Diagnostics(
        mode=prepared.mode.value,
        solver=assigned.assignment.solver,
        certificate=certificate,
        total_score=explained.total_score,
        pairs=len(explained.pairs),
        mean_score=mean,
        min_score=minimum,
        p10_score=p10,
        mentees_total=mentees,
        mentees_matched=mentees_matched,
        coverage=mentees_matched / mentees if mentees else 0.0,
        mentors_total=mentors,
        mentors_matched=int(np.count_nonzero(explained.mentor_partners)),
        blocking_pairs=compared.blocking_pairs,
        fairness_floor=assigned.floor / SCALE if assigned.floor is not None else None,
        greedy=compared.greedy,
        seconds=seconds,
    )


def _certificate_method(mode: Mode, candidates: Candidates, rounds: int, optimal: bool, floor: int | None) -> str:
    after = f" after {rounds} pricing round{'s' if rounds != 1 else ''}" if rounds else ""
    if candidates.exhaustive:
        scope = "every feasible pair was offered to the solver"
    elif optimal:
        scope = f"{len(candidates.rows)} candidate pairs; every left-out pair has non-negative reduced cost{after}"
    else:
        scope = f"{len(candidates.rows)} candidate pairs; the bound covers every left-out pair by its largest possible reduced cost{after}"
    objective = {
        Mode.SCORE: "total score",
        Mode.COVERAGE: "mentees matched, then total score",
        Mode.FAIR: "mentees matched, then worst pair score"
        + (f" (floor {floor / SCALE:.6f} proven by maximum matching)" if floor is not None else "")
        + ", then total score",
    }[mode]
    status = "LP dual bound equals the objective" if optimal else "LP dual bound above the objective (see gap)"
    return f"{objective}: {status}; {scope}"
