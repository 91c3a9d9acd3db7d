"""The compiled passes of the engine (stored pricing, the greedy baseline) against plain references."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from tests.engine.strategies import Oracle, edge_feasible, problems, rules_for, weights
from turnabout.engine import Problem, Rules, Weights, solve
from turnabout.engine._features import encode
from turnabout.engine._greedy import greedy
from turnabout.engine._kernels import price_stored
from turnabout.engine._parallel import in_parallel
from turnabout.engine._scoring import SCALE, edge_scores, quantise

PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLACK = 10.0


@dataclass(frozen=True)
class StoredBlock:
    """Stored float32 scores (some pairs infeasible), duals, the pairs already offered, and what to take."""

    stored: np.ndarray
    u: np.ndarray
    v: np.ndarray
    skipped: frozenset[tuple[int, int]]
    rows: np.ndarray
    take: int
    near: float


@st.composite
def stored_blocks(draw: st.DrawFn) -> StoredBlock:
    mentees, mentors = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    cells = mentees * mentors
    # Scores on a coarse grid, so that ties (and crowded rows) come up often.
    grid = draw(st.lists(st.integers(-1, 8), min_size=cells, max_size=cells))
    stored = np.array([-np.inf if value < 0 else value / 8 for value in grid], dtype=np.float32).reshape(mentees, mentors)
    u = np.array(draw(st.lists(st.integers(0, 600_000), min_size=mentees, max_size=mentees)), dtype=np.int64)
    v = np.array(draw(st.lists(st.integers(-200_000, 600_000), min_size=mentors, max_size=mentors)), dtype=np.int64)
    if draw(st.booleans()):
        v[draw(st.integers(0, mentors - 1))] = np.iinfo(np.int64).max // 4  # a full mentor
    return StoredBlock(
        stored=stored,
        u=u,
        v=v,
        skipped=frozenset(draw(st.sets(st.tuples(st.integers(0, mentees - 1), st.integers(0, mentors - 1)), max_size=cells))),
        rows=np.array(draw(st.lists(st.integers(0, mentees - 1), min_size=1, max_size=mentees, unique=True)), dtype=np.int64),
        take=draw(st.integers(1, 3)),
        near=draw(st.sampled_from([0.0, 20_000.0, 150_000.0])),
    )


def _reduced_costs(block: StoredBlock, row: int) -> dict[int, float]:
    """Each left-out pair's reduced cost, computed pair by pair in plain Python."""
    return {
        col: float(block.stored[row, col]) * SCALE - float(block.u[row]) - float(block.v[col])
        for col in range(block.stored.shape[1])
        if (row, col) not in block.skipped
    }


@PROPERTY_SETTINGS
@given(stored_blocks())
def test_compiled_stored_pricing_matches_a_pair_by_pair_reference(block: StoredBlock) -> None:
    # given: stored scores, duals and the pairs already offered to the solver
    pairs = sorted(block.skipped)
    indptr = np.zeros(block.stored.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(np.array([row for row, _col in pairs], dtype=np.int64), minlength=block.stored.shape[0]), out=indptr[1:])
    skip_cols = np.array([col for _row, col in pairs], dtype=np.int64)
    take, near = block.take, block.near
    # when: the compiled pass prices the rows
    priced = price_stored(
        block.stored, block.rows, block.u[block.rows], block.v, indptr, skip_cols, take=take, slack=SLACK, near=near, scale=SCALE
    )
    # then: the violation sums every reduced cost above -slack, and it is complete when no row has too many
    reduced_by_row = [_reduced_costs(block, row) for row in block.rows.tolist()]
    hits_by_row = [{col: value for col, value in reduced.items() if value > -SLACK} for reduced in reduced_by_row]
    assert np.isclose(priced.violation, sum(value + SLACK for hits in hits_by_row for value in hits.values()))
    assert priced.complete == all(len(hits) <= take for hits in hits_by_row)
    for local, (reduced, hits) in enumerate(zip(reduced_by_row, hits_by_row, strict=True)):
        # and: the worst reduced cost of the row
        assert priced.worst[local] == max(reduced.values(), default=-np.inf) + SLACK
        added = set(priced.cols[priced.local == local].tolist())
        near_cols = set(priced.near_cols[priced.near_local == local].tolist())
        # and: every hit if there are few, else ``take`` of them, none beaten by a hit left out
        assert added <= set(hits)
        assert len(added) == min(take, len(hits))
        assert all(reduced[col] >= value for col in added for other, value in hits.items() if other not in added)
        # and: the near pairs are the closest of the rest within ``near``, at most ``take``
        rest = {col: value for col, value in reduced.items() if col not in added}
        close = {col: value for col, value in rest.items() if near > 0 and value > -near}
        assert near_cols <= set(close)
        assert len(near_cols) == min(take, len(close))
        assert all(rest[col] >= value for col in near_cols for other, value in close.items() if other not in near_cols)
        # and: what is left bounds the rest, by reduced cost and by score
        left = [col for col in rest if col not in near_cols]
        row = int(block.rows[local])
        assert priced.rest[local] == max((reduced[col] for col in left), default=-np.inf) + SLACK
        assert priced.remaining[local] == max((float(block.stored[row, col]) for col in left), default=-np.inf)
        near_of_row = priced.near_cols[priced.near_local == local]
        assert np.array_equal(priced.near_scores[priced.near_local == local], block.stored[row, near_of_row])


GreedyInstance = tuple[int, int, set[tuple[int, int]], list[int], list[int], random.Random]


def _greedy_reference(rows: list[int], cols: list[int], weights: list[int], mentee_room: list[int], mentor_room: list[int]) -> list[bool]:
    chosen = [False] * len(rows)
    for pair in sorted(range(len(rows)), key=lambda index: (-weights[index], rows[index], cols[index])):
        if mentee_room[rows[pair]] > 0 and mentor_room[cols[pair]] > 0:
            mentee_room[rows[pair]] -= 1
            mentor_room[cols[pair]] -= 1
            chosen[pair] = True
    return chosen


@PROPERTY_SETTINGS
@given(
    st.integers(1, 6).flatmap(
        lambda mentees: st.integers(1, 6).flatmap(
            lambda mentors: st.tuples(
                st.just(mentees),
                st.just(mentors),
                st.sets(st.tuples(st.integers(0, mentees - 1), st.integers(0, mentors - 1))),
                st.lists(st.integers(0, 2), min_size=mentees, max_size=mentees),
                st.lists(st.integers(0, 2), min_size=mentors, max_size=mentors),
                st.randoms(use_true_random=False),
            )
        )
    )
)
def test_compiled_greedy_takes_the_best_pair_first(
    instance: tuple[int, int, set[tuple[int, int]], list[int], list[int], random.Random],
) -> None:
    # given: pairs in any order with tied weights, and capacities on both sides
    _mentees, _mentors, pair_set, mentee_room, mentor_room, chance = instance
    pairs = sorted(pair_set)
    chance.shuffle(pairs)
    rows, cols = [row for row, _col in pairs], [col for _row, col in pairs]
    weights = [chance.randint(0, 3) for _pair in pairs]
    # when
    chosen = greedy(
        np.array(rows, dtype=np.int64),
        np.array(cols, dtype=np.int64),
        np.array(weights, dtype=np.int64),
        np.array(mentee_room),
        np.array(mentor_room),
    )
    # then: the same pairs as taking them one by one, best first, ties by mentee then mentor
    assert chosen.tolist() == _greedy_reference(rows, cols, weights, list(mentee_room), list(mentor_room))


def test_a_single_range_runs_in_the_calling_thread_unless_progress_is_watched() -> None:
    # given: work on one range that notes the thread it ran in
    threads: list[int] = []
    seen: list[tuple[float, str]] = []

    def work(start: int, stop: int, done: list[int], slot: int) -> int:
        threads.append(threading.get_ident())
        done[slot] += stop - start
        return stop - start

    # when: run without a progress callback, then with one
    quiet = in_parallel([(0, 5)], work, 5, None, "scoring")
    watched = in_parallel([(0, 5)], work, 5, lambda fraction, stage: seen.append((fraction, stage)), "scoring")
    # then: the same results; the first ran in the calling thread, the second in the pool, which reported progress
    assert quiet == watched == [5]
    assert threads[0] == threading.get_ident()
    assert threads[1] != threading.get_ident()
    assert seen[-1] == (1.0, "scoring")


@st.composite
def one_to_one(draw: st.DrawFn) -> tuple[Problem, Rules, Weights]:
    problem = draw(problems(max_mentors=7, max_mentees=7, mentor_capacity=1, mentee_capacity=1))
    return problem, draw(rules_for(problem)), draw(weights)


@PROPERTY_SETTINGS
@given(one_to_one(), st.sampled_from([1, 2, None]))
def test_score_mode_equals_scipy_and_brute_force(instance: tuple[Problem, Rules, Weights], per_mentee: int | None) -> None:
    # given: a small problem with one partner each (a plain assignment), solved with few candidates
    # per mentee so that the compiled stored pricing proves the rest
    problem, rules, weights_ = instance
    encoded = encode(problem, rules, weights_)
    rows, cols = np.divmod(np.arange(encoded.n_mentees * encoded.n_mentors), max(1, encoded.n_mentors))
    _contributions, scores = edge_scores(encoded, rows, cols)
    allowed = edge_feasible(encoded, rows, cols) & (scores >= rules.min_pair_score)
    allowed &= (encoded.mentees.capacity[rows] > 0) & (encoded.mentors.capacity[cols] > 0)
    matrix = np.where(allowed, quantise(scores), 0).reshape(encoded.n_mentees, encoded.n_mentors)
    # when
    result = solve(problem, rules, weights_, candidates_per_mentee=per_mentee)
    # then: SciPy's dense assignment and brute force reach the same total, proven optimal
    picked_rows, picked_cols = linear_sum_assignment(matrix, maximize=True) if matrix.size else (np.zeros(0, int), np.zeros(0, int))
    pair_rows = np.array([problem.mentee_index[pair.mentee_id] for pair in result.pairs], dtype=np.int64)
    pair_cols = np.array([problem.mentor_index[pair.mentor_id] for pair in result.pairs], dtype=np.int64)
    total = int(quantise(edge_scores(encoded, pair_rows, pair_cols)[1]).sum())
    assert total == int(matrix[picked_rows, picked_cols].sum()) == Oracle.of(problem, rules, weights_).best_score()
    assert result.diagnostics.certificate.optimal
