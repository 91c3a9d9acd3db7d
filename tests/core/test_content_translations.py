"""Turnabout's own content (guides, training, presets, survey instruments, skills) ships translated: the ``content`` domain.

- Every language with an interface catalogue has a content catalogue holding exactly the texts the data files hold
  today (``make messages`` would add or drop nothing), each translated, none fuzzy, keeping every substitution field
  (``{mentor}``, ``%(name)s``) of its source.
- Each committed ``content.mo`` is its ``content.po`` compiled.
- ``content_text`` gives the reader's language, and any text no catalogue holds as it is.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from tests.core.test_translations import LOCALE_DIR, LOCALES, compiled_translations, needs_gettext, read_catalogue
from turnabout.core.content import CONTENT_FIELDS, content_messages, content_text, update_catalogues

SUBSTITUTION = re.compile(r"\{[A-Za-z_]+\}|%\([a-z_]+\)s")


def fields(text: str) -> list[str]:
    return sorted(SUBSTITUTION.findall(text))


def catalogue(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "content.po"


def test_the_content_fields_name_texts_of_every_data_file() -> None:
    # given the texts by file
    messages = content_messages()
    files = {where for found in messages.values() for where in found}

    # then every listed file gives texts, and known ones are among them
    assert files == {f"turnabout/{relative}" for relative in CONTENT_FIELDS}
    assert {"Getting started as a pair", "Strongly disagree"} <= set(messages)
    assert "digital-technology" not in messages  # slugs are not text


@pytest.mark.parametrize("locale", LOCALES)
def test_each_content_catalogue_holds_exactly_the_texts_of_the_data_files(locale: str) -> None:
    # given
    shipped = {entry.msgid for entry in read_catalogue(catalogue(locale))}

    # then
    expected = set(content_messages())
    missing, stale = sorted(expected - shipped), sorted(shipped - expected)
    assert (len(missing), len(stale)) == (0, 0), f"{locale}: run `make messages`; missing {missing[:3]}, stale {stale[:3]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_content_catalogue_is_translated_with_its_substitution_fields(locale: str) -> None:
    # given
    entries = read_catalogue(catalogue(locale))

    # when
    untranslated = [entry.msgid for entry in entries if not all(entry.msgstr)]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    changed = [entry.msgid for entry in entries if all(entry.msgstr) and fields(entry.msgid) != fields(entry.msgstr[0])]

    # then
    assert (untranslated[:3], fuzzy[:3], changed[:3]) == ([], [], [])


@needs_gettext
@pytest.mark.parametrize("locale", LOCALES)
def test_each_compiled_content_catalogue_is_its_catalogue_compiled(locale: str, tmp_path: Path) -> None:
    # given
    compiled = tmp_path / "content.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(catalogue(locale))], check=True, capture_output=True)

    # then
    committed = catalogue(locale).with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run `make messages`"
    assert compiled_translations(committed) == compiled_translations(compiled), f"{committed} is out of date: run `make messages`"


@needs_gettext
def test_refreshing_keeps_translations_adds_new_texts_and_drops_gone_ones(tmp_path: Path) -> None:
    # given a locale whose content catalogue has one translated text and one text the data files no longer hold
    directory = tmp_path / LOCALES[0] / "LC_MESSAGES"
    directory.mkdir(parents=True)
    (directory / "django.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: es\\n"\n', encoding="utf-8"
    )
    (directory / "content.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Getting started as a pair"\nmsgstr "Primeros pasos en pareja"\n\n'
        'msgid "A text no data file holds"\nmsgstr "Un texto"\n',
        encoding="utf-8",
    )

    # when
    update_catalogues(tmp_path)

    # then
    entries = {entry.msgid: entry.msgstr for entry in read_catalogue(directory / "content.po")}
    assert entries["Getting started as a pair"] == ["Primeros pasos en pareja"]
    assert "A text no data file holds" not in entries
    assert set(entries) == set(content_messages())


def test_content_text_follows_the_readers_language() -> None:
    # given a text of a guide, and a text that is nobody's content
    title = "Getting started as a pair"

    # then
    with translation.override("es"):
        spanish = content_text(title)
        assert content_text("Our own purpose, typed by a manager") == "Our own purpose, typed by a manager"
    assert spanish not in ("", title)
    assert content_text(title, "fr") not in ("", title, spanish)
    with translation.override("en-gb"):
        assert content_text(title) == title
