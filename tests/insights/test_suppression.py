"""Small-cell suppression: exact examples, and properties checked against three attackers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from scipy.linalg import null_space
from scipy.optimize import linprog

from tests.insights.strategies import breakdowns, tables, tables_without_small_counts
from turnabout.insights.suppression import Cell, SuppressedTable, suppress_counts, suppress_table

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# An entry of the published table: a cell, a row total, a column total or the grand total.
Entry = tuple[str, str]
TOTAL = "<total>"


def published_entries(table: SuppressedTable) -> dict[Entry, int | None]:
    """Every published figure keyed (row, column), with ``TOTAL`` standing for the margins."""
    entries: dict[Entry, int | None] = dict(table.cells)
    entries.update({(row, TOTAL): total for row, total in table.row_totals.items()})
    entries.update({(TOTAL, column): total for column, total in table.column_totals.items()})
    entries[TOTAL, TOTAL] = table.grand_total
    return entries


def equations(table: SuppressedTable) -> list[tuple[list[Entry], Entry]]:
    """Every published additive relation: (entries that add up, their total)."""
    relations = [([(row, column) for column in table.columns], (row, TOTAL)) for row in table.rows]
    relations += [([(row, column) for row in table.rows], (TOTAL, column)) for column in table.columns]
    relations.append(([(row, TOTAL) for row in table.rows], (TOTAL, TOTAL)))
    relations.append(([(TOTAL, column) for column in table.columns], (TOTAL, TOTAL)))
    return relations


def attack_by_subtraction(table: SuppressedTable) -> dict[Entry, int]:
    """Recover hidden figures from any relation with a single unknown, repeating while it finds any."""
    known = {entry: value for entry, value in published_entries(table).items() if value is not None}
    recovered: dict[Entry, int] = {}
    progress = True
    while progress:
        progress = False
        for parts, total in equations(table):
            unknown = [entry for entry in [*parts, total] if entry not in known]
            if len(unknown) != 1:
                continue
            (entry,) = unknown
            if entry == total:
                value = sum(known[part] for part in parts)
            else:
                value = known[total] - sum(known[part] for part in parts if part != entry)
            known[entry] = recovered[entry] = value
            progress = True
    return recovered


def attack_by_linear_algebra(table: SuppressedTable) -> set[Entry]:
    """Hidden figures fixed by the published relations taken together (any linear combination)."""
    entries = published_entries(table)
    unknowns = [entry for entry, value in entries.items() if value is None]
    if not unknowns:
        return set()
    index = {entry: position for position, entry in enumerate(unknowns)}
    matrix = np.zeros((len(equations(table)), len(unknowns)))
    for number, (parts, total) in enumerate(equations(table)):
        for part in parts:
            if part in index:
                matrix[number, index[part]] += 1
        if total in index:
            matrix[number, index[total]] -= 1
    # An unknown is determined exactly when every solution of the homogeneous system leaves it at 0.
    kernel = null_space(matrix)
    return {entry for entry, position in index.items() if np.allclose(kernel[position], 0, atol=1e-9)}


def feasible_ranges(table: SuppressedTable) -> dict[Entry, tuple[float, float]]:
    """The smallest and largest value each hidden figure can take, knowing counts are not negative."""
    entries = published_entries(table)
    unknowns = [entry for entry, value in entries.items() if value is None]
    index = {entry: position for position, entry in enumerate(unknowns)}
    rows, targets = [], []
    for parts, total in equations(table):
        coefficients = np.zeros(len(unknowns))
        constant = 0.0
        for entry, sign in [*((part, 1) for part in parts), (total, -1)]:
            if entry in index:
                coefficients[index[entry]] += sign
            else:
                constant -= sign * (entries[entry] or 0)
        if coefficients.any():
            rows.append(coefficients)
            targets.append(constant)
    ranges = {}
    for entry, position in index.items():
        objective = np.zeros(len(unknowns))
        objective[position] = 1
        low = linprog(objective, A_eq=np.array(rows), b_eq=np.array(targets), bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=np.array(rows), b_eq=np.array(targets), bounds=(0, None), method="highs")
        assert low.status == 0
        assert high.status in (0, 3)  # 3: unbounded above, which is fine
        ranges[entry] = (float(low.fun or 0.0), np.inf if high.status == 3 else -float(high.fun or 0.0))
    return ranges


def true_entries(counts: dict[Cell, int], table: SuppressedTable) -> dict[Entry, int]:
    entries: dict[Entry, int] = {(row, column): counts.get((row, column), 0) for row in table.rows for column in table.columns}
    for row in table.rows:
        entries[row, TOTAL] = sum(entries[row, column] for column in table.columns)
    for column in table.columns:
        entries[TOTAL, column] = sum(entries[row, column] for row in table.rows)
    entries[TOTAL, TOTAL] = sum(counts.values())
    return entries


# --- examples ---------------------------------------------------------------------------------------


def test_a_single_small_cell_is_hidden_with_the_three_cells_that_close_its_rectangle():
    # given a department with 3 people at G1
    counts = {"Finance": {"G1": 3, "G2": 12, "G3": 20}, "Sales": {"G1": 8, "G2": 15, "G3": 30}}

    # when
    table = suppress_table(counts)

    # then
    assert table.cells == {
        ("Finance", "G1"): None,
        ("Finance", "G2"): None,
        ("Finance", "G3"): 20,
        ("Sales", "G1"): None,
        ("Sales", "G2"): None,
        ("Sales", "G3"): 30,
    }
    assert table.row_totals == {"Finance": 35, "Sales": 53}
    assert table.column_totals == {"G1": 11, "G2": 27, "G3": 50}
    assert table.grand_total == 88
    assert (table.hidden_row_totals, table.hidden_column_totals) == (frozenset(), frozenset())
    assert attack_by_subtraction(table) == {}


def test_a_small_row_total_is_hidden_and_protected_in_the_totals_column():
    # given Legal has 2 people, both at G2
    counts = {("Legal", "G1"): 0, ("Legal", "G2"): 2, ("Tech", "G1"): 9, ("Tech", "G2"): 11}

    # when
    table = suppress_table(counts, k=5)

    # then: the 2 and Legal's total are hidden, a second figure in every line they touch, and since Legal's 0 beside
    # its hidden 2 would say that all of Legal is at G2, Legal's row is withheld whole with the totals crossing it
    assert table.cells == {("Legal", "G1"): None, ("Legal", "G2"): None, ("Tech", "G1"): 9, ("Tech", "G2"): None}
    assert table.row_totals == {"Legal": None, "Tech": None}
    assert table.column_totals == {"G1": None, "G2": None}
    assert table.grand_total is None
    assert attack_by_subtraction(table) == {}


def test_a_row_whose_only_count_is_hidden_is_withheld_whole():
    # given (the tour's CSV) a role whose 3 pulse answers all rated "x": with its zeros shown, the hidden cell was
    # the only one of the row, so the rating of every answer could be read off
    counts = {("A", "x"): 3, ("A", "y"): 0, ("A", "z"): 0, ("B", "x"): 6, ("B", "y"): 7, ("B", "z"): 8}

    # when
    table = suppress_table(counts)

    # then: A's row is hidden whole, zeros too, with the totals that cross it, so nothing tells which cell holds A
    assert [table.value("A", column) for column in "xyz"] == [None, None, None]
    assert table.row_totals["A"] is None
    assert (table.column_totals, table.grand_total) == ({"x": None, "y": None, "z": None}, None)
    assert attack_by_subtraction(table) == {}
    assert attack_by_linear_algebra(table) == set()
    ranges = feasible_ranges(table)
    assert all(ranges["A", column][0] == pytest.approx(0) and ranges["A", column][1] >= 3 for column in "xyz")


def test_a_column_whose_only_count_is_hidden_is_withheld_whole():
    # given only mentors rated 1, two of them
    counts = {("Mentor", "1"): 2, ("Mentor", "5"): 9, ("Mentee", "1"): 0, ("Mentee", "5"): 12}

    # when
    table = suppress_table(counts)

    # then: the rating-1 column is hidden whole, so it does not say that everyone who rated 1 is a mentor
    assert (table.value("Mentor", "1"), table.value("Mentee", "1")) == (None, None)
    assert table.row_totals == {"Mentor": None, "Mentee": None}
    assert attack_by_linear_algebra(table) == set()


def test_nested_and_flat_inputs_give_the_same_table():
    nested = {"A": {"x": 1, "y": 9}, "B": {"x": 8, "y": 12}}
    flat = {("A", "x"): 1, ("A", "y"): 9, ("B", "x"): 8, ("B", "y"): 12}

    assert suppress_table(nested) == suppress_table(flat)


def test_labels_can_be_ordered_and_padded_with_empty_lines():
    table = suppress_table({("B", "y"): 7}, rows=["A", "B"], columns=["x", "y"])

    assert (table.rows, table.columns) == (("A", "B"), ("x", "y"))
    assert table.cells == {("A", "x"): 0, ("A", "y"): 0, ("B", "x"): 0, ("B", "y"): 7}
    assert table.row_totals == {"A": 0, "B": 7}


def test_an_empty_table_publishes_a_zero_total():
    table = suppress_table({})

    assert (table.rows, table.columns, table.grand_total, table.hidden) == ((), (), 0, frozenset())


@pytest.mark.parametrize("k", [2, 1, 0, -4])
def test_k_below_three_is_refused(k):
    with pytest.raises(ValueError, match=f"^k must be at least 3; got {k}$"):
        suppress_table({("A", "x"): 4}, k=k)
    with pytest.raises(ValueError, match=f"^k must be at least 3; got {k}$"):
        suppress_counts({"A": 4}, k=k)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({("A", "x"): -1}, r"counts\[\('A', 'x'\)\] must not be negative; got -1"),
        ({("A", "x"): 2.5}, r"counts\[\('A', 'x'\)\] must be a whole number; got 2.5"),
        ({"A": {"x": True}}, r"counts\['A'\]\['x'\] must be a whole number; got True"),
        ({("A", "x", "z"): 1}, r"counts must map \(row, column\) pairs"),
    ],
)
def test_bad_counts_are_refused_by_name(counts, message):
    with pytest.raises(ValueError, match=message):
        suppress_table(counts)


def test_labels_missing_from_the_given_order_are_refused():
    with pytest.raises(ValueError, match=r"rows must include every label in counts; missing \['B'\]"):
        suppress_table({("A", "x"): 5, ("B", "x"): 6}, rows=["A"])


def test_one_way_hides_the_next_smallest_group_when_the_total_is_shown():
    # given one under-represented group of 3 mentors
    groups = {"Group A": 3, "Group B": 7, "Group C": 40, "Group D": 0}

    # when
    shown = suppress_counts(groups, k=5, total_shown=True)
    without_total = suppress_counts(groups, k=5, total_shown=False)

    # then
    assert shown.values == {"Group A": None, "Group B": None, "Group C": 40, "Group D": 0}
    assert (shown.hidden, shown.total, shown.k) == (frozenset({"Group A", "Group B"}), 50, 5)
    assert without_total.values == {"Group A": None, "Group B": 7, "Group C": 40, "Group D": 0}
    assert without_total.total is None


def test_one_way_keeps_hiding_until_the_hidden_groups_are_not_a_small_count_together():
    # given two small groups whose sum (1 + 2) could be worked out from the total
    result = suppress_counts({"A": 1, "B": 2, "C": 6, "D": 30}, k=5)

    assert result.values == {"A": None, "B": None, "C": None, "D": 30}
    assert result.total == 39


def test_one_way_never_shows_a_small_total():
    result = suppress_counts({"A": 2, "B": 0}, k=5, total_shown=True)

    assert result.values == {"A": None, "B": 0}
    assert result.total is None


def test_one_way_without_small_groups_is_shown_in_full():
    result = suppress_counts({"A": 5, "B": 0, "C": 12}, k=5)

    assert (result.values, result.hidden, result.total) == ({"A": 5, "B": 0, "C": 12}, frozenset(), 17)


# --- properties -------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(tables())
def test_every_shown_figure_is_true_and_zero_or_at_least_k(case):
    counts, k = case
    table = suppress_table(counts, k=k)
    truth = true_entries(counts, table)

    for entry, value in published_entries(table).items():
        if value is not None:
            assert value == truth[entry]
            assert value == 0 or value >= k
        elif truth[entry] == 0:
            # a zero is hidden only where a line is withheld whole (its cells, or a total crossing it)
            assert any(all(table.value(row, column) is None for column in table.columns) for row in table.rows) or any(
                all(table.value(row, column) is None for row in table.rows) for column in table.columns
            )


@PROPERTY_SETTINGS
@given(tables())
def test_no_hidden_figure_is_recovered_by_iterated_subtraction(case):
    counts, k = case

    table = suppress_table(counts, k=k)

    assert attack_by_subtraction(table) == {}


@PROPERTY_SETTINGS
@given(tables())
def test_no_hidden_figure_is_fixed_by_any_combination_of_the_totals(case):
    counts, k = case

    table = suppress_table(counts, k=k)

    assert attack_by_linear_algebra(table) == set()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=4, max_columns=4))
def test_no_hidden_figure_is_pinned_even_knowing_counts_are_not_negative(case):
    counts, k = case
    table = suppress_table(counts, k=k)
    truth = true_entries(counts, table)

    hides_a_zero = any(value is None and truth[entry] == 0 for entry, value in published_entries(table).items())
    for entry, (low, high) in feasible_ranges(table).items():
        # then: the attacker's range leaves at least one whole number above the true value, and below it for a small
        # count, or for any count when no zero is hidden (a hidden zero's lower bound, 0, is its value, and a total
        # over hidden zeros has its lower bound at its value too: neither says the value is reached)
        assert high >= truth[entry] + 1 - 1e-6
        if 0 < truth[entry] < k or not hides_a_zero:
            assert low <= truth[entry] - 1 + 1e-6


@PROPERTY_SETTINGS
@given(tables())
def test_hidden_figures_in_a_line_with_a_shown_total_are_not_a_small_count_together(case):
    counts, k = case
    table = suppress_table(counts, k=k)
    truth = true_entries(counts, table)
    published = published_entries(table)

    for parts, total in equations(table):
        if published[total] is None:
            continue
        hidden_sum = sum(truth[part] for part in parts if published[part] is None)
        assert hidden_sum == 0 or hidden_sum >= k


@PROPERTY_SETTINGS
@given(tables_without_small_counts())
def test_a_table_without_small_counts_is_published_in_full(case):
    counts, k = case

    table = suppress_table(counts, k=k)

    assert table.hidden == frozenset()
    assert None not in published_entries(table).values()


@PROPERTY_SETTINGS
@given(tables())
def test_suppression_is_deterministic_and_leaves_its_input_alone(case):
    counts, k = case
    before = dict(counts)

    assert suppress_table(counts, k=k) == suppress_table(counts, k=k)
    assert counts == before


@PROPERTY_SETTINGS
@given(breakdowns())
def test_one_way_hidden_groups_cannot_be_recovered_from_the_total(case):
    groups, k = case

    result = suppress_counts(groups, k=k, total_shown=True)

    # then: shown counts are true and 0 or at least k; small counts are hidden
    for group, value in result.values.items():
        assert value is None or value == groups[group]
        assert value is None or value == 0 or value >= k
        assert not 0 < groups[group] < k or value is None
    # and: with the total shown, the hidden groups are at least two and add up to at least k
    if result.total is not None and result.hidden:
        assert len(result.hidden) >= 2
        assert sum(groups[group] for group in result.hidden) >= k
    assert result.total is None or result.total == sum(groups.values())


# --- the attackers themselves ------------------------------------------------------------------------


def publish_with_hidden(counts: dict[Cell, int], hidden: set[Entry]) -> SuppressedTable:
    """A table published with exactly ``hidden`` left out, bypassing suppression, to test the attackers."""
    table = suppress_table(counts, k=3)
    truth = true_entries(counts, table)

    def shown(entry: Entry) -> int | None:
        return None if entry in hidden else truth[entry]

    return SuppressedTable(
        rows=table.rows,
        columns=table.columns,
        cells={cell: shown(cell) for cell in table.cells},
        row_totals={row: shown((row, TOTAL)) for row in table.rows},
        column_totals={column: shown((TOTAL, column)) for column in table.columns},
        grand_total=shown((TOTAL, TOTAL)),
        hidden=frozenset(cell for cell in table.cells if cell in hidden),
        k=5,
    )


def test_subtraction_recovers_a_cell_hidden_alone_and_then_its_partner():
    counts = {("A", "x"): 2, ("A", "y"): 9, ("B", "x"): 7, ("B", "y"): 12}

    table = publish_with_hidden(counts, {("A", "x"), ("A", "y")})

    assert attack_by_subtraction(table) == {("A", "x"): 2, ("A", "y"): 9}


def test_linear_algebra_recovers_a_bridge_between_two_hidden_rectangles_that_subtraction_misses():
    # given two hidden rectangles joined by one hidden cell (B, y): every line has two hidden cells
    counts = {(row, column): 6 for row in "ABCD" for column in "wxyz"}
    rectangles = {("A", "w"), ("A", "x"), ("B", "w"), ("B", "x"), ("C", "y"), ("C", "z"), ("D", "y"), ("D", "z")}
    table = publish_with_hidden(counts, {*rectangles, ("B", "y")})

    # then
    assert attack_by_subtraction(table) == {}
    assert attack_by_linear_algebra(table) == {("B", "y")}


def test_non_negativity_pins_a_cell_whose_rectangle_partner_is_a_hidden_zero():
    counts = {("A", "x"): 2, ("A", "y"): 0, ("B", "x"): 7, ("B", "y"): 12}

    table = publish_with_hidden(counts, {("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")})

    assert attack_by_linear_algebra(table) == set()
    assert feasible_ranges(table)["A", "x"] == pytest.approx((0, 2))


def test_the_worked_example_of_the_documentation():
    # given docs/insights.md's mentors by department and grade band
    counts = {
        "Finance": {"G1-3": 12, "G4-6": 3, "G7-9": 8},
        "Legal": {"G1-3": 0, "G4-6": 2, "G7-9": 0},
        "Tech": {"G1-3": 15, "G4-6": 9, "G7-9": 6},
    }

    # when
    table = suppress_table(counts, k=5)

    # then
    assert [[table.value(row, column) for column in table.columns] for row in table.rows] == [
        [12, None, 8],
        [None, None, None],
        [15, 9, 6],
    ]
    assert table.row_totals == {"Finance": None, "Legal": None, "Tech": 30}
    assert (table.column_totals, table.grand_total) == ({"G1-3": None, "G4-6": None, "G7-9": None}, None)
    ranges = feasible_ranges(table)
    assert ranges["Finance", "G4-6"] == ranges["Legal", "G4-6"] == ranges["Legal", "G1-3"] == pytest.approx((0, np.inf))
    assert ranges["Finance", TOTAL] == pytest.approx((20, np.inf))
