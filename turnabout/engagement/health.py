"""The health refresh: assess pairs (``engagement.assessment``) and store state, score and reasons on them.

A write that enqueues nothing, apart from ``engagement.services`` because the weekly digest email refreshes a
program's health before it reads it (``engagement.notifications`` imports no services). The services call it
too (a concern raised lowers the pair's health at once), and so do the periodic job and ``turnabout refresh-health``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from turnabout.engagement.assessment import HealthAssessment, assess_health
from turnabout.engagement.models import HealthState, Pair
from turnabout.engagement.queries import facts_for_pairs, gather_health_facts
from turnabout.programs.models import Program


def _reason_keys(reasons: Iterable[Any]) -> list[tuple[str, Any]]:
    """What a stored reason says whatever the language it was worded in: its code and params (None when it has none)."""
    return [(reason.get("code", ""), reason.get("params")) if isinstance(reason, dict) else ("", None) for reason in reasons]


def _changed(pair: Pair, assessment: HealthAssessment) -> bool:
    """Whether the stored assessment differs from ``assessment``: state, score, and each reason's code and params.

    The stored text is not compared: a refresh in another language says the same and writes nothing. Reasons stored
    before they had params differ, so the next refresh stores them with params.
    """
    return pair.health_checked_at is None or (pair.health_state, pair.health_score, _reason_keys(pair.health_reasons or [])) != (
        assessment.state,
        assessment.score,
        _reason_keys(assessment.reasons_json),
    )


def _apply(pair: Pair, assessment: HealthAssessment, now: datetime) -> None:
    pair.health_state = assessment.state
    pair.health_score = assessment.score
    pair.health_reasons = assessment.reasons_json
    pair.health_checked_at = now


HEALTH_FIELDS = ["health_state", "health_score", "health_reasons", "health_checked_at"]


def refresh_pair_health(*, pair: Pair, today: date | None = None) -> HealthAssessment | None:
    """Assess an active pair and store state, score and reasons when they changed (or were never stored).

    Paused and closed pairs are not assessed and keep what they had: the result is None.
    """
    if not pair.is_active:
        return None
    today = today or timezone.localdate()
    assessment = assess_health(gather_health_facts(pair, today=today), today=today)
    if _changed(pair, assessment):
        with transaction.atomic():
            _apply(pair, assessment, timezone.now())
            pair.save(update_fields=HEALTH_FIELDS)
    return assessment


@dataclass(frozen=True)
class HealthRefresh:
    assessed: int
    changed: int
    by_state: dict[str, int]


def refresh_program_health(*, program: Program, today: date | None = None) -> HealthRefresh:
    """Assess every active pair of the program in a bounded number of queries; writes only the changed ones."""
    today = today or timezone.localdate()
    pairs = list(Pair.objects.active().filter(program=program).select_related("program"))
    facts = facts_for_pairs(pairs, today=today)
    now = timezone.now()
    changed = []
    by_state = {state.value: 0 for state in HealthState}
    for pair in pairs:
        assessment = assess_health(facts[pair.pk], today=today)
        by_state[assessment.state] += 1
        if _changed(pair, assessment):
            _apply(pair, assessment, now)
            changed.append(pair)
    with transaction.atomic():
        Pair.objects.bulk_update(changed, HEALTH_FIELDS, batch_size=500)
    return HealthRefresh(assessed=len(pairs), changed=len(changed), by_state=by_state)
