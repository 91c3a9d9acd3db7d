"""Schemathesis tries the REST API from its own OpenAPI document, as each of the seven identities.

Every operation of ``/api/openapi.json`` is sent, in-process to the WSGI application (the stack gunicorn serves), as
each identity of the named cast (tests/security/cast.py: a running program with enrolments, a published and accepted
match, a pair, an organisation API token):

- schemathesis' coverage cases: each bound and just past it, each enum value, missing, mistyped and extra inputs;
- generated requests, valid ones (half of them naming the cast's own objects in their path, so that they reach the
  endpoint's code rather than a 404) and invalid ones, with a fixed seed and a bounded number of examples;
- the reads once more after the writes, over the state the writes left.

Every response is checked: no server error; a declared status code; a body and content type matching the declared
schema; valid input accepted and invalid input refused; no value refused by the database after the API let it through
(turnabout/api.py's 400 safety net). Any finding fails the test, and every finding is listed.

Within this budget the generator rarely draws an integer beyond 64 bits for an input the document leaves unbounded;
tests/api/test_openapi_document.py refuses such an input instead, and test_input_edges.py keeps the reproductions.

No stateful (links) pass: the API's writes answer with the object they changed rather than with links to follow, the
cast already holds an object of every kind, and the reads after the writes see what a links pass would have built.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.cast import NOW, Cast, build_cast
from tests.security.matrix import IDENTITIES as MATRIX_IDENTITIES

# The permission matrix's identities but the SCIM token, which the REST API refuses outright (401, in the matrix).
IDENTITIES = tuple(identity for identity in MATRIX_IDENTITIES if identity != "scim")
# Generated requests per operation, identity and pass; the coverage cases come on top (about 850 an identity).
VALID_EXAMPLES = 20
INVALID_EXAMPLES = 10
SEED = 18
# The most findings listed for one operation in one pass: the first ones say what is wrong.
FINDINGS_SHOWN = 3
# A fixed CSRF secret for the session identities: the cookie, and the header Django compares it with.
CSRF_SECRET = "s" * 32
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Valid input these operations can still refuse with 422, by rules no JSON Schema can state: dates in order, a name
# that is not only spaces, addresses that belong to people of the directory.
CHECKED_BEYOND_THE_SCHEMA = frozenset({"PATCH /api/programs/{program_id}", "POST /api/programs/{program_id}/invitations"})


def valid_input_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' positive_data_acceptance, less the 422s of CHECKED_BEYOND_THE_SCHEMA."""
    if response.status_code == 422 and case.operation.label in CHECKED_BEYOND_THE_SCHEMA:
        return None
    return positive_data_acceptance(ctx, response, case)


def no_value_reached_the_database_unchecked(ctx: Any, response: Any, case: Any) -> bool | None:
    """turnabout/api.py answers 400 ``out_of_range``/``invalid_value`` when an input bound is missing: still a finding."""
    if response.status_code == 400 and response.headers.get("content-type", [""])[0].startswith("application/json"):
        code = json.loads(response.content).get("code")
        assert code not in {"out_of_range", "invalid_value"}, f"the database refused a value the API let through ({code})"
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CHECKS_BY_MODE = {
    GenerationMode.POSITIVE: [*CHECKS, valid_input_is_accepted, no_value_reached_the_database_unchecked],
    GenerationMode.NEGATIVE: [*CHECKS, negative_data_rejection, no_value_reached_the_database_unchecked],
}


@dataclass(frozen=True)
class Identity:
    name: str
    headers: dict[str, str]
    cookies: dict[str, str]


@pytest.fixture
def cast(acme, globex, admin, manager, mentor, mentee, sponsor, outsider, program) -> Iterator[Cast]:
    """The cast, at its moment: the clock stands still there for the whole test (survey windows, link lifetimes)."""
    with time_machine.travel(NOW, tick=False):
        yield build_cast(
            acme=acme, globex=globex, admin=admin, manager=manager, mentor=mentor, mentee=mentee, sponsor=sponsor,
            outsider=outsider, program=program,
        )  # fmt: skip


@pytest.fixture
def application() -> Iterator[WSGIHandler]:
    """The WSGI application, without closing the database connection at the end of each request.

    As in Django's test client: the connection holds the test's transaction, which no request may end.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _identity(name: str, cast: Cast) -> Identity:
    """A session (with its CSRF pair) for each login of the cast, the organisation's read token, or nothing."""
    if name == "anonymous":
        return Identity(name, {}, {})
    if name == "token":
        return Identity(name, {"Authorization": f"Bearer {cast.api_secret}"}, {})
    user = {"admin": cast.admin, "manager": cast.manager, "participant": cast.mentor, "sponsor": cast.sponsor, "outsider": cast.outsider}
    client = Client()
    client.force_login(user[name])
    return Identity(name, {"X-CSRFToken": CSRF_SECRET}, {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_SECRET})


def _operations(application: WSGIHandler) -> list[Any]:
    """Every operation of the document: the reads, then the writes, the lifecycle moves last (a closed program refuses
    most other writes)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    # The identity's credentials go with every request; generated ones would only ever be refused with 401.
    schema.config.generation.update(with_security_parameters=False)
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(
        operations, key=lambda operation: (operation.method.upper() not in SAFE_METHODS, "/status" in operation.path, operation.label)
    )


def _send(case: Any, identity: Identity, phase: str) -> list[str]:
    """Send ``case`` as ``identity``; the findings of the checks for its mode, each with the request and the answer."""
    response = case.call(headers=identity.headers, cookies=identity.cookies)
    try:
        case.validate_response(response, checks=CHECKS_BY_MODE[case.meta.generation.mode], headers=identity.headers)
    except FailureGroup as group:
        failures = [f"{failure.title}: {failure.message}" for failure in group.exceptions]
    except AssertionError as error:
        failures = [str(error)]
    else:
        return []
    request = case.as_curl_command(headers=identity.headers)
    return [
        f"{identity.name} {phase} {case.operation.label}: {failure}\n  {request}\n  → {response.status_code} {response.text[:300]}"
        for failure in failures
    ]


def _coverage(operation: Any, identity: Identity) -> list[str]:
    schema = operation.schema
    found: list[str] = []
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    for case in schema.iter_coverage_cases(operation, generation_modes=modes, generation_config=schema.config.generation):
        found += _send(case, identity, "coverage")
        if len(found) >= FINDINGS_SHOWN:
            break
    return found


def _generated(operation: Any, mode: GenerationMode, identity: Identity, cast: Cast) -> list[str]:
    found: list[str] = []
    strategy = operation.as_strategy(generation_mode=mode)
    names = [parameter.name for parameter in operation.path_parameters]
    if mode is GenerationMode.POSITIVE and names:
        ids = {
            "person_id": cast.mentee.person.pk,
            "program_id": cast.program.pk,
            "enrolment_id": cast.mentee_enrolment.pk,
            "run_id": cast.run.pk,
            "match_id": cast.match.pk,
            "circle_id": cast.proposed_circle.pk,
            "circle_match_id": cast.circle_match.pk,
        }
        strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode, path_parameters={name: ids[name] for name in names}))

    @hypothesis.settings(
        max_examples=VALID_EXAMPLES if mode is GenerationMode.POSITIVE else INVALID_EXAMPLES,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.seed(SEED)
    @hypothesis.given(case=strategy)
    def send_generated(case: Any) -> None:
        if len(found) < FINDINGS_SHOWN:
            found.extend(_send(case, identity, mode.value))

    send_generated()
    return found


def _modes(operation: Any) -> list[GenerationMode]:
    """Valid requests always; invalid ones where there is something to make invalid (a parameter or a body)."""
    if any(operation.iter_parameters()) or operation.body:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


@pytest.mark.parametrize("name", IDENTITIES)
def test_the_api_answers_every_request_as_its_openapi_document_says(name, cast, application):
    # given
    identity = _identity(name, cast)
    operations = _operations(application)

    # when
    findings = []
    for operation in operations:
        findings += _coverage(operation, identity)
        for mode in _modes(operation):
            findings += _generated(operation, mode, identity, cast)
    for operation in operations:
        if operation.method.upper() in SAFE_METHODS:
            findings += _generated(operation, GenerationMode.POSITIVE, identity, cast)

    # then
    assert len(operations) == 27
    assert findings == [], f"{len(findings)} findings:\n\n" + "\n\n".join(findings)
