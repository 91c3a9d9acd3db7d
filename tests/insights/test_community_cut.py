"""Outcomes cut by community: a community's members only, with the same suppression and cross-filter rule as a site."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from tests.engagement.health_builders import at
from tests.insights.filtered_program import Link, lay_out, mentees, mentors
from tests.insights.test_report_pdf import text_of
from turnabout.insights.breakdowns import ENROLLED
from turnabout.insights.exports import report_pdf
from turnabout.insights.kpis import program_kpis
from turnabout.insights.reach import diversity_reach
from turnabout.people.communities import create_community, join_community
from turnabout.people.models import Person, Site

pytestmark = pytest.mark.usefixtures("three_months_in")


@pytest.fixture
def three_months_in():
    with time_machine.travel(at(2026, 6, 1), tick=False):
        yield


@pytest.fixture
def leeds(acme) -> Site:
    return Site.objects.create(organisation=acme, name="Leeds")


def _members_of(program, community, positions) -> None:
    people = list(Person.objects.filter(enrolments__program=program).order_by("enrolments__pk"))
    for position in positions:
        join_community(community=community, person=people[position])


def test_a_community_cut_counts_its_members_only(acme, matching_program, leeds) -> None:
    # given 24 mentors, 10 of them in an open ERG, and 11 mentees; 11 pairs
    erg = create_community(organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[])
    lay_out(matching_program, mentors(24, leeds) + mentees(11, leeds), [Link(n, 24 + n) for n in range(11)])
    _members_of(matching_program, erg, range(10))

    # when
    kpis = program_kpis(matching_program, community_id=erg.pk)

    # then
    assert kpis.community_id == erg.pk
    assert kpis.enrolments.value(matching_program.mentor_label, ENROLLED) == 10


def test_a_small_community_is_not_revealed(acme, matching_program, leeds) -> None:
    # given 24 mentors, 3 of them in the ERG
    erg = create_community(organisation=acme, name="Parents", purpose="", is_open=True, is_identity_based=False, leads=[])
    lay_out(matching_program, mentors(24, leeds) + mentees(18, leeds), [Link(n, 24 + n) for n in range(18)])
    _members_of(matching_program, erg, [21, 22, 23])

    # when
    kpis = program_kpis(matching_program, community_id=erg.pk)

    # then: its three mentors are never published
    assert kpis.enrolments.value(matching_program.mentor_label, ENROLLED) is None


def test_a_small_identity_based_network_is_not_revealed(acme, matching_program, leeds) -> None:
    # given four mentors in an identity-based network
    network = create_community(organisation=acme, name="Pride network", purpose="", is_open=True, is_identity_based=True, leads=[])
    lay_out(matching_program, mentors(24, leeds) + mentees(11, leeds), [Link(n, 24 + n) for n in range(11)])
    _members_of(matching_program, network, range(4))

    # when
    kpis = program_kpis(matching_program, community_id=network.pk)

    # then: fewer than k, so no count of them is published
    assert kpis.enrolments.value(matching_program.mentor_label, ENROLLED) is None
    assert kpis.enrolments.grand_total is None


def test_the_dashboard_offers_and_applies_the_community_cut(client, acme, matching_program, manager, leeds) -> None:
    # given
    erg = create_community(organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[])
    lay_out(matching_program, mentors(24, leeds) + mentees(11, leeds), [Link(n, 24 + n) for n in range(11)])
    _members_of(matching_program, erg, range(10))
    client.force_login(manager)

    # when
    html = client.get(reverse("insights:program", args=[matching_program.pk]), {"community": erg.pk, "site": leeds.pk}).content.decode()

    # then
    assert f'<option value="{erg.pk}" selected>Early careers</option>' in html
    assert 'data-testid="community-cut"' in html


def test_the_csv_and_the_pdf_say_they_are_cut_by_community(client, acme, matching_program, manager, leeds) -> None:
    # given
    erg = create_community(organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[])
    lay_out(matching_program, mentors(24, leeds) + mentees(11, leeds), [Link(n, 24 + n) for n in range(11)])
    _members_of(matching_program, erg, range(10))
    client.force_login(manager)

    # when
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("insights:program_csv", args=[matching_program.pk]), {"community": erg.pk})
                                           .content.decode())))  # fmt: skip
    pdf = report_pdf(program_kpis(matching_program, community_id=erg.pk), diversity_reach(matching_program))
    pdf.set_compression(False)
    text = text_of(bytes(pdf.output()))

    # then
    assert (rows[0]["section"], rows[0]["figure"]) == ("community cut", "Early careers")
    assert rows[0]["note"] == "A community cut stands alone: the site and cohort are not applied with it."
    assert "Figures of the members of Early careers only." in text


def test_an_uncut_csv_and_pdf_name_no_community(client, acme, matching_program, manager, leeds) -> None:
    # given
    lay_out(matching_program, mentors(24, leeds) + mentees(11, leeds), [Link(n, 24 + n) for n in range(11)])
    client.force_login(manager)

    # when
    body = client.get(reverse("insights:program_csv", args=[matching_program.pk])).content.decode()
    pdf = report_pdf(program_kpis(matching_program), diversity_reach(matching_program))
    pdf.set_compression(False)

    # then
    assert "community cut" not in body
    assert "Figures of the members of" not in text_of(bytes(pdf.output()))
