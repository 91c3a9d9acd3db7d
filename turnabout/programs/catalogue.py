"""Our own content shipped with Turnabout: program presets per strategic driver, and training modules."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def program_presets() -> dict[str, dict[str, Any]]:
    """Preset by strategic driver, read once from data/presets.json."""
    data = json.loads((DATA_DIR / "presets.json").read_text(encoding="utf-8"))
    return {preset["driver"]: preset for preset in data["presets"]}


@cache
def training_catalogue() -> list[dict[str, Any]]:
    data = json.loads((DATA_DIR / "training.json").read_text(encoding="utf-8"))
    modules: list[dict[str, Any]] = data["modules"]
    return modules


def structure_section(section: dict[str, str]) -> dict[str, Any]:
    """Turn a section body (paragraphs split by blank lines; '- ' lines are bullets) into blocks templates can loop over.

    >>> structure_section({"heading": "H", "body": "One.\\n\\n- a\\n- b"})
    {'heading': 'H', 'paragraphs': [{'text': 'One.'}, {'bullets': ['a', 'b']}]}
    """
    blocks: list[dict[str, Any]] = []
    for chunk in section["body"].split("\n\n"):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append({"bullets": [line[2:] for line in lines]})
        elif lines:
            blocks.append({"text": " ".join(lines)})
    return {"heading": section["heading"], "paragraphs": blocks}
