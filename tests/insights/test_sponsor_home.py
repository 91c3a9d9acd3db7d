"""The sponsor's home page: each program they sponsor with its headline figures exactly as its dashboard publishes
them (a withheld figure stays withheld), and a link to that dashboard."""

import re

import pytest
import time_machine
from django.urls import reverse

from tests.engagement.health_builders import at, held, running_program_with_cast_pair
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.insights.presentation import HIDDEN
from turnabout.programs.models import StrategicDriver
from turnabout.programs.services import create_program_from_preset, update_program
from turnabout.views import SPONSOR_HEADLINE_KPIS

pytestmark = pytest.mark.usefixtures("on_report_day")


def _figure(page: str, testid: str) -> str:
    """The text of the element marked ``data-testid=testid`` on the home page, tags removed."""
    match = re.search(rf'data-testid="{re.escape(testid)}">(.*?)</dd>', page, re.DOTALL)
    assert match, f"no {testid} on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _dashboard_value(page: str, key: str) -> str:
    """A KPI card's value on the program dashboard."""
    match = re.search(rf'data-testid="kpi-{re.escape(key)}">.*?<p class="kpi-value">(.*?)</p>', page, re.DOTALL)
    assert match, f"no card {key} on the dashboard"
    return match.group(1).strip()


def test_a_sponsor_sees_their_program_with_the_figures_its_dashboard_publishes(client, seeded, sponsor) -> None:
    # given Diana, the sponsor of the seeded program (ten running pairs, five of which met twice)
    client.force_login(sponsor)
    dashboard = client.get(reverse("insights:program", args=[seeded.pk])).content.decode()

    # when
    response = client.get(reverse("home"))

    # then: name, status, pairs running and meetings held, and each headline KPI as the dashboard shows it
    assert response.status_code == 200
    page = response.content.decode()
    assert seeded.name in page
    assert seeded.get_status_display() in page
    assert f'href="{reverse("insights:program", args=[seeded.pk])}"' in page
    assert _figure(page, "pairs-running") == "10"
    assert _figure(page, "meetings-held") == "10"
    assert _figure(page, "kpi-active_pair_rate").startswith("50.0 % (95 % CI")
    for key in SPONSOR_HEADLINE_KPIS:
        assert _figure(page, f"kpi-{key}").startswith(_dashboard_value(dashboard, key))
    assert "The program you sponsor" in page
    for name in ("Charlie", "Bob Senior", "Jr0", "Sr0", "@acme.test"):
        assert name not in page


def test_a_figure_the_dashboard_withholds_is_withheld_on_the_home_page_too(client, seeded, sponsor) -> None:
    # given the seeded program, where two of ten pairs had an idea adopted: fewer than k, withheld on the dashboard
    client.force_login(sponsor)
    dashboard = client.get(reverse("insights:program", args=[seeded.pk])).content.decode()
    assert _dashboard_value(dashboard, "pairs_with_insight") == HIDDEN

    # when
    page = client.get(reverse("home")).content.decode()

    # then: the dash and the dashboard's reason, never the share
    shown = _figure(page, "kpi-pairs_with_insight")
    assert shown.startswith(HIDDEN)
    assert "withheld" in shown
    assert "20.0 %" not in page


def test_a_program_with_fewer_than_k_pairs_shows_neither_its_pairs_nor_its_meetings(
    client, matching_program, manager, mentor, mentee, sponsor
) -> None:
    # given a running program with one pair, which met once
    with time_machine.travel(at(2026, 1, 5), tick=False):
        pair = running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    held(pair, at=at(2026, 1, 12), ratings=(5, 4))
    client.force_login(sponsor)

    # when
    page = client.get(reverse("home")).content.decode()

    # then
    assert _figure(page, "pairs-running") == HIDDEN
    assert _figure(page, "meetings-held") == HIDDEN
    for key in SPONSOR_HEADLINE_KPIS:
        assert _figure(page, f"kpi-{key}").startswith(HIDDEN)


def test_a_sponsor_sees_only_the_programs_they_sponsor(client, seeded, program, acme, manager, sponsor) -> None:
    # given a third program at Acme sponsored by Sam, and Diana sponsoring the seeded program and the draft
    sam = create_user(organisation=acme, email="sam@acme.test", role=AccountRole.SPONSOR, full_name="Sam Sponsor", password="x" * 12)
    other = create_program_from_preset(organisation=acme, driver=StrategicDriver.INNOVATION, by=manager)
    other = update_program(program=other, changes={"name": "Sam's innovation circle", "sponsor": sam}, by=manager)
    client.force_login(sponsor)

    # when
    page = client.get(reverse("home")).content.decode()

    # then: both of Diana's, counted in the heading, and not Sam's
    assert "The 2 programs you sponsor" in page
    assert f'data-testid="sponsored-program-{seeded.pk}"' in page
    assert f'data-testid="sponsored-program-{program.pk}"' in page
    assert f'data-testid="sponsored-program-{other.pk}"' not in page
    assert "innovation circle" not in page


def test_a_sponsor_of_no_program_is_told_where_the_figures_will_appear(client, acme) -> None:
    # given a sponsor nobody has named yet
    sam = create_user(organisation=acme, email="sam@acme.test", role=AccountRole.SPONSOR, full_name="Sam Sponsor", password="x" * 12)
    client.force_login(sam)

    # when
    response = client.get(reverse("home"))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="no-sponsored-programs"' in page
    assert 'data-testid="sponsored-programs"' not in page
    assert f'href="{reverse("insights:organisation")}"' in page
