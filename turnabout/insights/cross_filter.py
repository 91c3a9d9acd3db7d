"""The cross-filter rule: which filtered versions of a figure may be published beside the unfiltered one.

Security finding 1: a figure for a site (or cohort) compared with the unfiltered figure reveals the
complement by subtraction. Framework-free (NumPy only); docs/insights.md, "Filters", explains the rule.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable

import numpy as np
import numpy.typing as npt

from turnabout.insights.suppression import DEFAULT_K, validate_k

__all__ = ["cross_filter_release"]


def cross_filter_release(
    memberships: npt.ArrayLike,
    *,
    k: int = DEFAULT_K,
    through: int | None = None,
    strata: npt.ArrayLike | None = None,
    contributions: npt.ArrayLike | None = None,
    suppress: Callable[[tuple[int, ...]], frozenset[Hashable]] | None = None,
) -> tuple[bool, ...]:
    """Which versions of one figure may be published, when a viewer can filter it and compare the versions.

    ``memberships[v][u]`` says whether unit ``u`` (a person, a pair) counts in view ``v``. View 0 is the
    unfiltered figure: every unit is in it, and it is always released (its own small-cell rules still
    apply). The other views — every filter, and every combination of filters, a viewer can ask for — are
    decided one by one in the order given. Their releases define *classes*: units counted in exactly the same
    released views. Any sum or difference of released figures is a sum over whole classes, so a class is the
    smallest group an attacker can single out. View ``v`` is released only if, with it, every class still
    holds 0 or at least ``k`` units of each stratum; for a breakdown (a table, a one-way count with its total)
    also the entries ``suppress`` hides for a class must be hidden in every released view that counts it.

    Then publishing every class on its own, each with its own suppression, would be safe — the classes share
    no unit and no total — and every released figure is a sum of what those class figures show, so the
    released figures together disclose no more than that.

    Parameters
    ----------
    memberships : array_like of bool, shape (views, units)
        Row ``v`` marks the units of view ``v``; row 0 must mark every unit.
    k : int, default 5
        Threshold, at least 3.
    through : int, optional
        Decide views 0 to ``through`` only (the decision of a view depends only on those before it).
    strata : array_like of int, shape (units,), optional
        A group number per unit for figures that disclose groups inside their units too: for a rate the
        successes and the others (a rate with its ``n`` gives both counts). By default one stratum.
    contributions : array_like of int, shape (units, cells), optional
        Each unit's count in each base cell of a breakdown shown inside every view (for instance a role ×
        status table); with ``suppress``.
    suppress : callable, optional
        Maps a view's base-cell counts (a tuple in the column order of ``contributions``) to the entries its
        own suppression hides (:func:`table_pattern`, :func:`counts_pattern`).

    Returns
    -------
    tuple of bool
        Whether each of views 0 to ``through`` may be published.

    Raises
    ------
    ValueError
        If ``k`` is below 3, ``memberships`` is not a non-empty matrix whose first row marks every unit,
        ``through`` is out of range, ``strata`` or ``contributions`` do not fit the units, or only one of
        ``contributions`` and ``suppress`` is given.

    Examples
    --------
    24 mentors, 3 of them at a new site. The figure for the other site would give the new site's by
    subtraction, so neither site's is released:

    >>> at_main_site = [True] * 21 + [False] * 3
    >>> views = [[True] * 24, at_main_site, [not here for here in at_main_site]]
    >>> cross_filter_release(views, k=5)
    (True, False, False)

    With 5 at the new site, both are:

    >>> at_main_site = [True] * 19 + [False] * 5
    >>> cross_filter_release([[True] * 24, at_main_site, [not here for here in at_main_site]], k=5)
    (True, True, True)

    A rate also discloses its successes and failures: if all 5 at the new site were matched, 5 and 0 are
    fine, but 4 matched and 1 not is a group of one:

    >>> matched = [True] * 10 + [False] * 9 + [True] * 4 + [False]
    >>> cross_filter_release([[True] * 24, at_main_site, [not here for here in at_main_site]], k=5, strata=matched)
    (True, False, False)
    """
    threshold = validate_k(k)
    matrix = np.asarray(memberships, dtype=np.bool_)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"memberships must be a (views × units) matrix; got the shape {matrix.shape}")
    views, units = matrix.shape
    if not matrix[0].all():
        raise ValueError("memberships[0] must be the unfiltered view, with every unit in it")
    last = views - 1 if through is None else operator.index(through)
    if not 0 <= last < views:
        raise ValueError(f"through must be between 0 and {views - 1}; got {last}")
    stratum = np.zeros(units, dtype=np.intp) if strata is None else np.asarray(strata, dtype=np.intp)
    if stratum.shape != (units,) or (stratum < 0).any():
        raise ValueError(f"strata must give a non-negative whole number for each of the {units} units")
    strata_count = int(stratum.max()) + 1 if units else 1
    audit: _BreakdownAudit | None = None
    if (contributions is None) != (suppress is None):
        raise ValueError("contributions and suppress must be given together")
    if contributions is not None and suppress is not None:
        table = np.asarray(contributions, dtype=np.int64)
        if table.ndim != 2 or table.shape[0] != units or (table < 0).any():
            raise ValueError(f"contributions must give non-negative counts per cell for each of the {units} units")
        audit = _BreakdownAudit(matrix, table, suppress)

    labels = np.zeros(units, dtype=np.intp)  # the class of each unit
    classes = 1
    released = [True]
    accepted = [0]
    for view in range(1, last + 1):
        split = labels * 2 + matrix[view]  # class c splits into 2c (outside the view) and 2c + 1 (inside)
        sizes = np.bincount(split * strata_count + stratum, minlength=2 * classes * strata_count)
        if ((sizes > 0) & (sizes < threshold)).any():
            released.append(False)
            continue
        present = np.bincount(split, minlength=2 * classes) > 0
        new_labels = (np.cumsum(present) - 1)[split]
        if audit is not None and not audit.allows(view, accepted, new_labels, present):
            released.append(False)
            continue
        labels, classes = new_labels, int(present.sum())
        accepted.append(view)
        released.append(True)
    return tuple(released)


class _BreakdownAudit:
    """The breakdown half of :func:`cross_filter_release`: class patterns inside the patterns of released views."""

    def __init__(
        self,
        matrix: npt.NDArray[np.bool_],
        table: npt.NDArray[np.int64],
        suppress: Callable[[tuple[int, ...]], frozenset[Hashable]],
    ) -> None:
        self.matrix = matrix
        self.table = table
        self.suppress = suppress
        self.patterns: dict[tuple[int, ...], frozenset[Hashable]] = {}
        self.own = {0: self.pattern(table.sum(axis=0))}

    def pattern(self, counts: npt.NDArray[np.int64]) -> frozenset[Hashable]:
        key = tuple(int(count) for count in counts)
        if key not in self.patterns:  # suppression depends on the counts alone: equal tables, equal patterns
            self.patterns[key] = frozenset(self.suppress(key))
        return self.patterns[key]

    def allows(self, view: int, accepted: list[int], labels: npt.NDArray[np.intp], present: npt.NDArray[np.bool_]) -> bool:
        """Whether releasing ``view`` (with the classes ``labels``) keeps every class pattern inside its views' patterns.

        Classes that did not split were checked against the views released before; only the new classes
        need checking against those, and every class against ``view`` itself.
        """
        classes = int(present.sum())
        cells = self.table.shape[1]
        representatives = np.zeros(classes, dtype=np.intp)
        representatives[labels] = np.arange(len(labels))  # any unit of a class stands for it: classes refine the views
        parents = np.flatnonzero(present) // 2
        is_new = (present[0::2] & present[1::2])[parents]
        inside = self.matrix[view, representatives]
        needed = np.flatnonzero(inside | is_new)
        sums = [np.bincount(labels, weights=self.table[:, cell], minlength=classes) for cell in range(cells)]
        class_tables = np.rint(np.stack(sums, axis=1)).astype(np.int64) if cells else np.zeros((classes, 0), dtype=np.int64)
        class_patterns = {int(number): self.pattern(class_tables[number]) for number in needed}
        own = self.pattern(self.table[self.matrix[view]].sum(axis=0))
        for number in np.flatnonzero(inside):
            if not class_patterns[int(number)] <= own:
                return False
        for other in accepted:
            for number in np.flatnonzero(is_new & self.matrix[other, representatives]):
                if not class_patterns[int(number)] <= self.own[other]:
                    return False
        self.own[view] = own
        return True
