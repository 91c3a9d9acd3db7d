"""The SCIM protocol through Django's test client: bearer tokens, organisations, malformed payloads, filters,
pagination and the habits of real identity providers.

A refused request answers an RFC 7644 Error with its ``scimType`` and changes nothing.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.forms.models import model_to_dict
from django.test import Client

from turnabout.accounts.models import AuditEntry, Organisation, User
from turnabout.identity.models import ApiToken, TokenScope
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.identity.tokens import create_api_token
from turnabout.people.models import Department, EmploymentStatus, Person
from turnabout.people.services import create_person

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def scim(client: Client, method: str, path: str, body: Any = None, *, secret: str | None, raw: str | None = None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if method == "GET":
        return client.get(f"/scim/v2{path}", headers=headers)
    data = raw if raw is not None else ("" if body is None else json.dumps(body))
    return client.generic(method, f"/scim/v2{path}", data, content_type="application/scim+json", headers=headers)


def error(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def zoe(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE],
        "userName": "zoe@acme.test",
        "name": {"givenName": "Zoe", "familyName": "Zed"},
        "active": True,
        ENTERPRISE: {"employeeNumber": "A200", "department": "Finance"},
    }
    body.update(overrides)
    return body


def directory_state() -> list[dict[str, Any]]:
    """Every person, department and audit entry: what a refused request must leave as it was."""
    people = [model_to_dict(person) for person in Person.objects.order_by("pk")]
    return [*people, {"departments": list(Department.objects.values_list("name", flat=True))}, {"audit": AuditEntry.objects.count()}]


@pytest.fixture
def acme_secret(acme, admin) -> str:
    return rotate_scim_token(organisation=acme, by=admin).secret


@pytest.fixture
def globex_secret(globex, outsider) -> str:
    return rotate_scim_token(organisation=globex, by=outsider).secret


# ---------------------------------------------------------------- bearer tokens


def test_a_request_without_a_token_is_refused(client, acme_secret):
    # when
    response = scim(client, "GET", "/Users", secret=None)

    # then
    assert response.status_code == 401
    assert response["Content-Type"] == "application/scim+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="Turnabout SCIM"'
    assert response.json() == error(401, "A valid SCIM token is required (Authorization: Bearer …).")


def test_a_session_is_not_a_scim_token(client, admin, acme_secret):
    # given a signed-in administrator
    client.force_login(admin)

    # when
    response = scim(client, "GET", "/Users", secret=None)

    # then
    assert response.status_code == 401


@pytest.mark.parametrize("kind", ["personal", "organisation"])
def test_a_rest_api_token_is_refused_at_scim(client, admin, acme_secret, kind):
    # given a read-and-write REST API token of the administrator
    secret = create_api_token(
        owner=admin, name="Script", scope=TokenScope.READ_WRITE, expires_in_days=30, organisation_wide=kind == "organisation"
    ).secret
    before = directory_state()

    # when
    listed = scim(client, "GET", "/Users", secret=secret)
    created = scim(client, "POST", "/Users", zoe(), secret=secret)

    # then
    assert (listed.status_code, created.status_code) == (401, 401)
    assert directory_state() == before


@pytest.mark.parametrize("path", ["/api/people/", "/api/programs/", "/api/matching/matches/mine"])
def test_a_scim_token_is_refused_by_the_rest_api(client, acme_secret, path):
    # when
    response = client.get(path, headers={"Authorization": f"Bearer {acme_secret}"})

    # then
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")


def test_rotating_stops_the_previous_token(client, acme, admin, acme_secret):
    # given
    assert scim(client, "GET", "/Users", secret=acme_secret).status_code == 200

    # when
    new_secret = rotate_scim_token(organisation=acme, by=admin).secret

    # then
    assert scim(client, "GET", "/Users", secret=acme_secret).status_code == 401
    assert scim(client, "GET", "/Users", secret=new_secret).status_code == 200


def test_a_scim_token_works_for_a_year(client, acme, admin):
    # given
    new = rotate_scim_token(organisation=acme, by=admin)
    assert new.token.expires_at - new.token.created_at == timedelta(days=365)

    # when
    with time_machine.travel(new.token.expires_at - timedelta(seconds=1), tick=False):
        before_expiry = scim(client, "GET", "/Users", secret=new.secret)
    with time_machine.travel(new.token.expires_at, tick=False):
        at_expiry = scim(client, "GET", "/Users", secret=new.secret)

    # then
    assert (before_expiry.status_code, at_expiry.status_code) == (200, 401)


def test_using_the_token_records_when(client, acme_secret):
    # when
    scim(client, "GET", "/ServiceProviderConfig", secret=acme_secret)

    # then
    assert ApiToken.objects.get(kind="scim").last_used_at is not None


# ---------------------------------------------------------------- organisations


def test_acmes_token_finds_no_globex_person(client, acme_secret, outsider):
    # given Eve, at Globex
    eve = outsider.person
    before = directory_state()

    # when Acme's identity provider tries every verb on her id
    responses = [
        scim(client, "GET", f"/Users/{eve.pk}", secret=acme_secret),
        scim(client, "PUT", f"/Users/{eve.pk}", zoe(), secret=acme_secret),
        scim(
            client,
            "PATCH",
            f"/Users/{eve.pk}",
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]},
            secret=acme_secret,
        ),
        scim(client, "DELETE", f"/Users/{eve.pk}", secret=acme_secret),
    ]

    # then each answers 404 and Eve is untouched
    for response in responses:
        assert (response.status_code, response.json()) == (404, error(404, f"No User '{eve.pk}' in this organisation."))
    assert directory_state() == before


def test_a_list_never_shows_another_organisation(client, acme, acme_secret, globex_secret, admin, manager, mentor, outsider):
    # when
    everyone = scim(client, "GET", "/Users", secret=acme_secret).json()
    eve = scim(client, "GET", '/Users?filter=userName eq "eve@globex.test"', secret=acme_secret).json()
    searched = scim(client, "POST", "/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}, secret=acme_secret)
    globex_view = scim(client, "GET", "/Users", secret=globex_secret).json()

    # then
    acme_ids = sorted(str(pk) for pk in Person.objects.filter(organisation=acme).values_list("pk", flat=True))
    assert sorted(user["id"] for user in everyone["Resources"]) == acme_ids
    assert everyone["totalResults"] == len(acme_ids) == 4
    assert "globex" not in json.dumps(everyone).lower()
    assert (eve["totalResults"], eve["Resources"]) == (0, [])
    assert sorted(user["id"] for user in searched.json()["Resources"]) == acme_ids
    assert [user["id"] for user in globex_view["Resources"]] == [str(outsider.person.pk)]


def test_a_manager_of_another_organisation_is_refused(client, acme_secret, outsider):
    # given
    before = directory_state()

    # when
    response = scim(
        client,
        "POST",
        "/Users",
        zoe(**{ENTERPRISE: {"employeeNumber": "A200", "manager": {"value": str(outsider.person.pk)}}}),
        secret=acme_secret,
    )

    # then
    assert response.status_code == 400
    assert response.json() == error(400, f"manager.value '{outsider.person.pk}' is the id of no User of this organisation.", "invalidValue")
    assert directory_state() == before


# ---------------------------------------------------------------- malformed payloads


MALFORMED_CREATIONS = {
    "invalid JSON": (None, '{"schemas": [', "invalidSyntax", "The request body is not valid JSON."),
    "not an object": ([zoe()], None, "invalidSyntax", "The request body must be a JSON object."),
    "wrong schema": (
        {**zoe(), "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]},
        None,
        "invalidSyntax",
        f"schemas must list {CORE}.",
    ),
    "no schemas": ({key: value for key, value in zoe().items() if key != "schemas"}, None, "invalidSyntax", f"schemas must list {CORE}."),
    "missing userName": (
        {key: value for key, value in zoe().items() if key != "userName"},
        None,
        "invalidValue",
        "Field 'userName' is required but value is missing, null or empty",
    ),
    "missing employeeNumber": (
        zoe(**{ENTERPRISE: {"department": "Finance"}}),
        None,
        "invalidValue",
        f"Field 'employeeNumber' is required but value is missing, null or empty: {ENTERPRISE}",
    ),
    "no enterprise extension": (
        {**{key: value for key, value in zoe().items() if key != ENTERPRISE}, "schemas": [CORE]},
        None,
        "invalidValue",
        f"Field '{ENTERPRISE}' is required but value is missing, null or empty",
    ),
    "userName not an email": (zoe(userName="zoe"), None, "invalidValue", "userName must be the person's email address; 'zoe' is not one."),
    "active not a boolean": (
        zoe(active="perhaps"),
        None,
        "invalidValue",
        "Input should be a valid boolean, unable to interpret input: active",
    ),
    "title too long": (zoe(title="x" * 201), None, "invalidValue", "title is longer than 200 characters."),
    "name not an object": (zoe(name="Zoe Zed"), None, "invalidValue", "Input should be a valid dictionary or instance of Name: name"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_CREATIONS))
def test_a_malformed_creation_is_refused_and_changes_nothing(client, acme_secret, mentee, case):
    # given
    body, raw, scim_type, detail = MALFORMED_CREATIONS[case]
    before = directory_state()

    # when
    response = scim(client, "POST", "/Users", body, secret=acme_secret, raw=raw)

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == error(400, detail, scim_type)
    assert directory_state() == before


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        ("userName", "BOB@acme.test", "userName bob@acme.test belongs to another person of the directory."),
        (ENTERPRISE, {"employeeNumber": "A003"}, "employeeNumber A003 belongs to another person of the directory."),
    ],
)
def test_a_taken_username_or_employee_number_is_a_conflict(client, acme_secret, mentee, field, value, detail):
    # given Bob (bob@acme.test, A003)
    before = directory_state()

    # when
    response = scim(client, "POST", "/Users", zoe(**{field: value}), secret=acme_secret)

    # then
    assert (response.status_code, response.json()) == (409, error(409, detail, "uniqueness"))
    assert directory_state() == before


MALFORMED_PATCHES = {
    "unknown op": ({"schemas": [PATCH_OP], "Operations": [{"op": "delete", "path": "title"}]}, "invalidValue"),
    "no operations": ({"schemas": [PATCH_OP], "Operations": []}, "invalidValue"),
    "unknown path": ({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title[", "value": "x"}]}, "invalidPath"),
    "remove userName": ({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "userName"}]}, "mutability"),
    "remove active": ({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "active"}]}, "mutability"),
    "remove employeeNumber": (
        {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": f"{ENTERPRISE}:employeeNumber"}]},
        "mutability",
    ),
    "active not a boolean": (
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": "perhaps"}]},
        "invalidValue",
    ),
    "userName not an email": (
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "userName", "value": "bob"}]},
        "invalidValue",
    ),
    "manager of himself": (None, "invalidValue"),
    "second half fails": (
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "title", "value": "Chief"}, {"op": "replace", "path": "userName", "value": "nope"}],
        },
        "invalidValue",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_PATCHES))
def test_a_malformed_patch_is_refused_and_changes_nothing(client, acme_secret, mentee, case):
    # given Bob
    body, scim_type = MALFORMED_PATCHES[case]
    if body is None:
        body = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": str(mentee.person.pk)}}],
        }
    before = directory_state()

    # when
    response = scim(client, "PATCH", f"/Users/{mentee.person.pk}", body, secret=acme_secret)

    # then
    assert response.status_code == 400, response.json()
    assert response.json()["scimType"] == scim_type
    assert directory_state() == before


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ('userName eq "x', "invalid syntax"),
        ('emails.value eq "x"', "Field not found: emails"),
        ('meta.created gt "2020-01-01T00:00:00Z"', "Filtering on meta.created is not supported."),
        ("active eq 1", "active compares with eq or ne to true or false."),
        ('userName eq "x" or', "invalid syntax"),
    ],
)
def test_a_filter_the_directory_cannot_read_is_refused(client, acme_secret, query, detail):
    # when
    response = client.get("/scim/v2/Users", {"filter": query}, headers={"Authorization": f"Bearer {acme_secret}"})

    # then
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert detail in response.json()["detail"]


# ---------------------------------------------------------------- filters and pages


@pytest.fixture
def staff(acme, admin) -> list[Person]:
    """Twelve more people at Acme, S01…S12, in two departments."""
    finance, sales = (Department.objects.create(organisation=acme, name=name) for name in ("Finance", "Sales"))
    return [
        create_person(
            organisation=acme,
            employee_id=f"S{number:02}",
            given_name=f"Sam{number:02}",
            family_name="Staff",
            email=f"sam{number:02}@acme.test",
            job_title="Clerk" if number % 2 else "Analyst",
            department=finance if number <= 6 else sales,
        )
        for number in range(1, 13)
    ]


@pytest.mark.parametrize(
    ("query", "employee_ids"),
    [
        ('userName eq "SAM03@ACME.TEST"', ["S03"]),
        (f'{ENTERPRISE}:employeeNumber eq "S04"', ["S04"]),
        (f'{ENTERPRISE}:department eq "sales" and title eq "Clerk"', ["S07", "S09", "S11"]),
        ('name.givenName sw "Sam1"', ["S10", "S11", "S12"]),
        ('userName ew "02@acme.test" or userName co "m05"', ["S02", "S05"]),
        ('not (name.familyName eq "Staff")', ["A001"]),
        ('title pr and title ne "Clerk"', ["S02", "S04", "S06", "S08", "S10", "S12"]),
    ],
)
def test_filters(client, acme_secret, staff, query, employee_ids):
    # when
    response = client.get("/scim/v2/Users", {"filter": query}, headers={"Authorization": f"Bearer {acme_secret}"})

    # then
    assert response.status_code == 200
    assert sorted(user[ENTERPRISE]["employeeNumber"] for user in response.json()["Resources"]) == employee_ids


def test_pages(client, acme_secret, staff):
    # when
    pages = [
        client.get("/scim/v2/Users", {"startIndex": start, "count": 5}, headers={"Authorization": f"Bearer {acme_secret}"}).json()
        for start in (1, 6, 11)
    ]

    # then the thirteen people come five at a time, in id order
    assert [(page["totalResults"], page["startIndex"], page["itemsPerPage"]) for page in pages] == [(13, 1, 5), (13, 6, 5), (13, 11, 3)]
    ids = [int(user["id"]) for page in pages for user in page["Resources"]]
    assert ids == sorted(Person.objects.values_list("pk", flat=True))


def test_a_count_of_zero_answers_only_the_total(client, acme_secret, staff):
    # when
    body = client.get("/scim/v2/Users", {"count": 0}, headers={"Authorization": f"Bearer {acme_secret}"}).json()

    # then
    assert (body["totalResults"], body["itemsPerPage"], body["Resources"]) == (13, 0, [])


def test_a_list_costs_the_same_queries_whatever_its_length(client, acme, acme_secret, django_assert_num_queries):
    # given a first answer (the token's last use is then recorded, and not again within the minute)
    headers = {"Authorization": f"Bearer {acme_secret}"}
    client.get("/scim/v2/Users", headers=headers)

    # then: the token, the count, the page
    with django_assert_num_queries(3):
        few = client.get("/scim/v2/Users", headers=headers).json()
    for number in range(30):
        create_person(organisation=acme, employee_id=f"N{number}", given_name="N", family_name=str(number), email=f"n{number}@acme.test")
    with django_assert_num_queries(3):
        many = client.get("/scim/v2/Users", headers=headers).json()
    assert (few["totalResults"], many["totalResults"]) == (1, 31)


def test_attributes_and_excluded_attributes(client, acme_secret, mentee):
    # when
    only_name = scim(client, "GET", f"/Users/{mentee.person.pk}?attributes=userName", secret=acme_secret).json()
    without_enterprise = scim(client, "GET", f"/Users/{mentee.person.pk}?excludedAttributes={ENTERPRISE}", secret=acme_secret).json()

    # then
    assert only_name == {"schemas": [CORE], "id": str(mentee.person.pk), "userName": "bob@acme.test"}
    assert ENTERPRISE not in without_enterprise
    assert without_enterprise["name"] == {"givenName": "Bob", "familyName": "Senior"}


# ---------------------------------------------------------------- what identity providers send


def test_entra_id_style_patch(client, acme, acme_secret, mentee, mentor):
    # given Charlie, and Entra ID's habits: capitalised ops, booleans as strings, a bare manager id, a path-less value
    body = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Replace", "path": "title", "value": "Engineer"},
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": str(mentee.person.pk)},
            {"op": "Replace", "value": {"name.familyName": "Junior-Smith", "displayName": "Charlie J-S"}},
            {"op": "Replace", "path": "active", "value": "False"},
        ],
    }

    # when
    response = scim(client, "PATCH", f"/Users/{mentor.person.pk}", body, secret=acme_secret)

    # then
    assert response.status_code == 200, response.json()
    charlie = Person.objects.get(pk=mentor.person.pk)
    assert (charlie.job_title, charlie.manager, charlie.family_name) == ("Engineer", mentee.person, "Junior-Smith")
    assert charlie.employment_status == EmploymentStatus.LEAVER
    assert response.json()["active"] is False


def test_unknown_attributes_are_accepted_and_ignored(client, acme, acme_secret):
    # given what Entra ID sends by default
    body = zoe(
        displayName="Zoe Zed",
        emails=[{"primary": True, "type": "work", "value": "zoe@acme.test"}],
        addresses=[{"type": "work", "country": "GB"}],
        preferredLanguage="en-GB",
    )

    # when
    response = scim(client, "POST", "/Users", body, secret=acme_secret)

    # then
    assert response.status_code == 201, response.json()
    assert "displayName" not in response.json()
    assert response["Location"] == response.json()["meta"]["location"]
    assert Person.objects.get(organisation=acme, email="zoe@acme.test").full_name == "Zoe Zed"


def test_a_replacement_without_active_keeps_the_state(client, acme_secret, mentee):
    # given Bob, active
    body = zoe(userName="bob@acme.test", **{ENTERPRISE: {"employeeNumber": "A003"}})
    del body["active"]

    # when
    response = scim(client, "PUT", f"/Users/{mentee.person.pk}", body, secret=acme_secret)

    # then
    assert response.status_code == 200
    bob = Person.objects.get(pk=mentee.person.pk)
    assert (bob.given_name, bob.employment_status, bob.grade.code) == ("Zoe", EmploymentStatus.ACTIVE, "G9")


def test_reactivating_a_leaver(client, acme_secret, mentee, django_capture_on_commit_callbacks):
    # given Bob, made inactive (the leaver workflow runs after the commit)
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    with django_capture_on_commit_callbacks(execute=True):
        scim(client, "PATCH", f"/Users/{mentee.person.pk}", patch, secret=acme_secret)

    # when
    patch["Operations"][0]["value"] = True
    response = scim(client, "PATCH", f"/Users/{mentee.person.pk}", patch, secret=acme_secret)

    # then he is active again in the directory; his login stays deactivated until an administrator reactivates it
    assert response.json()["active"] is True
    bob = Person.objects.get(pk=mentee.person.pk)
    assert (bob.employment_status, bob.end_date) == (EmploymentStatus.ACTIVE, None)
    assert User.objects.get(pk=mentee.pk).is_active is False


def test_a_deleted_person_stays_in_the_directory(client, acme_secret, mentee):
    # when
    deleted = scim(client, "DELETE", f"/Users/{mentee.person.pk}", secret=acme_secret)
    again = scim(client, "DELETE", f"/Users/{mentee.person.pk}", secret=acme_secret)

    # then
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert again.status_code == 404
    bob = Person.objects.get(pk=mentee.person.pk)
    assert bob.employment_status == EmploymentStatus.LEAVER
    assert bob.scim_deleted_at is not None
    assert scim(client, "GET", f"/Users/{mentee.person.pk}", secret=acme_secret).status_code == 404


def test_unknown_endpoints_and_methods(client, acme_secret):
    # when
    unknown = scim(client, "GET", "/Groups", secret=acme_secret)
    not_allowed = scim(client, "DELETE", "/Schemas", secret=acme_secret)

    # then
    assert (unknown.status_code, unknown.json()) == (404, error(404, "No SCIM endpoint at /scim/v2/Groups."))
    assert (not_allowed.status_code, not_allowed["Allow"]) == (405, "GET")


def test_the_organisation_of_the_token_is_used(acme: Organisation, globex_secret, client, outsider):
    # when Globex's identity provider creates someone
    response = scim(client, "POST", "/Users", zoe(userName="zoe@globex.test"), secret=globex_secret)

    # then they are Globex's
    assert response.status_code == 201
    assert Person.objects.get(email="zoe@globex.test").organisation == outsider.organisation


def test_a_deleted_employee_created_again_is_the_same_record(client, acme_secret, mentee):
    # given Bob, deleted by the identity provider
    scim(client, "DELETE", f"/Users/{mentee.person.pk}", secret=acme_secret)

    # when it creates him again, with his employee number
    again = scim(client, "POST", "/Users", zoe(userName="bob@acme.test", **{ENTERPRISE: {"employeeNumber": "A003"}}), secret=acme_secret)
    someone_else = scim(
        client, "POST", "/Users", zoe(userName="bob@acme.test", **{ENTERPRISE: {"employeeNumber": "A999"}}), secret=acme_secret
    )

    # then his record is back, active, under its old id, history and grade kept; anyone else with his address is refused
    assert (again.status_code, again.json()["id"], again.json()["active"]) == (201, str(mentee.person.pk), True)
    bob = Person.objects.get(pk=mentee.person.pk)
    assert (bob.scim_deleted_at, bob.employment_status, bob.given_name, bob.grade.code) == (None, EmploymentStatus.ACTIVE, "Zoe", "G9")
    assert someone_else.status_code == 409
    assert Person.objects.filter(email__iexact="bob@acme.test").count() == 1


def test_a_report_of_a_deleted_manager_can_still_be_changed(client, acme_secret, mentee, mentor):
    # given Charlie reporting to Bob, and Bob deleted by the identity provider
    manager = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": str(mentee.person.pk)}}],
    }
    scim(client, "PATCH", f"/Users/{mentor.person.pk}", manager, secret=acme_secret)
    scim(client, "DELETE", f"/Users/{mentee.person.pk}", secret=acme_secret)

    # when Charlie's title changes
    title = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Engineer"}]}
    response = scim(client, "PATCH", f"/Users/{mentor.person.pk}", title, secret=acme_secret)

    # then
    assert response.status_code == 200, response.json()
    charlie = Person.objects.get(pk=mentor.person.pk)
    assert (charlie.job_title, charlie.manager) == ("Engineer", mentee.person)


def test_usernames_are_stored_in_lower_case(client, acme, acme_secret):
    # when
    response = scim(client, "POST", "/Users", zoe(userName="Zoe.Zed@ACME.test"), secret=acme_secret)

    # then
    assert response.json()["userName"] == "zoe.zed@acme.test"
    assert Person.objects.get(organisation=acme, employee_id="A200").email == "zoe.zed@acme.test"
