"""Every word a template shows is marked for translation.

A template's text outside ``{% translate %}``/``{% blocktranslate %}`` reaches every reader in English, whatever their
language. The check reads each template's tokens as Django's lexer does: text inside a blocktranslate or comment block
is skipped, template tags and variables are blanked, then scripts, styles, HTML tags and entities are removed; what
remains must hold no word. Visible attributes (input hints, aria-label, title, alt, confirmation texts) are checked the
same way. Product and protocol names stay as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "turnabout" / "templates"
NAMES = {"Turnabout", "SSO", "SAML", "OIDC", "SCIM", "HRIS", "CSV", "PDF", "API", "ics", "OK"}
_VISIBLE_ATTRIBUTE = re.compile(r'\b(?:placeholder|aria-label|title|alt|hx-confirm|data-confirm)="([^"]*)"')
_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
_OPENS = {"blocktranslate", "blocktrans", "comment"}
_CLOSES = {"endblocktranslate", "endblocktrans", "endcomment"}


def untranslated_text(source: str) -> list[str]:
    """The lines of words ``source`` shows outside translation tags, and its visible attributes holding words."""
    parts: list[str] = []
    depth = 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            command = token.contents.split()[0] if token.contents else ""
            depth += (command in _OPENS) - (command in _CLOSES)
            parts.append("§")
        elif token.token_type == TokenType.TEXT and not depth:
            parts.append(token.contents)
        else:
            parts.append("§")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", "".join(parts), flags=re.S)
    found = [f"attribute: {value}" for value in _VISIBLE_ATTRIBUTE.findall(text) if _words(value)]
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", re.sub(r"<[^>]*>", " ", text))
    found += [" ".join(words) for line in text.split("\n") if (words := _words(line))]
    return found


def _words(text: str) -> list[str]:
    return [word for word in _WORD.findall(text) if word not in NAMES]


def test_the_check_sees_untranslated_text_and_only_that() -> None:
    source = (
        '{% load i18n %}<h1 class="title">{% translate "Pairs" %}</h1>\n'
        "<p>{% blocktranslate with name=n %}Hello {{ name }}{% endblocktranslate %}</p>\n"
        '<input placeholder="Search people" aria-label="{% translate "Search" %}">\n'
        "{% comment %}Left alone{% endcomment %}<script>let words = 1;</script>\n"
        "<p>Meetings held: {{ count }}</p> <abbr>SSO</abbr>"
    )
    assert untranslated_text(source) == ["attribute: Search people", "Meetings held"]


@pytest.mark.parametrize(
    "template", sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*") if path.suffix in {".html", ".txt"})
)
def test_template_shows_no_untranslated_text(template: str) -> None:
    assert untranslated_text((TEMPLATES / template).read_text()) == []
