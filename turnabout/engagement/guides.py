"""Topic guides of our own writing, suggested from a pair's goals (their enrolment skills)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

from turnabout.core.content import content_text
from turnabout.engagement.models import Pair
from turnabout.programs.catalogue import structure_section
from turnabout.programs.models import EnrolmentSkill

GUIDES_FILE = Path(__file__).resolve().parent / "data" / "guides.json"


@cache
def _guides_file() -> list[dict[str, Any]]:
    guides: list[dict[str, Any]] = json.loads(GUIDES_FILE.read_text(encoding="utf-8"))["guides"]
    return guides


@cache
def _guides_in(language: str | None) -> dict[str, dict[str, Any]]:
    def text(value: str) -> str:
        return content_text(value, language)

    return {
        guide["slug"]: {
            **guide,
            "title": text(guide["title"]),
            "summary": text(guide["summary"]),
            "sections": [structure_section({"heading": text(s["heading"]), "body": text(s["body"])}) for s in guide["sections"]],
            "session_plan": [text(step) for step in guide["session_plan"]],
            "questions": [text(question) for question in guide["questions"]],
        }
        for guide in _guides_file()
    }


def topic_guides() -> dict[str, dict[str, Any]]:
    """Guides by slug in the reader's language, with sections split into paragraphs and bullet lists for templates."""
    return _guides_in(get_language())


def suggested_guides(pair: Pair, *, limit: int = 3) -> list[dict[str, Any]]:
    """Guides whose skills overlap the pair's (every current circle member's) goals and expertise most, best first."""
    if pair.is_circle:
        members = pair.members.current().values("enrolment_id")
        skills = set(EnrolmentSkill.objects.filter(enrolment_id__in=members).values_list("skill__slug", flat=True))
    else:
        skills = set(pair.mentee.skills.values_list("skill__slug", flat=True)) | set(
            pair.mentor.skills.values_list("skill__slug", flat=True)
        )
    scored = [(len(skills & set(guide["skill_slugs"])), slug, guide) for slug, guide in topic_guides().items()]
    return [guide for overlap, _slug, guide in sorted(scored, key=lambda item: (-item[0], item[1])) if overlap][:limit]
