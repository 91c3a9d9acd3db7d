"""REST endpoints for outcomes: the same suppressed figures as the dashboards, as JSON. Access → read aggregates → serialise.

A hidden count is ``{"value": null, "suppressed": true}``: the raw small count never leaves :mod:`turnabout.insights.kpis`.
The program endpoint takes the dashboard's filters (``?site=<id>&cohort=2026-01``), parsed by the same function, and
echoes the ones applied; what a filtered view may show is decided in :mod:`turnabout.insights.kpis` for every output.
"""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from turnabout.accounts.models import User
from turnabout.core.api_types import DatabaseId, Text, refusals
from turnabout.engagement.queries import chosen_quotes
from turnabout.insights.access import access_insights_organisation, access_program_insights, may_read_program_insights
from turnabout.insights.breakdowns import GuestSplit
from turnabout.insights.figures import Kpi
from turnabout.insights.filters import program_filters
from turnabout.insights.kpis import program_kpis
from turnabout.insights.presentation import HIDDEN_NOTE, guest_split_lines
from turnabout.insights.reach import diversity_reach, organisation_rollup
from turnabout.insights.services import ReachChannel, record_diversity_reach_read
from turnabout.insights.suppression import SuppressedCounts, SuppressedTable

router = Router(tags=["insights"])

# A filter value as the dashboard's query string carries it; whatever program_filters cannot use is ignored.
FilterText = Annotated[str, Text(100)]


class CountOut(Schema):
    label: str
    value: int | None
    suppressed: bool


class TableRowOut(Schema):
    label: str
    cells: list[CountOut]
    total: CountOut


class TableOut(Schema):
    columns: list[str]
    rows: list[TableRowOut]
    column_totals: list[CountOut]
    grand_total: CountOut


class KpiOut(Schema):
    key: str
    label: str
    unit: str
    estimate: float | None
    low: float | None
    high: float | None
    n: int | None
    note: str
    suppressed: bool


class MonthOut(Schema):
    month: str
    meetings_held: int | None
    suppressed: bool


class QuoteOut(Schema):
    """A quote a participant offered for the report and a program manager chose: the words and who said them
    ("A participant" when anonymous)."""

    text: str
    attribution: str


class GuestSplitOut(Schema):
    """A participant count split into employees and guests from outside (people invited into the program, such as a
    partner university's students): ``enrolled.mentor`` and ``enrolled.mentee`` split a side's approved participants
    (the "Enrolled" cell of ``enrolments``), ``pairs_running`` the active pairs (``guests``: pairs with a guest partner).
    Guests' own organisations are never broken down. A guest count from 1 to k − 1 is suppressed, and the employees with
    it, since the total less the one gives the other; where ``total`` is suppressed, so is the whole split."""

    key: str
    label: str
    total: CountOut
    employees: CountOut
    guests: CountOut
    note: str


class ProgramKpisOut(Schema):
    program_id: int
    k: int
    site_id: int | None
    cohort: str | None
    kpis: list[KpiOut]
    enrolments: TableOut
    health: list[CountOut]
    pulse_ratings: TableOut
    meetings_per_month: list[MonthOut]
    meetings_note: str
    table_notes: dict[str, str]
    reach_mentors: list[CountOut]
    reach_share: KpiOut
    reach_mentees_by_grade_band: list[CountOut]
    quotes: list[QuoteOut]
    guest_splits: list[GuestSplitOut] = Field(
        description="Enrolled participants per side and running pairs, split into employees and guests from outside"
    )


class RollupRowOut(Schema):
    program_id: int
    name: str
    may_open: bool
    participants: list[CountOut]
    participants_total: CountOut
    guests: CountOut = Field(description="Approved guests from outside, as the program's dashboard splits them; not in participants")
    pairs: CountOut
    meetings_held: CountOut


class RollupOut(Schema):
    """Per program: approved employees per role (``participants``; guests from outside never counted there), guests
    apart, pairs and meetings held, each as the program's dashboard shows it."""

    k: int
    columns: list[str]
    rows: list[RollupRowOut]
    participants_totals: list[CountOut]
    participants_grand_total: CountOut
    guests_total: CountOut
    pairs_total: CountOut
    meetings_total: CountOut


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _count(label: str, value: int | None) -> CountOut:
    return CountOut(label=label, value=value, suppressed=value is None)


def _counts(counts: SuppressedCounts) -> list[CountOut]:
    return [_count(label, value) for label, value in counts.values.items()]


def _table(table: SuppressedTable) -> TableOut:
    return TableOut(
        columns=list(table.columns),
        rows=[
            TableRowOut(
                label=row,
                cells=[_count(column, table.value(row, column)) for column in table.columns],
                total=_count("Total", table.row_totals[row]),
            )
            for row in table.rows
        ],
        column_totals=[_count(column, table.column_totals[column]) for column in table.columns],
        grand_total=_count("Total", table.grand_total),
    )


def _guest_split(split: GuestSplit, label: str) -> GuestSplitOut:
    return GuestSplitOut(
        key=split.key,
        label=label,
        total=_count("Total", split.total),
        employees=_count("Employees", split.employees),
        guests=_count("Guests", split.guests),
        note=(split.note or str(HIDDEN_NOTE)) if split.is_withheld else "",
    )


def _kpi(kpi: Kpi) -> KpiOut:
    return KpiOut(
        key=kpi.key,
        label=kpi.label,
        unit=kpi.unit,
        estimate=kpi.estimate,
        low=kpi.low,
        high=kpi.high,
        n=kpi.n,
        note=kpi.note,
        suppressed=kpi.is_withheld,
    )


@router.get(
    "/programs/{program_id}/kpis",
    response={200: ProgramKpisOut, **refusals(401, 403, 404, 422)},
    summary="A program's outcome figures, suppressed at k",
)
def get_program_kpis(request: HttpRequest, program_id: Path[DatabaseId], site: FilterText = "", cohort: FilterText = "") -> ProgramKpisOut:
    """Optionally for one site (its id) and/or one cohort ("2026-01"); an unknown site or a malformed month is ignored."""
    program = access_program_insights(_user(request), program_id)
    filters = program_filters(program, site=site, cohort=cohort)
    kpis = program_kpis(program, site_id=filters.site_id, cohort=filters.cohort)
    reach = diversity_reach(program)
    record_diversity_reach_read(user=_user(request), program=program, channel=ReachChannel.API)
    return ProgramKpisOut(
        program_id=program.pk,
        k=kpis.k,
        site_id=kpis.site_id,
        cohort=kpis.cohort,
        kpis=[_kpi(kpi) for kpi in kpis.kpis],
        enrolments=_table(kpis.enrolments),
        health=_counts(kpis.health),
        pulse_ratings=_table(kpis.pulse_ratings),
        meetings_per_month=[
            MonthOut(month=month, meetings_held=count, suppressed=count is None) for month, count in kpis.meetings_per_month
        ],
        meetings_note=kpis.meetings_note,
        table_notes=kpis.table_notes,
        reach_mentors=_counts(reach.mentors),
        reach_share=_kpi(reach.under_represented_share),
        reach_mentees_by_grade_band=_counts(reach.mentees_by_grade_band),
        quotes=[QuoteOut(text=quote.text, attribution=quote.attribution) for quote in chosen_quotes(program)],
        guest_splits=[
            _guest_split(split, line.label)
            for split, line in zip(kpis.guest_splits, guest_split_lines(program, kpis.guest_splits), strict=True)
        ],
    )


@router.get(
    "/rollup", response={200: RollupOut, **refusals(401, 403)}, summary="Your organisation's programs side by side, suppressed at k"
)
def get_rollup(request: HttpRequest) -> RollupOut:
    user = _user(request)
    rollup = organisation_rollup(access_insights_organisation(user))
    table = rollup.participants
    return RollupOut(
        k=rollup.k,
        columns=list(table.columns),
        rows=[
            RollupRowOut(
                program_id=row.program.pk,
                name=row.program.name,
                may_open=may_read_program_insights(user, row.program),
                participants=[_count(column, table.value(label, column)) for column in table.columns],
                participants_total=_count("Total", table.row_totals[label]),
                guests=_count("Guests", row.guests),
                pairs=_count("Pairs", row.pairs),
                meetings_held=_count("Meetings held", row.meetings_held),
            )
            for row, label in zip(rollup.rows, table.rows, strict=True)
        ],
        participants_totals=[_count(column, table.column_totals[column]) for column in table.columns],
        participants_grand_total=_count("Total", table.grand_total),
        guests_total=_count("Guests", rollup.guests_total),
        pairs_total=_count("Pairs", rollup.pairs_total),
        meetings_total=_count("Meetings held", rollup.meetings_total),
    )
