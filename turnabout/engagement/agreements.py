"""The partnership agreement's text, pure: the program's template filled with the pair's details, and how its terms
read. The writes (a new version, a signature) are in ``engagement.services``; ``current_agreement`` is in
``engagement.queries``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import override

from turnabout.engagement.models import Agreement, Pair
from turnabout.programs.models import WORDING_LABELS, Cadence, Role

# How the program's agreement template leaves the pair's details to fill (turnabout/programs/data/presets.json).
NAME_BLANK = "[name]"
DATE_BLANK = "[date]"


def _in_every_language[T](read: Callable[[], Iterable[T]]) -> set[T]:
    """What ``read`` gives in each language Turnabout speaks: a template, and a text already filled in, may be in any."""
    found: set[T] = set()
    for code, _name in settings.LANGUAGES:
        with override(code):
            found.update(read())
    return found


@cache
def _cadence_sentence() -> re.Pattern[str]:
    """ "We meet [every two weeks] for …", or a sentence already filled with a cadence label of any language."""
    labels = _in_every_language(lambda: [str(label).lower() for label in Cadence.labels])
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    return re.compile(r"(We meet )(\[[^\]\n]*\]|" + alternatives + r")( for)", re.IGNORECASE)


def cadence_label(agreement: Agreement) -> str:
    """The agreed cadence as people read it ("Every 2 weeks"), never its stored value."""
    return str(Cadence(agreement.cadence).label) if agreement.cadence in Cadence.values else agreement.cadence


def _side_words(pair: Pair, role: Role) -> set[str]:
    """The words a template may name ``role`` by: the program's label and every built-in label, in every language.

    A word that names the other side too (in some language) is left out, unless it is the program's own label.
    """

    def words(side_role: Role) -> set[str]:
        side = 0 if side_role == Role.MENTOR else 1
        return {
            word
            for word in _in_every_language(
                lambda: [pair.program.label_for(side_role).lower(), *(str(labels[side]).lower() for labels in WORDING_LABELS.values())]
            )
            if word.strip()
        }

    other = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
    return {role.value, pair.program.label_for(role).lower(), *(words(role) - words(other))}


def _fill_line_blank(text: str, lead: str, words: set[str], value: str) -> str:
    """Fill the first "<lead with one of words>: [name]" line, e.g. "Mentor: [name]" or "Signed (mentor): [name]"."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    pattern = re.compile(lead.format(word=f"(?:{alternatives})") + r":[ \t]*" + re.escape(NAME_BLANK), re.IGNORECASE | re.MULTILINE)
    return pattern.sub(lambda match: match.group(0).replace(NAME_BLANK, value), text, count=1)


def _fill_date(text: str, heading: str, day: date | None) -> str:
    if day is None:
        return text
    pattern = re.compile(rf"^({re.escape(heading)}:[ \t]*){re.escape(DATE_BLANK)}", re.IGNORECASE | re.MULTILINE)
    return pattern.sub(lambda match: f"{match.group(1)}{date_format(day, 'j F Y')}", text, count=1)


def filled_agreement_text(agreement: Agreement) -> str:
    """The agreement's text with the pair's details written in: both names, the dates and the agreed cadence.

    The program's template leaves "[name]" beside each side ("Mentor: [name]", "Signed (mentee): [name]"), "[date]"
    beside the start, midpoint and end, and a bracketed cadence in "We meet [every two weeks] for"; blanks the pair
    fills themselves (goals, examples) stay as they are. The cadence sentence follows the agreement's cadence.
    """
    pair = agreement.pair
    text = agreement.body
    for role in (Role.MENTOR, Role.MENTEE):
        name = pair.enrolment_for(role).person.full_name
        words = _side_words(pair, role)
        text = _fill_line_blank(text, r"^[ \t]*{word}", words, name)
        text = _fill_line_blank(text, r"Signed \({word}\)", words, name)
    ends_on = pair.program.ends_on
    # The template is written in the default language (programs.services.create_program_from_preset): its dates and
    # cadence are written in that language too, whoever reads it, so no sentence mixes two languages.
    with override(settings.LANGUAGE_CODE):
        text = _fill_date(text, "Start date", pair.started_on)
        text = _fill_date(text, "End date", ends_on)
        if ends_on is not None and ends_on > pair.started_on:
            text = _fill_date(text, "Midpoint review", pair.started_on + (ends_on - pair.started_on) / 2)
        return _cadence_sentence().sub(lambda match: f"{match.group(1)}{cadence_label(agreement).lower()}{match.group(3)}", text)


def is_signed_by_both(agreement: Agreement) -> bool:
    return {signature.role for signature in agreement.signatures.all()} == {Role.MENTOR, Role.MENTEE}


def is_signed_by_every_member(agreement: Agreement) -> bool:
    """A circle's agreement is signed once every current member signed it."""
    signed = {signature.member_id for signature in agreement.signatures.all()}
    current = set(agreement.pair.members.current().values_list("pk", flat=True))
    return bool(current) and current <= signed
