"""How figures read on the dashboard, in the CSV export and in the PDF report: one wording for all three."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turnabout.insights.breakdowns import BREAKDOWN_LABELS, GuestSplit
from turnabout.insights.figures import ROLES, Kpi, unit_words
from turnabout.insights.reach import REACH_LABELS
from turnabout.programs.models import Program

HIDDEN = "—"
HIDDEN_NOTE = gettext_lazy("hidden to protect small groups")
DISTRIBUTIONS = frozenset({"days_to_match", "days_to_first_meeting"})


@dataclass(frozen=True, slots=True)
class KpiLine:
    """A KPI ready to show: value, its interval (or quartiles for a distribution), n and a note."""

    key: str
    label: str
    value: str
    interval: str
    n: str
    note: str


def format_number(kpi: Kpi, value: float | None) -> str:
    """``value`` in ``kpi``'s unit: 0.42 → "42.0 %" for a proportion, one decimal for days and scores."""
    if value is None:
        return HIDDEN
    if kpi.unit == "percent":
        return f"{100 * value:.1f} %"
    if kpi.unit == "count" and float(value).is_integer():
        return f"{int(value)}"
    if kpi.unit in ("points", "days"):
        return f"{value:.1f}"
    return f"{value:.2f}"


def kpi_line(kpi: Kpi) -> KpiLine:
    if kpi.is_withheld:
        return KpiLine(kpi.key, kpi.label, HIDDEN, "", "" if kpi.n is None else str(kpi.n), kpi.note or str(HIDDEN_NOTE))
    interval = ""
    if kpi.low is not None and kpi.high is not None:
        bounds = {"low": format_number(kpi, kpi.low), "high": format_number(kpi, kpi.high)}
        interval = (_("quartiles %(low)s to %(high)s") if kpi.key in DISTRIBUTIONS else _("95 %% CI %(low)s to %(high)s")) % bounds
    return KpiLine(kpi.key, kpi.label, format_number(kpi, kpi.estimate), interval, "" if kpi.n is None else str(kpi.n), kpi.note)


def group_label(key: str) -> str:
    """The words for a breakdown's column or group, keyed in English ("Enrolled", "Healthy", "No grade"); a key with
    no words of its own (a program's role label, a grade band such as "G1–G3", a rating) reads as itself."""
    label = BREAKDOWN_LABELS.get(key) or REACH_LABELS.get(key)
    return key if label is None else str(label)


def shown(count: int | None) -> str:
    """A published count, or the dash of a hidden one."""
    return HIDDEN if count is None else str(count)


@dataclass(frozen=True, slots=True)
class GuestSplitLine:
    """A participant count split into employees and guests, ready to show: "Mentors enrolled: 12 (of whom 3 guests
    from outside)". Each count is a published figure or the dash of a hidden one."""

    key: str
    label: str
    total: str
    employees: str
    guests: str
    sentence: str
    note: str


def guest_split_lines(program: Program, splits: Iterable[GuestSplit]) -> list[GuestSplitLine]:
    """The lines of ``splits`` in the program's wording, for the dashboard, the CSV and the PDF alike."""
    sides = {f"enrolled.{role}": program.plural_for(role) for role in ROLES}
    lines = []
    for split in splits:
        values = {"total": shown(split.total), "guests": shown(split.guests)}
        if split.key in sides:
            label = _("%(people)s enrolled") % {"people": capfirst(sides[split.key])}
            detail = _("%(total)s (of whom %(guests)s guests from outside)") % values
        else:
            label = unit_words(program, "running")
            detail = _("%(total)s (of which %(guests)s with a guest from outside)") % values
        note = (split.note or str(HIDDEN_NOTE)) if split.is_withheld else ""
        lines.append(
            GuestSplitLine(split.key, label, values["total"], shown(split.employees), values["guests"], f"{label}: {detail}", note)
        )
    return lines
