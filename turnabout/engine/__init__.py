"""Turnabout's matching engine: optimal, explainable reverse-mentoring pairs.

Framework-free (NumPy and SciPy only). Build a :class:`Problem` of mentors (junior employees) and
mentees (senior leaders), choose :class:`Rules` and :class:`Weights`, and call :func:`solve` for a
provably optimal matching or :func:`suggest` for self-select shortlists. Every pair carries its
score components and plain-language reasons; every unmatched person carries the reason.

Examples
--------
>>> from turnabout.engine import Participant, Problem, Rules, solve
>>> mentors = [Participant("M1", grade=1, languages=["en"], skills={"ai": 5})]
>>> mentees = [Participant("E1", grade=6, languages=["en"], goals={"ai": 4})]
>>> result = solve(Problem(mentors, mentees), Rules(min_overlap_minutes=0), mode="coverage")
>>> [(p.mentor_id, p.mentee_id) for p in result.pairs], result.diagnostics.coverage
([('M1', 'E1')], 1.0)
"""

from turnabout.engine._circles import CIRCLE_REASON_CODES, Circle, CircleCertificate, CircleMember, CircleResult, CircleSpec, form_circles
from turnabout.engine._explain import REASON_CODES, RULE_CODES
from turnabout.engine._features import overlap_minutes
from turnabout.engine._io import InputError, load_problem, load_rules, write_pairs
from turnabout.engine._problem import Mode, Participant, Problem, ProblemError, Rules, Taxonomy, Weights, Window
from turnabout.engine._result import Baseline, Certificate, Diagnostics, MatchResult, Pair, Reason, Suggestion, Unmatched
from turnabout.engine._solver import load_solvers, solve
from turnabout.engine._suggest import suggest

__all__ = [
    "CIRCLE_REASON_CODES",
    "REASON_CODES",
    "RULE_CODES",
    "Baseline",
    "Certificate",
    "Circle",
    "CircleCertificate",
    "CircleMember",
    "CircleResult",
    "CircleSpec",
    "Diagnostics",
    "InputError",
    "MatchResult",
    "Mode",
    "Pair",
    "Participant",
    "Problem",
    "ProblemError",
    "Reason",
    "Rules",
    "Suggestion",
    "Taxonomy",
    "Unmatched",
    "Weights",
    "Window",
    "form_circles",
    "load_problem",
    "load_rules",
    "load_solvers",
    "overlap_minutes",
    "solve",
    "suggest",
    "write_pairs",
]
