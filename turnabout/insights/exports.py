"""The CSV export and the executive one-page PDF of a program's outcomes: aggregates only, already suppressed.

The one exception in the PDF: the quotes participants offered for the report and program managers chose.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from fpdf import FPDF
from fpdf.fonts import FontFace

from turnabout.engagement.queries import ShownQuote, chosen_quotes
from turnabout.insights.comparison import CAUTION
from turnabout.insights.figures import unit_words
from turnabout.insights.kpis import ProgramKpis
from turnabout.insights.presentation import HIDDEN, HIDDEN_NOTE, group_label, guest_split_lines, kpi_line, shown
from turnabout.insights.reach import DiversityReach
from turnabout.insights.suppression import SuppressedCounts
from turnabout.people.models import Community

# The CSV's machine interface, never translated: the column keys and each row's ``section``. A row's ``figure`` (the
# program's wording) and ``note`` are text for people, in the reader's language.
CSV_HEADER = ["section", "figure", "value", "low", "high", "n", "note"]
# Said wherever figures are cut by a community, as the dashboard says it (templates/insights/program.html).
COMMUNITY_CUT_STANDS_ALONE = gettext_noop("A community cut stands alone: the site and cohort are not applied with it.")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection"): a program's role label
# "=HYPERLINK(…)" would reach the export inside "=HYPERLINK(…): Enrolled".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(cell: object) -> object:
    """``cell`` as a spreadsheet will show it and never run it: text starting with ``= + - @``, a tab or a carriage
    return gets a leading apostrophe (OWASP's rule). Numbers, and text that is only a plain decimal number such as the
    negative bound "-34.0000", cannot hold a formula and stay numbers.

    >>> spreadsheet_safe("=HYPERLINK('http://x.test')"), spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("-1+2")
    ("'=HYPERLINK('http://x.test')", "'@SUM(A1)", "'-1+2")
    >>> spreadsheet_safe("-34.0000"), spreadsheet_safe(12), spreadsheet_safe("Match rate, mentor side")
    ('-34.0000', 12, 'Match rate, mentor side')
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class _SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`spreadsheet_safe`."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def program_kpis_csv(kpis: ProgramKpis, reach: DiversityReach) -> str:
    """One row per figure; a hidden figure is an empty cell with the reason in ``note``. No row describes a person.

    Every cell is spreadsheet-safe (:func:`spreadsheet_safe`): labels come from the program's settings.
    """
    buffer = io.StringIO()
    writer = _SafeWriter(buffer)
    writer.writerow(CSV_HEADER)
    community = community_cut(kpis)
    if community is not None:
        writer.writerow(["community cut", community, "", "", "", "", _(COMMUNITY_CUT_STANDS_ALONE)])
    hidden = str(HIDDEN_NOTE)
    for kpi in kpis.kpis:
        withheld = kpi.is_withheld
        writer.writerow(
            [
                "kpi",
                kpi.label,
                "" if withheld else _number(kpi.estimate),
                "" if withheld else _number(kpi.low),
                "" if withheld else _number(kpi.high),
                "" if kpi.n is None else kpi.n,
                kpi.note or (hidden if withheld else ""),
            ]
        )
    table = kpis.enrolments
    hidden_note = kpis.table_notes.get("enrolments", hidden)
    for row in table.rows:
        for column in table.columns:
            figure = _("%(row)s: %(column)s") % {"row": row, "column": group_label(column)}
            _count_row(writer, "enrolments", figure, table.value(row, column), hidden_note)
        _count_row(writer, "enrolments", _("%(row)s: total") % {"row": row}, table.row_totals[row], hidden_note)
    for split, line in zip(kpis.guest_splits, guest_split_lines(kpis.program, kpis.guest_splits), strict=True):
        split_note = split.note or hidden
        _count_row(writer, "employees and guests", _("%(row)s: total") % {"row": line.label}, split.total, split_note)
        _count_row(writer, "employees and guests", _("%(row)s: employees") % {"row": line.label}, split.employees, split_note)
        _count_row(writer, "employees and guests", _("%(row)s: guests from outside") % {"row": line.label}, split.guests, split_note)
    _counts_rows(writer, "pairs by health", kpis.health, kpis.table_notes.get("health", hidden))
    pulses = kpis.pulse_ratings
    hidden_note = kpis.table_notes.get("pulse_ratings", hidden)
    for row in pulses.rows:
        for column in pulses.columns:
            figure = _("%(row)s: rated %(rating)s") % {"row": row, "rating": column}
            _count_row(writer, "pulse ratings", figure, pulses.value(row, column), hidden_note)
    for month, count in kpis.meetings_per_month:
        _count_row(writer, "meetings held per month", month, count, hidden)
    if kpis.meetings_note:
        writer.writerow(["meetings held per month", _("all months"), "", "", "", "", kpis.meetings_note])
    _counts_rows(writer, "consenting mentors", reach.mentors, hidden)
    _counts_rows(writer, "mentees reached by grade band", reach.mentees_by_grade_band, hidden)
    return buffer.getvalue()


def community_cut(kpis: ProgramKpis) -> str | None:
    """The name of the community the figures are cut by, or ``None`` for no community cut (its id was checked by the filters)."""
    if kpis.community_id is None:
        return None
    communities = Community.objects.filter(pk=kpis.community_id, organisation_id=kpis.program.organisation_id)
    return communities.values_list("name", flat=True).first()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _count_row(writer: _SafeWriter, section: str, figure: str, count: int | None, withheld: str) -> None:
    writer.writerow([section, figure, "" if count is None else count, "", "", "", withheld if count is None else ""])


def _counts_rows(writer: _SafeWriter, section: str, counts: SuppressedCounts, withheld: str) -> None:
    for group, count in counts.values.items():
        _count_row(writer, section, group_label(group), count, withheld)
    _count_row(writer, section, _("total"), counts.total, withheld)


def _latin1(text: str) -> str:
    # The core PDF fonts cover Latin-1; anything else is replaced rather than failing the download.
    replacements = {"–": "-", "—": "-", "’": "'", "÷": "/", "→": "->", "≥": ">=", "×": "x"}
    for character, replacement in replacements.items():
        text = text.replace(character, replacement)
    return text.encode("latin-1", "replace").decode("latin-1")


# A4 with 15 mm margins: 180 mm of text width. Key figures: label, value, interval (or why withheld), n.
KEY_FIGURE_WIDTHS = (74, 24, 68, 14)
BAR_COLOURS = ((43, 89, 195), (142, 68, 173), (46, 125, 50), (249, 168, 37), (198, 40, 40))
CHART_HEIGHT = 38.0


@dataclass(frozen=True, slots=True)
class BarSeries:
    """One series of a bar chart: its legend and one published count per group (``None`` when withheld)."""

    label: str
    values: Sequence[int | None]


@dataclass(frozen=True, slots=True)
class BarChart:
    """A chart of the report, drawn from the figures the dashboard publishes; ``empty`` says why there is none."""

    title: str
    groups: Sequence[str]
    series: Sequence[BarSeries]
    empty: str = ""

    @property
    def has_values(self) -> bool:
        """Whether the chart draws anything: a published count above zero (withheld counts are ``None``)."""
        return any(value for series in self.series for value in series.values if value is not None)


def report_charts(kpis: ProgramKpis) -> list[BarChart]:
    """The report's charts, from the same suppressed figures as the dashboard's: meetings held per month, active pairs
    by health and pulse ratings by side. A chart with no published value carries the sentence shown instead of it.
    """
    withheld = _("Withheld to protect privacy.")
    months = kpis.meetings_per_month
    meetings_empty = kpis.meetings_note or _("No meetings held yet.")
    meetings = BarChart(
        _("Meetings held per month"),
        [month for month, _count in months],
        [BarSeries(_("Meetings held"), [count for _month, count in months])],
        empty=withheld if any(count is None for _month, count in months) else meetings_empty,
    )
    health = BarChart(
        unit_words(kpis.program, "by_health"),
        [group_label(state) for state in kpis.health.values],
        [BarSeries(unit_words(kpis.program, "units"), list(kpis.health.values.values()))],
        empty=kpis.table_notes.get("health")
        or (withheld if None in kpis.health.values.values() else unit_words(kpis.program, "none_active")),
    )
    pulses = kpis.pulse_ratings
    ratings = BarChart(
        _("Pulse ratings"),
        [_("Rated %(rating)s") % {"rating": column} for column in pulses.columns],
        [BarSeries(capfirst(row), [pulses.value(row, column) for column in pulses.columns]) for row in pulses.rows],
        empty=kpis.table_notes.get("pulse_ratings") or (withheld if pulses.hidden else _("No pulse ratings yet.")),
    )
    return [meetings, health, ratings]


def report_pdf(kpis: ProgramKpis, reach: DiversityReach) -> FPDF:
    """The executive one-pager as an unrendered :class:`FPDF` (:func:`program_report_pdf` renders it)."""
    program = kpis.program
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 12, 15)
    pdf.set_title(_latin1(_("Outcomes - %(program)s") % {"program": program.name}))
    pdf.set_author("Turnabout")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin1(_("%(program)s: outcomes") % {"program": program.name}), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    as_of = _("As of %(date)s. A figure from fewer than %(k)s people is hidden (%(hidden)s).") % {
        "date": date_format(kpis.today, "DATE_FORMAT"),
        "k": kpis.k,
        "hidden": HIDDEN,
    }
    pdf.multi_cell(0, 5, _latin1(as_of), new_x="LMARGIN", new_y="NEXT")
    community = community_cut(kpis)
    if community is not None:
        cut = _("Figures of the members of %(community)s only.") % {"community": community}
        pdf.multi_cell(0, 5, _latin1(f"{cut} {_(COMMUNITY_CUT_STANDS_ALONE)}"), new_x="LMARGIN", new_y="NEXT")
    if program.purpose_statement:
        _heading(pdf, _("Purpose"))
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 4.5, _latin1(program.purpose_statement[:600]), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, _("Key figures"))
    _key_figures(pdf, kpis)
    _heading(pdf, _("Employees and guests from outside"))
    pdf.set_font("Helvetica", "", 8)
    for line in guest_split_lines(program, kpis.guest_splits):
        text = f"{line.sentence} ({line.note})" if line.note else line.sentence
        pdf.multi_cell(0, 4.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    for chart in report_charts(kpis):
        _heading(pdf, chart.title)
        _bar_chart(pdf, chart)
    _heading(pdf, _("Diversity reach"))
    pdf.set_font("Helvetica", "", 8)
    mentors = ", ".join(f"{group_label(group)} {shown(count)}" for group, count in reach.mentors.values.items())
    consenting = _("Consenting people of the %(side)s side: %(groups)s; total %(total)s.") % {
        "side": program.mentor_label,
        "groups": mentors,
        "total": shown(reach.mentors.total),
    }
    pdf.multi_cell(0, 4.5, _latin1(consenting), new_x="LMARGIN", new_y="NEXT")
    share = kpi_line(reach.under_represented_share)
    pdf.multi_cell(0, 4.5, _latin1(f"{share.label}: {share.value} {share.interval}".strip()), new_x="LMARGIN", new_y="NEXT")
    bands = ", ".join(f"{group_label(band)} {shown(count)}" for band, count in reach.mentees_by_grade_band.values.items())
    reached = _("Senior leaders reached (people of the %(side)s side in a pair, by grade band): %(bands)s.") % {
        "side": program.mentee_label,
        "bands": bands,
    }
    pdf.multi_cell(0, 4.5, _latin1(reached), new_x="LMARGIN", new_y="NEXT")
    _quotes(pdf, chosen_quotes(program))
    if kpis.has_retention_figures:
        pdf.ln(2)
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4.5, _latin1(_(CAUTION)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "I", 7)
    method = _(
        "Intervals are %(level)s confidence intervals (Wilson for rates and shares, exact Poisson for counts per pair, t "
        "clipped to the scale for ratings); days show the median with quartiles."
    ) % {"level": "95 %"}
    pdf.multi_cell(0, 4, _latin1(method), new_x="LMARGIN", new_y="NEXT")
    return pdf


def program_report_pdf(kpis: ProgramKpis, reach: DiversityReach) -> bytes:
    """An executive report: purpose, the KPI table with intervals, the charts and diversity reach (all suppressed).

    Every text that can be long wraps (table cells grow to their content); nothing is cut.
    """
    return bytes(report_pdf(kpis, reach).output())


def _quotes(pdf: FPDF, quotes: Sequence[ShownQuote]) -> None:
    """The quotes program managers chose, each as its author offered it; nothing when none is chosen."""
    if not quotes:
        return
    _heading(pdf, _("In participants’ own words"))
    for quote in quotes:
        pdf.set_font("Helvetica", "I", 9)
        pdf.multi_cell(0, 4.5, _latin1(f'"{quote.text}"'), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(0, 4.5, _latin1(f"— {quote.attribution}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _key_figures(pdf: FPDF, kpis: ProgramKpis) -> None:
    """The KPI table: each cell wraps, so a long label or note ("17 pairs without a meeting yet") is shown whole."""
    pdf.set_font("Helvetica", "", 8)
    headings = (_("Figure"), _("Value"), _("Interval or note"), "n")
    with pdf.table(
        col_widths=KEY_FIGURE_WIDTHS,
        width=sum(KEY_FIGURE_WIDTHS),
        line_height=4.2,
        text_align="LEFT",
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD"),
        padding=0.8,
    ) as table:
        table.row([_latin1(str(heading)) for heading in headings])
        for kpi in kpis.kpis:
            line = kpi_line(kpi)
            detail = " · ".join(text for text in (line.interval, line.note) if text)
            table.row([_latin1(text) for text in (line.label, line.value, detail, line.n)])


def _bar_chart(pdf: FPDF, chart: BarChart) -> None:
    """``chart`` as bars drawn with fpdf2's primitives, or its ``empty`` sentence when no value is published.

    A withheld value is written "withheld" in its slot, never drawn as a bar; zero is a bar of no height with "0" above.
    """
    pdf.set_font("Helvetica", "", 8)
    if not chart.has_values:
        pdf.multi_cell(0, 4.5, _latin1(str(chart.empty)), new_x="LMARGIN", new_y="NEXT")
        return
    legend_height = 5.0 if len(chart.series) > 1 else 0.0
    label_height = 5.0
    if pdf.will_page_break(CHART_HEIGHT + legend_height + label_height + 8):
        pdf.add_page()
    left, top = pdf.l_margin + 8, pdf.get_y() + 4
    width = pdf.epw - 8
    largest = max(value for series in chart.series for value in series.values if value is not None) or 1
    bottom = top + CHART_HEIGHT
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    pdf.line(left, bottom, left + width, bottom)
    pdf.set_font("Helvetica", "", 6)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(pdf.l_margin, top - 1.5)
    pdf.cell(7, 3, str(largest), align="R")
    pdf.set_xy(pdf.l_margin, bottom - 1.5)
    pdf.cell(7, 3, "0", align="R")
    slot = width / max(len(chart.groups), 1)
    bar = min(slot * 0.8 / len(chart.series), 14.0)
    withheld = _latin1(_("withheld"))
    # Label every step-th group so that the labels never overlap.
    widest = max((pdf.get_string_width(_latin1(group)) for group in chart.groups), default=0.0)
    step = max(1, math.ceil((widest + 1.5) / slot))
    for position, group in enumerate(chart.groups):
        start = left + position * slot + (slot - bar * len(chart.series)) / 2
        for index, series in enumerate(chart.series):
            x = start + index * bar
            value = series.values[position]
            pdf.set_text_color(90, 90, 90)
            if value is None:
                if pdf.get_string_width(withheld) <= bar + 2:
                    pdf.set_xy(x, bottom - 4)
                    pdf.cell(bar, 3, withheld, align="C")
                else:  # a narrow slot: the word runs upwards
                    with pdf.rotation(90, x=x + bar / 2, y=bottom - 1):
                        pdf.set_xy(x + bar / 2, bottom - 1 - 1.5)
                        pdf.cell(pdf.get_string_width(withheld) + 1, 3, withheld)
                continue
            height = CHART_HEIGHT * value / largest
            red, green, blue = BAR_COLOURS[index % len(BAR_COLOURS)]
            pdf.set_fill_color(red, green, blue)
            if height > 0:
                pdf.rect(x + bar * 0.05, bottom - height, bar * 0.9, height, style="F")
            pdf.set_xy(x, bottom - height - 3.2)
            pdf.cell(bar, 3, str(value), align="C")
        if position % step == 0:
            pdf.set_text_color(0, 0, 0)
            pdf.set_xy(left + position * slot - slot * (step - 1) / 2, bottom + 0.8)
            pdf.cell(slot * step, 3.5, _latin1(group), align="C")
    pdf.set_text_color(0, 0, 0)
    y = bottom + label_height
    if legend_height:
        pdf.set_xy(left, y)
        for index, series in enumerate(chart.series):
            red, green, blue = BAR_COLOURS[index % len(BAR_COLOURS)]
            pdf.set_fill_color(red, green, blue)
            pdf.rect(pdf.get_x(), y + 0.8, 2.5, 2.5, style="F")
            pdf.set_x(pdf.get_x() + 3.5)
            text = _latin1(series.label)
            pdf.cell(pdf.get_string_width(text) + 5, 4, text)
        y += legend_height
    pdf.set_xy(pdf.l_margin, y)
    pdf.set_font("Helvetica", "", 8)
