"""Hostile and edge input to the REST API: refused at the edge with a 4xx naming the field, nothing changed, never a 500.

The first tests are the reproductions of issue 18 (integers beyond 64 bits answered 500 with ``OverflowError`` on
SQLite); the others pin each rule of turnabout/core/api_types.py and turnabout/api.py through the public endpoints.
"""

from __future__ import annotations

import json
import re

import pytest
import time_machine
from django.db import DataError
from django.forms.models import model_to_dict
from django.test import Client

import turnabout.people.api
from tests.security.cast import NOW, build_cast
from turnabout.accounts.models import AccountRole, User
from turnabout.accounts.services import create_organisation, create_user
from turnabout.api import api
from turnabout.core.api_types import DATABASE_ID_MAX, PAGE_NUMBER_MAX
from turnabout.programs.models import Program

CSRF_SECRET = "s" * 32
PATH_ID = re.compile(r"\{(\w+_id)\}")
OPERATIONS_WITH_AN_ID = [
    (method.upper(), path) for path, item in api.get_openapi_schema()["paths"].items() for method in item if PATH_ID.search(path)
]


def _locations(response) -> list[list[str | int]]:
    return [error["loc"] for error in response.json()["detail"]]


def _with_id(path: str, value: object) -> str:
    return PATH_ID.sub(str(value), path)


# --- The reproductions -------------------------------------------------------------------------------------


def test_a_grade_beyond_64_bits_answers_422_naming_grade(client, admin):
    # given
    client.force_login(admin)

    # when
    response = client.get("/api/people/?grade=-30202117316488593408")

    # then
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert _locations(response) == [["query", "grade"]]


def test_a_grade_beyond_64_bits_and_a_negative_page_answer_422_naming_both(client, mentor):
    # given a participant, who reads the directory too
    client.force_login(mentor)

    # when
    response = client.get("/api/people/?grade=-30202117316488593408&page=-1000000000000000")

    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "detail": [
            {"type": "greater_than_equal", "loc": ["query", "grade"], "msg": "Input should be greater than or equal to 1"},
            {"type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 1"},
        ],
    }


@pytest.mark.parametrize(("page", "expected"), [("0", 422), ("1", 200), (str(PAGE_NUMBER_MAX), 200), (str(PAGE_NUMBER_MAX + 1), 422)])
def test_page_numbers_run_from_one_to_the_bound(client, admin, page, expected):
    client.force_login(admin)
    response = client.get("/api/people/", {"page": page})
    assert response.status_code == expected
    if expected == 200:  # a page past the last is the last
        assert response.json()["page"] == 1


# --- Ids in the path ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), OPERATIONS_WITH_AN_ID)
@pytest.mark.parametrize("value", [2**64, -(2**64), 0, -1, "1.5"])
def test_an_id_the_database_cannot_hold_answers_422_naming_it(client, admin, method, path, value):
    # given
    client.force_login(admin)
    name = PATH_ID.search(path)[1]

    # when
    response = client.generic(method, _with_id(path, value), "{}", content_type="application/json")

    # then
    assert response.status_code == 422
    assert ["path", name] in _locations(response)


@pytest.mark.parametrize(("method", "path"), [(method, path) for method, path in OPERATIONS_WITH_AN_ID if method == "GET"])
@pytest.mark.parametrize("value", [DATABASE_ID_MAX, 10**9])
def test_an_id_that_does_not_exist_answers_404_in_json(client, admin, method, path, value):
    client.force_login(admin)
    response = client.get(_with_id(path, value))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_publishing_a_run_that_does_not_exist_answers_404(client, manager):
    client.force_login(manager)
    response = client.post(f"/api/matching/runs/{DATABASE_ID_MAX}/publish")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- Text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("search", ["Bob\x00", "Bob\x1b[2J", "Bob\r\nSmith"])
def test_a_search_with_a_control_character_answers_422_naming_q(client, admin, search):
    # given (NUL reached PostgreSQL, which cannot take it in a query: a 500)
    client.force_login(admin)

    # when
    response = client.get("/api/people/", {"q": search})

    # then
    assert response.status_code == 422
    assert [(error["loc"], error["type"]) for error in response.json()["detail"]] == [(["query", "q"], "control_character")]


@pytest.mark.parametrize("field", ["name", "purpose_statement"])
def test_an_unpaired_surrogate_in_a_body_answers_422_and_changes_nothing(client, manager, program, field):
    # given a body no database can store ("\ud800" is JSON, but not Unicode text)
    client.force_login(manager)
    before = model_to_dict(Program.objects.get(pk=program.pk))

    # when
    body = json.dumps({field: "Name \ud800"})  # ensure_ascii writes it as the escape "\ud800"
    response = client.patch(f"/api/programs/{program.pk}", body, content_type="application/json")

    # then
    assert response.status_code == 422
    assert [(error["loc"], error["type"]) for error in response.json()["detail"]] == [(["body", "payload", field], "invalid_unicode")]
    assert model_to_dict(Program.objects.get(pk=program.pk)) == before


def test_invitations_take_a_bounded_list_of_addresses(client, manager, program):
    client.force_login(manager)
    url = f"/api/programs/{program.pk}/invitations"
    too_many = client.post(url, json.dumps({"role": "mentee", "emails": ["bob@acme.test"] * 197}), content_type="application/json")
    none = client.post(url, json.dumps({"role": "mentee", "emails": []}), content_type="application/json")
    assert [(response.status_code, _locations(response)) for response in (too_many, none)] == [
        (422, [["body", "payload", "emails"]]),
        (422, [["body", "payload", "emails"]]),
    ]


def test_a_json_true_is_not_an_id_nor_a_count(client, manager, program):
    client.force_login(manager)
    response = client.patch(
        f"/api/programs/{program.pk}", json.dumps({"sponsor_id": True, "target_meeting_count": True}), content_type="application/json"
    )
    assert response.status_code == 422
    assert sorted(_locations(response)) == [["body", "payload", "sponsor_id"], ["body", "payload", "target_meeting_count"]]


# --- Query parameters the API does not know -----------------------------------------------------------------


def test_an_unknown_query_parameter_is_ignored(client, admin, mentee):
    client.force_login(admin)
    plain = client.get("/api/people/", {"q": "Bob"})
    with_unknown = client.get("/api/people/", {"q": "Bob", "colour": "blue", "page_size": "10000"})
    assert (with_unknown.status_code, with_unknown.json()) == (200, plain.json())
    assert [person["full_name"] for person in plain.json()["results"]] == ["Bob Senior"]


# --- Requests that cannot be read, and credentials ----------------------------------------------------------


def test_a_body_that_is_not_json_answers_400_in_json(client, manager):
    client.force_login(manager)
    response = client.post("/api/programs/", "\x16z{", content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"code": "unparsable_body", "detail": "Cannot parse request body"})
    assert not Program.objects.exists()


def test_a_body_that_is_not_what_its_content_type_says_answers_400_in_json(manager):
    # given a session that checks CSRF, as a browser's does (the token is then looked for in the form body)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    client.cookies["csrftoken"] = CSRF_SECRET

    # when
    response = client.post(
        "/api/programs/", '{"driver": "innovation"}', content_type="multipart/form-data", headers={"X-CSRFToken": CSRF_SECRET}
    )

    # then
    assert (response.status_code, response.json()["code"]) == (400, "unparsable_request")
    assert not Program.objects.exists()


def test_without_credentials_the_answer_names_the_scheme(client, db):
    response = client.get("/api/people/")
    assert (response.status_code, response.json()["code"], response["WWW-Authenticate"]) == (401, "unauthenticated", "Bearer")


# --- The safety net -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [(OverflowError("Python int too large to convert to SQLite INTEGER"), "out_of_range"), (DataError("NUL"), "invalid_value")],
)
def test_a_value_the_database_refuses_after_the_edge_answers_400_not_500(client, admin, monkeypatch, caplog, error, code):
    # given an endpoint whose read fails in the database, as it would for an input without its bound
    def refused_by_the_database(*_args: object) -> None:
        raise error

    monkeypatch.setattr(turnabout.people.api, "access_person", refused_by_the_database)
    client.force_login(admin)

    # when
    response = client.get(f"/api/people/{admin.person.pk}")

    # then: a 400 that says so, logged without the value
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert [record.getMessage() for record in caplog.records if record.name == "turnabout.api"] == [
        f"API input {'out of range reached' if code == 'out_of_range' else 'refused by'} the database: GET /api/people/{admin.person.pk}"
        + ("" if code == "out_of_range" else f" ({type(error).__name__})")
    ]


# --- My matches and the roll-up, in the states that once answered 500 ---------------------------------------


def test_an_admin_without_a_directory_record_has_no_matches_and_reads_the_rollup(client, acme, program):
    # given an administrator who is nobody in the directory (the demo's administrator)
    admin = create_user(organisation=acme, email="root@acme.test", role=AccountRole.ADMIN, full_name="Root")
    client.force_login(admin)

    # when
    mine = client.get("/api/matching/matches/mine")
    rollup = client.get("/api/insights/rollup")

    # then: the draft program without a run is a row of zeros
    assert (mine.status_code, mine.json()) == (200, [])
    assert rollup.status_code == 200
    (row,) = rollup.json()["rows"]
    assert (row["program_id"], row["pairs"]["value"], row["meetings_held"]["value"], row["participants_total"]["value"]) == (
        program.pk,
        0,
        0,
        0,
    )


def test_an_organisation_without_programs_has_an_empty_rollup(client, db):
    # given
    organisation = create_organisation(name="Initech")
    admin = create_user(organisation=organisation, email="root@initech.test", role=AccountRole.ADMIN, full_name="Root")
    client.force_login(admin)

    # when
    response = client.get("/api/insights/rollup")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["rows"], body["pairs_total"]["value"], body["meetings_total"]["value"], body["participants_grand_total"]["value"]) == (
        [],
        0,
        0,
        0,
    )


def test_a_match_whose_partner_lost_their_login_is_still_listed(
    client, acme, globex, admin, manager, mentor, mentee, sponsor, outsider, program
):
    # given a published, accepted match, then Charlie's login deleted (his directory record and the pair stay)
    with time_machine.travel(NOW, tick=False):
        cast = build_cast(
            acme=acme, globex=globex, admin=admin, manager=manager, mentor=mentor, mentee=mentee, sponsor=sponsor,
            outsider=outsider, program=program,
        )  # fmt: skip
        User.objects.filter(pk=cast.mentor.pk).delete()
        client.force_login(mentee)

        # when
        mine = client.get("/api/matching/matches/mine")
        client.force_login(admin)
        rollup = client.get("/api/insights/rollup")

    # then
    assert mine.status_code == 200
    assert [(match["id"], match["your_role"], match["partner_name"]) for match in mine.json()] == [
        (cast.match.pk, "mentee", "Charlie Junior")
    ]
    assert rollup.status_code == 200
    assert [row["program_id"] for row in rollup.json()["rows"]] == [program.pk, cast.circle_program.pk]
