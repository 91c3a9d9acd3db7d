"""The filters a viewer can apply to a program's outcomes — a site, a cohort (enrolment month), or both; or a community
on its own — parsed in one place for the dashboard, its CSV and PDF, and the JSON API. What a filtered view may show is decided in
:mod:`turnabout.insights.kpis`, never here nor by an output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from turnabout.people.models import Community, Site
from turnabout.programs.models import Program

COHORT = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
SITE = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() accepts "²", which int() refuses


@dataclass(frozen=True, slots=True)
class ProgramFilters:
    """The filters applied (``None`` for "all"), and the organisation's sites and communities to choose from, by name."""

    site_id: int | None
    cohort: str | None
    sites: list[Site]
    community_id: int | None = None
    communities: tuple[Community, ...] = ()


def program_filters(program: Program, *, site: str | None, cohort: str | None, community: str | None = None) -> ProgramFilters:
    """The filters asked for, keeping only a site or community of the program's organisation and a month written "2026-01".

    A community cut stands alone: with one, the site and the cohort are dropped. Two queries.
    """
    sites = list(Site.objects.filter(organisation_id=program.organisation_id).order_by("name"))
    communities = tuple(Community.objects.filter(organisation_id=program.organisation_id).order_by("name"))
    community_id = _chosen(community, [candidate.pk for candidate in communities])
    if community_id is not None:
        return ProgramFilters(site_id=None, cohort=None, sites=sites, community_id=community_id, communities=communities)
    site_id = _chosen(site, [candidate.pk for candidate in sites])
    raw_cohort = (cohort or "").strip()
    return ProgramFilters(
        site_id=site_id, cohort=raw_cohort if COHORT.fullmatch(raw_cohort) else None, sites=sites, communities=communities
    )


def _chosen(raw: str | None, ids: list[int]) -> int | None:
    """The id written in ``raw`` when it is one of ``ids``; else ``None``."""
    text = (raw or "").strip()
    chosen = int(text) if SITE.fullmatch(text) else None
    return chosen if chosen in ids else None
