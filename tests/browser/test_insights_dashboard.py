"""The outcome dashboard in a browser: the KPI tiles and the Chart.js canvases render, and a screenshot is taken."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.insights.dataset import seeded_program

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_program_dashboard_renders_charts(
    page: Page, live_server, tmp_path: Path, manager, mentor, mentee, sponsor, matching_program
) -> None:
    # given a running program with ten pairs, and the chart library built into static/dist
    assert (Path(settings.BASE_DIR) / "turnabout" / "static" / "dist" / "chart.umd.js").exists(), "run `make assets`"
    seeded_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    sign_in(page, live_server.url, sponsor.email, PASSWORD)

    # when
    page.goto(f"{live_server.url}/insights/programs/{matching_program.pk}/")

    # then
    expect(page.get_by_role("heading", name=f"Outcomes of {matching_program.name}")).to_be_visible()
    expect(page.get_by_test_id("kpi-active_pair_rate")).to_contain_text("n = 10")
    canvas = page.locator("canvas#chart-meetings")
    expect(canvas).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-meetings')) !== undefined")
    screenshot = tmp_path / "insights-dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
