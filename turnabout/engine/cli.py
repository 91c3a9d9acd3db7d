"""``turnabout match``: match participants from CSV files and write the pairs.

Usage::

    turnabout match --mentors mentors.csv --mentees mentees.csv --rules rules.toml --out pairs.csv
    python -m turnabout.engine --mentors mentors.csv --mentees mentees.csv --rules rules.toml --out pairs.csv

Exit status is 0 on success and 2 on bad input, with a message on standard error naming the file,
row and field; no output file is written unless the run succeeds.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from turnabout.engine._io import InputError, Settings, _atomic_write, load_problem, load_rules, rule_line, write_pairs, write_unmatched
from turnabout.engine._problem import Mode, ProblemError, Rules, Taxonomy, Weights
from turnabout.engine._result import MatchResult
from turnabout.engine._solver import solve
from turnabout.engine._suggest import suggest

__all__ = ["main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="turnabout match",
        description="Match mentors (junior employees) with mentees (senior leaders) optimally and explain every pair.",
    )
    parser.add_argument("--mentors", required=True, help="CSV of mentors (see docs/matching.md for the columns)")
    parser.add_argument("--mentees", required=True, help="CSV of mentees")
    parser.add_argument("--rules", help="TOML with [rules], [weights], [taxonomy.*] and [match] tables (all optional)")
    parser.add_argument("--out", required=True, help="CSV to write the pairs (or, with --suggest, the shortlists) to")
    parser.add_argument("--mode", choices=[mode.value for mode in Mode], help="override [match] mode from the rules file")
    parser.add_argument("--unmatched", help="also write unmatched participants and the reason to this CSV")
    parser.add_argument("--suggest", type=int, metavar="N", help="self-select: write the top N mentors per mentee instead of pairs")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="stop once within this fraction of a proven upper bound (0.01 = 1 %%; default 0: prove the optimum)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    return parser


def _summary(result: MatchResult, out: str, stream: TextIO) -> None:
    diagnostics = result.diagnostics
    certificate = diagnostics.certificate
    greedy = diagnostics.greedy
    print(
        f"Matched {diagnostics.mentees_matched} of {diagnostics.mentees_total} mentees ({diagnostics.coverage:.1%}) "
        f"with {diagnostics.mentors_matched} of {diagnostics.mentors_total} mentors in {diagnostics.seconds.get('total', 0.0):.2f} s "
        f"[mode {diagnostics.mode}, solver {diagnostics.solver}]",
        file=stream,
    )
    print(
        f"Total score {diagnostics.total_score:.4f}; pair score mean {diagnostics.mean_score:.3f}, "
        f"minimum {diagnostics.min_score:.3f}, 10th percentile {diagnostics.p10_score:.3f}",
        file=stream,
    )
    verdict = "proven optimal" if certificate.optimal else f"not proven optimal (gap {certificate.gap:.6f})"
    print(f"Optimality: {verdict}; upper bound {certificate.upper_bound:.4f}. {certificate.method}.", file=stream)
    if diagnostics.fairness_floor is not None:
        print(f"Fairness floor (worst pair score): {diagnostics.fairness_floor:.3f}", file=stream)
    print(f"Blocking pairs (both would rather be together): {diagnostics.blocking_pairs}", file=stream)
    ratio = f" ({greedy.total_score / diagnostics.total_score:.1%} of this run)" if diagnostics.total_score else ""
    print(
        f"Greedy baseline: total {greedy.total_score:.4f}{ratio}, {greedy.mentees_matched} mentees matched, minimum {greedy.min_score:.3f}",
        file=stream,
    )
    if result.unmatched:
        print(f"Unmatched ({len(result.unmatched)}):", file=stream)
        for item in result.unmatched[:10]:
            print(f"  {item.id} ({item.role}): {item.reason}", file=stream)
        if len(result.unmatched) > 10:
            print(f"  ... and {len(result.unmatched) - 10} more", file=stream)
    print(f"Wrote {diagnostics.pairs} pairs to {out}", file=stream)


def main(argv: list[str] | None = None) -> int:
    """Run ``turnabout match`` with ``argv`` (the arguments after ``match``); return the exit status.

    Examples
    --------
    >>> main(["--mentors", "missing.csv", "--mentees", "missing.csv", "--out", "pairs.csv"])
    2
    """
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        settings = load_rules(arguments.rules) if arguments.rules else Settings(Rules(), Weights(), Taxonomy(), Mode.SCORE)
        problem = load_problem(
            arguments.mentors, arguments.mentees, taxonomy=settings.taxonomy, rules=settings.rules, rules_path=arguments.rules
        )
        mode = Mode(arguments.mode) if arguments.mode else settings.mode
        if arguments.suggest is not None:
            if arguments.suggest < 1:
                raise InputError("--suggest", None, None, "must be at least 1")
            suggestions = suggest(problem, settings.rules, settings.weights, top_n=arguments.suggest)
            _atomic_write(
                arguments.out,
                ["mentee_id", "mentor_id", "rank", "score", "reasons"],
                ([s.mentee_id, s.mentor_id, str(s.rank), f"{s.score:.6f}", " ".join(s.reasons)] for s in suggestions),
            )
            if not arguments.quiet:
                mentees = len({s.mentee_id for s in suggestions})
                print(f"Wrote {len(suggestions)} suggestions for {mentees} of {len(problem.mentees)} mentees to {arguments.out}")
            return EXIT_OK
        if not 0 <= arguments.tolerance < 1:
            raise InputError("--tolerance", None, None, "must be a fraction from 0 up to 1 (0.01 is within 1 %)")
        result = solve(problem, settings.rules, settings.weights, mode=mode, tolerance=arguments.tolerance)
    except InputError as error:
        print(f"turnabout match: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ProblemError as error:
        # Raised once rules meet participants (for example a pinned pair that breaks a rule).
        located = InputError(arguments.rules or "rules", rule_line(arguments.rules, error.field), f"rules.{error.field}", error.message)
        print(f"turnabout match: error: {located}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if arguments.unmatched:
            write_unmatched(result, arguments.unmatched)
        write_pairs(result, arguments.out)
    except OSError as error:
        print(f"turnabout match: error: cannot write {error.filename or arguments.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not arguments.quiet:
        _summary(result, arguments.out, sys.stdout)
    return EXIT_OK
