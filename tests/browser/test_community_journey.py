"""A Caterpillar-style ERG program in a browser: a community lead who is a participant, not a program manager, creates
the ERG's program, opens enrolment for its members and reads the dashboard cut by the community."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.builders import add_person
from tests.conftest import PASSWORD
from turnabout.people.communities import join_community
from turnabout.people.models import Community
from turnabout.programs.models import Program, ProgramStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_community_lead_runs_the_ergs_program(page: Page, live_server, acme, manager, mentor, sponsor) -> None:
    base = live_server.url

    # given a program manager creates the ERG and names Charlie (a participant) its lead
    sign_in(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/people/communities/")
    page.get_by_role("link", name="New community").click()
    page.get_by_label("Name").fill("Caterpillar ERG")
    page.get_by_label("Purpose").fill("Reverse mentoring inside our employee resource group.")
    page.get_by_label("Open: people join and leave it themselves").check()
    page.get_by_label("Leads (work email addresses)").fill(mentor.email)
    page.get_by_role("button", name="Create the community").click()
    expect(page.get_by_text("The community “Caterpillar ERG” is created.")).to_be_visible()
    community = Community.objects.get(name="Caterpillar ERG")
    # and six colleagues join it
    for number in range(6):
        member = add_person(acme, f"ERG{number}", grade="G2" if number % 2 else "G9", department="Finance" if number % 2 else "Sales")
        join_community(community=community, person=member)

    # when Charlie, the lead, starts the ERG's program from its community page
    page.context.clear_cookies()
    sign_in(page, base, mentor.email, PASSWORD)
    page.goto(f"{base}/people/communities/{community.pk}/")
    expect(page.get_by_test_id("members")).to_contain_text("Erg0 Tester")
    page.get_by_role("link", name="New program").click()
    card = page.locator("form.card").filter(has=page.get_by_role("button", name="Use this template: Diversity and inclusion"))
    expect(card.get_by_label("Community that runs the program")).to_have_value(str(community.pk))
    card.get_by_role("button", name="Use this template: Diversity and inclusion").click()
    program = Program.objects.get(community=community)
    page.get_by_label("Sponsor").select_option(label=str(sponsor))
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    # and opens enrolment, then invites everyone the filter finds
    page.get_by_role("button", name="Move to enrolling").click()
    expect(page.get_by_text("The program is now enrolling.")).to_be_visible()
    page.get_by_role("button", name="Invite eligible people").click()

    # then only the ERG's members are invited; everyone else is told apart by the community
    expect(page.get_by_text(re.compile(r"Invited 6 "))).to_be_visible()
    expect(page.get_by_text(re.compile("is not a member of Caterpillar ERG"))).to_be_visible()
    program.refresh_from_db()
    assert program.status == ProgramStatus.ENROLLING

    # and the lead reads the program's outcomes cut by the community
    page.get_by_role("link", name="Outcomes").last.click()
    page.get_by_label("Community").select_option(label="Caterpillar ERG")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("community-cut")).to_be_visible()
    assert f"community={community.pk}" in page.url

    # and nothing outside the community's program is open to the lead
    assert page.request.get(f"{base}/people/import/").status == 403
    assert page.request.get(f"{base}/insights/").status == 403
