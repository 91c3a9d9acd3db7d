"""The filter lattice of one program's outcomes: every view a viewer can ask for, and which of them a figure may show.

A viewer filters the program dashboard, its CSV, its PDF and the JSON API by site, by cohort (enrolment month) or
by both; the dashboard, its CSV and PDF also by community (a community's members, after every other view). The
views are the unfiltered program, each site, each cohort and each site-and-cohort pair. A person is
in a view when their site and cohort match it; a pair is in it when either partner is. Plain Python and NumPy, no
Django: :mod:`turnabout.insights.kpis` reads the rows and asks here, per figure, whether the requested view may be
shown; the rule itself is :func:`turnabout.insights.cross_filter.cross_filter_release`.

Views are decided in a fixed order (unfiltered, sites, cohorts, then sites with cohorts; sites by id and cohorts by
month), so every output and every request reaches the same decision for the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from turnabout.insights.cross_filter import cross_filter_release

Atom = tuple[int | None, str]
"""Where a person sits in the lattice: (site id or ``None``, cohort month "2026-01")."""

View = tuple[int | None, str | None]
"""A filter: (site id or ``None`` for all sites, cohort month or ``None`` for all cohorts)."""


@dataclass(frozen=True, slots=True, eq=False)
class FilterLattice:
    """The views up to the requested one, as memberships of the program's people and pairs (rows: views, in order).

    ``target`` is the requested view's row, or ``None`` when the view holds nobody (an empty view shows only
    zeros and withheld figures, and needs no decision).
    """

    people: npt.NDArray[np.bool_]
    pairs: npt.NDArray[np.bool_]
    target: int | None
    k: int

    @classmethod
    def build(
        cls,
        atoms: Sequence[Atom],
        partners: Sequence[Sequence[int]],
        view: View,
        *,
        k: int,
        communities: Sequence[tuple[int, Sequence[bool]]] = (),
        community: int | None = None,
    ) -> FilterLattice:
        """The lattice of people at ``atoms`` and pairs of ``partners`` (positions in ``atoms`` of each pair's members:
        mentor and mentee, or every member of a circle; a pair is in a view when any member is).

        A community cut (``community``, one of ``communities``: each a community id, by id, with a flag per person of
        ``atoms`` for its members) comes after every site and cohort view, so it is decided against all of them and
        against the communities before it. A person may be in several communities; ``view`` is then ignored.
        """
        sites = sorted({site for site, _cohort in atoms if site is not None})
        cohorts = sorted({cohort for _site, cohort in atoms})
        site_number = {site: number for number, site in enumerate(sites)}
        cohort_number = {cohort: number for number, cohort in enumerate(cohorts)}
        person_site = np.array([-1 if site is None else site_number[site] for site, _cohort in atoms], dtype=np.intp)
        person_cohort = np.array([cohort_number[cohort] for _site, cohort in atoms], dtype=np.intp)
        views: list[View] = [(None, None)]
        views += [(site, None) for site in sites]
        views += [(None, cohort) for cohort in cohorts]
        views += [(site, cohort) for site in sites for cohort in cohorts]
        if community is None:
            target = views.index(view) if view in views else None
            rows = [_members(person_site, person_cohort, site_number, cohort_number, candidate) for candidate in views[: (target or 0) + 1]]
        else:
            ids = [pk for pk, _members_of in communities]
            position = ids.index(community) if community in ids else None
            target = None if position is None else len(views) + position
            rows = [_members(person_site, person_cohort, site_number, cohort_number, candidate) for candidate in views]
            rows += [np.asarray(members, dtype=np.bool_) for _pk, members in communities[: 0 if position is None else position + 1]]
        people = np.array(rows, dtype=np.bool_).reshape(len(rows), len(atoms))
        if target is not None and not people[target].any():
            target = None  # a site and a cohort that both exist but never meet
        return cls(people=people, pairs=_pairs_of(people, partners), target=target, k=k)

    def releases_people(self, units: Sequence[bool], **rule: Any) -> bool:
        """Whether a figure over the people marked by ``units`` may be shown for the requested view (see :meth:`releases`)."""
        return self.releases(self.people, units, **rule)

    def releases_pairs(self, units: Sequence[bool], **rule: Any) -> bool:
        """Whether a figure over the pairs marked by ``units`` (in the order of ``partners``) may be shown."""
        return self.releases(self.pairs, units, **rule)

    def releases(
        self,
        memberships: npt.NDArray[np.bool_],
        units: Sequence[bool],
        *,
        strata: Sequence[int] | None = None,
        contributions: npt.NDArray[np.int64] | None = None,
        suppress: Callable[[tuple[int, ...]], frozenset[Hashable]] | None = None,
    ) -> bool:
        """:func:`~turnabout.insights.cross_filter.cross_filter_release` of the figure's units, every view up to the
        requested one; ``strata`` (one per unit) and ``contributions`` (a row per unit) cover every person or pair,
        like ``units``.
        """
        if self.target is None or self.target == 0:
            return True
        mask = np.asarray(units, dtype=np.bool_)
        decisions = cross_filter_release(
            memberships[:, mask],
            k=self.k,
            through=self.target,
            strata=None if strata is None else np.asarray(strata, dtype=np.intp)[mask],
            contributions=None if contributions is None else contributions[mask],
            suppress=suppress,
        )
        return decisions[self.target]


def _pairs_of(people: npt.NDArray[np.bool_], partners: Sequence[Sequence[int]]) -> npt.NDArray[np.bool_]:
    """Per view, whether each pair has a member there: its members' columns of ``people`` or-ed together."""
    if not partners:
        return np.zeros((people.shape[0], 0), dtype=np.bool_)
    sizes = np.array([len(members) for members in partners], dtype=np.intp)
    flat = np.fromiter((member for members in partners for member in members), dtype=np.intp, count=int(sizes.sum()))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    return np.logical_or.reduceat(people[:, flat], starts, axis=1)


def _members(
    person_site: npt.NDArray[np.intp],
    person_cohort: npt.NDArray[np.intp],
    site_number: dict[int, int],
    cohort_number: dict[str, int],
    view: View,
) -> npt.NDArray[np.bool_]:
    site, cohort = view
    members = np.ones(len(person_site), dtype=np.bool_)
    if site is not None:
        members &= person_site == site_number[site]
    if cohort is not None:
        members &= person_cohort == cohort_number[cohort]
    return members
