"""The pieces every outcome figure is made of: a published :class:`Kpi`, the small-cell rules of a rate, a mean and a
distribution, and the :class:`ProgramView` a figure is computed over — the program-wide rows, which of them the
requested filter keeps, and the cross-filter rule that decides whether the filtered figure may be shown at all.

Framework-light: no queries here (:mod:`turnabout.insights.kpis` reads the rows), only settings for ``k``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turnabout.insights.lattice import FilterLattice
from turnabout.insights.stats import Estimate, bounded_mean_ci, poisson_rate_ci, proportion_ci
from turnabout.programs.models import Program, Role

ROLES = (Role.MENTOR, Role.MENTEE)

# The words of a figure that counts relationships, by key: (a pairs program's, a circles program's). A circle is one
# unit as a pair is (ADR 8); only its word differs. Read through :func:`unit_words`.
UNIT_WORDS: dict[str, tuple[Promise, Promise]] = {
    "days_to_match": (gettext_lazy("Days to match (ready → pair accepted)"), gettext_lazy("Days to match (ready → circle accepted)")),
    "few_without_meeting": (
        gettext_lazy("fewer than %(k)d pairs without a meeting yet"),
        gettext_lazy("fewer than %(k)d circles without a meeting yet"),
    ),
    "active_rate": (
        gettext_lazy("Active-pair rate (met within 1.5 × cadence)"),
        gettext_lazy("Active-circle rate (met within 1.5 × cadence)"),
    ),
    "closed": (
        gettext_lazy("not measured: the program has closed, so no pair is running"),
        gettext_lazy("not measured: the program has closed, so no circle is running"),
    ),
    "on_cadence": (gettext_lazy("Pairs on cadence (ratio ≥ %(ratio)s)"), gettext_lazy("Circles on cadence (ratio ≥ %(ratio)s)")),
    "meetings_per_month": (gettext_lazy("Meetings per pair per month"), gettext_lazy("Meetings per circle per month")),
    "insights_per_pair": (gettext_lazy("Ideas adopted per pair"), gettext_lazy("Ideas adopted per circle")),
    "pairs_with_insight": (gettext_lazy("Pairs with at least one idea adopted"), gettext_lazy("Circles with at least one idea adopted")),
    "few": (gettext_lazy("withheld: fewer than %(k)d pairs"), gettext_lazy("withheld: fewer than %(k)d circles")),
    "few_met": (gettext_lazy("withheld: fewer than %(k)d pairs have met"), gettext_lazy("withheld: fewer than %(k)d circles have met")),
    "running": (gettext_lazy("Pairs running"), gettext_lazy("Circles running")),
    "by_health": (gettext_lazy("Active pairs by health"), gettext_lazy("Active circles by health")),
    "units": (gettext_lazy("Pairs"), gettext_lazy("Circles")),
    "none_active": (gettext_lazy("No active pairs yet."), gettext_lazy("No active circles yet.")),
}


def unit_words(program: Program, key: str) -> str:
    """The words of ``key`` (:data:`UNIT_WORDS`) for the program's format, in the active language."""
    return str(UNIT_WORDS[key][program.is_circles])


# (pk, role, status, decided_at as seconds since the epoch)
EnrolmentRow = tuple[int, str, str, int | None]
# (pk, mentor enrolment, mentee enrolment, status, started_on, closed_at, close_reason, health_state): one row per
# relationship, a circle's row naming its lead members (ADR 8); every member is in ``ProgramView.members``.
PairRow = tuple[int, int, int, str, date, datetime | None, str, str]
# pair pk → (meetings held, local date of the first held, local date of the last held)
MeetingSpans = Mapping[int, tuple[int, date, date]]


def min_cell() -> int:
    """The small-cell threshold ``k`` from settings (``INSIGHTS_MIN_CELL``, never below 3)."""
    return int(getattr(settings, "INSIGHTS_MIN_CELL", 5))


@dataclass(frozen=True, slots=True)
class Kpi:
    """One published figure: ``estimate`` with its interval (``None`` when withheld, ``note`` says why).

    ``unit`` is one of ``percent`` (a 0–1 proportion), ``days``, ``per_month``, ``ratio``, ``score`` (1–5),
    ``points`` (NPS or a gain) or ``count``. ``n`` counts the people, pairs or answers behind the figure.
    """

    key: str
    label: str
    unit: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    note: str = ""

    @property
    def is_withheld(self) -> bool:
        return self.estimate is None


@dataclass(frozen=True, slots=True, eq=False)
class ProgramView:
    """The program-wide rows behind the KPIs, which of them the requested view keeps, and its place in the lattice.

    ``keeps_person[i]`` and ``keeps_pair[j]`` say whether ``people[i]`` and ``pairs[j]`` count in the view (a pair
    counts when either partner does); both are all true for the unfiltered program, and ``lattice`` is ``None``.
    ``guests[i]`` says whether ``people[i]`` is a guest from outside (empty: nobody is). A circle is one row of
    ``pairs``, one unit as a pair is; ``members`` gives its members' enrolments (a pair without an entry has its two).
    """

    program: Program
    k: int
    today: date
    people: list[EnrolmentRow]
    ready_at: dict[int, int]
    pairs: list[PairRow]
    meetings_by_pair: MeetingSpans
    keeps_person: list[bool]
    keeps_pair: list[bool]
    lattice: FilterLattice | None
    # Whether ``people[i]`` is a guest from outside (people.PersonKind.GUEST): counted apart from the employees.
    guests: Sequence[bool] = ()
    # pair pk → the enrolments of all its members, joined or left (circles only; a pair is its mentor and mentee).
    members: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    def members_of(self, row: PairRow) -> tuple[int, ...]:
        """The enrolments of a relationship's members: a circle's every member, a pair's mentor and mentee."""
        return self.members.get(row[0]) or (row[1], row[2])

    @property
    def is_filtered(self) -> bool:
        return self.lattice is not None

    def kept_people_units(self, units: Sequence[bool]) -> Sequence[bool]:
        """``units`` (a flag per person, program-wide) restricted to the people this view keeps."""
        return units if self.lattice is None else [unit and kept for unit, kept in zip(units, self.keeps_person, strict=True)]

    def kept_pair_units(self, units: Sequence[bool]) -> Sequence[bool]:
        """``units`` (a flag per pair, program-wide) restricted to the pairs this view keeps."""
        return units if self.lattice is None else [unit and kept for unit, kept in zip(units, self.keeps_pair, strict=True)]

    @property
    def kept_pairs(self) -> list[PairRow]:
        return [row for row, kept in zip(self.pairs, self.keeps_pair, strict=True) if kept]

    def releases_people(self, units: Sequence[bool], **rule: Any) -> bool:
        """Whether a figure over the people marked by ``units`` (program-wide) may be shown for this view."""
        return self.lattice is None or self.lattice.releases_people(units, **rule)

    def releases_pairs(self, units: Sequence[bool], **rule: Any) -> bool:
        """Whether a figure over the pairs marked by ``units`` (program-wide) may be shown for this view."""
        return self.lattice is None or self.lattice.releases_pairs(units, **rule)


def cross_filter_note(k: int) -> str:
    """Why a filtered figure is withheld although it has enough people of its own."""
    return _("withheld: would reveal a group smaller than %(k)d by comparison with the unfiltered figure") % {"k": k}


def _withheld_few(k: int, detail: str = "") -> str:
    """Why a figure from fewer than ``k`` units is withheld, with ``detail`` after a semicolon."""
    if detail:
        return _("withheld: fewer than %(k)d; %(detail)s") % {"k": k, "detail": detail}
    return _("withheld: fewer than %(k)d") % {"k": k}


def proportion_kpi(key: str, label: str, successes: int, n: int, k: int) -> Kpi:
    if n < k or 0 < successes < k or 0 < n - successes < k:
        # A numerator or its complement from 1 to k − 1 is a small group of people, whatever the rate.
        return Kpi(key, label, "percent", n=None if n < k else n, note=_("withheld: fewer than %(k)d people in a group") % {"k": k})
    ci = proportion_ci(successes, n)
    return Kpi(key, label, "percent", ci.estimate, ci.low, ci.high, ci.n)


def rate_kpi(key: str, label: str, unit: str, events: int, exposure: float, k: int, *, n: int) -> Kpi:
    """Events per unit of exposure over ``n`` units (pairs), with Garwood's exact Poisson interval (never below 0).

    Withheld, without an interval, when fewer than ``k`` units are behind it.
    """
    if n < k or exposure <= 0:
        return Kpi(key, label, unit, note=_withheld_few(k))
    return estimate_kpi(key, label, unit, poisson_rate_ci(events, exposure, n=n), n=n)


def bounded_mean_kpi(
    key: str,
    label: str,
    unit: str,
    counts: Mapping[float, int],
    k: int,
    *,
    n: int,
    scale: tuple[float, float],
    always_wilson: bool = False,
) -> Kpi:
    """The mean of values on ``scale`` (each value with how often it occurs), its interval on the scale
    (:func:`~turnabout.insights.stats.bounded_mean_ci`); withheld when ``n`` (people or pairs) is below ``k``.
    """
    if n < k or sum(counts.values()) < 2:
        return Kpi(key, label, unit, note=_withheld_few(k))
    lower, upper = scale
    estimate = bounded_mean_ci(counts, lower=lower, upper=upper, always_wilson=always_wilson)
    return estimate_kpi(key, label, unit, estimate, n=n)


def estimate_kpi(key: str, label: str, unit: str, estimate: Estimate, *, n: int | None = None, note: str = "") -> Kpi:
    return Kpi(key, label, unit, estimate.estimate, estimate.low, estimate.high, estimate.n if n is None else n, note)


def distribution_kpi(key: str, label: str, days: list[int], k: int, note: str) -> Kpi:
    """Median with quartiles (``low``/``high`` are the 25th and 75th percentiles here, not an interval)."""
    if len(days) < k:
        return Kpi(key, label, "days", note=_withheld_few(k, note))
    q1, median, q3 = statistics.quantiles(days, n=4, method="inclusive")
    return Kpi(key, label, "days", median, q1, q3, len(days), note)


def released(
    view: ProgramView, kpi: Kpi, units: Sequence[bool], *, pairs: bool = False, strata: Sequence[int] | None = None, note: str = ""
) -> Kpi:
    """``kpi`` when the cross-filter rule lets this view show it over ``units`` (program-wide); else withheld, keeping ``note``.

    One decision per figure whatever the view shows of it: a rate withheld for its own small groups still shows its
    ``n``, and an ``n`` released by a laxer rule than the rate's in some views would combine with the rates of others.
    """
    if not view.is_filtered or (kpi.is_withheld and kpi.n is None):
        return kpi
    releases = view.releases_pairs if pairs else view.releases_people
    if releases(units, strata=strata):
        return kpi
    return Kpi(kpi.key, kpi.label, kpi.unit, note=cross_filter_note(view.k) + (f"; {note}" if note else ""))
