"""Guests from outside are never in the organisation's directory: not listed, searched, charted, in a community,
touched by an HRIS import, nor seen by SCIM; their person page is for administrators and program managers only."""

from datetime import date

import pytest
from django.urls import reverse

from tests.identity.test_scim_protocol import ENTERPRISE, error, scim, zoe
from tests.people.test_hris_import import csv_file, snapshot
from turnabout.accounts.models import Organisation
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.people.communities import create_community, join_community, set_community_leads
from turnabout.people.errors import GuestNotInCommunity, ImportRejected
from turnabout.people.hris import apply_people_import, preview_people_import
from turnabout.people.models import Community, CommunityMembership, EmploymentStatus, Person, PersonKind
from turnabout.people.queries import DirectoryFilters, directory_people, top_of_organisation

GUEST_EMAIL_PROBLEM = "gloria@miami.test belongs to a guest from University of Miami; a guest is not an employee"


@pytest.fixture
def gloria(acme: Organisation) -> Person:
    """Gloria, a University of Miami student invited to an Acme program, with a reporting path of her own."""
    person = Person.objects.create(
        organisation=acme,
        kind=PersonKind.GUEST,
        employee_id="guest-1",
        given_name="Gloria",
        family_name="Guest",
        email="gloria@miami.test",
        guest_organisation="University of Miami",
        access_ends_on=date(2027, 3, 5),
    )
    person.reporting_path = f"/{person.pk}/"
    person.save(update_fields=["reporting_path"])
    return person


def test_the_directory_and_its_search_never_list_a_guest(client, manager, mentee, gloria):
    # given
    client.force_login(manager)

    # when
    listed = client.get(reverse("people:directory"))
    searched = client.get(reverse("people:directory"), {"q": "Gloria"})
    by_email = directory_people(manager.organisation, DirectoryFilters(text="miami"))

    # then
    assert gloria.pk not in [person.pk for person in listed.context["page"].object_list]
    assert mentee.person.pk in [person.pk for person in listed.context["page"].object_list]
    assert list(searched.context["page"].object_list) == []
    assert list(by_email) == []


def test_the_org_chart_has_no_guest_at_its_top_nor_in_a_team(client, manager, acme, gloria):
    # given a guest wrongly placed under Alice, and an employee who reports to her
    alice = manager.person
    Person.objects.filter(pk=gloria.pk).update(manager=alice, reporting_path=f"{alice.reporting_path}{gloria.pk}/", reporting_depth=1)
    report = Person.objects.create(
        organisation=acme,
        employee_id="E9",
        given_name="Ria",
        family_name="Report",
        email="ria@acme.test",
        manager=alice,
        reporting_depth=1,
    )
    Person.objects.filter(pk=report.pk).update(reporting_path=f"{alice.reporting_path}{report.pk}/")
    client.force_login(manager)

    # when
    roots = top_of_organisation(acme)
    branch = client.get(reverse("people:org_chart_reports", args=[alice.pk]), headers={"HX-Request": "true"})

    # then
    assert gloria.pk not in [person.pk for person in roots]
    assert {person.pk: person.team_size for person in roots}[alice.pk] == 1
    assert [person.pk for person in branch.context["page"]] == [report.pk]
    assert client.get(reverse("people:org_chart_reports", args=[gloria.pk])).status_code == 404


def test_a_guests_page_is_for_admins_and_program_managers_only(client, admin, manager, mentee, sponsor, gloria):
    # when / then a participant finds no such person; a sponsor reads no individual record at all (as for anyone)
    client.force_login(mentee)
    assert client.get(reverse("people:person", args=[gloria.pk])).status_code == 404
    client.force_login(sponsor)
    assert client.get(reverse("people:person", args=[gloria.pk])).status_code == 403

    for who in (admin, manager):
        client.force_login(who)
        page = client.get(reverse("people:person", args=[gloria.pk]))
        body = page.content.decode()
        assert page.status_code == 200
        assert "Guest from University of Miami, access until 5 March 2027" in body
        assert reverse("people:org_chart") not in body.split("<main", 1)[1]
        assert "Direct reports" not in body


def test_a_guest_is_never_a_community_member_or_lead(acme, gloria, mentee):
    # given
    open_community = create_community(organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[])

    # when / then
    with pytest.raises(GuestNotInCommunity) as refused:
        join_community(community=open_community, person=gloria)
    with pytest.raises(GuestNotInCommunity):
        set_community_leads(community=open_community, leads=[mentee.person, gloria])
    with pytest.raises(GuestNotInCommunity):
        create_community(organisation=acme, name="Guests", purpose="", is_open=True, is_identity_based=False, leads=[gloria])

    assert refused.value.message == "Gloria Guest is a guest from University of Miami; a guest is never a member or a lead of a community."
    assert not CommunityMembership.objects.filter(person=gloria).exists()
    assert list(open_community.leads.all()) == []
    assert not Community.objects.filter(name="Guests").exists()


def test_the_community_page_does_not_take_a_guest_as_lead(client, manager, acme, gloria):
    # given
    community = create_community(organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[])
    client.force_login(manager)

    # when
    response = client.post(reverse("people:community_leads", args=[community.pk]), {"lead_emails": gloria.email}, follow=True)

    # then
    assert "Nobody in the directory has these addresses: gloria@miami.test." in response.content.decode()
    assert list(community.leads.all()) == []


def test_a_full_import_never_marks_a_guest_as_having_left(acme, mentee, gloria):
    # when a full import lists Bob only
    result = apply_people_import(organisation=acme, file=csv_file("employee_id,email\nA003,bob@acme.test\n"), mark_missing_as_leavers=True)

    # then Gloria is as she was
    gloria.refresh_from_db()
    assert (gloria.employment_status, gloria.end_date) == (EmploymentStatus.ACTIVE, None)
    assert result.missing_marked == 0


def test_a_row_with_a_guests_email_is_a_problem_and_changes_nothing(acme, mentee, gloria):
    # given a new row with Gloria's address
    text = "employee_id,given_name,email\nE1,Gloria,Gloria@Miami.test\n"
    before = snapshot(acme)

    # when
    preview = preview_people_import(organisation=acme, file=csv_file(text))
    with pytest.raises(ImportRejected) as rejected:
        apply_people_import(organisation=acme, file=csv_file(text), mark_missing_as_leavers=True)

    # then
    assert [(p.row, p.column, p.code, p.reason) for p in preview.problems] == [(2, "email", "guest_email", GUEST_EMAIL_PROBLEM)]
    assert [(p.row, p.code, p.reason) for p in rejected.value.problems] == [(2, "guest_email", GUEST_EMAIL_PROBLEM)]
    assert snapshot(acme) == before


GUEST_ID_PROBLEM = "employee id 'guest-1' belongs to a guest from University of Miami; a guest is not an employee"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("employee_id,email\nguest-1,someone@acme.test\n", (2, "employee_id", "guest_employee_id", GUEST_ID_PROBLEM)),
        (
            "employee_id,email,manager_employee_id\nE2,eve2@acme.test,guest-1\n",
            (2, "manager_employee_id", "unknown_manager", "no one has employee id 'guest-1', in this file or in the directory"),
        ),
    ],
)
def test_a_row_with_a_guests_employee_id_or_naming_a_guest_as_manager_is_a_problem(acme, gloria, text, problem):
    # given
    before = snapshot(acme)

    # when
    with pytest.raises(ImportRejected) as rejected:
        apply_people_import(organisation=acme, file=csv_file(text))

    # then
    assert [(p.row, p.column, p.code, p.reason) for p in rejected.value.problems] == [problem]
    assert snapshot(acme) == before


@pytest.fixture
def acme_secret(acme, admin) -> str:
    return rotate_scim_token(organisation=acme, by=admin).secret


def test_scim_never_lists_returns_changes_or_deletes_a_guest(client, acme_secret, mentee, gloria):
    # when
    listed = scim(client, "GET", "/Users", secret=acme_secret)
    filtered = scim(client, "GET", '/Users?filter=userName eq "gloria@miami.test"', secret=acme_secret)
    read = scim(client, "GET", f"/Users/{gloria.pk}", secret=acme_secret)
    patched = scim(
        client,
        "PATCH",
        f"/Users/{gloria.pk}",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": False}]},
        secret=acme_secret,
    )
    deleted = scim(client, "DELETE", f"/Users/{gloria.pk}", secret=acme_secret)

    # then
    assert str(gloria.pk) not in [resource["id"] for resource in listed.json()["Resources"]]
    assert str(mentee.person.pk) in [resource["id"] for resource in listed.json()["Resources"]]
    assert filtered.json()["totalResults"] == 0
    assert (read.status_code, patched.status_code, deleted.status_code) == (404, 404, 404)
    gloria.refresh_from_db()
    assert (gloria.employment_status, gloria.scim_deleted_at) == (EmploymentStatus.ACTIVE, None)


def test_scim_cannot_create_an_employee_with_a_guests_email(client, acme_secret, gloria):
    # given
    before = snapshot(gloria.organisation)

    # when
    response = scim(
        client, "POST", "/Users", zoe(userName="gloria@miami.test", **{ENTERPRISE: {"employeeNumber": "A200"}}), secret=acme_secret
    )

    # then
    detail = "userName gloria@miami.test belongs to a guest from University of Miami; a guest is not an employee."
    assert (response.status_code, response.json()) == (409, error(409, detail, "uniqueness"))
    assert snapshot(gloria.organisation) == before
