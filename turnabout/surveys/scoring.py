"""Pure arithmetic of survey answers: reverse scoring, subscale means, Net Promoter counts, and the aggregate row.

No Django here: every function takes plain values, so each can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PROMOTER_MIN = 9
PASSIVE_MIN = 7


@dataclass(frozen=True)
class AggregateRow:
    """One wave's answers for one side, one instrument version and one subscale, across all its respondents.

    ``mean`` is on the instrument's own scale (``scale_min``–``scale_max``) after reverse scoring. The Net Promoter
    fields are filled for NPS instruments only. Small cells are not suppressed here: callers that display rows must.
    """

    wave_kind: str
    role: str
    instrument: str
    instrument_version: str
    instrument_name: str
    subscale: str
    subscale_name: str
    scale_type: str
    scale_min: int
    scale_max: int
    respondents: int
    mean: float
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    net_promoter_score: float | None = None


def scored(value: int, *, reverse: bool, scale_min: int, scale_max: int) -> int:
    """The value as scored: a reverse-scored item counts from the other end of the scale.

    >>> scored(2, reverse=True, scale_min=1, scale_max=5), scored(2, reverse=False, scale_min=1, scale_max=5)
    (4, 2)
    """
    return scale_min + scale_max - value if reverse else value


def subscale_score(items: Sequence[Mapping[str, Any]], answers: Mapping[str, int], *, scale_min: int, scale_max: int) -> float:
    """One respondent's mean over a subscale's items, reverse scoring applied.

    >>> items = [{"id": "a", "reverse": False}, {"id": "b", "reverse": True}]
    >>> subscale_score(items, {"a": 5, "b": 2}, scale_min=1, scale_max=5)
    4.5
    """
    values = [scored(answers[item["id"]], reverse=bool(item.get("reverse")), scale_min=scale_min, scale_max=scale_max) for item in items]
    return sum(values) / len(values)


@dataclass(frozen=True)
class NetPromoter:
    promoters: int
    passives: int
    detractors: int
    score: float


def net_promoter(values: Iterable[int]) -> NetPromoter:
    """Promoters answer 9–10, passives 7–8, detractors 0–6; the score is % promoters − % detractors, to one decimal.

    >>> net_promoter([10, 9, 7, 2])
    NetPromoter(promoters=2, passives=1, detractors=1, score=25.0)
    """
    values = list(values)
    promoters = sum(1 for value in values if value >= PROMOTER_MIN)
    passives = sum(1 for value in values if PASSIVE_MIN <= value < PROMOTER_MIN)
    detractors = len(values) - promoters - passives
    score = round(100 * (promoters - detractors) / len(values), 1) if values else 0.0
    return NetPromoter(promoters=promoters, passives=passives, detractors=detractors, score=score)
