"""Shortlists for self-select programs: a few good mentors per mentee, spread across mentors."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from turnabout.engine._assignment import solve_assignment
from turnabout.engine._candidates import generate
from turnabout.engine._explain import pair_reasons
from turnabout.engine._features import encode
from turnabout.engine._problem import COMPONENTS, Problem, ProblemError, Rules, Weights
from turnabout.engine._result import Suggestion
from turnabout.engine._scoring import SCALE

__all__ = ["suggest", "suggestion_limits"]


def suggestion_limits(mentor_capacity: np.ndarray, mentees: int, top_n: int, spread: float) -> np.ndarray:
    """How often each mentor may be suggested: ``spread`` times their fair share of all suggestions.

    A mentor's fair share is ``top_n * mentees * capacity / total capacity``; every mentor with
    capacity may be suggested at least once.

    Examples
    --------
    >>> suggestion_limits(np.array([1, 2, 0]), mentees=4, top_n=3, spread=1.5).tolist()
    [6, 12, 0]
    """
    capacity = np.asarray(mentor_capacity, dtype=np.int64)
    total = int(capacity.sum())
    if total == 0:
        return np.zeros_like(capacity)
    share = spread * top_n * mentees * capacity / total
    limits = np.ceil(share - 1e-9).astype(np.int64)
    return np.where(capacity > 0, np.maximum(limits, 1), 0)


def suggest(
    problem: Problem,
    rules: Rules | None = None,
    weights: Weights | None = None,
    *,
    top_n: int = 3,
    spread: float = 1.5,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[Suggestion, ...]:
    """Suggest up to ``top_n`` mentors per mentee so that no mentor is suggested far beyond capacity.

    Suggestions are made in ``top_n`` rounds. Each round is an optimal assignment that gives as
    many mentees as possible one more mentor (the best total score among those), never repeating
    a mentor for a mentee and never suggesting a mentor more than :func:`suggestion_limits` allows.
    Every suggested pair passes the hard rules. Each mentee's suggestions are ranked by score.

    Parameters
    ----------
    problem, rules, weights
        As for :func:`~turnabout.engine.solve`.
    top_n : int
        Suggestions per mentee.
    spread : float
        How far beyond their fair share a mentor may be suggested (at least 1).
    progress : callable, optional
        Called with a fraction from 0 to 1 and a stage name.

    Returns
    -------
    tuple of Suggestion
        Ordered by mentee (as in the problem), then rank.

    Examples
    --------
    >>> from turnabout.engine import Participant, Problem, Rules
    >>> mentors = [Participant(f"M{k}", grade=1, languages=["en"], skills={"ai": k}) for k in (1, 2, 3)]
    >>> mentees = [Participant(f"E{k}", grade=5, languages=["en"], goals={"ai": 3}) for k in (1, 2)]
    >>> shortlist = suggest(Problem(mentors, mentees), Rules(min_overlap_minutes=0), top_n=2)
    >>> [(s.mentee_id, s.mentor_id, s.rank) for s in shortlist]
    [('E1', 'M3', 1), ('E1', 'M2', 2), ('E2', 'M3', 1), ('E2', 'M2', 2)]
    """
    rules = Rules() if rules is None else rules
    weights = Weights() if weights is None else weights
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ProblemError(f"{top_n!r} is not a whole number of at least 1", field="top_n")
    if isinstance(spread, bool) or not isinstance(spread, int | float) or not 1 <= spread < math.inf:
        raise ProblemError(f"{spread!r} is not a number of at least 1", field="spread")
    encoded = encode(problem, rules, weights)
    mentees, mentors = encoded.n_mentees, encoded.n_mentors
    per_mentee = mentors if mentees * mentors <= 4_000_000 else max(40, 8 * top_n)
    candidates = generate(encoded, max(1, per_mentee), progress=None if progress is None else (lambda f, s: progress(0.5 * f, s)))
    active = encoded.mentees.capacity > 0
    remaining = suggestion_limits(encoded.mentors.capacity, int(active.sum()), top_n, float(spread))
    offered = np.zeros(len(candidates.rows), dtype=bool)
    rank_of = np.zeros(len(candidates.rows), dtype=np.int64)
    big = mentees * SCALE + 1
    bonus = np.where(active, big, 0).astype(np.int64)
    one = np.where(active, 1, 0).astype(np.int64)
    for round_number in range(1, top_n + 1):
        open_edges = np.flatnonzero(~offered)
        if len(open_edges) == 0 or not remaining.any():
            break
        assignment = solve_assignment(
            candidates.rows[open_edges], candidates.cols[open_edges], candidates.weights[open_edges], one, remaining, bonus=bonus
        )
        picked = open_edges[assignment.chosen]
        offered[picked] = True
        rank_of[picked] = round_number
        remaining = remaining - np.bincount(candidates.cols[picked], minlength=mentors)
        if progress is not None:
            progress(0.5 + 0.5 * round_number / top_n, "suggesting")
    picked = np.flatnonzero(offered)
    order = np.lexsort((candidates.cols[picked], -candidates.weights[picked], candidates.rows[picked]))
    suggestions: list[Suggestion] = []
    previous_row, rank = -1, 0
    for position in picked[order].tolist():
        row, col = int(candidates.rows[position]), int(candidates.cols[position])
        rank = rank + 1 if row == previous_row else 1
        previous_row = row
        contributions = candidates.contributions[position]
        components = dict(zip(COMPONENTS, contributions.tolist(), strict=True))
        suggestions.append(
            Suggestion(
                mentee_id=encoded.mentees.ids[row],
                mentor_id=encoded.mentors.ids[col],
                rank=rank,
                score=sum(components.values()),
                components=components,
                explanations=pair_reasons(encoded, row, col, contributions),
            )
        )
    return tuple(suggestions)
