"""The cross-filter rule on its own (no database): examples, validation, and attackers over whole filter lattices."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.insights.lattice_attack import Release, linear_attack, subtraction_attack
from tests.insights.strategies import counts
from turnabout.insights.cross_filter import cross_filter_release
from turnabout.insights.suppression import suppress_table, table_pattern

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROWS, COLUMNS = ("mentor", "mentee"), ("Enrolled", "Invited")
BASE_CELLS = [(row, column) for row in ROWS for column in COLUMNS]
# Every entry a role × status table with totals publishes, as the base cells it adds up.
ENTRIES = {
    **{cell: frozenset({cell}) for cell in BASE_CELLS},
    **{(row, None): frozenset((row, column) for column in COLUMNS) for row in ROWS},
    **{(None, column): frozenset((row, column) for row in ROWS) for column in COLUMNS},
    (None, None): frozenset(BASE_CELLS),
}

Atom = tuple[int | None, int]
View = tuple[int | None, int | None]


def lattice_views(sites: int, cohorts: int) -> list[View]:
    """Unfiltered, each site, each cohort, each site and cohort: the order the dashboards decide them in."""
    site_numbers, cohort_numbers = range(sites), range(cohorts)
    return [
        (None, None),
        *((site, None) for site in site_numbers),
        *((None, cohort) for cohort in cohort_numbers),
        *itertools.product(site_numbers, cohort_numbers),
    ]


def holds(view: View, atom: Atom) -> bool:
    site, cohort = view
    return site in (None, atom[0]) and cohort in (None, atom[1])


def in_view(view: View, key: tuple[Atom, ...]) -> bool:
    """A person (one atom) or a pair (two: either partner) in ``view``."""
    return any(holds(view, atom) for atom in key)


def role_table(k: int) -> Callable[[tuple[int, ...]], frozenset[Hashable]]:
    """The entries a role × status table with totals hides at ``k``, from its base-cell counts (``BASE_CELLS`` order)."""

    def hidden(cell_counts: tuple[int, ...]) -> frozenset[Hashable]:
        return table_pattern(suppress_table(dict(zip(BASE_CELLS, cell_counts, strict=True)), k=k, rows=ROWS, columns=COLUMNS))

    return hidden


@st.composite
def lattices(draw: st.DrawFn) -> tuple[int, list[View], list[tuple[Atom, ...]], list[int], list[int]]:
    """A small population across sites and cohorts: (k, views, each unit's key, stratum, base cell).

    Counts per key come from ``counts(k)`` so that keys hold nobody, a few (1 to k − 1) or enough; units are people
    (one atom) or pairs (two atoms, in a view when either partner is).
    """
    k = draw(st.integers(min_value=3, max_value=5))
    sites = draw(st.integers(min_value=1, max_value=2))
    cohorts = draw(st.integers(min_value=1, max_value=3))
    atoms: list[Atom] = [(site, cohort) for site in [*range(sites), None] for cohort in range(cohorts)]
    if draw(st.booleans()):
        keys: list[tuple[Atom, ...]] = [(atom,) for atom in atoms]
    else:
        keys = draw(st.lists(st.tuples(st.sampled_from(atoms), st.sampled_from(atoms)), min_size=1, max_size=8, unique=True))
    units: list[tuple[Atom, ...]] = []
    strata: list[int] = []
    cells: list[int] = []
    for key in keys:
        for _ in range(draw(counts(k).filter(lambda count: count <= 12))):
            units.append(key)
            strata.append(draw(st.integers(min_value=0, max_value=1)))
            cells.append(draw(st.integers(min_value=0, max_value=len(BASE_CELLS) - 1)))
    return k, lattice_views(sites, cohorts), units, strata, cells


def memberships(views: list[View], units: list[tuple[Atom, ...]]) -> list[list[bool]]:
    return [[in_view(view, key) for key in units] for view in views]


def view_keys(view: View, units: list[tuple[Atom, ...]]) -> frozenset[tuple[Atom, ...]]:
    return frozenset(key for key in units if in_view(view, key))


# --- examples ---------------------------------------------------------------------------------------


def test_the_reported_attack_is_refused():
    # given 24 mentors, 3 at a new site; the views: unfiltered, the main site, the new site
    at_main_site = [True] * 21 + [False] * 3

    # when
    decisions = cross_filter_release([[True] * 24, at_main_site, [not here for here in at_main_site]], k=5)

    # then: neither site's figure is released, since either gives the other by subtraction
    assert decisions == (True, False, False)


def test_two_filters_are_refused_when_their_combination_isolates_a_small_group():
    # given two sites and two cohorts: everyone at (A, 1) except 2 people at (B, 2) and 10 at (A, 2), 10 at (B, 1)
    atoms = [("A", 1)] * 10 + [("A", 2)] * 10 + [("B", 1)] * 10 + [("B", 2)] * 2
    views = [(None, None), ("A", None), ("B", None), (None, 1), (None, 2), ("A", 1), ("A", 2), ("B", 1), ("B", 2)]

    # when
    decisions = cross_filter_release([[holds_named(view, atom) for atom in atoms] for view in views], k=5)

    # then: sites A (20) and B (12) are released. Either cohort would split B into 10 and 2, and so would (B, 1) and
    # (B, 2); (A, 1) splits A into 10 and 10, after which (A, 2) = A − (A, 1) tells nothing new
    assert decisions == (True, True, True, False, False, True, True, False, False)


def holds_named(view: tuple[str | None, int | None], atom: tuple[str, int]) -> bool:
    return view[0] in (None, atom[0]) and view[1] in (None, atom[1])


def test_a_table_is_refused_when_a_group_it_would_isolate_has_a_small_cell_the_unfiltered_table_shows():
    # given 20 mentors and 12 mentees; site B has 10 mentors and 2 mentees, so each site has enough people
    site_b = [False] * 10 + [True] * 10 + [False] * 10 + [True] * 2
    cells = [0] * 20 + [2] * 12  # mentor enrolled, mentee enrolled
    contributions = np.eye(4, dtype=np.int64)[cells]
    views = [[True] * 32, [not here for here in site_b], site_b]

    # when
    plain = cross_filter_release(views, k=5)
    as_table = cross_filter_release(views, k=5, contributions=contributions, suppress=role_table(5))

    # then: counted alone, both sites could be shown; but the unfiltered table shows 12 mentees, site A's would show 10
    assert plain == (True, True, True)
    assert as_table == (True, False, False)


def test_through_decides_only_the_first_views():
    assert cross_filter_release([[True] * 10, [True] * 5 + [False] * 5, [True] * 9 + [False]], k=5, through=1) == (True, True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"memberships": [[True, False]]}, r"memberships\[0\] must be the unfiltered view, with every unit in it"),
        ({"memberships": [True, True]}, r"memberships must be a \(views × units\) matrix; got the shape \(2,\)"),
        ({"memberships": [[True]], "through": 1}, r"through must be between 0 and 0; got 1"),
        ({"memberships": [[True]], "strata": [0, 1]}, r"strata must give a non-negative whole number for each of the 1 units"),
        ({"memberships": [[True]], "contributions": [[1]]}, r"contributions and suppress must be given together"),
        ({"memberships": [[True]], "k": 2}, r"k must be at least 3; got 2"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        cross_filter_release(**arguments)


# --- properties -------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(lattices())
def test_no_small_group_of_a_count_is_pinned_by_any_combination_of_released_views(case):
    k, views, units, _strata, _cells = case
    released = cross_filter_release(memberships(views, units), k=k)
    truth = Counter((key, 0) for key in units)
    releases = []
    for view, shown in zip(views, released, strict=True):
        count = sum(in_view(view, key) for key in units)
        if shown and (count == 0 or count >= k):  # the view's own rule: a count from 1 to k − 1 is hidden
            releases.append(Release(view_keys(view, units), frozenset({0})))

    assert subtraction_attack(releases, truth, k=k) == []
    assert linear_attack(releases, truth, keys=sorted(set(units), key=repr), cell_groups=[frozenset({0})], k=k) == []


@PROPERTY_SETTINGS
@given(lattices())
def test_no_small_group_of_a_rate_is_pinned_neither_its_successes_nor_its_failures(case):
    k, views, units, strata, _cells = case
    groups = [frozenset({0}), frozenset({1}), frozenset({0, 1})]
    released = cross_filter_release(memberships(views, units), k=k, strata=strata)
    truth = Counter(zip(units, strata, strict=True))
    releases = []
    for view, shown in zip(views, released, strict=True):
        members = [in_view(view, key) for key in units]
        n = sum(members)
        successes = sum(stratum for stratum, member in zip(strata, members, strict=True) if member)
        if n < k or not shown:
            continue  # the view's own rule: no rate, no n
        if successes in range(1, k) or n - successes in range(1, k):
            # withheld for its own small groups, the rate still shows its n (kpis.proportion_kpi)
            releases.append(Release(view_keys(view, units), frozenset({0, 1})))
        else:  # a rate with its n gives the successes and the total, hence the failures
            releases += [Release(view_keys(view, units), frozenset({1})), Release(view_keys(view, units), frozenset({0, 1}))]

    assert linear_attack(releases, truth, keys=sorted(set(units), key=repr), cell_groups=groups, k=k) == []


@PROPERTY_SETTINGS
@given(lattices())
def test_no_small_cell_of_a_table_is_pinned_across_the_released_tables(case):
    k, views, units, _strata, cells = case
    contributions = np.eye(len(BASE_CELLS), dtype=np.int64)[cells].reshape(len(units), len(BASE_CELLS))
    released = cross_filter_release(memberships(views, units), k=k, contributions=contributions, suppress=role_table(k))
    truth = Counter((key, BASE_CELLS[cell]) for key, cell in zip(units, cells, strict=True))
    releases = []
    for view, shown in zip(views, released, strict=True):
        if not shown:
            continue
        members = [in_view(view, key) for key in units]
        own = role_table(k)(tuple(int(count) for count in contributions[members].sum(axis=0)))
        releases += [Release(view_keys(view, units), entry_cells) for entry, entry_cells in ENTRIES.items() if entry not in own]

    assert linear_attack(releases, truth, keys=sorted(set(units), key=repr), cell_groups=list(set(ENTRIES.values())), k=k) == []


@PROPERTY_SETTINGS
@given(lattices())
def test_a_lattice_without_small_groups_is_released_in_full(case):
    # given every place holding nobody or at least k people of each stratum
    k, views, units, strata, _cells = case
    people = [key for key in units if len(key) == 1]
    by_place = Counter(zip(people, strata, strict=False))
    large = [(key, stratum) for key, stratum in zip(people, strata, strict=False) if by_place[key, stratum] >= k]

    # when
    released = cross_filter_release(memberships(views, [key for key, _ in large]), k=k, strata=[stratum for _, stratum in large])

    # then
    assert all(released)
