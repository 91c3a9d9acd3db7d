"""The executive PDF: no text is cut (table cells wrap), and its charts are drawn from the dashboard's suppressed figures
— a withheld value is written "withheld", never drawn as a bar, and a chart with nothing published is a sentence."""

from __future__ import annotations

import dataclasses
import re

import pytest
import time_machine

from tests.engagement.health_builders import at
from turnabout.insights.exports import _latin1, report_charts, report_pdf
from turnabout.insights.figures import Kpi
from turnabout.insights.kpis import ProgramKpis, program_kpis
from turnabout.insights.reach import diversity_reach
from turnabout.insights.suppression import SuppressedCounts

pytestmark = pytest.mark.django_db

LONG_LABEL = "Pairs that have met at least once since the program started, as a share of every pair matched so far"
LONG_NOTE = "17 pairs without a meeting yet"
TEXT_SHOWN = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\) Tj")
FILLED_RECTANGLE = re.compile(rb"re f\b")


def rendered(kpis: ProgramKpis, program) -> bytes:
    pdf = report_pdf(kpis, diversity_reach(program))
    pdf.set_compression(False)
    return bytes(pdf.output())


def text_of(content: bytes) -> str:
    """Every line of text the PDF shows, joined by spaces (a wrapped cell's lines follow each other)."""
    lines = [re.sub(rb"\\(.)", rb"\1", match["text"]).decode("latin-1") for match in TEXT_SHOWN.finditer(content)]
    return " ".join(lines)


def bars(content: bytes) -> int:
    return len(FILLED_RECTANGLE.findall(content))


@pytest.fixture
def report_kpis(seeded) -> ProgramKpis:
    with time_machine.travel(at(2026, 3, 6), tick=False):
        return program_kpis(seeded)


def test_a_long_label_and_note_wrap_and_appear_whole(report_kpis, seeded) -> None:
    # given
    long = Kpi("pairs_met", LONG_LABEL, "percent", 0.4, 0.2, 0.6, n=30, note=LONG_NOTE)
    kpis = dataclasses.replace(report_kpis, kpis=[*report_kpis.kpis, long])

    # when
    text = text_of(rendered(kpis, seeded))

    # then
    assert LONG_LABEL in text
    assert LONG_NOTE in text
    assert "95 % CI 20.0 % to 60.0 %" in text


def test_every_key_figure_label_is_shown_whole(report_kpis, seeded) -> None:
    # when
    text = text_of(rendered(report_kpis, seeded))

    # then
    for kpi in report_kpis.kpis:
        assert _latin1(kpi.label) in text, kpi.label


def test_charts_draw_published_values_as_bars_and_withheld_ones_as_a_word(report_kpis, seeded) -> None:
    # given: three published months (one of them zero) and one withheld
    months = [("2026-01", 6), ("2026-02", None), ("2026-03", 9), ("2026-04", 0)]
    no_health = SuppressedCounts(values={"Healthy": None, "Watch": None, "At risk": None}, hidden=frozenset(), total=None, k=5)
    kpis = dataclasses.replace(report_kpis, meetings_per_month=months, health=no_health)
    without_meetings = rendered(dataclasses.replace(kpis, meetings_per_month=[("2026-01", None)]), seeded)

    # when
    content = rendered(kpis, seeded)

    # then: the two non-zero months are two more bars than with nothing published, and the withheld month says so
    text = text_of(content)
    assert "Meetings held per month" in text
    assert "2026-01" in text
    assert "2026-04" in text
    assert bars(content) - bars(without_meetings) == 2
    assert "withheld" in text.split("Meetings held per month", 1)[1].split("Active pairs by health", 1)[0]


def test_a_chart_with_nothing_published_is_a_sentence(report_kpis, seeded) -> None:
    # given: every count withheld
    pulses = report_kpis.pulse_ratings
    hidden_pulses = dataclasses.replace(
        pulses,
        cells={(row, column): None for row in pulses.rows for column in pulses.columns},
        hidden=frozenset((row, column) for row in pulses.rows for column in pulses.columns),
    )
    kpis = dataclasses.replace(
        report_kpis,
        meetings_per_month=[],
        meetings_note="withheld: fewer than 5 pairs have met",
        health=SuppressedCounts(values={"Healthy": None, "Watch": None}, hidden=frozenset(), total=None, k=5),
        pulse_ratings=hidden_pulses,
    )

    # when
    content = rendered(kpis, seeded)

    # then
    text = text_of(content)
    assert bars(content) == 0
    assert "withheld: fewer than 5 pairs have met" in text
    assert text.count("Withheld to protect privacy.") == 2
    assert all(not chart.has_values for chart in report_charts(kpis))
