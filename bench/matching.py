"""Benchmark the matching engine on synthetic, realistic organisations.

Usage::

    .venv/bin/python bench/matching.py                 # the full table (minutes; run it in the background)
    .venv/bin/python bench/matching.py --sizes 1000 5000
    .venv/bin/python bench/matching.py --one 20000 2   # one instance, printed as JSON (used internally)
    .venv/bin/python bench/matching.py --circles-only  # only the circles instance (2,000 leaders, 500 juniors)

Each instance is solved in a fresh process so that peak memory (max RSS) belongs to that run. For
every instance the table shows the engine, the greedy baseline and Gale–Shapley (the PyPI
``matching`` package, mentee-proposing hospital/residents), measured in the same run, with their
total score, coverage and worst pair score, and the ratios of the baselines to the engine.

The circles instance (last in the table) forms circles of one junior and four leaders (2,000 leaders
around 500 juniors of the same generator) with ``form_circles`` and prints its time, total, upper
bound and their ratio.

The instances: an organisation tree per department with a grade ladder (mentors are grades 1-5,
mentees 5-10, each reporting to someone one or two grades up, so reporting lines run through both
sides), eight sites in eight time zones, English plus a site language, availability chosen from
half-day blocks in local time, 300 skills with Zipf popularity (a taxonomy relates neighbouring
skills), interests and values with Zipf popularity.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

# This file is called matching.py: keep its folder off the path so `import matching` finds the PyPI package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from turnabout.engine import CircleSpec, Participant, Problem, Rules, Taxonomy, Weights, Window, form_circles, solve  # noqa: E402

SITES = (
    ("London", "Europe/London", "en"),
    ("Paris", "Europe/Paris", "fr"),
    ("Berlin", "Europe/Berlin", "de"),
    ("New York", "America/New_York", "es"),
    ("San Francisco", "America/Los_Angeles", "es"),
    ("Sao Paulo", "America/Sao_Paulo", "pt"),
    ("Bangalore", "Asia/Kolkata", "hi"),
    ("Singapore", "Asia/Singapore", "zh"),
)
SITE_WEIGHTS = np.array([0.22, 0.12, 0.10, 0.20, 0.10, 0.08, 0.12, 0.06])
SKILLS = 300
INTERESTS = 80
VALUES = 20
RULES = Rules(min_grade_gap=2, min_overlap_minutes=60, max_mentors_per_mentee=2)
WEIGHTS = Weights()
CIRCLES = (500, 2000)  # juniors, leaders
CIRCLE_SPEC = CircleSpec(mentors_per_circle=(1, 1), mentees_per_circle=(4, 4))


def _zipf_choice(rng: np.random.Generator, size: int, count: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** exponent
    return rng.choice(size, size=count, replace=False, p=weights / weights.sum())


def taxonomy() -> Taxonomy:
    """Neighbouring skills are related; every tenth skill has a synonym."""
    related = {f"skill-{k}": [f"skill-{k + 1}"] for k in range(0, SKILLS - 1, 2)}
    synonyms = {f"skill-{k}": [f"alias-{k}"] for k in range(0, SKILLS, 10)}
    return Taxonomy(synonyms=synonyms, related=related)


def generate(mentors: int, mentees: int, mentee_capacity: int, seed: int = 7) -> Problem:
    """A synthetic organisation with ``mentors`` juniors and ``mentees`` seniors."""
    rng = np.random.default_rng(seed)
    departments = max(8, (mentors + mentees) // 1500)
    people = mentors + mentees
    is_mentor = np.zeros(people, dtype=bool)
    is_mentor[:mentors] = True
    grade = np.where(is_mentor, rng.integers(1, 6, people), rng.integers(5, 11, people))
    department = rng.integers(0, departments, people)
    site = rng.choice(len(SITES), size=people, p=SITE_WEIGHTS)
    ids = [f"M{k:06d}" for k in range(mentors)] + [f"E{k:06d}" for k in range(mentees)]

    # Reporting lines: each person reports to someone in their department one or two grades up,
    # or to the department's head (a non-participant) when there is nobody.
    by_group: dict[tuple[int, int], np.ndarray] = {}
    order = np.lexsort((grade, department))
    keys = department[order] * 100 + grade[order]
    boundaries = np.flatnonzero(np.diff(keys)) + 1
    for chunk in np.split(order, boundaries):
        by_group[(int(department[chunk[0]]), int(grade[chunk[0]]))] = chunk
    manager = np.full(people, -1)
    for person in range(people):
        for up in (1, 2):
            pool = by_group.get((int(department[person]), int(grade[person]) + up))
            if pool is not None:
                manager[person] = pool[rng.integers(len(pool))]
                break
    chains: list[tuple[str, ...]] = [()] * people
    for person in np.argsort(-grade, kind="stable"):
        boss = manager[person]
        head = f"HEAD-{department[person]}"
        chains[person] = (ids[boss], *chains[boss]) if boss >= 0 else (head,)

    blocks = [(day, start, end) for day in range(5) for start, end in (("09:00", "12:00"), ("13:00", "17:00"))]
    block_weights = 1.0 / np.arange(1, len(blocks) + 1) ** 0.7
    block_weights /= block_weights.sum()
    interest_weights = 1.0 / np.arange(1, INTERESTS + 1) ** 1.0
    interest_weights /= interest_weights.sum()

    participants: list[Participant] = []
    for person in range(people):
        site_name, zone, local_language = SITES[site[person]]
        languages = ["en", local_language] if rng.random() < 0.9 else [local_language]
        chosen_blocks = rng.choice(len(blocks), size=int(rng.integers(2, 5)), replace=False, p=block_weights)
        availability = tuple(Window(*blocks[b]) for b in sorted(chosen_blocks))
        interests = [f"interest-{k}" for k in rng.choice(INTERESTS, size=int(rng.integers(2, 6)), replace=False, p=interest_weights)]
        values = [f"value-{k}" for k in rng.choice(VALUES, size=2, replace=False)]
        if is_mentor[person]:
            skills = {f"skill-{k}": int(rng.integers(1, 6)) for k in _zipf_choice(rng, SKILLS, int(rng.integers(3, 7)))}
            goals: dict[str, int] = {}
            capacity = 1
        else:
            skills = {}
            goals = {f"skill-{k}": int(rng.integers(1, 6)) for k in _zipf_choice(rng, SKILLS, int(rng.integers(2, 5)))}
            capacity = mentee_capacity
        participants.append(
            Participant(
                id=ids[person],
                grade=int(grade[person]),
                department=f"Dept {department[person]}",
                site=site_name,
                timezone=zone,
                languages=languages,
                ancestors=chains[person],
                skills=skills,
                goals=goals,
                interests=interests,
                values=values,
                availability=availability,
                capacity=capacity,
            )
        )
    return Problem(mentors=tuple(participants[:mentors]), mentees=tuple(participants[mentors:]), taxonomy=taxonomy())


def _gale_shapley(problem: Problem, result_pairs: Any, candidate_scores: dict[tuple[int, int], float], time_limit: float) -> dict[str, Any]:
    """Mentee-optimal stable matching (hospital/residents) over the engine's candidate pairs."""
    from matching.games import HospitalResident

    mentee_prefs: dict[str, list[str]] = {}
    mentor_prefs: dict[str, list[str]] = {}
    for (row, col), _score in sorted(candidate_scores.items(), key=lambda item: (-item[1], item[0])):
        mentor_prefs.setdefault(problem.mentors[col].id, []).append(problem.mentees[row].id)
        mentee_prefs.setdefault(problem.mentees[row].id, []).append(problem.mentors[col].id)
    # Mentors (capacity 1) are the residents; mentees (capacity up to 2) the hospitals.
    capacities = {mentee.id: mentee.capacity for mentee in problem.mentees if mentee.id in mentee_prefs}
    # The package deep-copies its players, which recurses once per linked player: give it room.
    outcome: dict[str, Any] = {}

    def play() -> None:
        game = HospitalResident.create_from_dictionaries(mentor_prefs, mentee_prefs, capacities)
        outcome["matching"] = game.solve(optimal="resident")

    sys.setrecursionlimit(10_000_000)
    threading.stack_size(1 << 30)
    started = time.perf_counter()
    worker = threading.Thread(target=play)
    worker.start()
    worker.join()
    seconds = time.perf_counter() - started
    matching = outcome["matching"]
    del time_limit
    scores = []
    matched = 0
    for hospital, residents in matching.items():
        if residents:
            matched += 1
        row = problem.mentee_index[hospital.name]
        for resident in residents:
            scores.append(candidate_scores[(row, problem.mentor_index[resident.name])])
    return {"seconds": seconds, "total": float(np.sum(scores)), "matched": matched, "worst": float(min(scores)) if scores else 0.0}


def run_one(size: int, mentee_capacity: int, *, gale_shapley: bool, tolerance: float = 0.0) -> dict[str, Any]:
    """Generate, solve and measure one instance in this process (within ``tolerance`` of a proven bound)."""
    started = time.perf_counter()
    problem = generate(size, size, mentee_capacity)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    result = solve(problem, RULES, WEIGHTS, mode="score", tolerance=tolerance)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    d = result.diagnostics
    row: dict[str, Any] = {
        "size": size,
        "mentee_capacity": mentee_capacity,
        "tolerance": tolerance,
        "generate_s": generated,
        "seconds": seconds,
        "stage_seconds": dict(d.seconds),
        "peak_bytes": peak,
        "total": d.total_score,
        "coverage": d.coverage,
        "worst": d.min_score,
        "mean": d.mean_score,
        "p10": d.p10_score,
        "optimal": d.certificate.optimal,
        "upper_bound": d.certificate.upper_bound,
        "gap": d.certificate.gap,
        "candidates": d.certificate.candidate_pairs,
        "pricing_rounds": d.certificate.pricing_rounds,
        "solver": d.solver,
        "blocking": d.blocking_pairs,
        "greedy_total": d.greedy.total_score,
        "greedy_coverage": d.greedy.mentees_matched / max(1, d.mentees_total),
        "greedy_worst": d.greedy.min_score,
    }
    if gale_shapley:
        from turnabout.engine._candidates import generate as generate_candidates
        from turnabout.engine._features import encode

        encoded = encode(problem, RULES, WEIGHTS)
        candidates = generate_candidates(encoded, 40 if size > 2000 else size)
        scores = {(int(r), int(c)): float(s) for r, c, s in zip(candidates.rows, candidates.cols, candidates.scores, strict=True)}
        gs = _gale_shapley(problem, result.pairs, scores, 600)
        row.update({"gs_seconds": gs["seconds"], "gs_total": gs["total"], "gs_coverage": gs["matched"] / size, "gs_worst": gs["worst"]})
    return row


def run_circles(mentors: int, mentees: int, time_limit: float = 20.0) -> dict[str, Any]:
    """Generate one organisation and form its circles (``CIRCLE_SPEC``) in this process."""
    started = time.perf_counter()
    problem = generate(mentors, mentees, 1)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    result = form_circles(problem, CIRCLE_SPEC, RULES, WEIGHTS, time_limit=time_limit)
    seconds = time.perf_counter() - started
    certificate = result.certificate
    return {
        "mentors": mentors,
        "mentees": mentees,
        "generate_s": generated,
        "seconds": seconds,
        "stage_seconds": dict(result.seconds),
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "circles": len(result.circles),
        "mentees_placed": sum(len(circle.mentee_ids) for circle in result.circles),
        "total": result.total_score,
        "upper_bound": certificate.upper_bound,
        "ratio": result.total_score / certificate.upper_bound if certificate.upper_bound else 1.0,
        "optimal": certificate.optimal,
        "method": certificate.method,
    }


def _print_circles(timeout: int) -> None:
    mentors, mentees = CIRCLES
    command = [sys.executable, __file__, "--one-circles", str(mentors), str(mentees)]
    try:
        output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout, env=os.environ.copy())
    except subprocess.CalledProcessError as error:
        print(f"circles {mentors} x {mentees}: failed\n{error.stderr[-2000:]}", flush=True)
        return
    except subprocess.TimeoutExpired:
        print(f"circles {mentors} x {mentees}: timed out after {timeout} s", flush=True)
        return
    row = json.loads(output.stdout.strip().splitlines()[-1])
    low, high = CIRCLE_SPEC.mentees_per_circle
    print(
        f"circles: {row['mentees']} leaders around {row['mentors']} juniors, {low}-{high} leaders per junior: "
        f"{row['seconds']:.1f} s, peak {_human_bytes(row['peak_bytes'])}, {row['circles']} circles, "
        f"{row['mentees_placed']} leaders placed, total {row['total']:.1f}, upper bound {row['upper_bound']:.1f}, "
        f"ratio {row['ratio']:.4f}, optimal {'yes' if row['optimal'] else 'no'}",
        flush=True,
    )
    print(
        f"    stages: {json.dumps({k: round(v, 2) for k, v in row['stage_seconds'].items()})}; "
        f"generate {row['generate_s']:.1f} s; method: {row['method']}",
        flush=True,
    )


def _human_bytes(count: float) -> str:
    return f"{count / 2**30:.2f} GiB" if count >= 2**30 else f"{count / 2**20:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 20000, 100000])
    parser.add_argument("--one", type=int, nargs=2, metavar=("SIZE", "CAPACITY"))
    parser.add_argument("--one-circles", type=int, nargs=2, metavar=("MENTORS", "MENTEES"))
    parser.add_argument("--circles-only", action="store_true", help="run only the circles instance")
    parser.add_argument("--gale-shapley-up-to", type=int, default=5000, help="largest size to run the matching package on")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument(
        "--tolerance-from",
        type=int,
        default=100000,
        metavar="SIZE",
        help="instances this large stop within 1 %% of a proven upper bound instead of proving the optimum",
    )
    arguments = parser.parse_args()
    if arguments.one_circles:
        print(json.dumps(run_circles(*arguments.one_circles)))
        return
    if arguments.circles_only:
        _print_circles(arguments.timeout)
        return
    if arguments.one:
        size, capacity = arguments.one
        tolerance = 0.01 if size >= arguments.tolerance_from else 0.0
        print(json.dumps(run_one(size, capacity, gale_shapley=size <= arguments.gale_shapley_up_to, tolerance=tolerance)))
        return
    instances = []
    for size in arguments.sizes:
        instances.append((size, 1))
        if size in (1000, 5000, 20000):
            instances.append((size, 2))
    header = (
        f"{'instance':<22}{'seconds':>9}{'peak':>11}{'total':>12}{'coverage':>9}{'worst':>7}{'optimal':>9}{'gap':>9}"
        f"{'greedy/opt':>11}{'greedy cov':>11}{'greedy worst':>13}{'GS/opt':>8}{'GS cov':>8}{'GS worst':>9}{'GS s':>8}"
    )
    print(header, flush=True)
    for size, capacity in instances:
        command = [
            sys.executable,
            __file__,
            "--one",
            str(size),
            str(capacity),
            "--gale-shapley-up-to",
            str(arguments.gale_shapley_up_to),
            "--tolerance-from",
            str(arguments.tolerance_from),
        ]
        try:
            output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=arguments.timeout, env=os.environ.copy())
        except subprocess.CalledProcessError as error:
            print(f"{size}x{size} cap {capacity}: failed\n{error.stderr[-2000:]}", flush=True)
            continue
        except subprocess.TimeoutExpired:
            print(f"{size}x{size} cap {capacity}: timed out after {arguments.timeout} s", flush=True)
            continue
        row = json.loads(output.stdout.strip().splitlines()[-1])
        name = f"{size // 1000}k x {size // 1000}k, cap {capacity}"
        gs = (
            f"{row['gs_total'] / row['total']:>8.4f}{row['gs_coverage']:>8.1%}{row['gs_worst']:>9.3f}{row['gs_seconds']:>8.1f}"
            if "gs_total" in row
            else f"{'—':>8}{'—':>8}{'—':>9}{'—':>8}"
        )
        print(
            f"{name:<22}{row['seconds']:>9.1f}{_human_bytes(row['peak_bytes']):>11}{row['total']:>12.1f}{row['coverage']:>9.1%}"
            f"{row['worst']:>7.3f}{'yes' if row['optimal'] else 'no':>9}{row['gap'] / max(row['total'], 1e-9):>9.2e}"
            f"{row['greedy_total'] / row['total']:>11.4f}{row['greedy_coverage']:>11.1%}{row['greedy_worst']:>13.3f}{gs}",
            flush=True,
        )
        print(
            f"    stages: {json.dumps({k: round(v, 2) for k, v in row['stage_seconds'].items()})}; "
            f"candidates {row['candidates']}, pricing rounds {row['pricing_rounds']}, solver {row['solver']}, "
            f"tolerance {row['tolerance']:g}, upper bound {row['upper_bound']:.1f}, "
            f"blocking pairs {row['blocking']}, generate {row['generate_s']:.1f} s",
            flush=True,
        )
    _print_circles(arguments.timeout)


if __name__ == "__main__":
    main()
