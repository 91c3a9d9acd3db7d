"""The filters a viewer can apply to a program's outcomes — a site, a cohort (enrolment month), or both — parsed in one
place for the dashboard, its CSV and PDF, and the JSON API. What a filtered view may show is decided in
:mod:`turnabout.insights.kpis`, never here nor by an output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from turnabout.people.models import Site
from turnabout.programs.models import Program

COHORT = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
SITE = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() accepts "²", which int() refuses


@dataclass(frozen=True, slots=True)
class ProgramFilters:
    """The filters applied (``None`` for "all"), and the organisation's sites to choose from, by name."""

    site_id: int | None
    cohort: str | None
    sites: list[Site]


def program_filters(program: Program, *, site: str | None, cohort: str | None) -> ProgramFilters:
    """The filters asked for, keeping only a site of the program's organisation and a month written "2026-01". One query."""
    sites = list(Site.objects.filter(organisation_id=program.organisation_id).order_by("name"))
    raw_site = (site or "").strip()
    site_id = int(raw_site) if SITE.fullmatch(raw_site) else None
    if site_id is not None and not any(candidate.pk == site_id for candidate in sites):
        site_id = None
    raw_cohort = (cohort or "").strip()
    return ProgramFilters(site_id=site_id, cohort=raw_cohort if COHORT.fullmatch(raw_cohort) else None, sites=sites)
