"""The CSV export and the executive one-page PDF of a program's outcomes: aggregates only, already suppressed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from fpdf import FPDF

from turnabout.insights.comparison import CAUTION
from turnabout.insights.kpis import ProgramKpis
from turnabout.insights.presentation import HIDDEN, HIDDEN_NOTE, kpi_line, shown
from turnabout.insights.reach import DiversityReach
from turnabout.insights.suppression import SuppressedCounts

CSV_HEADER = ["section", "figure", "value", "low", "high", "n", "note"]
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
    >>> spreadsheet_safe("-34.0000"), spreadsheet_safe(12), spreadsheet_safe("Match rate, mentors")
    ('-34.0000', 12, 'Match rate, mentors')
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
                kpi.note or (HIDDEN_NOTE if withheld else ""),
            ]
        )
    table = kpis.enrolments
    hidden_note = kpis.table_notes.get("enrolments", HIDDEN_NOTE)
    for row in table.rows:
        for column in table.columns:
            _count_row(writer, "enrolments", f"{row}: {column}", table.value(row, column), hidden_note)
        _count_row(writer, "enrolments", f"{row}: total", table.row_totals[row], hidden_note)
    _counts_rows(writer, "pairs by health", kpis.health, kpis.table_notes.get("health", HIDDEN_NOTE))
    pulses = kpis.pulse_ratings
    hidden_note = kpis.table_notes.get("pulse_ratings", HIDDEN_NOTE)
    for row in pulses.rows:
        for column in pulses.columns:
            _count_row(writer, "pulse ratings", f"{row}: rated {column}", pulses.value(row, column), hidden_note)
    for month, count in kpis.meetings_per_month:
        _count_row(writer, "meetings held per month", month, count)
    if kpis.meetings_note:
        writer.writerow(["meetings held per month", "all months", "", "", "", "", kpis.meetings_note])
    _counts_rows(writer, "consenting mentors", reach.mentors)
    _counts_rows(writer, "mentees reached by grade band", reach.mentees_by_grade_band)
    return buffer.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _count_row(writer: _SafeWriter, section: str, figure: str, count: int | None, withheld: str = HIDDEN_NOTE) -> None:
    writer.writerow([section, figure, "" if count is None else count, "", "", "", withheld if count is None else ""])


def _counts_rows(writer: _SafeWriter, section: str, counts: SuppressedCounts, withheld: str = HIDDEN_NOTE) -> None:
    for group, count in counts.values.items():
        _count_row(writer, section, group, count, withheld)
    _count_row(writer, section, "total", counts.total, withheld)


def _latin1(text: str) -> str:
    # The core PDF fonts cover Latin-1; anything else is replaced rather than failing the download.
    replacements = {"–": "-", "—": "-", "’": "'", "÷": "/", "→": "->", "≥": ">=", "×": "x"}
    for character, replacement in replacements.items():
        text = text.replace(character, replacement)
    return text.encode("latin-1", "replace").decode("latin-1")


def program_report_pdf(kpis: ProgramKpis, reach: DiversityReach) -> bytes:
    """An executive one-pager: purpose, the KPI table with intervals, diversity reach (suppressed)."""
    program = kpis.program
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Outcomes - {program.name}"))
    pdf.set_author("Turnabout")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _latin1(f"{program.name}: outcomes"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(
        0,
        5,
        _latin1(f"As of {kpis.today:%d %B %Y}. Figures from fewer than {kpis.k} people are hidden ({HIDDEN})."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if program.purpose_statement:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 5, "Purpose", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 4.5, _latin1(program.purpose_statement[:600]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 5, "Key figures", new_x="LMARGIN", new_y="NEXT")
    widths = (78, 24, 60, 12)
    pdf.set_font("Helvetica", "B", 8)
    for width, heading in zip(widths, ("Figure", "Value", "Interval", "n"), strict=True):
        pdf.cell(width, 5, heading, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for kpi in kpis.kpis:
        line = kpi_line(kpi)
        cells = (line.label, line.value, line.interval or (line.note[:45] if line.value == HIDDEN else ""), line.n)
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 4.6, _latin1(text)[:70])
        pdf.ln()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 5, "Diversity reach", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    mentors = ", ".join(f"{group} {shown(count)}" for group, count in reach.mentors.values.items())
    pdf.multi_cell(
        0,
        4.5,
        _latin1(f"Consenting {program.mentor_label}s: {mentors}; total {shown(reach.mentors.total)}."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    share = kpi_line(reach.under_represented_share)
    pdf.multi_cell(0, 4.5, _latin1(f"{share.label}: {share.value} {share.interval}".strip()), new_x="LMARGIN", new_y="NEXT")
    bands = ", ".join(f"{band} {shown(count)}" for band, count in reach.mentees_by_grade_band.values.items())
    pdf.multi_cell(
        0, 4.5, _latin1(f"Senior leaders reached ({program.mentee_label}s by grade band): {bands}."), new_x="LMARGIN", new_y="NEXT"
    )
    if kpis.has_retention_figures:
        pdf.ln(2)
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4.5, _latin1(CAUTION), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "I", 7)
    pdf.multi_cell(
        0,
        4,
        _latin1(
            "Intervals are 95 % confidence intervals (Wilson for rates and shares, exact Poisson for counts per pair, t "
            "clipped to the scale for ratings); days show the median with quartiles."
        ),
    )
    return bytes(pdf.output())
