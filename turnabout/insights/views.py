"""Outcome dashboards, the CSV export and the executive PDF: access → parse filters → read aggregates → render."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from turnabout.accounts.access import MANAGING_ROLES
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.engagement.queries import chosen_quotes
from turnabout.insights.access import access_insights_organisation, access_program_insights, may_read_program_insights
from turnabout.insights.exports import program_kpis_csv, program_report_pdf
from turnabout.insights.figures import ROLES, unit_words
from turnabout.insights.filters import ProgramFilters, program_filters
from turnabout.insights.interest import interest_results
from turnabout.insights.kpis import ProgramKpis, program_kpis
from turnabout.insights.presentation import HIDDEN, group_label, guest_split_lines, kpi_line, shown
from turnabout.insights.reach import diversity_reach, organisation_rollup
from turnabout.insights.retention import RetentionSection, program_retention, retention_section
from turnabout.insights.services import ReachChannel, ReportFormat, record_diversity_reach_read, record_report_download
from turnabout.programs.models import Program
from turnabout.surveys.access import access_managed_interest_survey
from turnabout.surveys.forms import CreateProgramFromSurveyForm


@login_required
def organisation_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_insights_organisation(request.user)
    rollup = organisation_rollup(organisation)
    table = rollup.participants
    wordings = [(row.program.mentor_label, row.program.mentee_label) for row in rollup.rows]
    # One wording shared by every program heads the role columns; otherwise each cell names the program's own.
    shared = len(set(wordings)) <= 1
    headers = [capfirst(label) for label in wordings[0]] if len(set(wordings)) == 1 else [capfirst(str(role.label)) for role in ROLES]
    rows = [
        {
            "program": row.program,
            "may_open": may_read_program_insights(request.user, row.program),
            "participants": [
                (shown(table.value(label, column)), "" if shared else role_label)
                for column, role_label in zip(table.columns, wording, strict=True)
            ],
            "participants_total": shown(table.row_totals[label]),
            "guests": shown(row.guests),
            "pairs": shown(row.pairs),
            "meetings_held": shown(row.meetings_held),
        }
        for row, label, wording in zip(rollup.rows, table.rows, wordings, strict=True)
    ]
    context = {
        "organisation": organisation,
        "rollup": rollup,
        "columns": headers,
        "rows": rows,
        "column_totals": [shown(table.column_totals[column]) for column in table.columns],
        "grand_total": shown(table.grand_total),
        "pairs_total": shown(rollup.pairs_total),
        "guests_total": shown(rollup.guests_total),
        "meetings_total": shown(rollup.meetings_total),
    }
    return render(request, "insights/organisation.html", context)


def _read(request: AuthenticatedRequest, program_id: int) -> tuple[Program, ProgramKpis, ProgramFilters]:
    program = access_program_insights(request.user, program_id)
    get = request.GET.get
    filters = program_filters(program, site=get("site"), cohort=get("cohort"), community=get("community"))
    return program, program_kpis(program, site_id=filters.site_id, cohort=filters.cohort, community_id=filters.community_id), filters


def _download(request: AuthenticatedRequest, kpis: ProgramKpis, report_format: ReportFormat) -> None:
    record_report_download(user=request.user, program=kpis.program, report_format=report_format, site_id=kpis.site_id, cohort=kpis.cohort)


def _with_retention(program: Program, kpis: ProgramKpis) -> tuple[ProgramKpis, RetentionSection | None]:
    """The whole program's retention and promotion comparison (never filtered), flagged on the KPIs for the PDF's caution."""
    section = retention_section(program, program_retention(program, today=kpis.today), today=kpis.today)
    return dataclasses.replace(kpis, has_retention_figures=section is not None and section.is_reportable), section


@login_required
def program_dashboard(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program, kpis, filters = _read(request, program_id)
    kpis, retention = _with_retention(program, kpis)
    reach = diversity_reach(program)
    record_diversity_reach_read(user=request.user, program=program, channel=ReachChannel.DASHBOARD)
    enrolments = kpis.enrolments
    pulses = kpis.pulse_ratings
    charts: dict[str, Any] = {
        "meetings": {
            "labels": [month for month, _count in kpis.meetings_per_month],
            "values": [count for _month, count in kpis.meetings_per_month],
            "series": _("Meetings held"),
        },
        "health": {
            "labels": [group_label(state) for state in kpis.health.values],
            "values": list(kpis.health.values.values()),
            "series": _("Pairs"),
        },
        "pulses": {
            "labels": [_("Rated %(rating)s") % {"rating": column} for column in pulses.columns],
            "series": [{"label": row, "values": [pulses.value(row, column) for column in pulses.columns]} for row in pulses.rows],
        },
    }
    # A chart is drawn only when it shows a published count above zero; otherwise the page says why, beside the table.
    published = {
        "meetings": _drawable(charts["meetings"]["values"]),
        "health": _drawable(charts["health"]["values"]),
        "pulses": _drawable([value for series in charts["pulses"]["series"] for value in series["values"]]),
    }
    withheld = {
        "health": any(value is None for value in charts["health"]["values"]),
        "pulses": any(value is None for series in charts["pulses"]["series"] for value in series["values"]),
    }
    context = {
        "program": program,
        "kpis": kpis,
        "lines": [kpi_line(kpi) for kpi in kpis.kpis],
        "sites": filters.sites,
        "communities": filters.communities,
        "enrolment_rows": [
            {
                "label": row,
                "cells": [shown(enrolments.value(row, column)) for column in enrolments.columns],
                "total": shown(enrolments.row_totals[row]),
            }
            for row in enrolments.rows
        ],
        "enrolment_columns": [group_label(column) for column in enrolments.columns],
        "enrolment_totals": [shown(enrolments.column_totals[column]) for column in enrolments.columns],
        "enrolment_grand_total": shown(enrolments.grand_total),
        "guest_lines": guest_split_lines(program, kpis.guest_splits),
        "meeting_months": [(month, shown(count)) for month, count in kpis.meetings_per_month],
        "health": [(group_label(state), shown(count)) for state, count in kpis.health.values.items()],
        "health_title": unit_words(program, "by_health"),
        "health_empty": unit_words(program, "none_active"),
        "pulse_rows": [{"label": row, "cells": [shown(pulses.value(row, column)) for column in pulses.columns]} for row in pulses.rows],
        "pulse_columns": pulses.columns,
        "reach": reach,
        "reach_mentors": [(group_label(group), shown(count)) for group, count in reach.mentors.values.items()],
        "reach_bands": [(group_label(band), shown(count)) for band, count in reach.mentees_by_grade_band.values.items()],
        "reach_share": kpi_line(reach.under_represented_share),
        "charts": charts,
        "published": published,
        "withheld": withheld,
        "retention": retention,
        "hidden": HIDDEN,
        "quotes": chosen_quotes(program),
        "may_choose_quotes": request.user.role in MANAGING_ROLES,
        "query": request.GET.urlencode(),
    }
    return render(request, "insights/program.html", context)


def _drawable(values: list[int | None]) -> bool:
    """Whether a chart of ``values`` draws anything: a published count above zero (withheld counts are ``None``)."""
    return any(value for value in values if value is not None)


@login_required
def program_export_csv(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program, kpis, _sites = _read(request, program_id)
    response = HttpResponse(program_kpis_csv(kpis, diversity_reach(program)), content_type="text/csv; charset=utf-8")
    _download(request, kpis, ReportFormat.CSV)
    response["Content-Disposition"] = f'attachment; filename="outcomes-{slugify(program.name) or program.pk}.csv"'
    return response


@login_required
def program_report(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program, kpis, _sites = _read(request, program_id)
    kpis, _retention = _with_retention(program, kpis)
    response = HttpResponse(program_report_pdf(kpis, diversity_reach(program)), content_type="application/pdf")
    _download(request, kpis, ReportFormat.PDF)
    response["Content-Disposition"] = f'inline; filename="outcomes-{slugify(program.name) or program.pk}.pdf"'
    return response


@login_required
def interest_survey_results(request: AuthenticatedRequest, survey_id: int) -> HttpResponse:
    """An interest survey's results: suppressed aggregates for its organisation's managers (sponsors and participants 403)."""
    survey = access_managed_interest_survey(request.user, survey_id)
    context = {"survey": survey, "results": interest_results(survey), "program_form": CreateProgramFromSurveyForm()}
    return render(request, "surveys/interest_results.html", context)
