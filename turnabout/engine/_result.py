"""What a matching run returns: pairs with explanations, unmatched people with reasons, diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Baseline", "Certificate", "Diagnostics", "MatchResult", "Pair", "Reason", "Suggestion", "Unmatched"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason in English, with a stable ``code`` and the plain values (``params``) it was written from.

    An application filters a reason by its code and words it in its own language from the params; ``text``
    is the engine's English sentence, the same as before reasons had codes. ``str(reason)`` is the text.
    ``turnabout.engine.REASON_CODES`` lists every code the engine emits.
    """

    code: str
    text: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Pair:
    """A proposed (mentor, mentee) pair.

    ``components`` maps each score component to its contribution (weight × component value); the
    contributions add up to ``score``. ``explanations`` are up to three reasons for the participants;
    ``reasons`` their English sentences.
    """

    mentor_id: str
    mentee_id: str
    score: float
    components: Mapping[str, float]
    explanations: tuple[Reason, ...]
    pinned: bool = False

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(reason.text for reason in self.explanations)


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A participant left without any partner, and why (``explanation``; None when the run was not explained).

    ``reason`` is the explanation's English sentence, or "" without one.
    """

    id: str
    role: Literal["mentor", "mentee"]
    explanation: Reason | None = None

    @property
    def reason(self) -> str:
        return self.explanation.text if self.explanation is not None else ""


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
    explanations: tuple[Reason, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(reason.text for reason in self.explanations)
