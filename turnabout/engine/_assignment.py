"""Maximum-weight b-matching on a sparse bipartite graph, with dual potentials.

The graph is the min-cost flow network

    source → mentee i  (capacity c_i; in coverage mode the first unit earns ``bonus``)
    mentee i → mentor j (capacity 1, profit w_ij, one arc per candidate pair)
    mentor j → sink    (capacity d_j)
    sink → source      (free flow: leaving people unmatched is allowed)

Two exact solvers are used: when no pair joins a mentee and a mentor who both take more than one
partner, node replication turns it into a rectangular assignment solved by SciPy's sparse LAPJV
(:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`), with one zero-profit "stay
unmatched" column per mentee slot; otherwise HiGHS solves the (totally unimodular) linear program.
Either way, node potentials are then computed by Bellman-Ford on the residual network; they give
the LP dual that certifies optimality and prices pairs that were never offered to the solver.
All weights are integers, so every comparison is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from turnabout.engine._features import BoolArray, Int64Array, IntArray


class SolverError(RuntimeError):
    """The solver failed in a way that indicates a bug, not bad input."""


@dataclass(frozen=True, eq=False)
class Assignment:
    """An optimal b-matching over candidate pairs and the potentials that prove it.

    ``u[i] + v[j] >= w_ij`` holds for every candidate pair not chosen, and ``upper_bound`` is the
    dual objective, equal to ``objective`` when the matching is optimal over the candidates.
    """

    chosen: BoolArray
    u: Int64Array
    v: Int64Array
    objective: int
    upper_bound: int
    solver: str


def solve_assignment(
    rows: IntArray,
    cols: IntArray,
    weights: Int64Array,
    mentee_capacity: Int64Array,
    mentor_capacity: Int64Array,
    *,
    bonus: Int64Array | int = 0,
    force_solver: str | None = None,
) -> Assignment:
    """Choose pairs maximising ``sum(weights) + bonus * (mentees matched)`` within capacities.

    Parameters
    ----------
    rows, cols : numpy.ndarray
        Mentee and mentor index of each candidate pair (no duplicates).
    weights : numpy.ndarray
        Non-negative integer profit of each pair.
    mentee_capacity, mentor_capacity : numpy.ndarray
        Partners each mentee and mentor may still take.
    bonus : int or numpy.ndarray
        Profit for each mentee matched at least once (coverage mode), per mentee or for all; 0 for plain score.
    force_solver : {"lapjv", "highs"}, optional
        For tests and benchmarks; by default LAPJV when replication is exact, else HiGHS.

    Returns
    -------
    Assignment

    Examples
    --------
    >>> a = solve_assignment(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([5, 4, 3]), np.array([1, 1]), np.array([1, 1]))
    >>> a.chosen.tolist(), a.objective, a.upper_bound
    ([False, True, True], 7, 7)
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    mentee_capacity = np.asarray(mentee_capacity, dtype=np.int64)
    mentor_capacity = np.asarray(mentor_capacity, dtype=np.int64)
    bonus = np.broadcast_to(np.asarray(bonus, dtype=np.int64), mentee_capacity.shape).copy()
    usable = (weights + bonus[rows] > 0) & (mentee_capacity[rows] > 0) & (mentor_capacity[cols] > 0)
    chosen = np.zeros(len(rows), dtype=bool)
    both_multiple = bool(np.any((mentee_capacity[rows] > 1) & (mentor_capacity[cols] > 1) & usable))
    solver = force_solver or ("highs" if both_multiple else "lapjv")
    if solver == "lapjv" and both_multiple:
        raise SolverError("LAPJV replication is exact only when one side of every pair has capacity 1")
    if usable.any():
        index = np.flatnonzero(usable)
        if solver == "lapjv":
            picked = _solve_lapjv(rows[index], cols[index], weights[index], mentee_capacity, mentor_capacity, bonus)
        else:
            picked = _solve_highs(rows[index], cols[index], weights[index], mentee_capacity, mentor_capacity, bonus)
        chosen[index[picked]] = True
    u, v, upper_bound = potentials(rows, cols, weights, chosen, mentee_capacity, mentor_capacity, bonus=bonus)
    matched = np.bincount(rows[chosen], minlength=len(mentee_capacity)) > 0
    objective = int(weights[chosen].sum()) + int(bonus[matched].sum())
    if upper_bound != objective:
        raise SolverError(f"the {solver} matching is not optimal: objective {objective}, dual bound {upper_bound}")
    return Assignment(chosen=chosen, u=u, v=v, objective=objective, upper_bound=upper_bound, solver=solver)


def _solve_lapjv(
    rows: Int64Array, cols: Int64Array, weights: Int64Array, mentee_capacity: Int64Array, mentor_capacity: Int64Array, bonus: Int64Array
) -> BoolArray:
    # Mentee i becomes c_i row slots, mentor j becomes d_j column slots, and every row slot gets
    # its own "unmatched" column so a full matching of the rows always exists.
    row_start = np.concatenate(([0], np.cumsum(mentee_capacity)))
    col_start = np.concatenate(([0], np.cumsum(mentor_capacity)))
    row_slots, col_slots = int(row_start[-1]), int(col_start[-1])
    copies_row = mentee_capacity[rows]
    copies_col = mentor_capacity[cols]
    copies = copies_row * copies_col
    edge = np.repeat(np.arange(len(rows)), copies)
    offset = np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies)
    row_copy = offset // copies_col[edge]
    col_copy = offset % copies_col[edge]
    slot_rows = row_start[rows[edge]] + row_copy
    slot_cols = col_start[cols[edge]] + col_copy
    profit = weights[edge] + np.where(row_copy == 0, bonus[rows[edge]], 0)
    if not bonus.any() and int(mentee_capacity.max(initial=0)) > 1:
        # A mentee's slots are identical rows, a degenerate tie LAPJV explores over and over.
        # Scaling profits and charging 1 for each later slot breaks the tie without changing
        # which totals are optimal (the charges add up to less than one scaled unit).
        tie_break = row_slots + 1
        profit = profit * tie_break - row_copy
    ceiling = int(profit.max()) + 1
    # A square, symmetric doubling: rows are the mentee slots then one "unmatched" twin per mentor
    # slot; columns are the mentor slots then one "unmatched" twin per mentee slot. The twins carry
    # a mirror copy of every pair, so the mirror half solves the same problem and the real half is
    # an optimal matching. SciPy's LAPJVsp only runs its fast initialisation on square inputs, and
    # the mirror avoids the ties that plain zero-cost twin edges create (measured in docs/matching.md).
    size = row_slots + col_slots
    cost = ceiling - profit
    matrix = sp.csr_array(
        (
            np.concatenate((cost, np.full(row_slots, ceiling), np.full(col_slots, ceiling), cost)).astype(np.float64),
            (
                np.concatenate((slot_rows, np.arange(row_slots), row_slots + np.arange(col_slots), row_slots + slot_cols)),
                np.concatenate((slot_cols, col_slots + np.arange(row_slots), np.arange(col_slots), col_slots + slot_rows)),
            ),
        ),
        shape=(size, size),
    )
    matched_rows, matched_cols = min_weight_full_bipartite_matching(matrix)
    real = (matched_rows < row_slots) & (matched_cols < col_slots)
    keys = slot_rows * (col_slots + 1) + slot_cols
    order = np.argsort(keys, kind="stable")
    found = order[np.searchsorted(keys[order], matched_rows[real] * (col_slots + 1) + matched_cols[real])]
    picked = np.zeros(len(rows), dtype=bool)
    picked[edge[found]] = True
    return picked


def _solve_highs(
    rows: Int64Array, cols: Int64Array, weights: Int64Array, mentee_capacity: Int64Array, mentor_capacity: Int64Array, bonus: Int64Array
) -> BoolArray:
    edges, mentees, mentors = len(rows), len(mentee_capacity), len(mentor_capacity)
    # Variables: x (one per pair), then y1 (first partner, earns bonus) and y2 (further partners) per mentee.
    cost = -np.concatenate((weights.astype(np.float64), bonus.astype(np.float64), np.zeros(mentees)))
    arange_e, arange_m = np.arange(edges), np.arange(mentees)
    flow = sp.csr_array(
        (
            np.concatenate((np.ones(edges), -np.ones(mentees), -np.ones(mentees))),
            (np.concatenate((rows, arange_m, arange_m)), np.concatenate((arange_e, edges + arange_m, edges + mentees + arange_m))),
        ),
        shape=(mentees, edges + 2 * mentees),
    )
    load = sp.csr_array((np.ones(edges), (cols, arange_e)), shape=(mentors, edges + 2 * mentees))
    bounds = np.column_stack(
        (
            np.zeros(edges + 2 * mentees),
            np.concatenate((np.ones(edges), np.minimum(mentee_capacity, 1), np.maximum(mentee_capacity - 1, 0))).astype(np.float64),
        )
    )
    result = linprog(  # type: ignore[call-overload]  # scipy-stubs do not list sparse constraint matrices
        cost, A_ub=load, b_ub=mentor_capacity.astype(np.float64), A_eq=flow, b_eq=np.zeros(mentees), bounds=bounds, method="highs-ds"
    )
    if result.status != 0 or result.x is None:
        raise SolverError(f"HiGHS did not solve the matching LP: {result.message}")
    x = result.x[:edges]
    if np.any(np.abs(x - np.rint(x)) > 1e-6):
        raise SolverError("HiGHS returned a fractional vertex for a totally unimodular LP")
    picked: BoolArray = np.rint(x) > 0
    return picked


def potentials(
    rows: Int64Array,
    cols: Int64Array,
    weights: Int64Array,
    chosen: BoolArray,
    mentee_capacity: Int64Array,
    mentor_capacity: Int64Array,
    *,
    bonus: Int64Array,
) -> tuple[Int64Array, Int64Array, int]:
    """Dual potentials for a b-matching, by Bellman-Ford on its residual network.

    Returns ``u`` (mentees), ``v`` (mentors) with ``u[i] + v[j] >= w_ij`` on every candidate pair
    not chosen (if the matching is optimal), and the dual bound on the objective.

    Raises
    ------
    SolverError
        If the residual network has a negative cycle (the matching is not optimal).
    """
    mentees, mentors = len(mentee_capacity), len(mentor_capacity)
    source, sink = 0, 1
    mentee_node = 2 + np.arange(mentees)
    mentor_node = 2 + mentees + np.arange(mentors)
    nodes = 2 + mentees + mentors
    mentee_flow = np.bincount(rows[chosen], minlength=mentees)
    mentor_flow = np.bincount(cols[chosen], minlength=mentors)
    if np.any(mentee_flow > mentee_capacity) or np.any(mentor_flow > mentor_capacity):
        raise SolverError("the matching exceeds a capacity")
    tails: list[Int64Array] = []
    heads: list[Int64Array] = []
    costs: list[Int64Array] = []

    def arcs(tail: Int64Array, head: Int64Array, cost: Int64Array | int) -> None:
        tails.append(np.asarray(tail, dtype=np.int64))
        heads.append(np.asarray(head, dtype=np.int64))
        costs.append(np.broadcast_to(np.asarray(cost, dtype=np.int64), np.shape(tail)).copy())

    has_capacity = mentee_capacity > 0
    first_free = has_capacity & (mentee_flow == 0)
    arcs(np.full(int(first_free.sum()), source), mentee_node[first_free], -bonus[first_free])
    first_used = mentee_flow > 0
    arcs(mentee_node[first_used], np.full(int(first_used.sum()), source), bonus[first_used])
    extra_free = has_capacity & (np.maximum(mentee_flow - 1, 0) < mentee_capacity - 1)
    arcs(np.full(int(extra_free.sum()), source), mentee_node[extra_free], 0)
    extra_used = mentee_flow > 1
    arcs(mentee_node[extra_used], np.full(int(extra_used.sum()), source), 0)
    arcs(mentee_node[rows[~chosen]], mentor_node[cols[~chosen]], -weights[~chosen])
    arcs(mentor_node[cols[chosen]], mentee_node[rows[chosen]], weights[chosen])
    mentor_free = mentor_flow < mentor_capacity
    arcs(mentor_node[mentor_free], np.full(int(mentor_free.sum()), sink), 0)
    mentor_used = mentor_flow > 0
    arcs(np.full(int(mentor_used.sum()), sink), mentor_node[mentor_used], 0)
    arcs(np.array([sink]), np.array([source]), 0)
    if chosen.any():
        arcs(np.array([source]), np.array([sink]), 0)
    tail = np.concatenate(tails)
    head = np.concatenate(heads)
    cost = np.concatenate(costs)
    distance = _bellman_ford(nodes, tail, head, cost, source)

    u = distance[mentee_node] - distance[source]
    v = distance[source] - distance[mentor_node]
    # The dual objective of the flow LP for these potentials (weak duality: any potentials bound
    # the optimum); with the sink→source arc, the sink potential must not be below the source's.
    if distance[sink] < distance[source]:
        raise SolverError("potentials violate the sink→source arc")
    bound = int(np.minimum(mentee_capacity, 1) @ np.maximum(0, bonus + u))
    bound += int(np.maximum(mentee_capacity - 1, 0) @ np.maximum(0, u))
    bound += int(np.maximum(0, weights - u[rows] - v[cols]).sum())
    slack_sink = distance[sink] - distance[source]
    bound += int(mentor_capacity @ np.maximum(0, v + slack_sink))
    return u, v, bound


def _bellman_ford(nodes: int, tail: Int64Array, head: Int64Array, cost: Int64Array, source: int) -> Int64Array:
    # Shortest distances from the source, which give the potentials with the largest mentee duals
    # and smallest mentor duals (the best for pricing left-out pairs). Nodes the source cannot
    # reach hang off a virtual root by an arc longer than any path, so every node gets a valid
    # potential. Only arcs leaving nodes whose distance just improved are relaxed again (a
    # vectorised SPFA); all arithmetic is on integers.
    order = np.argsort(tail, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    indptr = np.zeros(nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=nodes), out=indptr[1:])
    far = int(np.abs(cost).sum()) + 1
    distance = np.full(nodes, far, dtype=np.int64)
    distance[source] = 0
    frontier = np.arange(nodes)
    for _ in range(nodes + 1):
        starts, ends = indptr[frontier], indptr[frontier + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            return distance
        arc = np.repeat(ends - np.cumsum(counts), counts) + np.arange(total)
        candidate = distance[tail[arc]] + cost[arc]
        improving = candidate < distance[head[arc]]
        if not improving.any():
            return distance
        targets = head[arc][improving]
        np.minimum.at(distance, targets, candidate[improving])
        frontier = np.unique(targets)
    raise SolverError("negative cycle in the residual network: the matching is not optimal")
