"""Turnabout's own content (guides, training, program templates, survey instruments, the skills taxonomy) in every language.

The content lives in each app's ``data/*.json``, written in English. Its texts are messages of a gettext domain of
their own, ``content``, kept apart from the interface's ``django`` domain because makemessages cannot read JSON:
``turnabout/locale/<locale>/LC_MESSAGES/content.po``, refreshed by ``make messages`` (which runs this module) and
compiled with the interface's catalogues. :func:`content_text` gives a text in the active language (the reader's);
a text no catalogue holds — the program manager's own, say — is returned as it is.

Which fields of which file are text is said once, in :data:`CONTENT_FIELDS`: a path is a dotted list of keys where
``[]`` walks a list ("guides[].sections[].body"). Slugs, codes, synonyms and search terms are not text.

    python -m turnabout.core.content turnabout/locale   # refresh every content.po from the data files (GNU gettext)
"""

from __future__ import annotations

import functools
import gettext
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import get_language, to_locale

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE / "locale"
DOMAIN = "content"

# Each content file (relative to the turnabout package) and the paths of its texts.
CONTENT_FIELDS: dict[str, tuple[str, ...]] = {
    "engagement/data/guides.json": (
        "guides[].title",
        "guides[].summary",
        "guides[].sections[].heading",
        "guides[].sections[].body",
        "guides[].session_plan[]",
        "guides[].questions[]",
    ),
    "people/data/skills.json": ("categories[].name", "skills[].name", "skills[].description"),
    "programs/data/presets.json": (
        "presets[].name",
        "presets[].purpose_statement",
        "presets[].outcomes_for_mentors",
        "presets[].outcomes_for_mentees",
        "presets[].outcomes_for_organisation",
        "presets[].code_of_conduct",
    ),
    "programs/data/training.json": (
        "modules[].title",
        "modules[].summary",
        "modules[].sections[].heading",
        "modules[].sections[].body",
        "modules[].check[].question",
        "modules[].check[].options[]",
        "modules[].check[].explanation",
    ),
    "surveys/data/instruments.json": (
        "instruments[].name",
        "instruments[].instructions",
        "instruments[].scale.labels[]",
        "instruments[].subscales[].name",
        "instruments[].subscales[].items[].text",
        "instruments[].subscales[].items[].descriptors[]",
    ),
}


def _walk(node: Any, steps: list[str]) -> Iterator[str]:
    if not steps:
        if isinstance(node, str) and node.strip():
            yield node
        return
    step, rest = steps[0], steps[1:]
    many = step.endswith("[]")
    key = step.removesuffix("[]")
    value = node.get(key) if isinstance(node, dict) else None
    if many:
        for item in value if isinstance(value, list) else []:
            yield from _walk(item, rest)
    elif value is not None:
        yield from _walk(value, rest)


def content_messages() -> dict[str, list[str]]:
    """Every text of the content, once each, in file order, with the files it appears in."""
    messages: dict[str, list[str]] = {}
    for relative, paths in CONTENT_FIELDS.items():
        data = json.loads((PACKAGE / relative).read_text(encoding="utf-8"))
        for path in paths:
            for text in _walk(data, path.split(".")):
                where = messages.setdefault(text, [])
                if f"turnabout/{relative}" not in where:
                    where.append(f"turnabout/{relative}")
    return messages


@functools.cache
def _catalogue(locale: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[locale], fallback=True)


def content_text(text: str, language: str | None = None) -> str:
    """``text`` of Turnabout's content in ``language`` (default: the active one); any other text as it is."""
    language = language or get_language()
    if not text or not language or language.lower().startswith("en"):
        return text
    return _catalogue(to_locale(language)).gettext(text)


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    parts = [f"{line}\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


def write_template(path: Path) -> None:
    """The content's messages as a gettext template (.pot)."""
    header = (
        'msgid ""\nmsgstr ""\n"Project-Id-Version: Turnabout content\\n"\n"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
    )
    entries = [
        "\n".join(f"#: {where}" for where in files) + f'\nmsgid {_quoted(text)}\nmsgstr ""\n' for text, files in content_messages().items()
    ]
    path.write_text("\n".join([header, *entries]), encoding="utf-8")


def update_catalogues(locale_dir: Path) -> list[Path]:
    """Refresh ``content.po`` of every locale that has an interface catalogue: new texts added, gone ones dropped."""
    updated = []
    with tempfile.TemporaryDirectory() as work:
        template = Path(work) / f"{DOMAIN}.pot"
        write_template(template)
        for interface in sorted(locale_dir.glob("*/LC_MESSAGES/django.po")):
            catalogue = interface.with_name(f"{DOMAIN}.po")
            if not catalogue.exists():
                # A new catalogue takes the interface catalogue's header (language, plural forms).
                command = ["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", str(catalogue), str(interface), str(template)]
                subprocess.run(command, check=True)
            else:
                subprocess.run(
                    ["msgmerge", "--quiet", "--update", "--no-fuzzy-matching", "--backup=none", str(catalogue), str(template)], check=True
                )
            subprocess.run(["msgattrib", "--no-obsolete", "-o", str(catalogue), str(catalogue)], check=True)
            updated.append(catalogue)
    return updated


if __name__ == "__main__":  # pragma: no cover - run by `make messages`
    for updated_path in update_catalogues(Path(sys.argv[1] if len(sys.argv) > 1 else LOCALE_DIR)):
        print(f"updated {updated_path}")
