"""What a matching run returns: pairs with explanations, unmatched people with reasons, diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Baseline", "Certificate", "Diagnostics", "MatchResult", "Pair", "Suggestion", "Unmatched"]


@dataclass(frozen=True, slots=True)
class Pair:
    """A proposed (mentor, mentee) pair.

    ``components`` maps each score component to its contribution (weight × component value); the
    contributions add up to ``score``. ``reasons`` are up to three sentences for the participants.
    """

    mentor_id: str
    mentee_id: str
    score: float
    components: Mapping[str, float]
    reasons: tuple[str, ...]
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A participant left without any partner, and why."""

    id: str
    role: Literal["mentor", "mentee"]
    reason: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """Figures of a simpler method on the same candidate pairs, for comparison."""

    name: str
    total_score: float
    pairs: int
    mentees_matched: int
    mean_score: float
    min_score: float


@dataclass(frozen=True, slots=True)
class Certificate:
    """Proof of optimality: the run's objective against a dual upper bound.

    ``objective`` and ``upper_bound`` are in the mode's objective (total score for ``score``;
    for ``coverage`` and ``fair``, matched mentees and total score are certified in turn). The
    matching is proven optimal when ``gap`` is 0 (up to the millionth of a point scores are
    optimised in).
    """

    optimal: bool
    objective: float
    upper_bound: float
    gap: float
    method: str
    candidate_pairs: int
    exhaustive: bool
    pricing_rounds: int


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """Quality and proof figures of a matching run."""

    mode: str
    solver: str
    certificate: Certificate
    total_score: float
    pairs: int
    mean_score: float
    min_score: float
    p10_score: float
    mentees_total: int
    mentees_matched: int
    coverage: float
    mentors_total: int
    mentors_matched: int
    blocking_pairs: int
    fairness_floor: float | None
    greedy: Baseline
    seconds: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Pairs, unmatched participants and diagnostics of one run."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    diagnostics: Diagnostics


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A mentor suggested to a mentee in a self-select program, ``rank`` 1 being the best."""

    mentee_id: str
    mentor_id: str
    rank: int
    score: float
    components: Mapping[str, float]
    reasons: tuple[str, ...]
