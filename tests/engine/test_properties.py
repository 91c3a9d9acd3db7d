"""Properties of the matching engine, checked on random small problems against brute force."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import turnabout.engine._candidates as candidates_module
from tests.engine.strategies import Oracle, problems, rules_for, weights
from turnabout.engine import MatchResult, Problem, Rules, Weights, solve, suggest
from turnabout.engine._assignment import SolverError, potentials, solve_assignment
from turnabout.engine._candidates import generate, merge, price
from turnabout.engine._features import Encoded, encode
from turnabout.engine._kernels import MentorsBest, best_pairs, fill_scores, pair_lists
from turnabout.engine._rules import edge_feasible
from turnabout.engine._scoring import SCALE, edge_scores, quantise
from turnabout.engine._solver import _carried_upper_bound, _LastScan, _reserve_reduced_costs, _score_bounds, _worst_per_mentee
from turnabout.engine._suggest import suggestion_limits

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: st.DrawFn, **sizes: int) -> tuple[Problem, Rules, Weights]:
    problem = draw(problems(**sizes))
    return problem, draw(rules_for(problem)), draw(weights)


def _integer_total(problem: Problem, rules: Rules, weights: Weights, result: MatchResult) -> int:
    encoded = encode(problem, rules, weights)
    rows = np.array([problem.mentee_index[pair.mentee_id] for pair in result.pairs], dtype=np.int64)
    cols = np.array([problem.mentor_index[pair.mentor_id] for pair in result.pairs], dtype=np.int64)
    return int(quantise(edge_scores(encoded, rows, cols)[1]).sum())


def _nonempty(instance: tuple[Problem, Rules, Weights]) -> Encoded:
    """The instance encoded; Hypothesis skips it when either side is empty."""
    encoded = encode(*instance)
    assume(encoded.n_mentees > 0 and encoded.n_mentors > 0)
    return encoded


def _assert_valid(problem: Problem, rules: Rules, weights: Weights, result: MatchResult) -> None:
    encoded = encode(problem, rules, weights)
    rows = np.array([problem.mentee_index[pair.mentee_id] for pair in result.pairs], dtype=np.int64)
    cols = np.array([problem.mentor_index[pair.mentor_id] for pair in result.pairs], dtype=np.int64)
    # then: every pair passes every hard rule and the minimum score
    assert edge_feasible(encoded, rows, cols).all()
    assert all(pair.score >= rules.min_pair_score - 1e-12 for pair in result.pairs)
    # and: capacities hold, and no pair is made twice
    assert (np.bincount(rows, minlength=len(problem.mentees)) <= encoded.mentees.capacity).all()
    assert (np.bincount(cols, minlength=len(problem.mentors)) <= encoded.mentors.capacity).all()
    assert len({(pair.mentor_id, pair.mentee_id) for pair in result.pairs}) == len(result.pairs)
    # and: the explanations add up to the score exactly, in the order they are reported
    for pair in result.pairs:
        assert sum(pair.components.values()) == pair.score
        assert all(0 <= value <= 1 for value in pair.components.values())
    # and: everyone without a partner is listed once, with a reason
    matched = {pair.mentee_id for pair in result.pairs} | {pair.mentor_id for pair in result.pairs}
    listed = {(item.role, item.id) for item in result.unmatched}
    expected = {("mentee", m.id) for m in problem.mentees if m.id not in matched} | {
        ("mentor", m.id) for m in problem.mentors if m.id not in matched
    }
    assert listed == expected
    assert all(item.reason for item in result.unmatched)


@PROPERTY_SETTINGS
@given(instances(), st.sampled_from(["score", "coverage", "fair"]))
def test_rules_and_capacities_are_never_violated(instance: tuple[Problem, Rules, Weights], mode: str) -> None:
    # given
    problem, rules, weights = instance
    # when
    result = solve(problem, rules, weights, mode=mode)
    # then
    _assert_valid(problem, rules, weights, result)
    assert result.diagnostics.certificate.optimal


@PROPERTY_SETTINGS
@given(instances(), st.sampled_from([None, 1, 2]))
def test_score_mode_equals_brute_force(instance: tuple[Problem, Rules, Weights], per_mentee: int | None) -> None:
    # given: a problem of at most 7 x 7, solved on every pair or on 1-2 candidates per mentee (pricing then proves the rest)
    problem, rules, weights = instance
    # when
    result = solve(problem, rules, weights, candidates_per_mentee=per_mentee)
    # then
    assert _integer_total(problem, rules, weights, result) == Oracle.of(problem, rules, weights).best_score()
    assert result.diagnostics.certificate.optimal
    assert result.diagnostics.certificate.gap == 0


@PROPERTY_SETTINGS
@given(instances(), st.sampled_from(["score", "coverage"]), st.sampled_from([1, 2]))
def test_streamed_pricing_equals_brute_force(instance: tuple[Problem, Rules, Weights], mode: str, per_mentee: int) -> None:
    # given: the path of problems too large to keep every score (reserve, streamed scans)
    problem, rules, weights = instance
    # when
    with patch.object(candidates_module, "STORED_PAIRS_LIMIT", 0):
        result = solve(problem, rules, weights, mode=mode, candidates_per_mentee=per_mentee)
    # then
    count, total = Oracle.of(problem, rules, weights).best() if mode == "coverage" else (None, None)
    if mode == "score":
        assert _integer_total(problem, rules, weights, result) == Oracle.of(problem, rules, weights).best_score()
    else:
        assert result.diagnostics.mentees_matched == count
        assert _integer_total(problem, rules, weights, result) == total
    assert result.diagnostics.certificate.optimal


@PROPERTY_SETTINGS
@given(instances(), st.sampled_from([0.001, 0.05, 0.5]), st.booleans())
def test_a_tolerance_stops_with_an_upper_bound_that_holds(instance: tuple[Problem, Rules, Weights], tolerance: float, stored: bool) -> None:
    # given: one candidate per mentee, so that pricing rounds (and the bound carried between them) run
    problem, rules, weights = instance
    # when
    with patch.object(candidates_module, "STORED_PAIRS_LIMIT", candidates_module.STORED_PAIRS_LIMIT if stored else 0):
        result = solve(problem, rules, weights, mode="score", candidates_per_mentee=1, tolerance=tolerance)
    # then: the bound is above the true optimum, and the answer within the tolerance of the bound
    certificate = result.diagnostics.certificate
    optimum = Oracle.of(problem, rules, weights).best_score()
    assert round(certificate.upper_bound * SCALE) >= optimum
    assert _integer_total(problem, rules, weights, result) <= optimum
    assert certificate.upper_bound - certificate.objective <= tolerance * certificate.objective + 1e-6


@PROPERTY_SETTINGS
@given(instances(), st.integers(0, 2**32 - 1), st.booleans())
def test_the_bound_carried_from_a_scan_holds_under_new_duals(instance: tuple[Problem, Rules, Weights], seed: int, stored: bool) -> None:
    # given: a scan priced against arbitrary duals, its pairs added, and the optimum on the grown candidates
    problem, rules, weights = instance
    encoded, rng = _nonempty(instance), np.random.default_rng(seed)
    mentees, mentors = encoded.n_mentees, encoded.n_mentors
    mentee_capacity, mentor_capacity = encoded.mentees.capacity.astype(np.int64), encoded.mentors.capacity.astype(np.int64)
    with patch.object(candidates_module, "STORED_PAIRS_LIMIT", candidates_module.STORED_PAIRS_LIMIT if stored else 0):
        candidates = generate(encoded, 1, reserve=1)
        u0 = rng.integers(0, SCALE // 2, mentees)
        v0 = rng.integers(0, SCALE // 2, mentors)
        scan = price(encoded, candidates, np.arange(mentees), u0, v0, per_mentee=1, near=0.02)
    grown = merge(encoded, candidates, np.concatenate((scan.rows, scan.near_rows)), np.concatenate((scan.cols, scan.near_cols)), scan.bound)
    assignment = solve_assignment(grown.rows, grown.cols, grown.weights, mentee_capacity, mentor_capacity)
    reduced = _reserve_reduced_costs(grown, assignment.u, assignment.v, mentee_capacity)
    worst = _worst_per_mentee(grown.reserve_rows, reduced, mentees)
    # when
    carried = _carried_upper_bound(
        assignment, _LastScan(u0, v0, scan.rest), _score_bounds(grown, mentee_capacity), worst, mentee_capacity, mentor_capacity
    )
    # then: no matching of the whole problem beats it
    assert carried >= Oracle.of(problem, rules, weights).best_score()


@PROPERTY_SETTINGS
@given(instances(), st.sampled_from([None, 1]))
def test_coverage_mode_equals_brute_force(instance: tuple[Problem, Rules, Weights], per_mentee: int | None) -> None:
    # given
    problem, rules, weights = instance
    # when
    result = solve(problem, rules, weights, mode="coverage", candidates_per_mentee=per_mentee)
    # then
    count, total = Oracle.of(problem, rules, weights).best()
    assert result.diagnostics.mentees_matched == count
    assert _integer_total(problem, rules, weights, result) == total


@PROPERTY_SETTINGS
@given(instances(max_mentors=6, max_mentees=6), st.sampled_from([None, 1]))
def test_fair_mode_equals_brute_force(instance: tuple[Problem, Rules, Weights], per_mentee: int | None) -> None:
    # given
    problem, rules, weights = instance
    # when
    result = solve(problem, rules, weights, mode="fair", candidates_per_mentee=per_mentee)
    # then
    count, floor, total = Oracle.of(problem, rules, weights).best_fair()
    assert result.diagnostics.mentees_matched == count
    if floor is not None:
        assert min(round(pair.score * SCALE) for pair in result.pairs) == floor
    assert _integer_total(problem, rules, weights, result) == total


@PROPERTY_SETTINGS
@given(instances(), st.sampled_from(["score", "coverage"]))
def test_never_worse_than_greedy(instance: tuple[Problem, Rules, Weights], mode: str) -> None:
    # given
    problem, rules, weights = instance
    # when
    result = solve(problem, rules, weights, mode=mode)
    # then
    greedy = result.diagnostics.greedy
    if mode == "score":
        assert result.diagnostics.total_score >= greedy.total_score - 1e-6 * max(1, greedy.pairs)
    else:
        assert result.diagnostics.mentees_matched >= greedy.mentees_matched


@settings(max_examples=25, deadline=None)
@given(instances(mentor_capacity=2), st.sampled_from(["score", "coverage", "fair"]))
def test_mentors_with_capacity_stay_optimal(instance: tuple[Problem, Rules, Weights], mode: str) -> None:
    # given: mentors and mentees may both take two partners
    problem, rules, weights = instance
    # when
    result = solve(problem, rules, weights, mode=mode)
    # then
    _assert_valid(problem, rules, weights, result)
    if mode == "score":
        assert _integer_total(problem, rules, weights, result) == Oracle.of(problem, rules, weights).best_score()


@settings(max_examples=30, deadline=None)
@given(instances(), st.sampled_from(["score", "coverage", "fair"]))
def test_deterministic_and_inputs_untouched(instance: tuple[Problem, Rules, Weights], mode: str) -> None:
    # given
    problem, rules, weights = instance
    snapshot = repr((problem.mentors, problem.mentees, problem.taxonomy, rules, weights))
    # when
    first = solve(problem, rules, weights, mode=mode)
    second = solve(problem, rules, weights, mode=mode)
    # then
    assert [(p.mentor_id, p.mentee_id, p.score, p.reasons) for p in first.pairs] == [
        (p.mentor_id, p.mentee_id, p.score, p.reasons) for p in second.pairs
    ]
    assert first.unmatched == second.unmatched
    assert repr((problem.mentors, problem.mentees, problem.taxonomy, rules, weights)) == snapshot


@settings(max_examples=30, deadline=None)
@given(instances(), st.integers(1, 3))
def test_suggestions_fit_the_rules_and_spread(instance: tuple[Problem, Rules, Weights], top_n: int) -> None:
    # given
    problem, rules, weights = instance
    # when
    shortlist = suggest(problem, rules, weights, top_n=top_n)
    # then
    encoded = encode(problem, rules, weights)
    rows = np.array([problem.mentee_index[s.mentee_id] for s in shortlist], dtype=np.int64)
    cols = np.array([problem.mentor_index[s.mentor_id] for s in shortlist], dtype=np.int64)
    assert edge_feasible(encoded, rows, cols).all()
    assert len({(s.mentee_id, s.mentor_id) for s in shortlist}) == len(shortlist)
    assert (np.bincount(rows, minlength=len(problem.mentees)) <= top_n).all()
    active = int((encoded.mentees.capacity > 0).sum())
    limits = suggestion_limits(encoded.mentors.capacity, active, top_n, 1.5)
    assert (np.bincount(cols, minlength=len(problem.mentors)) <= limits).all()
    for mentee_id in {s.mentee_id for s in shortlist}:
        ranks = [s for s in shortlist if s.mentee_id == mentee_id]
        assert [s.rank for s in ranks] == list(range(1, len(ranks) + 1))
        assert [round(s.score, 9) for s in ranks] == sorted((round(s.score, 9) for s in ranks), reverse=True)


@settings(max_examples=40, deadline=None)
@given(instances())
def test_compiled_scan_agrees_with_exact_scores(instance: tuple[Problem, Rules, Weights]) -> None:
    # given
    problem, rules, weights = instance
    encoded = encode(problem, rules, weights)
    if encoded.n_mentees == 0 or encoded.n_mentors == 0:
        return
    # when
    approximate = fill_scores(encoded, np.arange(encoded.n_mentees, dtype=np.int32))
    rows, cols = np.divmod(np.arange(encoded.n_mentees * encoded.n_mentors), encoded.n_mentors)
    _contributions, exact = edge_scores(encoded, rows, cols)
    feasible = edge_feasible(encoded, rows, cols) & (exact >= rules.min_pair_score)
    # then: the compiled scan keeps every feasible pair, scores it closely and drops every infeasible one
    flat = approximate.ravel()
    assert np.isfinite(flat[feasible]).all()
    assert np.allclose(flat[feasible], exact[feasible], atol=1e-5)
    assert not np.isfinite(flat[~edge_feasible(encoded, rows, cols)]).any()


@st.composite
def b_matchings(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mentees, mentors = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    pairs = draw(st.sets(st.tuples(st.integers(0, mentees - 1), st.integers(0, mentors - 1)), max_size=mentees * mentors))
    ordered = sorted(pairs)
    rows = np.array([row for row, _col in ordered], dtype=np.int64)
    cols = np.array([col for _row, col in ordered], dtype=np.int64)
    weights = np.array(draw(st.lists(st.integers(0, 1000), min_size=len(ordered), max_size=len(ordered))), dtype=np.int64)
    mentee_capacity = np.array(draw(st.lists(st.integers(0, 2), min_size=mentees, max_size=mentees)), dtype=np.int64)
    mentor_capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=mentors, max_size=mentors)), dtype=np.int64)
    bonus = np.array(draw(st.lists(st.sampled_from([0, 0, 5000]), min_size=mentees, max_size=mentees)), dtype=np.int64)
    return rows, cols, weights, mentee_capacity, mentor_capacity, bonus


@settings(max_examples=200, deadline=None)
@given(b_matchings())
def test_min_cost_flow_agrees_with_the_linear_program(instance: tuple[np.ndarray, ...]) -> None:
    # given: any small b-matching, with or without a coverage bonus
    rows, cols, weights, mentee_capacity, mentor_capacity, bonus = instance
    # when: solved by OR-Tools' min-cost flow and, independently, by HiGHS
    flow = solve_assignment(rows, cols, weights, mentee_capacity, mentor_capacity, bonus=bonus)
    highs = solve_assignment(rows, cols, weights, mentee_capacity, mentor_capacity, bonus=bonus, force_solver="highs")
    # then: the same optimum, and each is certified by its own dual bound
    assert flow.objective == highs.objective
    assert flow.upper_bound == flow.objective
    assert np.all(np.bincount(rows[flow.chosen], minlength=len(mentee_capacity)) <= mentee_capacity)
    assert np.all(np.bincount(cols[flow.chosen], minlength=len(mentor_capacity)) <= mentor_capacity)


@settings(max_examples=200, deadline=None)
@given(b_matchings(), st.integers(0, 2**32 - 1))
def test_potentials_certify_optimal_matchings_and_reject_the_others(instance: tuple[np.ndarray, ...], seed: int) -> None:
    # given: any small b-matching, its optimum, and some other matching that fits the capacities
    rows, cols, weights, mentee_capacity, mentor_capacity, bonus = instance
    best = solve_assignment(rows, cols, weights, mentee_capacity, mentor_capacity, bonus=bonus)
    other = np.zeros(len(rows), dtype=bool)
    mentee_room, mentor_room = mentee_capacity.copy(), mentor_capacity.copy()
    for pair in np.random.default_rng(seed).permutation(len(rows)):
        if mentee_room[rows[pair]] > 0 and mentor_room[cols[pair]] > 0 and np.random.default_rng(seed + pair).random() < 0.5:
            other[pair] = True
            mentee_room[rows[pair]] -= 1
            mentor_room[cols[pair]] -= 1
    matched = np.bincount(rows[other], minlength=len(mentee_capacity)) > 0
    other_objective = int(weights[other].sum()) + int(bonus[matched].sum())
    # when: potentials are computed for the other matching
    try:
        _u, _v, bound = potentials(rows, cols, weights, other, mentee_capacity, mentor_capacity, bonus=bonus)
    except SolverError:
        # then: it is rejected exactly when it is worse than the optimum
        assert other_objective < best.objective
    else:
        assert other_objective == best.objective == bound


@settings(max_examples=60, deadline=None)
@given(instances(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_streaming_scan_keeps_the_best_pairs_and_bounds_the_rest(instance: tuple[Problem, Rules, Weights], k: int, seed: int) -> None:
    # given: duals, a list of pairs to skip (the candidates) and each mentor's best to track
    rules = instance[1]
    encoded, rng = _nonempty(instance), np.random.default_rng(seed)
    mentees, mentors = encoded.n_mentees, encoded.n_mentors
    u, v = rng.uniform(0, 0.5, mentees), rng.uniform(0, 0.5, mentors)
    skipped = rng.random((mentees, mentors)) < 0.3
    skip_ptr, skip_cols = pair_lists(encoded, *np.nonzero(skipped))
    tracked = MentorsBest.empty(mentors, 2)
    # when
    found = best_pairs(encoded, np.arange(mentees), k, u=u, v=v, skip_ptr=skip_ptr, skip_cols=skip_cols, slack=1e-6, mentors_best=tracked)
    # then: against every pair scored exactly
    rows, cols = np.divmod(np.arange(mentees * mentors), mentors)
    _contributions, exact = edge_scores(encoded, rows, cols)
    open_pair = (edge_feasible(encoded, rows, cols) & (exact >= rules.min_pair_score)).reshape(mentees, mentors)
    exact = exact.reshape(mentees, mentors)
    considered = open_pair & ~skipped
    value = np.where(considered, exact - u[:, None] - v[None, :], -np.inf)
    for row in range(mentees):
        listed = found.cols[row][found.cols[row] >= 0]
        expected = np.sort(value[row][np.isfinite(value[row])])[::-1][:k]
        assert np.allclose(found.values[row][: len(listed)], expected, atol=1e-9)
        assert considered[row, listed].all()
        rest = np.ones(mentors, dtype=bool)
        rest[listed] = False
        best_rest = exact[row][considered[row] & rest].max(initial=-np.inf)
        assert found.left_out[row] >= best_rest - 1e-9
        assert found.hits[row] == np.count_nonzero(value[row] > -1e-6)
        assert np.isclose(found.excess[row], (value[row][value[row] > -1e-6] + 1e-6).sum(), atol=1e-9)
    tracked = tracked.in_original_order(encoded)
    for col in range(mentors):
        kept = np.sort(tracked.scores[col][np.isfinite(tracked.scores[col])])[::-1]
        column = exact[:, col][considered[:, col]]
        assert np.allclose(kept, np.sort(column)[::-1][:2], atol=1e-9)
