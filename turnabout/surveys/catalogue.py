"""The survey instruments shipped with Turnabout, read from data/instruments.json and checked at the edge.

Each entry becomes the fields of one ``Instrument`` row (see ``instrument_fields``); the data migration and
``turnabout sync-instruments`` both go through here, so a malformed file fails loudly, naming the bad field.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from turnabout.core.content import content_text

DATA_FILE = Path(__file__).resolve().parent / "data" / "instruments.json"

AUDIENCES = ("mentor", "mentee", "both")
WAVE_KINDS = ("baseline", "midpoint", "end")
SCALE_TYPES = ("likert", "proficiency", "nps")


def instrument_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """The model fields of one catalogue entry: subscales flattened into ``items``, each item naming its subscale.

    >>> entry = {"slug": "x", "name": "X", "version": "1.0", "audience": "both", "waves": ["end"],
    ...          "scale": {"type": "nps", "min": 0, "max": 10, "labels": ["No", "Yes"]}, "licence": "L", "attribution": "A",
    ...          "subscales": [{"slug": "nps", "name": "NPS", "items": [{"id": "x.1", "text": "Recommend?"}]}]}
    >>> fields = instrument_fields(entry)
    >>> fields["items"], fields["subscales"]
    ([{'id': 'x.1', 'subscale': 'nps', 'text': 'Recommend?', 'reverse': False, 'descriptors': []}], [{'slug': 'nps', 'name': 'NPS'}])
    >>> instrument_fields({**entry, "audience": "sponsor"})
    Traceback (most recent call last):
    ...
    ValueError: instrument 'x': audience must be one of mentor, mentee, both, not 'sponsor'
    """
    slug = entry.get("slug", "?")

    def fail(message: str) -> ValueError:
        return ValueError(f"instrument {slug!r}: {message}")

    for key in ("slug", "name", "version", "audience", "waves", "scale", "licence", "attribution", "subscales"):
        if not entry.get(key):
            raise fail(f"{key} is required")
    if entry["audience"] not in AUDIENCES:
        raise fail(f"audience must be one of {', '.join(AUDIENCES)}, not {entry['audience']!r}")
    unknown_waves = [wave for wave in entry["waves"] if wave not in WAVE_KINDS]
    if unknown_waves:
        raise fail(f"waves must be among {', '.join(WAVE_KINDS)}, not {unknown_waves!r}")
    scale = entry["scale"]
    if scale.get("type") not in SCALE_TYPES:
        raise fail(f"scale.type must be one of {', '.join(SCALE_TYPES)}, not {scale.get('type')!r}")
    if not isinstance(scale.get("min"), int) or not isinstance(scale.get("max"), int) or scale["min"] >= scale["max"]:
        raise fail("scale.min and scale.max must be whole numbers with min < max")
    points = scale["max"] - scale["min"] + 1
    if scale["type"] != "nps" and len(scale.get("labels", [])) != points:
        raise fail(f"scale.labels must name all {points} points")
    items: list[dict[str, Any]] = []
    for subscale in entry["subscales"]:
        if not subscale.get("slug") or not subscale.get("name") or not subscale.get("items"):
            raise fail("every subscale needs a slug, a name and items")
        for item in subscale["items"]:
            if not item.get("id") or not item.get("text"):
                raise fail(f"every item of subscale {subscale['slug']!r} needs an id and a text")
            descriptors = list(item.get("descriptors", []))
            if descriptors and len(descriptors) != points:
                raise fail(f"item {item['id']!r}: descriptors must describe all {points} levels")
            reverse = bool(item.get("reverse", False))
            text = item["text"]
            items.append({"id": item["id"], "subscale": subscale["slug"], "text": text, "reverse": reverse, "descriptors": descriptors})
    ids = [item["id"] for item in items]
    if len(set(ids)) != len(ids):
        raise fail("item ids must be unique")
    return {
        "slug": entry["slug"],
        "version": str(entry["version"]),
        "name": entry["name"],
        "audience": entry["audience"],
        "waves": list(entry["waves"]),
        "scale": dict(scale),
        "licence": entry["licence"],
        "attribution": entry["attribution"],
        "instructions": entry.get("instructions", ""),
        "is_validated": bool(entry.get("validated", False)),
        "subscales": [{"slug": subscale["slug"], "name": subscale["name"]} for subscale in entry["subscales"]],
        "items": items,
    }


@cache
def instrument_catalogue() -> list[dict[str, Any]]:
    """Every shipped instrument as model fields; item ids are unique across instruments, so answers never collide."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    instruments = [instrument_fields(entry) for entry in data["instruments"]]
    ids = [item["id"] for instrument in instruments for item in instrument["items"]]
    duplicates = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
    if duplicates:
        raise ValueError(f"instruments.json: item ids used twice: {', '.join(duplicates)}")
    return instruments


def in_program_wording(text: str, *, mentor_label: str, mentee_label: str) -> str:
    """``text`` of an instrument in the reader's language, ``{mentor}`` and ``{mentee}`` replaced with what the program calls each side.

    >>> in_program_wording("My {mentor} listened.", mentor_label="advisor", mentee_label="learner")
    'My advisor listened.'
    """
    return content_text(text).replace("{mentor}", mentor_label).replace("{mentee}", mentee_label)
