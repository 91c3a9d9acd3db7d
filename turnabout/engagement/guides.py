"""Topic guides of our own writing, suggested from a pair's goals (their enrolment skills)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from turnabout.engagement.models import Pair
from turnabout.programs.catalogue import structure_section

GUIDES_FILE = Path(__file__).resolve().parent / "data" / "guides.json"


@cache
def topic_guides() -> dict[str, dict[str, Any]]:
    """Guides by slug, with sections split into paragraphs and bullet lists for templates."""
    data = json.loads(GUIDES_FILE.read_text(encoding="utf-8"))
    return {guide["slug"]: {**guide, "sections": [structure_section(section) for section in guide["sections"]]} for guide in data["guides"]}


def suggested_guides(pair: Pair, *, limit: int = 3) -> list[dict[str, Any]]:
    """Guides whose skills overlap the pair's goals and expertise most, best first."""
    skills = set(pair.mentee.skills.values_list("skill__slug", flat=True)) | set(pair.mentor.skills.values_list("skill__slug", flat=True))
    scored = [(len(skills & set(guide["skill_slugs"])), slug, guide) for slug, guide in topic_guides().items()]
    return [guide for overlap, _slug, guide in sorted(scored, key=lambda item: (-item[0], item[1])) if overlap][:limit]
