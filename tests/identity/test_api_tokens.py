"""API tokens through the public API and the token pages, with the named cast.

A personal token reads exactly what its owner reads; an organisation token is an administrator of its own
organisation and nobody else's; a read-scope token writes nothing; a token that does not work answers 401.
"""

import hashlib
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils.csp import build_policy

from turnabout.accounts.models import AuditAction, AuditEntry, Organisation, User
from turnabout.api import CSRF_FAILED, api
from turnabout.identity.models import ApiToken, TokenKind, TokenScope
from turnabout.identity.services import deactivate_user
from turnabout.identity.tokens import NewToken, create_api_token, revoke_api_token
from turnabout.matching.models import CircleMatch, MatchRun, RunStatus
from turnabout.people.models import Person
from turnabout.programs.models import Program, StrategicDriver
from turnabout.programs.services import create_program_from_preset

UNAUTHORIZED = {"code": "unauthenticated", "detail": "Sign in, or send a working API token as Authorization: Bearer <token>."}


def new_token(owner: User, *, scope: TokenScope = TokenScope.READ, organisation_wide: bool = False) -> NewToken:
    return create_api_token(owner=owner, name="Script", scope=scope, expires_in_days=30, organisation_wide=organisation_wide)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def send(client: Client, method: str, path: str, body: object | None = None, *, secret: str | None = None):
    headers = bearer(secret) if secret else {}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json", headers=headers)


def get_paths() -> list[str]:
    """Every GET path of the API, from its OpenAPI schema, each with its ``{id}`` path parameters still to fill in."""
    return sorted(path for path, operations in api.get_openapi_schema()["paths"].items() if "get" in operations)


def with_ids(path: str, ids: dict[str, int]) -> str:
    return path.format(**ids)


def run_of(program: Program) -> MatchRun:
    return MatchRun.objects.create(program=program, status=RunStatus.SUCCEEDED, pool={}, summary={})


def circle_match_of(program: Program) -> CircleMatch:
    """A circle proposal of ``program``'s run, with no member: nobody's own."""
    return CircleMatch.objects.create(program=program, run=run_of(program), score=0.5)


@pytest.fixture
def globex_ids(globex: Organisation, outsider: User) -> dict[str, int]:
    """Ids of Globex objects for every id an API path takes."""
    program = create_program_from_preset(organisation=globex, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=outsider)
    return {"person_id": outsider.person.pk, "program_id": program.pk, "run_id": run_of(program).pk,
            "circle_match_id": circle_match_of(program).pk}  # fmt: skip


@pytest.fixture
def acme_ids(program: Program, mentee: User) -> dict[str, int]:
    """Ids of Acme objects for every id an API path takes."""
    return {"person_id": mentee.person.pk, "program_id": program.pk, "run_id": run_of(program).pk,
            "circle_match_id": circle_match_of(program).pk}  # fmt: skip


# ---------------------------------------------------------------- a personal token acts as its owner


@pytest.mark.parametrize("who", ["admin", "manager", "mentor", "mentee", "sponsor"])
def test_a_personal_token_reads_exactly_what_its_owner_reads(client, request, who, acme_ids):
    # given
    owner = request.getfixturevalue(who)
    secret = new_token(owner).secret
    client.force_login(owner)

    # when every GET endpoint is read once with the session and once with the token
    by_session, by_token = {}, {}
    for path in get_paths():
        url = with_ids(path, acme_ids)
        session_response, token_response = client.get(url), Client().get(url, headers=bearer(secret))
        by_session[path] = (session_response.status_code, session_response.json())
        by_token[path] = (token_response.status_code, token_response.json())

    # then the answers are the same, refusals included
    assert by_token == by_session


def test_a_participants_token_is_refused_where_the_participant_is(client, mentor, program):
    # given
    secret = new_token(mentor).secret

    # when
    programs = send(client, "GET", "/api/programs/", secret=secret)
    one_program = send(client, "GET", f"/api/programs/{program.pk}", secret=secret)

    # then
    assert (programs.status_code, programs.json()) == (403, {"code": "forbidden", "detail": "Your role does not allow this."})
    assert (one_program.status_code, one_program.json()) == (
        403,
        {"code": "forbidden", "detail": "Only program managers and administrators manage programs."},
    )


def test_a_managers_token_reads_the_programs(client, manager, program):
    # given
    secret = new_token(manager).secret

    # when
    response = send(client, "GET", "/api/programs/", secret=secret)

    # then
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [program.pk]


def test_a_deactivated_owners_token_stops_working(client, admin, manager, program):
    # given
    secret = new_token(manager).secret
    assert send(client, "GET", "/api/programs/", secret=secret).status_code == 200

    # when
    deactivate_user(user=manager, by=admin)
    response = send(client, "GET", "/api/programs/", secret=secret)

    # then
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_a_token_of_a_login_deactivated_in_the_django_admin_stops_working(client, manager, program):
    # given a token that is not revoked, of a login whose is_active the Django admin turned off
    new = new_token(manager)
    manager.is_active = False
    manager.save(update_fields=["is_active"])

    # when
    response = send(client, "GET", "/api/programs/", secret=new.secret)

    # then
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None


# ---------------------------------------------------------------- scope


def test_a_read_scope_token_writes_nothing_and_names_its_scope(client, manager, program):
    # given
    secret = new_token(manager, scope=TokenScope.READ).secret
    before = model_to_dict(Program.objects.get(pk=program.pk))
    audit_before = AuditEntry.objects.count()

    # when
    created = send(client, "POST", "/api/programs/", {"driver": "innovation"}, secret=secret)
    patched = send(client, "PATCH", f"/api/programs/{program.pk}", {"purpose_statement": "Changed"}, secret=secret)
    moved = send(client, "POST", f"/api/programs/{program.pk}/status", {"status": "enrolling"}, secret=secret)

    # then
    for response, method in [(created, "POST"), (patched, "PATCH"), (moved, "POST")]:
        assert response.status_code == 403
        assert response.json() == {
            "code": "insufficient_scope",
            "detail": f"This token's scope is read; {method} needs read_write.",
            "scope": "read",
        }
    assert list(Program.objects.values_list("pk", flat=True)) == [program.pk]
    assert model_to_dict(Program.objects.get(pk=program.pk)) == before
    assert AuditEntry.objects.count() == audit_before


def test_a_read_write_token_writes_without_a_csrf_token(manager, acme):
    # given a client that enforces CSRF like a browser, and no session at all
    secret = new_token(manager, scope=TokenScope.READ_WRITE).secret
    client = Client(enforce_csrf_checks=True)

    # when
    response = send(client, "POST", "/api/programs/", {"driver": "innovation"}, secret=secret)

    # then
    assert response.status_code == 201
    program = Program.objects.get()
    assert (response.json()["id"], program.organisation, program.status) == (program.pk, acme, "draft")


def test_a_session_still_needs_its_csrf_token(manager):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    # when
    response = send(client, "POST", "/api/programs/", {"driver": "innovation"})

    # then
    assert (response.status_code, response.json()) == (403, {"code": "csrf_failed", "detail": CSRF_FAILED})
    assert not Program.objects.exists()


# ---------------------------------------------------------------- tokens that do not work


def test_an_unknown_token_is_refused_even_beside_a_valid_session(client, manager, program):
    # given a signed-in manager whose request also bears a token that does not exist
    client.force_login(manager)

    # when
    response = send(client, "GET", "/api/programs/", secret="tat_not-a-real-token")

    # then the bad token is refused rather than answered by the session
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_a_revoked_token_is_refused(client, manager, program):
    # given
    new = new_token(manager)
    revoke_api_token(token=new.token, by=manager)

    # when
    response = send(client, "GET", "/api/programs/", secret=new.secret)

    # then
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_a_token_works_until_it_expires(client, manager, program):
    # given a 30-day token
    new = new_token(manager)
    expires_at = new.token.expires_at

    # when
    with time_machine.travel(expires_at - timedelta(seconds=1), tick=False):
        before_expiry = send(client, "GET", "/api/programs/", secret=new.secret)
    with time_machine.travel(expires_at, tick=False):
        at_expiry = send(client, "GET", "/api/programs/", secret=new.secret)

    # then
    assert before_expiry.status_code == 200
    assert (at_expiry.status_code, at_expiry.json()) == (401, UNAUTHORIZED)


def test_a_request_with_neither_token_nor_session_is_refused(client, program):
    # when
    response = client.get("/api/programs/")

    # then
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


# ---------------------------------------------------------------- organisations


GLOBEX_NOT_FOUND = {
    "/api/people/{person_id}": "No such person in your organisation.",
    "/api/programs/{program_id}": "No such program in your organisation.",
    "/api/programs/{program_id}/enrolments": "No such program in your organisation.",
    "/api/matching/runs/{run_id}": "No such match run in your organisation.",
    "/api/matching/runs/{run_id}/pairs": "No such match run in your organisation.",
    "/api/matching/runs/{run_id}/circles": "No such match run in your organisation.",
    "/api/matching/circles/{circle_match_id}": "No such match of yours.",
    "/api/insights/programs/{program_id}/kpis": "No such program in your organisation.",
}
# The ids a list answers with: only ever Acme's.
LISTED_IDS = {
    "/api/people/": lambda body: sorted(person["id"] for person in body["results"]),
    "/api/programs/": lambda body: sorted(program["id"] for program in body),
    "/api/matching/matches/mine": lambda body: sorted(match["id"] for match in body),
    "/api/matching/circles/mine": lambda body: sorted(match["id"] for match in body),
    "/api/insights/rollup": lambda body: sorted(row["program_id"] for row in body["rows"]),
}


def test_the_cross_organisation_table_covers_every_get_endpoint():
    assert get_paths() == sorted([*GLOBEX_NOT_FOUND, *LISTED_IDS])


@pytest.mark.parametrize("path", sorted(GLOBEX_NOT_FOUND))
def test_an_acme_organisation_token_finds_no_globex_object(client, admin, path, globex_ids):
    # given
    secret = new_token(admin, organisation_wide=True).secret
    client.force_login(admin)

    # when
    by_token = send(Client(), "GET", with_ids(path, globex_ids), secret=secret)
    by_session = client.get(with_ids(path, globex_ids))

    # then
    assert (by_token.status_code, by_token.json()) == (404, {"code": "not_found", "detail": GLOBEX_NOT_FOUND[path]})
    assert (by_session.status_code, by_session.json()) == (by_token.status_code, by_token.json())


@pytest.mark.parametrize("path", sorted(LISTED_IDS))
def test_an_acme_organisation_token_lists_only_acme(client, acme, admin, manager, mentor, mentee, sponsor, program, path, globex_ids):
    # given
    secret = new_token(admin, organisation_wide=True).secret
    expected = {
        "/api/people/": sorted(Person.objects.filter(organisation=acme).values_list("pk", flat=True)),
        "/api/programs/": [program.pk],
        "/api/matching/matches/mine": [],
        "/api/matching/circles/mine": [],
        "/api/insights/rollup": [program.pk],
    }

    # when
    response = send(client, "GET", path, secret=secret)

    # then
    assert response.status_code == 200
    assert LISTED_IDS[path](response.json()) == expected[path]
    assert "globex" not in response.content.decode().lower()


def test_an_organisation_token_acts_as_an_administrator_of_its_own(admin):
    # when
    token = new_token(admin, organisation_wide=True).token

    # then
    assert (token.kind, token.created_by, token.organisation) == (TokenKind.ORGANISATION, admin, admin.organisation)
    assert (token.user.role, token.user.is_service_account, token.user.organisation) == ("admin", True, admin.organisation)
    assert not token.user.has_usable_password()


# ---------------------------------------------------------------- the secret


def test_the_secret_is_stored_only_as_its_hash(admin):
    # when
    new = new_token(admin, organisation_wide=True)
    personal = new_token(admin)

    # then no row of any table holds either secret
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # table names from introspection
            for row in cursor.fetchall():
                assert not any(secret in str(value) for value in row for secret in (new.secret, personal.secret)), table
    stored = ApiToken.objects.get(pk=new.token.pk)
    assert stored.token_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    assert stored.prefix == new.secret[:10]
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_CREATED).count() == 2


# ---------------------------------------------------------------- the token pages


def test_creating_a_personal_token_shows_its_secret_once(client, mentor):
    # given
    client.force_login(mentor)

    # when
    created = client.post(reverse("identity:create_personal_token"), {"name": "My script", "scope": "read", "expires_in_days": 90})
    listed = client.get(reverse("identity:my_account"))

    # then
    token = ApiToken.objects.get()
    secret = created.context["secret"]
    assert created.status_code == 200
    assert f'<code data-testid="token-secret">{secret}</code>' in created.content.decode()
    assert (token.name, token.kind, token.user, token.scope) == ("My script", TokenKind.PERSONAL, mentor, TokenScope.READ)
    assert send(Client(), "GET", "/api/matching/matches/mine", secret=secret).status_code == 200
    assert listed.status_code == 200
    assert f"<code>{token.prefix}…</code>" in listed.content.decode()
    assert secret not in listed.content.decode()


def test_an_administrator_creates_an_organisation_token(client, admin):
    # given
    client.force_login(admin)

    # when
    created = client.post(reverse("identity:api_tokens"), {"name": "HR sync", "scope": "read_write", "expires_in_days": 365})
    listed = client.get(reverse("identity:api_tokens"))

    # then
    token = ApiToken.objects.get()
    secret = created.context["secret"]
    assert created.status_code == 200
    assert f'<code data-testid="token-secret">{secret}</code>' in created.content.decode()
    assert (token.name, token.kind, token.scope, token.user.is_service_account) == ("HR sync", TokenKind.ORGANISATION, "read_write", True)
    assert listed.status_code == 200
    assert f"<code>{token.prefix}…</code>" in listed.content.decode()
    assert secret not in listed.content.decode()


def test_revoking_ones_own_token(client, mentor):
    # given
    new = new_token(mentor)
    client.force_login(mentor)

    # when
    response = client.post(reverse("identity:revoke_personal_token", args=[new.token.pk]))

    # then
    assert (response.status_code, response.url) == (302, reverse("identity:my_account"))
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is not None
    assert send(Client(), "GET", "/api/matching/matches/mine", secret=new.secret).status_code == 401


@pytest.mark.parametrize("who", ["mentor", "admin", "outsider"])
def test_nobody_revokes_someone_elses_personal_token(client, request, manager, who):
    # given
    new = new_token(manager)
    client.force_login(request.getfixturevalue(who))

    # when
    response = client.post(reverse("identity:revoke_personal_token", args=[new.token.pk]))

    # then
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None
    assert send(Client(), "GET", "/api/programs/", secret=new.secret).status_code == 200


def test_an_administrator_revokes_an_organisation_token(client, admin):
    # given
    new = new_token(admin, organisation_wide=True)
    client.force_login(admin)

    # when
    response = client.post(reverse("identity:revoke_organisation_token", args=[new.token.pk]))

    # then
    assert (response.status_code, response.url) == (302, reverse("identity:api_tokens"))
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is not None
    assert User.objects.get(pk=new.token.user_id).is_active is False
    assert send(Client(), "GET", "/api/programs/", secret=new.secret).status_code == 401


@pytest.mark.parametrize("who", ["manager", "mentor", "mentee", "sponsor"])
def test_only_administrators_manage_organisation_tokens(client, request, admin, who):
    # given an Acme organisation token
    new = new_token(admin, organisation_wide=True)
    client.force_login(request.getfixturevalue(who))

    # when
    listed = client.get(reverse("identity:api_tokens"))
    created = client.post(reverse("identity:api_tokens"), {"name": "Mine now", "scope": "read_write", "expires_in_days": 365})
    revoked = client.post(reverse("identity:revoke_organisation_token", args=[new.token.pk]))

    # then
    assert (listed.status_code, created.status_code, revoked.status_code) == (403, 403, 403)
    assert list(ApiToken.objects.values_list("pk", "revoked_at")) == [(new.token.pk, None)]


def test_another_organisations_administrator_cannot_revoke_an_organisation_token(client, admin, outsider):
    # given an Acme organisation token
    new = new_token(admin, organisation_wide=True)
    client.force_login(outsider)

    # when
    response = client.post(reverse("identity:revoke_organisation_token", args=[new.token.pk]))

    # then
    assert response.status_code == 404
    assert list(ApiToken.objects.values_list("pk", "revoked_at")) == [(new.token.pk, None)]
    assert send(Client(), "GET", "/api/programs/", secret=new.secret).status_code == 200


# ---------------------------------------------------------------- the schema


def test_the_schema_documents_the_bearer_token_beside_the_session(client, db):
    # when
    schema = client.get("/api/openapi.json").json()

    # then
    assert schema["components"]["securitySchemes"] == {
        "ApiTokenAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal or organisation API token (tat_…), created under “My account” or “API tokens”.",
        },
        "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
    operations = [operation for path in schema["paths"].values() for operation in path.values()]
    assert {json.dumps(operation["security"]) for operation in operations} == {json.dumps([{"ApiTokenAuth": []}, {"SessionAuth": []}])}


def test_the_docs_page_serves_ninjas_own_swagger_ui_under_the_site_csp(client, db):
    # when
    response = client.get("/api/docs")

    # then Swagger UI comes from this server's static files under the site's own policy; its settings are a
    # JSON data block, which the CSP does not govern (a browser never runs it)
    page = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
    assert re.findall(r"<script[^>]*>", page) == [
        '<script type="application/json" id="swagger-settings">',
        '<script src="/static/ninja/swagger-ui-bundle.js">',
        '<script src="/static/ninja/swagger-ui-init.js">',
    ]
    assert "https://" not in page
    assert "<style" not in page
