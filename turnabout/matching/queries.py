"""Reads for the match review and participants' match pages, in a fixed number of queries."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from turnabout.matching.models import (
    CircleMatch,
    CirclePin,
    Match,
    MatchRun,
    PairRule,
    ProposedCircle,
    ProposedCircleMember,
    ProposedPair,
    Response,
    UnmatchedEnrolment,
)
from turnabout.matching.pool import DIVERSITY_REASON, GENERIC_DIVERSITY_REASON, StoredReason, reason_code
from turnabout.programs.models import AcceptanceOrder, Enrolment, Program, Role
from turnabout.programs.rules import match_settings

_PERSON = ["person", "person__grade", "person__department", "person__site"]
DIVERSITY = "diversity"


def latest_run(program: Program) -> MatchRun | None:
    return program.match_runs.order_by("-created_at").first()


@dataclass(frozen=True)
class ReviewedPair:
    """A proposed pair as program managers see it: the diversity contribution as a yes/no only.

    That contribution is its weight times the share of the two people's consented answers that differ,
    so its size would tell someone who knows one person's answers how many of the other's differ. Hence
    ``adds_perspectives`` says only whether it counted; ``score`` and ``components`` leave it out
    altogether (the score is the sum of the components shown, so nothing is left to subtract); and the
    reasons, which the engine ranks by contribution, put the diversity sentence last after at most two others,
    wherever it ranked.
    """

    proposal: ProposedPair
    score: float
    components: dict[str, float]
    adds_perspectives: bool
    reasons: list[StoredReason]

    @classmethod
    def of(cls, proposal: ProposedPair) -> ReviewedPair:
        components = {name: value for name, value in proposal.components.items() if name != DIVERSITY}
        if DIVERSITY not in proposal.components:
            return cls(proposal, proposal.score, components, adds_perspectives=False, reasons=list(proposal.reasons))
        adds_perspectives = proposal.components[DIVERSITY] > 0
        others = [reason for reason in proposal.reasons if reason_code(reason) != DIVERSITY_REASON]
        generic: StoredReason = {"code": DIVERSITY_REASON, "text": GENERIC_DIVERSITY_REASON, "params": {}}
        # The engine gives three reasons at most; with diversity shown, two others, whether it ranked first or fourth.
        reasons = [*others[:2], generic] if adds_perspectives else others
        # Summed from the other components, not score minus diversity: not even a rounding residue of it remains.
        return cls(proposal, sum(components.values()), components, adds_perspectives, reasons)


@dataclass(frozen=True)
class RunReview:
    """A finished run's proposed pairs and summary figures as program managers see them; iterates over the pairs.

    When diversity counted in the run, every score figure of the summary is recomputed from the pairs'
    shown scores, and the figures that cannot be (the first-come baseline's scores, the certificate's
    objective and bound, the fairness floor) are None: a one-pair run's total would otherwise be its full score.
    """

    pairs: list[ReviewedPair]
    summary: dict[str, object]

    def __iter__(self) -> Iterator[ReviewedPair]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def _uses_diversity(program: Program) -> bool:
    settings = match_settings(program)
    return settings.use_diversity and settings.diversity > 0


def _summary_without_diversity(summary: dict[str, object], scores: list[float]) -> dict[str, object]:
    figures: dict[str, object] = {**summary, "diversity_hidden": True}
    figures["total_score"] = sum(scores)
    figures["mean_score"] = statistics.fmean(scores) if scores else 0.0
    figures["min_score"] = min(scores, default=0.0)
    # The engine's 10th percentile interpolates linearly, as "inclusive" does.
    figures["p10_score"] = statistics.quantiles(scores, n=10, method="inclusive")[0] if len(scores) > 1 else (scores or [0.0])[0]
    figures["score_histogram"] = [
        sum(1 for score in scores if low <= score < low + 0.1 or (low == 0.9 and score == 1.0)) for low in [i / 10 for i in range(10)]
    ]
    figures["fairness_floor"] = None
    for name, hidden in (("greedy", ("total_score", "mean_score", "min_score")), ("certificate", ("objective", "upper_bound"))):
        if isinstance(summary.get(name), dict):
            figures[name] = {**summary[name], **dict.fromkeys(hidden)}  # type: ignore[dict-item]
    return figures


def run_proposals(run: MatchRun) -> RunReview:
    """The run's proposals for a program manager, pinned first then by shown score, with the summary to match (two queries at most)."""
    proposals = run.proposed_pairs.select_related(*[f"mentor__{path}" for path in _PERSON], *[f"mentee__{path}" for path in _PERSON])
    # Ordered by the shown score: an order by the full score would hint at the diversity contributions.
    pairs = sorted(map(ReviewedPair.of, proposals), key=lambda pair: (not pair.proposal.is_pinned, -pair.score, pair.proposal.pk))
    summary = dict(run.summary)
    if any(pair.adds_perspectives for pair in pairs) or _uses_diversity(run.program):
        summary = _summary_without_diversity(summary, [pair.score for pair in pairs])
    return RunReview(pairs, summary)


def run_unmatched(run: MatchRun) -> list[UnmatchedEnrolment]:
    return list(run.unmatched.select_related(*[f"enrolment__{path}" for path in _PERSON]).order_by("enrolment__role", "pk"))


def program_pair_rules(program: Program) -> list[PairRule]:
    return list(program.pair_rules.select_related("mentor__person", "mentee__person").order_by("kind", "pk"))


def program_matches(program: Program) -> list[Match]:
    return list(program.matches.select_related("mentor__person", "mentee__person").order_by("status", "-score"))


def matches_of_user(user_id: int) -> QuerySet[Match]:
    return (
        Match.objects.filter(Q(mentor__person__user_id=user_id) | Q(mentee__person__user_id=user_id))
        .select_related("program", "mentor__person", "mentee__person")
        .order_by("-created_at")
    )


def open_match_for(enrolment: Enrolment) -> Match | None:
    return Match.objects.of_enrolment(enrolment).open().select_related("mentor__person", "mentee__person").first()


def roles_asked_first(program: Program) -> list[str]:
    """The sides a published match asks first, by the program's acceptance order (both at once by default)."""
    if program.acceptance_order == AcceptanceOrder.MENTEE_FIRST:
        return [Role.MENTEE]
    if program.acceptance_order == AcceptanceOrder.MENTOR_FIRST:
        return [Role.MENTOR]
    return [Role.MENTOR, Role.MENTEE]


def waiting_for(match: Match) -> list[str]:
    """The sides whose answer is awaited now, given the program's acceptance order."""
    if not match.is_proposed:
        return []
    pending: list[str] = [role for role in (Role.MENTOR, Role.MENTEE) if getattr(match, f"{role}_response") == Response.PENDING]
    order = match.program.acceptance_order
    first = Role.MENTEE if order == AcceptanceOrder.MENTEE_FIRST else Role.MENTOR if order == AcceptanceOrder.MENTOR_FIRST else None
    if first is not None and first in pending:
        return [first]
    return pending


def run_circles(run: MatchRun) -> list[ProposedCircle]:
    """The run's proposed circles, pinned first then by score, with their members and people (two queries)."""
    members = ProposedCircleMember.objects.select_related(*[f"enrolment__{path}" for path in _PERSON]).order_by("role", "pk")
    return list(run.proposed_circles.prefetch_related(Prefetch("members", queryset=members)).order_by("-is_pinned", "-score", "pk"))


def program_circle_pins(program: Program) -> list[CirclePin]:
    return list(program.circle_pins.prefetch_related("members__enrolment__person").order_by("pk"))


def program_circle_matches(program: Program) -> list[CircleMatch]:
    return list(program.circle_matches.prefetch_related("members__enrolment__person").order_by("status", "-score"))


def circle_matches_of_user(user_id: int) -> list[CircleMatch]:
    """The circle proposals the user is a member of, newest first."""
    return list(
        CircleMatch.objects.filter(members__enrolment__person__user_id=user_id)
        .distinct()
        .select_related("program")
        .prefetch_related("members__enrolment__person")
        .order_by("-created_at")
    )
