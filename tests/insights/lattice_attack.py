"""Attackers on figures released for several filters of the same population (the cross-filter tests).

The attacker knows where people can be — which *keys* (a person's site and cohort, or a pair's two partners' sites
and cohorts) hold somebody the figure counts — and every figure released for every view it can request; it does not
know how many people each key holds, nor how they split into the figure's *cells* (matched or not, enrolled or not, a
health state...). A released figure is an equation: the sum of the unknown counts of its view's keys over some cells.

- :func:`subtraction_attack` takes every pair of released figures of the same cells, one view's keys inside the
  other's, and reads off their difference — what the issue's sponsor did with the site filter.
- :func:`linear_attack` goes further: every group of keys and cells whose count is any linear combination of the
  released equations (the null-space test of ``test_suppression.py``, on the lattice).

Both return the groups they pin whose true count is from 1 to ``k − 1``: a disclosure.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Key = Hashable
Cell = Hashable


@dataclass(frozen=True, slots=True)
class Release:
    """One released figure: the keys of its view and the cells it adds up."""

    keys: frozenset[Key]
    cells: frozenset[Cell]


@dataclass(frozen=True, slots=True)
class Disclosure:
    keys: frozenset[Key]
    cells: frozenset[Cell]
    count: int


def subtraction_attack(releases: Iterable[Release], truth: Mapping[tuple[Key, Cell], int], *, k: int) -> list[Disclosure]:
    """Differences of two released figures over the same cells, one view nested in the other."""
    found = []
    for outer, inner in itertools.permutations(set(releases), 2):
        if outer.cells == inner.cells and inner.keys < outer.keys:
            group = outer.keys - inner.keys
            count = sum(truth.get((key, cell), 0) for key in group for cell in outer.cells)
            if 0 < count < k:
                found.append(Disclosure(frozenset(group), outer.cells, count))
    return found


def linear_attack(
    releases: Iterable[Release],
    truth: Mapping[tuple[Key, Cell], int],
    *,
    keys: Sequence[Key],
    cell_groups: Sequence[frozenset[Cell]],
    k: int,
) -> list[Disclosure]:
    """Every group (a set of ``keys`` × one of ``cell_groups``) whose count the released equations fix, and is small."""
    cells = sorted({cell for group in cell_groups for cell in group}, key=repr)
    if not keys:
        return []
    unknowns = {(key, cell): number for number, (key, cell) in enumerate(itertools.product(keys, cells))}
    equations = [
        [unknowns[key, cell] for key in release.keys for cell in release.cells if (key, cell) in unknowns] for release in set(releases)
    ]
    matrix = np.zeros((max(len(equations), 1), len(unknowns)))
    for row, columns in enumerate(equations):
        matrix[row, columns] = 1
    _, singular, right = np.linalg.svd(matrix)
    basis = right[: int((singular > 1e-9).sum())]
    groups = [frozenset(group) for size in range(1, len(keys) + 1) for group in itertools.combinations(keys, size)]
    targets = [(group, cell_group) for group in groups for cell_group in cell_groups]
    vectors = np.zeros((len(targets), len(unknowns)))
    for row, (group, cell_group) in enumerate(targets):
        vectors[row, [unknowns[key, cell] for key in group for cell in cell_group]] = 1
    residual = vectors - (vectors @ basis.T) @ basis if len(basis) else vectors
    fixed = np.abs(residual).max(axis=1) < 1e-7
    found = []
    for (group, cell_group), is_fixed in zip(targets, fixed, strict=True):
        count = sum(truth.get((key, cell), 0) for key in group for cell in cell_group)
        if is_fixed and 0 < count < k:
            found.append(Disclosure(group, cell_group, count))
    return found
