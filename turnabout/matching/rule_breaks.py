"""The hard rules a pair breaks against the current directory, as codes and params, worded when read.

``pool.pair_rule_breaks`` and ``rechecks.availability_break`` find them; ``Match.rule_breaks`` stores them as
``{"code", "params"}``; ``describe_rule_break`` words one in the active language, so a program manager reads it in
their own language whatever language the worker checked in. A break stored as a bare sentence reads as it was stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The codes, one for each hard rule a pair can break after a directory change.
MENTEE_IN_MENTOR_LINE = "mentee_in_mentor_line"
MENTOR_IN_MENTEE_LINE = "mentor_in_mentee_line"
GRADE_GAP = "grade_gap"
NO_SHARED_LANGUAGE = "no_shared_language"
SAME_DEPARTMENT = "same_department"
FORBIDDEN_PAIR = "forbidden_pair"
NO_SHARED_AVAILABILITY = "no_shared_availability"

# A break as stored in ``Match.rule_breaks``: {"code", "params"}, or a sentence stored before breaks had codes.
StoredRuleBreak = str | dict[str, Any]


@dataclass(frozen=True)
class RuleBreak:
    """One hard rule a pair breaks: its code and the params its sentence needs (both people's names, the gap...)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        """As ``Match.rule_breaks`` holds it."""
        return {"code": self.code, "params": dict(self.params)}


def describe_rule_break(rule_break: RuleBreak | StoredRuleBreak) -> str:
    """A break's sentence, naming both people, in the active language; a bare stored sentence as it is.

    Raises KeyError for an unknown code or missing params.

    >>> describe_rule_break(RuleBreak(GRADE_GAP, {"mentor": "Ann", "mentee": "Bo", "gap": 2}))
    'Ann is no longer 2 grades junior to Bo'
    >>> describe_rule_break({"code": SAME_DEPARTMENT, "params": {"mentor": "Ann", "mentee": "Bo"}})
    'Ann and Bo are now in the same department'
    """
    if isinstance(rule_break, str):
        return rule_break
    if isinstance(rule_break, dict):
        rule_break = RuleBreak(str(rule_break.get("code", "")), rule_break.get("params") or {})
    code, params = rule_break.code, rule_break.params
    names = {"mentor": params["mentor"], "mentee": params["mentee"]}
    if code == MENTEE_IN_MENTOR_LINE:
        return _("%(mentee)s now reports to %(mentor)s's line") % names
    if code == MENTOR_IN_MENTEE_LINE:
        return _("%(mentor)s now reports to %(mentee)s's line") % names
    if code == GRADE_GAP:
        gap = params["gap"]
        return ngettext(
            "%(mentor)s is no longer %(gap)d grade junior to %(mentee)s",
            "%(mentor)s is no longer %(gap)d grades junior to %(mentee)s",
            gap,
        ) % {**names, "gap": gap}
    if code == NO_SHARED_LANGUAGE:
        return _("%(mentor)s and %(mentee)s no longer share a language") % names
    if code == SAME_DEPARTMENT:
        return _("%(mentor)s and %(mentee)s are now in the same department") % names
    if code == FORBIDDEN_PAIR:
        return _("%(mentor)s and %(mentee)s are now forbidden as a pair") % names
    if code == NO_SHARED_AVAILABILITY:
        minutes = params["minutes"]
        return ngettext(
            "%(mentor)s and %(mentee)s no longer share %(minutes)d minute of weekly availability",
            "%(mentor)s and %(mentee)s no longer share %(minutes)d minutes of weekly availability",
            minutes,
        ) % {**names, "minutes": minutes}
    raise KeyError(code)


def rule_break_texts(rule_breaks: Iterable[RuleBreak | StoredRuleBreak]) -> list[str]:
    """Each break's sentence in the active language (``describe_rule_break``)."""
    return [describe_rule_break(rule_break) for rule_break in rule_breaks]


def stored_rule_breaks(rule_breaks: Iterable[RuleBreak]) -> list[dict[str, Any]]:
    """The breaks as ``Match.rule_breaks`` holds them."""
    return [rule_break.stored() for rule_break in rule_breaks]
