"""Maximum-weight b-matching on a sparse bipartite graph, with dual potentials.

The graph is the min-cost flow network

    source → mentee i  (capacity c_i; in coverage mode the first unit earns ``bonus``)
    mentee i → mentor j (capacity 1, profit w_ij, one arc per candidate pair)
    mentor j → sink    (capacity d_j)
    sink → source      (free flow: leaving people unmatched is allowed)

The network is solved by OR-Tools' min-cost flow (cost-scaling push-relabel), which takes the
capacities as they are; HiGHS on the (totally unimodular) linear program is kept as an independent
second solver for tests. Either way, node potentials are then computed by Bellman-Ford on the
residual network: they check the solver's answer, give the LP dual that certifies optimality and
price pairs that were never offered to the solver.
All weights are integers, so every comparison is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import scipy.sparse as sp

from turnabout.engine._compiling import compiled
from turnabout.engine._features import BoolArray, Int64Array, IntArray

SolverName = Literal["min_cost_flow", "highs"]
SOLVER_NAMES: tuple[SolverName, ...] = get_args(SolverName)


class SolverError(RuntimeError):
    """The solver failed in a way that indicates a bug, not bad input."""


def coerce_solver(force_solver: SolverName | str | None) -> SolverName:
    """``force_solver`` as a :data:`SolverName` (``min_cost_flow`` when ``None``), or a ValueError naming the accepted ones.

    >>> coerce_solver(None), coerce_solver("highs")
    ('min_cost_flow', 'highs')
    >>> coerce_solver("glpk")
    Traceback (most recent call last):
    ...
    ValueError: 'glpk' is not a solver: use one of 'min_cost_flow', 'highs'
    """
    if force_solver is None:
        return "min_cost_flow"
    for name in SOLVER_NAMES:
        if force_solver == name:
            return name
    raise ValueError(f"{force_solver!r} is not a solver: use one of {', '.join(map(repr, SOLVER_NAMES))}")


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
    solver: SolverName


def solve_assignment(
    rows: IntArray,
    cols: IntArray,
    weights: Int64Array,
    mentee_capacity: Int64Array,
    mentor_capacity: Int64Array,
    *,
    bonus: Int64Array | int = 0,
    force_solver: SolverName | None = None,
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
    force_solver : {"min_cost_flow", "highs"}, optional
        For tests: HiGHS instead of the min-cost flow solver, as an independent check. Any other
        value raises a ValueError naming the accepted ones.

    Returns
    -------
    Assignment

    Examples
    --------
    >>> a = solve_assignment(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([5, 4, 3]), np.array([1, 1]), np.array([1, 1]))
    >>> a.chosen.tolist(), a.objective, a.upper_bound
    ([False, True, True], 7, 7)
    """
    solver = coerce_solver(force_solver)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    mentee_capacity = np.asarray(mentee_capacity, dtype=np.int64)
    mentor_capacity = np.asarray(mentor_capacity, dtype=np.int64)
    bonus = np.broadcast_to(np.asarray(bonus, dtype=np.int64), mentee_capacity.shape).copy()
    usable = (weights + bonus[rows] > 0) & (mentee_capacity[rows] > 0) & (mentor_capacity[cols] > 0)
    chosen = np.zeros(len(rows), dtype=bool)
    if usable.any():
        index = np.flatnonzero(usable)
        if solver == "min_cost_flow":
            picked = _solve_flow(rows[index], cols[index], weights[index], mentee_capacity, mentor_capacity, bonus)
        else:
            picked = _solve_highs(rows[index], cols[index], weights[index], mentee_capacity, mentor_capacity, bonus)
        chosen[index[picked]] = True
    u, v, upper_bound = potentials(rows, cols, weights, chosen, mentee_capacity, mentor_capacity, bonus=bonus)
    matched = np.bincount(rows[chosen], minlength=len(mentee_capacity)) > 0
    objective = int(weights[chosen].sum()) + int(bonus[matched].sum())
    if upper_bound != objective:
        raise SolverError(f"the {solver} matching is not optimal: objective {objective}, dual bound {upper_bound}")
    return Assignment(chosen=chosen, u=u, v=v, objective=objective, upper_bound=upper_bound, solver=solver)


def _solve_flow(
    rows: Int64Array, cols: Int64Array, weights: Int64Array, mentee_capacity: Int64Array, mentor_capacity: Int64Array, bonus: Int64Array
) -> BoolArray:
    from ortools.graph.python import min_cost_flow  # deferred: heavy, and only a solve needs it

    # Nodes: mentees, then mentors, then the source and the sink. A mentee's first partner earns
    # the coverage bonus through its own source arc; the source→sink arc lets people stay unmatched.
    mentees, mentors = len(mentee_capacity), len(mentor_capacity)
    source, sink = mentees + mentors, mentees + mentors + 1
    mentee_node = np.arange(mentees)
    mentor_node = mentees + np.arange(mentors)
    supply = int(mentee_capacity.clip(min=0).sum())
    first = mentee_capacity > 0
    extra = mentee_capacity > 1
    tails = np.concatenate((np.full(int(first.sum()), source), np.full(int(extra.sum()), source), rows, mentor_node, [source]))
    heads = np.concatenate((mentee_node[first], mentee_node[extra], mentor_node[cols], np.full(mentors, sink), [sink]))
    capacities = np.concatenate(
        (np.ones(int(first.sum())), mentee_capacity[extra] - 1, np.ones(len(rows)), mentor_capacity.clip(min=0), [supply])
    )
    costs = np.concatenate((-bonus[first], np.zeros(int(extra.sum())), -weights, np.zeros(mentors), [0]))
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities.astype(np.int64), costs.astype(np.int64)
    )
    flow.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([supply, -supply], dtype=np.int64))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"the min-cost flow solver stopped with status {status.name}")
    pair_arcs = np.asarray(arcs, dtype=np.int32)[int(first.sum()) + int(extra.sum()) :][: len(rows)]
    picked: BoolArray = np.asarray(flow.flows(pair_arcs)) > 0
    return picked


def _solve_highs(
    rows: Int64Array, cols: Int64Array, weights: Int64Array, mentee_capacity: Int64Array, mentor_capacity: Int64Array, bonus: Int64Array
) -> BoolArray:
    from scipy.optimize import linprog  # deferred: heavy, and only the test solver needs it

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
    # potential. Shortest distances are unique, so the order of relaxation does not change them.
    order = np.argsort(tail, kind="stable")
    head, cost = head[order], cost[order]
    indptr = np.zeros(nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=nodes), out=indptr[1:])
    far = int(np.abs(cost).sum()) + 1
    distance = np.full(nodes, far, dtype=np.int64)
    distance[source] = 0
    if not _relax_until_stable(indptr, np.ascontiguousarray(head), np.ascontiguousarray(cost), distance):
        raise SolverError("negative cycle in the residual network: the matching is not optimal")
    return distance


@compiled
def _relax_until_stable(indptr: Int64Array, head: Int64Array, cost: Int64Array, distance: Int64Array) -> bool:
    """Bellman-Ford with a queue (SPFA), compiled: only arcs leaving a node whose distance improved
    are relaxed again. False if some node improves more often than a shortest path has arcs (a
    negative cycle)."""
    nodes = distance.shape[0]
    queue = np.arange(nodes)  # a ring: each node is queued at most once at a time
    queued = np.ones(nodes, dtype=np.bool_)
    improved = np.zeros(nodes, dtype=np.int64)
    front, size = 0, nodes
    while size > 0:
        node = queue[front]
        front = front + 1 if front + 1 < nodes else 0
        size -= 1
        queued[node] = False
        base = distance[node]
        for arc in range(indptr[node], indptr[node + 1]):
            target = head[arc]
            candidate = base + cost[arc]
            if candidate < distance[target]:
                distance[target] = candidate
                improved[target] += 1
                if improved[target] > nodes:
                    return False
                if not queued[target]:
                    queued[target] = True
                    queue[(front + size) % nodes] = target
                    size += 1
    return True
