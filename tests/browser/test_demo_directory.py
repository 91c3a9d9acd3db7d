"""The program manager's first hour: sign in as the demo admin, search and filter the 2,000 people."""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

DEMO_ADMIN = ("admin@northwind.example", "turnabout-demo")
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo_url(request: pytest.FixtureRequest) -> str:
    """`make demo`'s server when CI gives its address, else the demo seeded into the live server's database."""
    if url := os.environ.get("TURNABOUT_DEMO_URL"):
        return url.rstrip("/")
    live_server = request.getfixturevalue("live_server")
    call_command("seed_demo", employees=2000, seed=1, verbosity=0)
    return live_server.url


def _count(page) -> int:  # type: ignore[no-untyped-def]
    text = page.get_by_test_id("result-count").inner_text()
    return int(re.match(r"(\d+)", text).group(1))  # type: ignore[union-attr]


def _column(page, index: int) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f"#results tbody tr td:nth-child({index})").all_inner_texts()


def test_demo_admin_searches_and_filters_the_directory(page, demo_url):
    # given the demo admin is signed in
    sign_in(page, demo_url, *DEMO_ADMIN)
    page.goto(f"{demo_url}/people/")
    everyone = _count(page)
    assert 1800 <= everyone <= 2000  # active people of the 2,000; leavers are hidden by default

    # when they search for the family name of someone on the first page
    family_name = _column(page, 1)[0].split()[-1]
    page.get_by_label("Search people").fill(family_name)

    # then the list narrows, live, to people of that name
    expect(page.get_by_test_id("result-count")).not_to_have_text(re.compile(rf"^{everyone} "))
    assert all(family_name in name for name in _column(page, 1))
    assert "q=" in page.url

    # when they clear the search and filter by department, then site, then grade
    page.get_by_label("Search people").fill("")
    expect(page.get_by_test_id("result-count")).to_have_text(re.compile(rf"^{everyone} "))
    department = page.get_by_label("Department").locator("option").nth(1).inner_text()
    page.get_by_label("Department").select_option(label=department)
    expect(page.get_by_test_id("result-count")).not_to_have_text(re.compile(rf"^{everyone} "))
    in_department = _count(page)
    assert set(_column(page, 4)) == {department}

    site = page.get_by_label("Site").locator("option").nth(1).inner_text()
    page.get_by_label("Site").select_option(label=site)
    expect(page.get_by_test_id("result-count")).not_to_have_text(re.compile(rf"^{in_department} "))
    assert set(_column(page, 4)) <= {department}
    assert set(_column(page, 5)) <= {site}

    # then the filters survive a reload (they are in the address)
    page.reload()
    assert page.get_by_label("Department").input_value() != ""
    assert set(_column(page, 5)) <= {site}


def test_directory_pages_through_everyone(page, demo_url):
    sign_in(page, demo_url, *DEMO_ADMIN)
    page.goto(f"{demo_url}/people/")
    first_page = _column(page, 1)
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    assert _column(page, 1) != first_page
    assert len(_column(page, 1)) == 50
