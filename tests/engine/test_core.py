"""The engine core's contracts: the solver choice, the stages of ``solve`` and the pricing outcome."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from turnabout.engine import Participant, Problem, Rules, solve
from turnabout.engine import _solver as solver_module
from turnabout.engine._assignment import SOLVER_NAMES, solve_assignment
from turnabout.engine._solver import Priced, PricingOutcome, _candidates, _objective, _prepare, _price_and_certify, _validate

ROWS, COLS, WEIGHTS = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([5, 4, 3])
CAPACITY = np.array([1, 1])


@pytest.mark.parametrize("name", SOLVER_NAMES)
def test_each_accepted_solver_finds_the_optimum(name: str) -> None:
    # given: a small assignment; when: it is solved by each accepted solver
    assignment = solve_assignment(ROWS, COLS, WEIGHTS, CAPACITY, CAPACITY, force_solver=name)  # type: ignore[arg-type]
    # then: the same optimum, reported under that solver's name
    assert (assignment.objective, assignment.solver) == (7, name)


@pytest.mark.parametrize("name", ["glpk", "HiGHS", "", "min-cost-flow"])
def test_an_unknown_solver_is_refused_naming_the_accepted_ones(name: str) -> None:
    # given: a solver name the engine does not know; when: it is forced
    with pytest.raises(ValueError, match="min_cost_flow") as raised:
        solve_assignment(ROWS, COLS, WEIGHTS, CAPACITY, CAPACITY, force_solver=name)  # type: ignore[arg-type]
    # then: the error names the value and every accepted solver (none is picked silently)
    assert repr(name) in str(raised.value)
    assert all(repr(accepted) in str(raised.value) for accepted in SOLVER_NAMES)


def test_an_unknown_solver_is_refused_even_with_nothing_to_solve() -> None:
    # given: no candidate pair at all; when: an unknown solver is forced; then: still refused
    empty = np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match="highs"):
        solve_assignment(empty, empty, empty, CAPACITY, CAPACITY, force_solver="simplex")  # type: ignore[arg-type]


def _organisation(size: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    skills = [f"s{index}" for index in range(12)]

    def levels() -> dict[str, int]:
        return {str(skill): int(rng.integers(1, 6)) for skill in rng.choice(skills, size=3, replace=False)}

    mentors = [Participant(f"M{index}", grade=int(rng.integers(1, 4)), languages=["en"], skills=levels()) for index in range(size)]
    mentees = [Participant(f"E{index}", grade=int(rng.integers(6, 10)), languages=["en"], goals=levels()) for index in range(size)]
    return Problem(tuple(mentors), tuple(mentees))


def _priced(problem: Problem, per_mentee: int | None, tolerance: float) -> Priced:
    settings = _validate(problem, Rules(min_overlap_minutes=0), None, "score", per_mentee, tolerance)
    prepared = _prepare(settings)
    candidates = _candidates(prepared, None)
    objective = _objective(prepared)
    return _price_and_certify(
        prepared.encoded,
        candidates,
        prepared.mentee_capacity,
        prepared.mentor_capacity,
        objective.bonus,
        prepared.per_mentee,
        None,
        tolerance,
    )


def test_solve_reads_as_its_stages_and_agrees_with_them() -> None:
    # given: a problem solved through the public call and stage by stage
    problem = _organisation(30, seed=5)
    result = solve(problem, Rules(min_overlap_minutes=0), candidates_per_mentee=2)
    priced = _priced(problem, 2, 0.0)
    # then: the stages give the same proven optimum
    assert priced.outcome is PricingOutcome.CONVERGED
    assert priced.certified
    assert priced.upper_bound == priced.assignment.objective
    assert result.diagnostics.certificate.optimal
    assert result.diagnostics.certificate.pricing_rounds == priced.rounds


def test_the_pricing_loop_says_how_it_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _organisation(40, seed=3)
    # every pair offered: nothing to price
    exhaustive = _priced(problem, None, 0.0)
    assert (exhaustive.outcome, exhaustive.rounds, exhaustive.certified) == (PricingOutcome.EXHAUSTIVE, 0, True)
    # few candidates, no tolerance: priced until no left-out pair can improve
    converged = _priced(problem, 1, 0.0)
    assert converged.outcome is PricingOutcome.CONVERGED
    assert converged.certified
    assert converged.rounds > 0
    assert converged.assignment.objective == exhaustive.assignment.objective
    # a generous tolerance: stops once the bound is close enough, without claiming optimality
    close = _priced(problem, 1, 0.5)
    assert close.outcome is PricingOutcome.WITHIN_TOLERANCE
    assert close.upper_bound - close.assignment.objective <= 0.5 * close.assignment.objective
    assert close.certified == (close.upper_bound <= close.assignment.objective)
    # no pricing round allowed: the limit is reported, with a bound that covers the left-out pairs
    monkeypatch.setattr(solver_module, "MAX_PRICING_ROUNDS", 0)
    limited = _priced(problem, 1, 0.0)
    assert limited.outcome is PricingOutcome.ROUND_LIMIT
    assert not limited.certified
    assert limited.upper_bound >= exhaustive.assignment.objective


def test_importing_the_engine_leaves_the_solver_stack_unloaded() -> None:
    # given: a fresh interpreter, as a web process starts; when: it imports the engine and builds a problem
    code = (
        "import sys\n"
        "from turnabout.engine import Participant, Problem, Rules\n"
        "Problem((Participant('M1', grade=1),), (Participant('E1', grade=6),)); Rules()\n"
        "print(sorted(m for m in ('numba', 'ortools', 'scipy.optimize', 'scipy.sparse.csgraph') if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    # then: none of the solver's heavy libraries is loaded yet (a solve loads them)
    assert loaded == "[]"
