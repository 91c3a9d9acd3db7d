"""What the match pages say about a run in plain words: its score distribution, and what publishing it will do."""

from __future__ import annotations

from dataclasses import dataclass

from turnabout.matching.models import MatchRun, UnmatchedEnrolment
from turnabout.matching.queries import RunReview, run_unmatched
from turnabout.matching.services import roles_asked_first, stale_changes
from turnabout.programs.models import Program, Role


def score_distribution(summary: dict[str, object]) -> list[tuple[str, int]]:
    """The run's pairs by fit score, one (score range, pairs) row per tenth of the 0–1 scale; empty without pairs."""
    histogram = summary.get("score_histogram")
    if not isinstance(histogram, list) or not any(histogram):
        return []
    return [(f"{index / 10:.1f}–{(index + 1) / 10:.1f}", int(count)) for index, count in enumerate(histogram)]


@dataclass(frozen=True)
class PublishPreview:
    """What publishing a run will do, for the confirmation page: the pairs proposed and the emails sent at once.

    ``emailed_now`` are the labels of the sides asked first (each pair's side gets one email); ``emailed_later``
    the label of the side asked once the first has accepted, or None when both are asked at once.
    ``stale`` names what changed in the pool since the run (publishing refuses then); ``unmatched`` are the
    people the run could not pair, who are not emailed.
    """

    run: MatchRun
    pairs: int
    emailed_now: list[str]
    emailed_later: str | None
    emails: int
    stale: list[str]
    unmatched: list[UnmatchedEnrolment]

    @property
    def can_publish(self) -> bool:
        return self.pairs > 0 and not self.stale and self.run.published_at is None and self.run.has_succeeded


def publish_preview(run: MatchRun, review: RunReview) -> PublishPreview:
    """The confirmation page's figures for a finished run; the service checks the same again when it publishes."""
    program: Program = run.program
    first = roles_asked_first(program)
    later = next((role for role in (Role.MENTOR, Role.MENTEE) if role not in first), None)
    pairs = len(review)
    pending = run.published_at is None and pairs > 0
    return PublishPreview(
        run=run,
        pairs=pairs,
        emailed_now=[program.label_for(role) for role in first],
        emailed_later=program.label_for(later) if later else None,
        emails=pairs * len(first),
        stale=stale_changes(run) if pending else [],
        unmatched=run_unmatched(run),
    )
