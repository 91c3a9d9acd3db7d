"""The breakdowns shown beside the KPIs — enrolment by role and status, running pairs by health, pulse ratings by
role, participants split into employees and guests from outside — each suppressed inside its view, and for a
filtered view shown only if the cross-filter rule allows the whole table
(:meth:`~turnabout.insights.figures.ProgramView.releases_people`); withheld, every figure of it is hidden.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from turnabout.engagement.models import HealthState, PairStatus
from turnabout.insights.figures import ROLES, ProgramView, cross_filter_note
from turnabout.insights.suppression import (
    SuppressedCounts,
    SuppressedTable,
    counts_pattern,
    suppress_counts,
    suppress_table,
    table_pattern,
)
from turnabout.programs.models import EnrolmentStatus

# The tables' keys: code (the roll-up, the API) looks the columns and groups up by them, so they stay English;
# BREAKDOWN_LABELS gives the words pages, the CSV and the PDF show for them (presentation.group_label).
ENROLLED, NOT_ENROLLED = "Enrolled", "Invited, not enrolled"
HEALTH_LABELS = {HealthState.HEALTHY: "Healthy", HealthState.WATCH: "Watch", HealthState.AT_RISK: "At risk"}
BREAKDOWN_LABELS: dict[str, Promise] = {
    ENROLLED: gettext_lazy("Enrolled"),
    NOT_ENROLLED: gettext_lazy("Invited, not enrolled"),
    HEALTH_LABELS[HealthState.HEALTHY]: gettext_lazy("Healthy"),
    HEALTH_LABELS[HealthState.WATCH]: gettext_lazy("Watch"),
    HEALTH_LABELS[HealthState.AT_RISK]: gettext_lazy("At risk"),
}
RATINGS = ("1", "2", "3", "4", "5")
# The two groups of a guest split (GuestSplit): keys, so English, like the tables' columns.
EMPLOYEES, GUESTS = "Employees", "Guests"


@dataclass(frozen=True, slots=True)
class GuestSplit:
    """A participant count split into employees and guests from outside, as every output publishes it.

    ``key`` is ``enrolled.<role>`` (approved participants of a side) or ``pairs_running`` (active pairs, ``guests``
    then counting the pairs with a guest partner). ``total`` is the figure the dashboard already publishes for it (the
    enrolment table's "Enrolled" cell, the running pairs' total); ``None`` where hidden. Guests' own organisations are
    never broken down. ``note`` says why a filtered view withholds the split (the cross-filter rule); a split hidden
    for a small group of its own has none, and reads as every hidden count does.
    """

    key: str
    total: int | None
    employees: int | None
    guests: int | None
    note: str = ""

    @property
    def is_withheld(self) -> bool:
        return self.guests is None


def enrolment_table(counts: Mapping[tuple[str, bool], int], label: Mapping[str, str], k: int) -> SuppressedTable:
    """Role × (enrolled, invited but not enrolled) with totals, suppressed at ``k``; ``counts[role, is_approved]``.

    The one definition of the table: the dashboard shows it, and the organisation roll-up shows its "Enrolled" column.
    """
    return suppress_table(
        {
            (label[role], ENROLLED if approved else NOT_ENROLLED): counts.get((role, approved), 0)
            for role in ROLES
            for approved in (True, False)
        },
        k=k,
        rows=[label[role] for role in ROLES],
        columns=[ENROLLED, NOT_ENROLLED],
    )


def enrolments_breakdown(view: ProgramView, label: Mapping[str, str]) -> tuple[SuppressedTable, str]:
    approved = [(role, status == EnrolmentStatus.APPROVED) for _pk, role, status, _d in view.people]
    table = enrolment_table(Counter(cell for cell, kept in zip(approved, view.keeps_person, strict=True) if kept), label, view.k)
    if not view.is_filtered:
        return table, ""
    cells = [(role, is_approved) for role in ROLES for is_approved in (True, False)]
    contributions = np.zeros((len(approved), len(cells)), dtype=np.int64)
    for number, cell in enumerate(approved):
        if cell in cells:
            contributions[number, cells.index(cell)] = 1
    released = view.releases_people(
        [True] * len(approved),
        contributions=contributions,
        suppress=lambda counts: table_pattern(enrolment_table(dict(zip(cells, counts, strict=True)), label, view.k)),
    )
    return (table, "") if released else (withheld_table(table), cross_filter_note(view.k))


def health_breakdown(view: ProgramView) -> tuple[SuppressedCounts, str]:
    """Running (active) pairs by health state, with the total."""
    states = list(HealthState)
    active = [status == PairStatus.ACTIVE for _pk, _m, _e, status, *_rest in view.pairs]
    state_of = [state for *_rest, state in view.pairs]
    tally = Counter(state for state, unit in zip(state_of, view.kept_pair_units(active), strict=True) if unit)
    health = suppress_counts({HEALTH_LABELS[state]: tally.get(state, 0) for state in states}, k=view.k)
    if not view.is_filtered:
        return health, ""
    contributions = np.array([[int(state == candidate) for candidate in states] for state in state_of], dtype=np.int64).reshape(
        len(state_of), len(states)
    )
    released = view.releases_pairs(
        active,
        contributions=contributions,
        suppress=lambda counts: counts_pattern(
            suppress_counts({HEALTH_LABELS[state]: count for state, count in zip(states, counts, strict=True)}, k=view.k)
        ),
    )
    return (health, "") if released else (withheld_counts(health), cross_filter_note(view.k))


def pulse_table(counts: Mapping[tuple[str, str], int], label: Mapping[str, str], k: int) -> SuppressedTable:
    return suppress_table(
        {(label[role], rating): counts.get((role, rating), 0) for role in ROLES for rating in RATINGS},
        k=k,
        rows=[label[role] for role in ROLES],
        columns=list(RATINGS),
    )


def meetings_held_total(held: int, pairs_met: int, k: int) -> int | None:
    """A program's meetings held as every output publishes it (the total of its months, its roll-up row): shown once
    ``k`` pairs have met, or when none has; else ``None``. The one decision the dashboard and the roll-up share."""
    return held if held == 0 or pairs_met >= k else None


def meetings_by_month(months: Mapping[str, int], pairs_met: int, k: int) -> SuppressedCounts:
    """Meetings held per month, suppressed at ``k`` with their total shown (the roll-up publishes it).

    A month of 1 to ``k − 1`` meetings is a handful of pairs, hidden like any small count; a second month is hidden
    beside it, so the roll-up's total less the shown months never gives it. Every month is hidden when the total is.
    """
    counts = suppress_counts(months, k=k, total_shown=True)
    if meetings_held_total(sum(months.values()), pairs_met, k) is None:
        return withheld_counts(counts)
    return counts


def withheld_table(table: SuppressedTable) -> SuppressedTable:
    """``table`` with every figure hidden, zeros too: a filtered table the cross-filter rule withholds."""
    return SuppressedTable(
        rows=table.rows,
        columns=table.columns,
        cells=dict.fromkeys(table.cells),
        row_totals=dict.fromkeys(table.row_totals),
        column_totals=dict.fromkeys(table.column_totals),
        grand_total=None,
        hidden=frozenset(table.cells),
        k=table.k,
    )


def withheld_counts(counts: SuppressedCounts) -> SuppressedCounts:
    return SuppressedCounts(values=dict.fromkeys(counts.values), hidden=frozenset(counts.values), total=None, k=counts.k)


def guest_splits(view: ProgramView, label: Mapping[str, str], enrolments: SuppressedTable, health: SuppressedCounts) -> list[GuestSplit]:
    """Each side's enrolled participants, and the running pairs, split into employees and guests from outside.

    A guest count is a count of people like the enrolment table's: hidden from 1 to ``k − 1``, and its total is
    published (the table's "Enrolled" cell, the running pairs' total), so employees = total − guests is a complement:
    the split is one breakdown with its total shown (:func:`suppress_counts`), which hides the employees beside a hidden
    guest count (and the guests beside a small employee count). Where the total itself is hidden, so is the whole split;
    a filtered view shows it only where the cross-filter rule allows. With nobody a guest, each split is the total and 0.
    """
    guests = list(view.guests) or [False] * len(view.people)
    splits = []
    for role in ROLES:
        units = [person_role == role and status == EnrolmentStatus.APPROVED for _pk, person_role, status, _d in view.people]
        splits.append(_split(view, f"enrolled.{role}", enrolments.value(label[role], ENROLLED), units, guests, people=True))
    with_guest = {pk for (pk, *_row), is_guest in zip(view.people, guests, strict=True) if is_guest}
    active = [status == PairStatus.ACTIVE for _pk, _m, _e, status, *_rest in view.pairs]
    # A circle runs "with a guest" when any of its members is one.
    pair_guests = [any(member in with_guest for member in view.members_of(row)) for row in view.pairs]
    splits.append(_split(view, "pairs_running", health.total, active, pair_guests, people=False))
    return splits


def _split(view: ProgramView, key: str, total: int | None, units: Sequence[bool], guests: Sequence[bool], *, people: bool) -> GuestSplit:
    if total is None:
        return GuestSplit(key, None, None, None)
    kept = view.kept_people_units(units) if people else view.kept_pair_units(units)
    guest_count = sum(1 for unit, is_guest in zip(kept, guests, strict=True) if unit and is_guest)
    employees, guest_value = split_counts(total, sum(kept) - guest_count, guest_count, view.k)
    if view.is_filtered:
        contributions = np.array([[int(not is_guest), int(is_guest)] for is_guest in guests], dtype=np.int64).reshape(len(guests), 2)
        releases = view.releases_people if people else view.releases_pairs
        released = releases(
            units,
            contributions=contributions,
            suppress=lambda counts: counts_pattern(suppress_counts({EMPLOYEES: counts[0], GUESTS: counts[1]}, k=view.k)),
        )
        if not released:
            return GuestSplit(key, total, None, None, cross_filter_note(view.k))
    return GuestSplit(key, total, employees, guest_value)


def split_counts(total: int | None, employees: int, guests: int, k: int) -> tuple[int | None, int | None]:
    """(employees, guests) of a published ``total`` as every output shows them, ``None`` where hidden: both hidden
    when the total is, or when either is from 1 to ``k − 1`` (the total less the other would give it). The one
    decision the dashboard's split and the organisation roll-up's employee counts share."""
    if total is None:
        return None, None
    counts = suppress_counts({EMPLOYEES: employees, GUESTS: guests}, k=k)
    return counts.values[EMPLOYEES], counts.values[GUESTS]
