"""The shipped catalogues (turnabout/locale/<locale>/LC_MESSAGES/django.po) are complete and current.

- Every language of settings.LANGUAGES but English (the source text) has a catalogue, and only those do.
- No catalogue has an untranslated (empty msgstr) or fuzzy entry; a catalogue still being translated is listed in
  TRANSLATION_IN_PROGRESS (a strict expected failure, so it must leave the list the day it is complete).
- Each catalogue holds exactly the strings ``make messages`` would collect from the source today: makemessages runs
  into a temporary locale directory (the source tree is read, the shipped catalogues are not touched) and its msgids
  are compared with each catalogue's.
- Each committed ``django.mo`` is its ``django.po`` compiled (``make messages`` compiles them), so a checkout, the
  wheel and the image serve what the catalogue says without GNU gettext installed.

Needs GNU gettext (xgettext, msgmerge, msgfmt): .ci/run installs it.
"""

from __future__ import annotations

import ast
import gettext
import importlib
import inspect
import pkgutil
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import override_settings
from django.utils.functional import Promise
from django.utils.translation import to_locale

import turnabout

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "turnabout" / "locale"
SOURCE_LANGUAGE = "en-gb"
LOCALES = sorted(to_locale(code) for code, _ in settings.LANGUAGES if code != SOURCE_LANGUAGE)
# The Makefile's MESSAGES_IGNORE: only Turnabout's own source is collected, never the tests' strings. The shipped
# catalogues' directory is ignored too, or makemessages would take it as the place to write (it adopts every
# "locale" directory it walks into).
IGNORED = [".venv", "frontend", "node_modules", "tests", "var", "bench", "docs", "turnabout/static", "turnabout/locale"]
GETTEXT = shutil.which("xgettext") and shutil.which("msgmerge") and shutil.which("msgfmt")
needs_gettext = pytest.mark.skipif(not GETTEXT, reason="GNU gettext is not installed (apt-get install gettext)")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$")


def read_catalogue(path: Path) -> list[Entry]:
    """The entries of a .po file, header (msgid "") and obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry, part = Entry(), ""

    def finish() -> None:
        nonlocal entry
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry = Entry()

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        matched = _KEYWORD.match(line)
        if matched:
            part, text = matched.group(1), ast.literal_eval(matched.group(2))
            if part.startswith("msgstr"):
                entry.msgstr.append(text)
            else:
                setattr(entry, part, text)
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if part.startswith("msgstr"):
                entry.msgstr[-1] += text
            else:
                setattr(entry, part, (getattr(entry, part) or "") + text)
    finish()
    return [entry for entry in entries if entry.msgid]


def compiled_translations(path: Path) -> dict[object, str]:
    """The translations of a compiled catalogue (.mo), its header (with its dates) left out."""
    with path.open("rb") as stream:
        found = dict(gettext.GNUTranslations(stream)._catalog)  # type: ignore[attr-defined]
    found.pop("", None)
    return found


def catalogue(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def test_every_language_but_the_source_has_a_catalogue_and_no_other_does() -> None:
    # given
    shipped = sorted(path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))

    # then
    assert shipped == LOCALES


# Catalogues whose translation is not finished yet (the strings were made translatable on 2026-12-02, issue 16):
# strict, so a catalogue that becomes complete fails here until it is taken off this list. Empty when all are done.
TRANSLATION_IN_PROGRESS: set[str] = set()


@pytest.mark.parametrize(
    "locale",
    [
        pytest.param(locale, marks=pytest.mark.xfail(strict=True, reason="translation not finished (issue 16)"))
        if locale in TRANSLATION_IN_PROGRESS
        else locale
        for locale in LOCALES
    ],
)
def test_no_catalogue_has_an_untranslated_or_fuzzy_entry(locale: str) -> None:
    # given
    entries = read_catalogue(catalogue(locale))

    # when
    untranslated = [entry.msgid for entry in entries if not all(entry.msgstr)]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]

    # then
    assert entries, f"{catalogue(locale)} holds no string"
    assert (len(untranslated), len(fuzzy)) == (0, 0), (
        f"{locale}: {len(untranslated)} of {len(entries)} untranslated, {len(fuzzy)} fuzzy, e.g. {(untranslated + fuzzy)[:5]}"
    )


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str | None, str, str | None]]:
    """The msgids makemessages collects from the source now, written into a temporary locale directory."""
    if not GETTEXT:
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")
    locale_paths = tmp_path_factory.mktemp("locale")
    with override_settings(LOCALE_PATHS=[locale_paths]), pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        call_command("makemessages", locale=[LOCALES[0]], ignore_patterns=IGNORED, no_obsolete=True, verbosity=0)
    return {entry.key for entry in read_catalogue(locale_paths / LOCALES[0] / "LC_MESSAGES" / "django.po")}


def test_the_source_has_translatable_strings_and_no_test_string(collected: set[tuple[str | None, str, str | None]]) -> None:
    # then: the strings of the language page are collected; those of the tests' own templates are not
    msgids = {msgid for _, msgid, _ in collected}
    assert {"My language", "Save my language"} <= msgids
    assert not any(msgid.startswith("check/email/") for msgid in msgids)


@needs_gettext
@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_holds_exactly_the_strings_of_the_source(locale: str, collected: set[tuple[str | None, str, str | None]]) -> None:
    # given
    shipped = {entry.key for entry in read_catalogue(catalogue(locale))}

    # then: `make messages` would add nothing and remove nothing
    missing, stale = sorted(collected - shipped, key=str), sorted(shipped - collected, key=str)
    assert (missing, stale) == ([], []), f"{locale}: run `make messages`; {len(missing)} missing, {len(stale)} no longer in the source"


@needs_gettext
@pytest.mark.parametrize("locale", LOCALES)
def test_each_compiled_catalogue_is_its_catalogue_compiled(locale: str, tmp_path: Path) -> None:
    # given the committed .mo, and the .po compiled now
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(catalogue(locale))], check=True, capture_output=True)
    committed = catalogue(locale).with_suffix(".mo")

    # then they hold the same translations (the header, with its dates, aside)
    assert committed.exists(), f"{committed} is missing: run `make messages`"
    assert compiled_translations(committed) == compiled_translations(compiled), f"{committed} is out of date: run `make messages`"


def turnabout_modules() -> list[ModuleType]:
    """Every app's models module, then every other module of the turnabout package (migrations and settings aside)."""
    found = [config.models_module for config in apps.get_app_configs() if config.name.startswith("turnabout.") and config.models_module]
    for info in pkgutil.walk_packages(turnabout.__path__, "turnabout."):
        if ".migrations" not in info.name and not info.name.startswith("turnabout.settings"):
            found.append(importlib.import_module(info.name))
    return found


def test_every_text_choices_label_is_marked_for_translation() -> None:
    # given every TextChoices class defined in a turnabout module
    classes = {
        (cls.__module__, cls.__qualname__): cls
        for module in turnabout_modules()
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, models.TextChoices) and cls is not models.TextChoices and cls.__module__.startswith("turnabout.")
    }

    # when
    offenders = [
        f"{module}.{name}: {label!r}"
        for (module, name), cls in sorted(classes.items())
        for _value, label in cls.choices
        if not isinstance(label, Promise)
    ]

    # then: each label is a lazy translation (gettext_lazy), shown in the reader's language
    assert classes, "no TextChoices class found"
    assert not offenders, f"{len(offenders)} TextChoices labels not marked for translation:\n" + "\n".join(offenders)
