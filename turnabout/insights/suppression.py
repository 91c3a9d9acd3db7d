"""Small-cell suppression for published counts: one-way breakdowns and two-way tables with totals.

Rules (written out with a worked example in ``docs/insights.md``):

1. **Threshold.** ``k`` is 5 by default and never below 3 (:class:`ValueError` otherwise).
2. **Primary suppression.** Every count from 1 to ``k − 1`` is hidden — interior cells and totals alike,
   since a row total of 2 discloses as much as a cell of 2.
3. **Zeros are shown.** An empty combination (``0``) is published as 0: hiding every zero would blank most
   of a sparse workforce table. Zeros are not used as complementary cells either, because a hidden
   zero would let an attacker who knows counts are non-negative pin its neighbours to their true values —
   with one exception: a hidden cell that is the only non-zero cell of its row or column, all the others shown
   as 0, would tell that the whole line's count is in it (every answer of a role the same rating, the only
   rating readable). That line is then withheld whole — its zeros, its total, the totals of the lines crossing
   it and the grand total — so no published equation bounds its cells, and which of them holds the count
   cannot be told. An attacker knows a hidden zero is at least 0, never that it is 0.
4. **Complementary suppression.** Further non-zero counts (cells or totals, smallest first) are hidden until

   - no hidden count can be worked out from the published ones: not by subtracting shown cells from a
     row, column or grand total, not by any combination of those equations (in graph terms: every
     hidden count lies on a cycle of hidden counts, rows and columns as nodes, the margins included as
     a "total" row and column), and not even to an exact bound using that counts are non-negative;
   - in every row, column or margin whose total is shown, the hidden counts add up to 0 or to at
     least ``k`` — their sum can be worked out, so it must not be a small count itself.

5. **Across filters.** A figure published unfiltered and for filtered subsets (a site, a cohort, both) is
   published for a subset only where :func:`cross_filter_release` allows it: every group of people that
   differences of the released versions can isolate has at least ``k`` of them (or none), and a table's
   small cells within such a group are hidden in every released table that counts the group.

The result is minimal-ish, not optimal: a table without counts from 1 to ``k − 1`` is published in full,
and complements are chosen greedily (close a cycle first, then interior cells before totals, then the
smallest count). Everything is deterministic: the same table always hides the same cells.

Examples
--------
>>> table = suppress_table({("Sales", "Women"): 2, ("Sales", "Men"): 9, ("Tech", "Women"): 6, ("Tech", "Men"): 14})
>>> sorted(table.hidden)
[('Sales', 'Men'), ('Sales', 'Women'), ('Tech', 'Men'), ('Tech', 'Women')]
>>> table.row_totals, table.column_totals, table.grand_total
({'Sales': 11, 'Tech': 20}, {'Women': 8, 'Men': 23}, 31)
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_K",
    "MINIMUM_K",
    "Cell",
    "SuppressedCounts",
    "SuppressedTable",
    "counts_pattern",
    "suppress_counts",
    "suppress_table",
    "table_pattern",
    "validate_k",
]

DEFAULT_K = 5
"""Default threshold: counts from 1 to 4 are never published."""

MINIMUM_K = 3
"""The smallest threshold accepted; counts of 1 or 2 are never published."""

Cell = tuple[str, str]
"""A cell of a two-way table: ``(row label, column label)``."""

# An entry of the augmented table (cells plus margins): (row index, column index), where row index
# ``len(rows)`` is the column-totals row and column index ``len(columns)`` the row-totals column.
_Entry = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SuppressedCounts:
    """A one-way breakdown ready to publish: ``values[group]`` is the count, or ``None`` when hidden.

    ``total`` is ``None`` when it was not to be shown or is itself a count from 1 to ``k − 1``.
    """

    values: Mapping[str, int | None]
    hidden: frozenset[str]
    total: int | None
    k: int


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    """A two-way table ready to publish; every hidden count is ``None``.

    ``cells`` has an entry for every (row, column) pair, in ``rows`` × ``columns`` order; ``hidden`` holds
    the hidden interior cells. A hidden total shows as ``None`` in ``row_totals``, ``column_totals`` or
    ``grand_total``. Primary and complementary cells are deliberately not told apart: telling which
    hidden cells are small would itself disclose something.
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[Cell, int | None]
    row_totals: Mapping[str, int | None]
    column_totals: Mapping[str, int | None]
    grand_total: int | None
    hidden: frozenset[Cell]
    k: int

    def value(self, row: str, column: str) -> int | None:
        """The published count of ``(row, column)``, ``None`` when hidden; ``KeyError`` for an unknown label."""
        return self.cells[row, column]

    @property
    def hidden_row_totals(self) -> frozenset[str]:
        """Rows whose total is hidden."""
        return frozenset(row for row, total in self.row_totals.items() if total is None)

    @property
    def hidden_column_totals(self) -> frozenset[str]:
        """Columns whose total is hidden."""
        return frozenset(column for column, total in self.column_totals.items() if total is None)


def suppress_counts(groups: Mapping[str, int], *, k: int = DEFAULT_K, total_shown: bool = True) -> SuppressedCounts:
    """Hide small counts of a one-way breakdown so that none can be recovered from the total.

    Counts from 1 to ``k − 1`` are hidden. When the total is shown, the smallest remaining non-zero
    counts are hidden too until the hidden counts — whose sum is the total minus the shown ones — add up
    to at least ``k`` (which also makes at least two of them hidden). A total from 1 to ``k − 1`` is never
    shown. Zeros are shown.

    Parameters
    ----------
    groups : mapping of str to int
        Count per group, for instance mentors per under-represented group; order is kept.
    k : int, default 5
        Threshold, at least 3.
    total_shown : bool, default True
        Whether the total will be published beside the breakdown.

    Returns
    -------
    SuppressedCounts

    Raises
    ------
    ValueError
        If ``k`` is below 3 or a count is negative or not a whole number.

    Examples
    --------
    The 3 is hidden; with the total shown, the next smallest (7) is hidden as well, so neither can be
    worked out as ``total − shown``:

    >>> result = suppress_counts({"Group A": 3, "Group B": 7, "Group C": 40, "Group D": 0})
    >>> result.values, result.total
    ({'Group A': None, 'Group B': None, 'Group C': 40, 'Group D': 0}, 50)

    Without the total, only the small count is hidden:

    >>> suppress_counts({"Group A": 3, "Group B": 7, "Group C": 40}, total_shown=False).values
    {'Group A': None, 'Group B': 7, 'Group C': 40}
    """
    threshold = validate_k(k)
    counts = {str(group): _count(f"groups[{group!r}]", value) for group, value in groups.items()}
    hidden = {group for group, count in counts.items() if 0 < count < threshold}
    total = sum(counts.values())
    total_visible = total_shown and not 0 < total < threshold
    if total_visible:
        # Smallest first; ties broken by the caller's order so the result is deterministic.
        shown_by_size = sorted((count, position, group) for position, (group, count) in enumerate(counts.items()) if count > 0)
        for _, _, group in shown_by_size:
            hidden_sum = sum(counts[name] for name in hidden)
            if not hidden or (len(hidden) >= 2 and hidden_sum >= threshold):
                break
            hidden.add(group)
    values = {group: None if group in hidden else count for group, count in counts.items()}
    return SuppressedCounts(values=values, hidden=frozenset(hidden), total=total if total_visible else None, k=threshold)


def suppress_table(
    counts: Mapping[Cell, int] | Mapping[str, Mapping[str, int]],
    *,
    k: int = DEFAULT_K,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> SuppressedTable:
    """Primary and complementary suppression of a two-way table published with its totals.

    Parameters
    ----------
    counts : mapping
        Either ``{(row, column): count}`` or nested ``{row: {column: count}}``. Missing combinations count 0.
    k : int, default 5
        Threshold, at least 3: counts from 1 to ``k − 1`` are hidden.
    rows, columns : sequence of str, optional
        Label order (and labels whose line is all zeros); by default the order of first appearance.

    Returns
    -------
    SuppressedTable
        Shown counts, hidden cells and the totals (``None`` where hidden). See the module docstring for
        the guarantees.

    Raises
    ------
    ValueError
        If ``k`` is below 3, a count is negative or not a whole number, a key is not a (row, column)
        pair, or a label is missing from ``rows`` or ``columns``.

    Examples
    --------
    The 3 is hidden, with the complements that keep it from being worked out: a second cell in its row
    and its column, and the cell that closes the rectangle (each hidden pair sums to at least 5).

    >>> counts = {"Finance": {"G1": 3, "G2": 12, "G3": 20}, "Sales": {"G1": 8, "G2": 15, "G3": 30}}
    >>> table = suppress_table(counts)
    >>> sorted(table.hidden)
    [('Finance', 'G1'), ('Finance', 'G2'), ('Sales', 'G1'), ('Sales', 'G2')]
    >>> table.value("Finance", "G3"), table.row_totals["Finance"], table.grand_total
    (20, 35, 88)

    A table without small counts is published in full:

    >>> suppress_table({("A", "x"): 5, ("A", "y"): 0, ("B", "x"): 7, ("B", "y"): 9}).hidden
    frozenset()
    """
    threshold = validate_k(k)
    flat = _flatten(counts)
    row_labels = _labels("rows", rows, (row for row, _ in flat))
    column_labels = _labels("columns", columns, (column for _, column in flat))
    row_index = {label: index for index, label in enumerate(row_labels)}
    column_index = {label: index for index, label in enumerate(column_labels)}
    height, width = len(row_labels), len(column_labels)

    # The augmented table: interior cells, the row totals in column `width`, the column totals in row
    # `height`, the grand total at (height, width).
    grid = [[0] * (width + 1) for _ in range(height + 1)]
    for (row, column), count in flat.items():
        grid[row_index[row]][column_index[column]] = count
    for row_number in range(height):
        grid[row_number][width] = sum(grid[row_number][:width])
    for column_number in range(width + 1):
        grid[height][column_number] = sum(grid[row_number][column_number] for row_number in range(height))

    hidden = {(r, c) for r in range(height + 1) for c in range(width + 1) if 0 < grid[r][c] < threshold}
    while True:
        while (entry := _next_complement(grid, hidden, threshold)) is not None:
            hidden.add(entry)
        line = _homogeneous_line(grid, hidden)
        if not line:
            break
        hidden |= line

    def published(r: int, c: int) -> int | None:
        return None if (r, c) in hidden else grid[r][c]

    return SuppressedTable(
        rows=row_labels,
        columns=column_labels,
        cells={(row, column): published(r, c) for r, row in enumerate(row_labels) for c, column in enumerate(column_labels)},
        row_totals={row: published(r, width) for r, row in enumerate(row_labels)},
        column_totals={column: published(height, c) for c, column in enumerate(column_labels)},
        grand_total=published(height, width),
        hidden=frozenset((row_labels[r], column_labels[c]) for r, c in hidden if r < height and c < width),
        k=threshold,
    )


def table_pattern(table: SuppressedTable) -> frozenset[tuple[str | None, str | None]]:
    """The hidden entries of ``table``: ``(row, column)`` for cells, ``None`` standing for a total.

    >>> table_pattern(suppress_table({("A", "x"): 2, ("A", "y"): 6, ("B", "x"): 9, ("B", "y"): 11})) == {
    ...     ("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")}
    True
    """
    hidden: set[tuple[str | None, str | None]] = {cell for cell, value in table.cells.items() if value is None}
    hidden |= {(row, None) for row, total in table.row_totals.items() if total is None}
    hidden |= {(None, column) for column, total in table.column_totals.items() if total is None}
    if table.grand_total is None:
        hidden.add((None, None))
    return frozenset(hidden)


def counts_pattern(counts: SuppressedCounts) -> frozenset[str | None]:
    """The hidden entries of a one-way breakdown: its hidden groups, and ``None`` when the total is hidden.

    >>> sorted(counts_pattern(suppress_counts({"A": 3, "B": 7, "C": 40})))
    ['A', 'B']
    """
    return frozenset(counts.hidden | ({None} if counts.total is None else set()))


def validate_k(k: int) -> int:
    """``k`` as an ``int`` once checked to be a whole number of at least :data:`MINIMUM_K`.

    Examples
    --------
    >>> validate_k(5)
    5
    >>> validate_k(2)
    Traceback (most recent call last):
    ...
    ValueError: k must be at least 3; got 2
    """
    if isinstance(k, bool):
        raise ValueError(f"k must be a whole number; got {k!r}")
    try:
        threshold = operator.index(k)
    except TypeError:
        raise ValueError(f"k must be a whole number; got {k!r}") from None
    if threshold < MINIMUM_K:
        raise ValueError(f"k must be at least {MINIMUM_K}; got {threshold}")
    return threshold


def _next_complement(grid: list[list[int]], hidden: set[_Entry], threshold: int) -> _Entry | None:
    """The next entry to hide, or ``None`` when the hidden pattern is safe.

    Only non-zero shown entries are candidates; one always exists while the pattern is unsafe, because
    hiding every non-zero entry is safe (each non-zero cell lies on the cycle cell, row total, grand total,
    column total), so the caller's loop ends.
    """
    height, width = len(grid) - 1, len(grid[0]) - 1
    bridge = _first_bridge(hidden, height + 1)
    if bridge is not None:
        return _close_bridge(grid, hidden, bridge)
    for line in _lines(height, width):
        *members, total = line
        if total in hidden:
            continue
        hidden_sum = sum(grid[r][c] for r, c in members if (r, c) in hidden)
        if 0 < hidden_sum < threshold:
            candidates = [(r, c) for r, c in members if (r, c) not in hidden and grid[r][c] > 0]
            connected = _touched_lines(hidden)
            return min(candidates, key=lambda entry: _cost(grid, entry, tier=0 if _joins(entry, line, connected) else 1))
    return None


def _close_bridge(grid: list[list[int]], hidden: set[_Entry], bridge: _Entry) -> _Entry:
    """Hide an entry that puts ``bridge`` on a cycle, or failing that one that grows its component."""
    height, width = len(grid) - 1, len(grid[0]) - 1
    others = hidden - {bridge}
    # Removing the bridge splits its component in two: the side of its row and the side of its column.
    row_side_rows, row_side_columns = _component(others, row=bridge[0])
    column_side_rows, column_side_columns = _component(others, column=bridge[1])
    component_rows, component_columns = row_side_rows | column_side_rows, row_side_columns | column_side_columns

    def tier(entry: _Entry) -> int:
        r, c = entry
        if (r in row_side_rows and c in column_side_columns) or (r in column_side_rows and c in row_side_columns):
            return 0  # joins the two sides: closes a cycle through the bridge
        if r in component_rows or c in component_columns:
            return 1
        return 2

    shown = [(r, c) for r in range(height + 1) for c in range(width + 1) if (r, c) not in hidden and grid[r][c] > 0]
    # A hidden zero (rule 3's exception) can be a bridge once every non-zero entry is hidden: then a shown zero.
    shown = shown or [(r, c) for r in range(height + 1) for c in range(width + 1) if (r, c) not in hidden]
    return min(shown, key=lambda entry: _cost(grid, entry, tier=tier(entry)))


def _homogeneous_line(grid: list[list[int]], hidden: set[_Entry]) -> set[_Entry]:
    """The entries to hide for the first line whose one hidden cell sits among shown zeros, or an empty set.

    Zeros are shown, so a row whose one hidden cell sits among shown zeros says that all its count is in that
    cell — every pulse answer of a role had the same rating — whatever the hidden count. Such a line is withheld
    whole: its zeros, its total, the totals of the lines crossing it and the grand total. Its cells are then in no
    published equation with shown figures only, so each can be anything from 0 up, and which cell holds the count
    cannot be told.
    """
    height, width = len(grid) - 1, len(grid[0]) - 1
    for r in range(height):
        line = [(r, c) for c in range(width)]
        if _is_homogeneous(grid, hidden, line):
            return {*line, (r, width), *((height, c) for c in range(width + 1))}
    for c in range(width):
        line = [(r, c) for r in range(height)]
        if _is_homogeneous(grid, hidden, line):
            return {*line, (height, c), *((r, width) for r in range(height + 1))}
    return set()


def _is_homogeneous(grid: list[list[int]], hidden: set[_Entry], line: list[_Entry]) -> bool:
    hidden_cells = sum(1 for entry in line if entry in hidden)
    shown_zeros = sum(1 for r, c in line if (r, c) not in hidden and grid[r][c] == 0)
    return len(line) >= 2 and hidden_cells == 1 and shown_zeros == len(line) - 1


def _cost(grid: list[list[int]], entry: _Entry, *, tier: int) -> tuple[int, int, int, int, int]:
    """Preference order for complements: tier, interior cells before totals, the smallest count, position."""
    height, width = len(grid) - 1, len(grid[0]) - 1
    r, c = entry
    margins = (r == height) + (c == width)
    return tier, margins, grid[r][c], r, c


def _lines(height: int, width: int) -> list[list[_Entry]]:
    """Every line of the augmented table, its total last: rows, the column-totals row, columns, the row-totals column."""
    row_lines = [[(r, c) for c in range(width + 1)] for r in range(height + 1)]
    column_lines = [[(r, c) for r in range(height + 1)] for c in range(width + 1)]
    return row_lines + column_lines


def _touched_lines(hidden: set[_Entry]) -> tuple[set[int], set[int]]:
    return {r for r, _ in hidden}, {c for _, c in hidden}


def _joins(entry: _Entry, line: list[_Entry], touched: tuple[set[int], set[int]]) -> bool:
    """Whether ``entry``'s crossing line (the one other than ``line``) already has a hidden entry."""
    r, c = entry
    is_row_line = line[0][0] == line[-1][0]
    return c in touched[1] if is_row_line else r in touched[0]


def _first_bridge(hidden: set[_Entry], row_nodes: int) -> _Entry | None:
    """The first hidden entry (in row-major order) that lies on no cycle of hidden entries.

    Rows and columns of the augmented table are the nodes of a bipartite graph, hidden entries its
    edges. An entry is a linear combination of the published equations exactly when its edge is a
    bridge, so a pattern without bridges hides every entry from any linear attack.
    """
    adjacency: dict[int, list[tuple[int, _Entry]]] = {}
    for entry in sorted(hidden):
        r, c = entry
        adjacency.setdefault(r, []).append((row_nodes + c, entry))
        adjacency.setdefault(row_nodes + c, []).append((r, entry))
    discovery: dict[int, int] = {}
    lowest: dict[int, int] = {}
    bridges: set[_Entry] = set()
    for root in sorted(adjacency):
        if root in discovery:
            continue
        # Iterative Tarjan: (node, edge used to reach it, iterator position).
        discovery[root] = lowest[root] = len(discovery)
        stack: list[tuple[int, _Entry | None, int]] = [(root, None, 0)]
        while stack:
            node, via, position = stack[-1]
            neighbours = adjacency[node]
            if position < len(neighbours):
                stack[-1] = (node, via, position + 1)
                neighbour, edge = neighbours[position]
                if edge == via:
                    continue
                if neighbour in discovery:
                    lowest[node] = min(lowest[node], discovery[neighbour])
                else:
                    discovery[neighbour] = lowest[neighbour] = len(discovery)
                    stack.append((neighbour, edge, 0))
            else:
                stack.pop()
                if stack and via is not None:
                    parent = stack[-1][0]
                    lowest[parent] = min(lowest[parent], lowest[node])
                    if lowest[node] > discovery[parent]:
                        bridges.add(via)
    return min(bridges) if bridges else None


def _component(edges: set[_Entry], *, row: int | None = None, column: int | None = None) -> tuple[set[int], set[int]]:
    """Rows and columns connected by ``edges`` to the given row or column (which is included)."""
    rows: set[int] = set() if row is None else {row}
    columns: set[int] = set() if column is None else {column}
    grew = True
    while grew:
        grew = False
        for r, c in edges:
            if (r in rows) != (c in columns):
                rows.add(r)
                columns.add(c)
                grew = True
    return rows, columns


def _flatten(counts: Mapping[Cell, int] | Mapping[str, Mapping[str, int]]) -> dict[Cell, int]:
    flat: dict[Cell, int] = {}
    for key, value in counts.items():
        if isinstance(value, Mapping):
            for column, count in value.items():
                flat[str(key), str(column)] = _count(f"counts[{key!r}][{column!r}]", count)
        elif isinstance(key, tuple) and len(key) == 2:
            flat[str(key[0]), str(key[1])] = _count(f"counts[{key!r}]", value)
        else:
            raise ValueError(f"counts must map (row, column) pairs or rows to {{column: count}}; got the key {key!r}")
    return flat


def _labels(name: str, given: Sequence[str] | None, seen: Iterable[str]) -> tuple[str, ...]:
    appearing = tuple(dict.fromkeys(seen))
    if given is None:
        return appearing
    labels = tuple(dict.fromkeys(str(label) for label in given))
    missing = [label for label in appearing if label not in labels]
    if missing:
        raise ValueError(f"{name} must include every label in counts; missing {missing!r}")
    return labels


def _count(name: str, value: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    try:
        number = operator.index(value)  # int and numpy integers; refuses 2.5 and "3"
    except TypeError:
        raise ValueError(f"{name} must be a whole number; got {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative; got {number}")
    return number
