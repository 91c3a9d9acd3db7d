"""Programs of a community: its leads manage them and nothing else; membership as eligibility; launch readiness."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import add_person
from turnabout.people.communities import create_community, join_community
from turnabout.programs.errors import NotReadyToLaunch
from turnabout.programs.models import Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.rules import eligibility_problems, launch_problems
from turnabout.programs.services import change_program_status, create_program_from_preset, invite_people, update_program

TODAY = date(2026, 12, 3)


@pytest.fixture
def erg(acme, mentor):
    """An open employee resource group led by Charlie, a participant who is not a program manager."""
    return create_community(
        organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[mentor.person]
    )


@pytest.fixture
def erg_program(acme, erg, mentor, sponsor):
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIVERSITY_INCLUSION, by=mentor, community=erg)
    return update_program(program=program, changes={"sponsor": sponsor}, by=mentor)


def test_a_lead_creates_a_program_of_their_community_open_to_its_members(client, mentor, erg):
    # given
    client.force_login(mentor)

    # when
    response = client.post(reverse("programs:new"), {"driver": StrategicDriver.DIVERSITY_INCLUSION, "community": erg.pk})

    # then
    program = Program.objects.get()
    assert response["Location"] == reverse("programs:edit", args=[program.pk])
    assert program.community == erg
    assert list(program.eligible_communities.all()) == [erg]


def test_a_lead_cannot_create_a_program_outside_their_communities(client, acme, mentor, erg):
    # given another community Charlie does not lead
    other = create_community(organisation=acme, name="Parents", purpose="", is_open=True, is_identity_based=False, leads=[])
    client.force_login(mentor)

    # when
    without = client.post(reverse("programs:new"), {"driver": StrategicDriver.INNOVATION})
    elsewhere = client.post(reverse("programs:new"), {"driver": StrategicDriver.INNOVATION, "community": other.pk})

    # then
    assert (without.status_code, elsewhere.status_code) == (200, 200)
    assert not Program.objects.exists()


def test_a_participant_who_leads_nothing_cannot_create_programs(client, mentee):
    # given
    client.force_login(mentee)

    # when / then
    assert client.get(reverse("programs:new")).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["programs:detail", "programs:edit", "programs:delete", "matching:review", "engagement:health", "insights:program"],
)
def test_a_lead_manages_their_communitys_program(client, mentor, erg_program, name):
    # given
    client.force_login(mentor)

    # when / then
    assert client.get(reverse(name, args=[erg_program.pk])).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["programs:detail", "programs:edit", "programs:delete", "matching:review", "engagement:health", "insights:program"],
)
def test_a_lead_sees_nothing_of_other_programs(client, mentor, erg, program, name):
    # given the manager's program, of no community
    client.force_login(mentor)

    # when / then
    assert client.get(reverse(name, args=[program.pk])).status_code == 403


def test_a_lead_sees_no_other_organisations_program(client, globex, outsider, mentor, erg):
    # given
    foreign = create_program_from_preset(organisation=globex, driver=StrategicDriver.INNOVATION, by=outsider)
    client.force_login(mentor)

    # when / then
    assert client.get(reverse("programs:detail", args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize("name", ["people:import_upload", "insights:organisation", "people:community_new"])
def test_a_lead_has_no_directory_import_no_organisation_reports_and_no_community_admin(client, mentor, erg, name):
    # given
    client.force_login(mentor)

    # when / then
    assert client.get(reverse(name)).status_code == 403


def test_the_program_list_shows_a_lead_their_communitys_programs_only(client, mentor, erg_program, program):
    # given
    client.force_login(mentor)

    # when
    html = client.get(reverse("programs:list")).content.decode()

    # then
    assert reverse("programs:detail", args=[erg_program.pk]) in html
    assert reverse("programs:detail", args=[program.pk]) not in html


def test_someone_outside_the_community_is_not_eligible(erg_program, mentee):
    # when
    problems = eligibility_problems(erg_program, mentee.person, Role.MENTEE, today=TODAY)

    # then
    assert problems == ["is not a member of Early careers"]


def test_a_member_is_eligible(erg, erg_program, mentee):
    # given
    join_community(community=erg, person=mentee.person)

    # when / then
    assert eligibility_problems(erg_program, mentee.person, Role.MENTEE, today=TODAY) == []


def test_a_joined_identity_based_membership_makes_its_member_eligible(acme, mentor, mentee):
    # given Bob joined an identity-based network (joining is his consent)
    network = create_community(organisation=acme, name="Pride network", purpose="", is_open=True, is_identity_based=True,
                               leads=[mentor.person])  # fmt: skip
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIVERSITY_INCLUSION, by=mentor, community=network)
    before = eligibility_problems(program, mentee.person, Role.MENTEE, today=TODAY)
    join_community(community=network, person=mentee.person)

    # when / then
    assert before == ["is not a member of Pride network"]
    assert eligibility_problems(program, mentee.person, Role.MENTEE, today=TODAY) == []


def test_a_community_with_no_eligible_members_cannot_open_enrolment_and_nothing_changes(erg_program, mentor):
    # given an ERG nobody has joined

    # when
    problems = launch_problems(erg_program)
    with pytest.raises(NotReadyToLaunch):
        change_program_status(program=erg_program, to=ProgramStatus.ENROLLING, by=mentor)

    # then
    assert problems == ["No one in Early careers meets this program's eligibility yet."]
    erg_program.refresh_from_db()
    assert erg_program.status == ProgramStatus.DRAFT


def test_once_a_member_is_eligible_the_lead_opens_enrolment(client, erg, erg_program, mentor, mentee):
    # given
    join_community(community=erg, person=mentee.person)
    client.force_login(mentor)

    # when
    client.post(reverse("programs:status", args=[erg_program.pk]), {"status": ProgramStatus.ENROLLING})

    # then
    erg_program.refresh_from_db()
    assert erg_program.status == ProgramStatus.ENROLLING


@pytest.fixture
def network(acme, mentor):
    """An identity-based network led by Charlie."""
    return create_community(organisation=acme, name="Pride network", purpose="", is_open=True, is_identity_based=True,
                            leads=[mentor.person])  # fmt: skip


@pytest.fixture
def network_program(acme, network, mentor, sponsor):
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIVERSITY_INCLUSION, by=mentor, community=network)
    return update_program(program=program, changes={"sponsor": sponsor}, by=mentor)


def _invite_by_email(client, program, emails):
    response = client.post(
        reverse("programs:invite", args=[program.pk]), {"mode": "emails", "email-role": Role.MENTEE, "email-emails": emails}, follow=True
    )
    return " ".join(str(message) for message in response.context["messages"])


def test_the_invite_result_of_an_identity_based_communitys_program_names_no_non_member(
    client, network, network_program, mentor, mentee, manager, sponsor
):
    # given Bob is in the network; Alice (also below the mentees' grade) and Diana are not
    join_community(community=network, person=mentee.person)
    client.force_login(mentor)

    # when
    summary = _invite_by_email(client, network_program, "bob@acme.test, alice@acme.test, diana@acme.test")

    # then
    assert [enrolment.person for enrolment in network_program.enrolments.all()] == [mentee.person]
    assert "2 people were not invited: the program is open only to members of its communities." in summary
    assert "Alice" not in summary
    assert "Diana" not in summary
    assert "Pride network" not in summary


def test_the_service_counts_non_members_of_an_identity_based_community_without_naming_them(network, network_program, mentor, sponsor):
    # given nobody has joined the network

    # when
    result = invite_people(program=network_program, people=[sponsor.person], role=Role.MENTEE, by=mentor)

    # then
    assert (result.invited, result.not_eligible, result.outside_communities) == ([], {}, 1)


def test_the_invite_result_of_an_ordinary_communitys_program_still_names_non_members(client, erg, erg_program, mentor, mentee, sponsor):
    # given Bob is in the ERG, Diana is not
    join_community(community=erg, person=mentee.person)
    client.force_login(mentor)

    # when
    summary = _invite_by_email(client, erg_program, "bob@acme.test, diana@acme.test")

    # then
    assert [enrolment.person for enrolment in erg_program.enrolments.all()] == [mentee.person]
    assert "1 is not eligible (Diana Sponsor: is not a member of Early careers)." in summary
    assert "open only to members of its communities" not in summary


def test_the_program_page_names_its_community_and_explains_inviting_for_an_identity_based_one(client, network_program, mentor):
    # given
    client.force_login(mentor)

    # when
    html = client.get(reverse("programs:detail", args=[network_program.pk])).content.decode()

    # then
    assert "<dt>Community</dt><dd>Pride network</dd>" in html
    assert "everyone you invite is a member, so treat its roster as confidential." in html


def test_an_ordinary_communitys_program_page_does_not_explain_identity_based_inviting(client, erg_program, mentor):
    # given
    client.force_login(mentor)

    # when
    html = client.get(reverse("programs:detail", args=[erg_program.pk])).content.decode()

    # then
    assert "<dt>Community</dt><dd>Early careers</dd>" in html
    assert "treat its roster as confidential" not in html


def test_inviting_to_a_communitys_program_reads_the_memberships_once_whatever_the_number_of_people(acme, erg, erg_program, mentor):
    # given twelve colleagues, half of them in the ERG
    people = [add_person(acme, f"C{number:02d}", grade="G9", department="Sales") for number in range(12)]
    for person in people[::2]:
        join_community(community=erg, person=person)

    def queries_to_invite(invited: list) -> int:
        with CaptureQueriesContext(connection) as captured:
            invite_people(program=erg_program, people=invited, role=Role.MENTEE, by=mentor)
        return len(captured.captured_queries)

    # when three are invited, then the other nine
    few, many = queries_to_invite(people[:3]), queries_to_invite(people[3:])

    # then the count does not grow with the people, and only members are invited
    assert few == many
    assert sorted(e.person.employee_id for e in erg_program.enrolments.all()) == [p.employee_id for p in people[::2]]
