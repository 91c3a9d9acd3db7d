"""The engine's ``solve`` against SciPy's dense ``linear_sum_assignment``, side by side in one run.

Usage::

    .venv/bin/python bench/engine_vs_scipy.py                      # 50 × 50 up to 5,000 × 5,000 (a few minutes)
    .venv/bin/python bench/engine_vs_scipy.py --sizes 1000 2000

The instances are those of ``bench/matching.py`` (same generator, seed and rules), with one
partner each, so that SciPy's assignment is the same problem. SciPy gets the dense matrix of the
engine's own exact pair scores in integer millionths (what the engine's solver optimises), with
every pair that breaks a hard rule or falls under the minimum pair score at 0: such a pair can never
beat leaving both people unmatched, and an assigned zero counts as no pair. Only
``linear_sum_assignment(matrix, maximize=True)`` is timed; the ``scores`` column is the time to
build that matrix, which SciPy would need too. The engine is timed on ``solve`` end to end: encoding
the participants, scoring, solving, proving optimality (certificate), explanations for every pair
and unmatched person, diagnostics. Each figure is the best of three after a warm-up run on the same
instance (the Numba kernels are compiled ahead and cached on disk, so the warm-up only loads them).
``same`` says whether both totals are equal to the millionth; ``load`` is the one-minute load
average when the size was done (the machine may be shared).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_ROOT))

from turnabout.engine import MatchResult, Problem, solve  # noqa: E402
from turnabout.engine._features import encode  # noqa: E402
from turnabout.engine._kernels import fill_scores  # noqa: E402
from turnabout.engine._scoring import SCALE, edge_scores, quantise  # noqa: E402

# bench/matching.py shares its name with the PyPI package it compares against: load it by path.
_spec = importlib.util.spec_from_file_location("bench_matching", _ROOT / "bench" / "matching.py")
if _spec is None or _spec.loader is None:
    raise ImportError("bench/matching.py cannot be loaded")
instances = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(instances)

REPEATS = 3
_BLOCK_CELLS = 4_000_000


def exact_matrix(problem: Problem) -> np.ndarray:
    """Every pair's exact score in millionths as the engine's solver sees it; 0 where the pair is not allowed."""
    encoded = encode(problem, instances.RULES, instances.WEIGHTS)
    mentees, mentors = encoded.n_mentees, encoded.n_mentors
    matrix = np.zeros((mentees, mentors), dtype=np.float64)
    step = max(1, _BLOCK_CELLS // max(1, mentors))
    for start in range(0, mentees, step):
        rows = np.arange(start, min(start + step, mentees), dtype=np.int32)
        # The compiled scan says which pairs pass the hard rules; the exact float64 scoring gives their scores.
        local, cols = np.nonzero(np.isfinite(fill_scores(encoded, rows)))
        pair_rows = rows[local]
        _contributions, scores = edge_scores(encoded, pair_rows, cols)
        allowed = scores >= encoded.rules.min_pair_score
        matrix[pair_rows[allowed], cols[allowed]] = quantise(scores[allowed])
    return matrix


def best_of(repeats: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeats`` timed runs after one untimed warm-up, and the last result."""
    result = run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def engine_total(result: MatchResult) -> int:
    return sum(round(pair.score * SCALE) for pair in result.pairs)


def measure(size: int) -> dict[str, Any]:
    problem = instances.generate(size, size, 1)
    engine_seconds, result = best_of(REPEATS, lambda: solve(problem, instances.RULES, instances.WEIGHTS))
    started = time.perf_counter()
    matrix = exact_matrix(problem)
    scores_seconds = time.perf_counter() - started
    scipy_seconds, (rows, cols) = best_of(REPEATS, lambda: linear_sum_assignment(matrix, maximize=True))
    scipy_total = int(matrix[rows, cols].sum())
    certificate = result.diagnostics.certificate
    return {
        "size": size,
        "engine": engine_seconds,
        "scipy": scipy_seconds,
        "scores": scores_seconds,
        "same": engine_total(result) == scipy_total,
        "optimal": certificate.optimal,
        "stages": {name: round(value, 3) for name, value in result.diagnostics.seconds.items()},
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 100, 200, 500, 1000, 2000, 5000])
    arguments = parser.parse_args()
    print(
        f"{'instance':<14}{'engine s':>10}{'SciPy s':>10}{'engine/SciPy':>14}{'scores s':>10}{'same':>6}{'optimal':>9}{'load':>6}"
        "  engine stages (last run)"
    )
    for size in arguments.sizes:
        row = measure(size)
        print(
            f"{f'{size} x {size}':<14}{row['engine']:>10.3f}{row['scipy']:>10.3f}{row['engine'] / row['scipy']:>14.2f}"
            f"{row['scores']:>10.2f}{'yes' if row['same'] else 'NO':>6}{'yes' if row['optimal'] else 'NO':>9}{row['load']:>6.1f}"
            f"  {row['stages']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
