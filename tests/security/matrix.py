"""The machinery of the permission matrix (tests/security/test_permission_matrix.py): URL patterns, identities, requests.

Every URL pattern of turnabout/urls.py is found with ``get_resolver`` (includes, the API's operations and the Django
admin's pages too) and keyed by its name with namespaces (``people:person``, ``api:get_program``); a pattern
without a name is keyed by its route (``admin/people/person/<path:object_id>/``). Its path is built
from the cast's objects (``path_values``), then resolved back to the same pattern.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

import turnabout
from tests.security.cast import Cast
from turnabout.people.models import Community, Person
from turnabout.surveys.models import InterestInvitation, InterestSurvey

IDENTITIES = ("admin", "manager", "participant", "sponsor", "outsider", "anonymous", "token", "scim")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The production install the requests go to (python3-saml wants a dotted host name in its URLs).
HOST = "turnabout.example.com"
# 302 to the sign-in page with ?next=; any other redirect is its status code.
LOGIN = "login"

Data = Mapping[str, Any] | Callable[[Cast], Mapping[str, Any]] | None


@dataclass(frozen=True)
class Row:
    """The answer each identity gets, by method: eight answers in ``IDENTITIES`` order, e.g. "200 200 403 403 404 login login login".

    ``data`` is the form (or, with ``json_body``, JSON) body of a state-changing request: one an allowed identity would have accepted, so
    that a denied request which still changed something is caught; ``bodies`` gives a method its own body instead
    (a SCIM user's PUT and PATCH). ``path`` names the cast's value of a path parameter where the default
    (``path_values``) is not the one to use; ``query`` is added to every request.
    """

    answers: dict[str, tuple[str, ...]]
    data: Data = None
    bodies: dict[str, Data] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    json_body: bool = False


def row(*, data: Data = None, bodies: dict[str, Data] | None = None, path: dict[str, str] | None = None,
        query: dict[str, str] | None = None, json_body: bool = False, **answers: str) -> Row:  # fmt: skip
    parsed = {}
    for method, text in answers.items():
        codes = tuple(text.split())
        assert len(codes) == len(IDENTITIES), f"{method}: {text!r} needs one answer for each of {', '.join(IDENTITIES)}"
        parsed[method] = codes
    assert set(bodies or {}) <= set(parsed), f"bodies for methods the row does not try: {sorted(set(bodies or {}) - set(parsed))}"
    return Row(answers=parsed, data=data, bodies=bodies or {}, path=path or {}, query=query or {}, json_body=json_body)


def everyone(answer: str, *methods: str) -> dict[str, str]:
    """The same answer for every identity, for each method."""
    return {method: " ".join([answer] * len(IDENTITIES)) for method in methods}


# --- URL patterns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str
    pieces: tuple[URLPattern | URLResolver, ...]  # the includes down to the pattern

    @property
    def route(self) -> str:
        """As Django's resolver reports it (``ResolverMatch.route``): each piece without its leading ``^``."""
        return "".join(str(piece.pattern).removeprefix("^") for piece in self.pieces)


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, in resolution order."""

    def walk(resolver: URLResolver, pieces: tuple[URLPattern | URLResolver, ...], namespaces: tuple[str, ...]) -> Iterator[Pattern]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
                yield from walk(entry, (*pieces, entry), inner)
            else:
                found = Pattern(key="", pieces=(*pieces[1:], entry))
                key = ":".join((*namespaces, entry.name)) if entry.name else found.route
                yield Pattern(key=key, pieces=found.pieces)

    root = get_resolver()
    return list(walk(root, (root,), ()))


_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _concrete(piece: URLPattern | URLResolver, values: Mapping[str, str]) -> str:
    """One piece of a route with its parameters filled in; a regex's optional slash becomes a slash."""
    pattern = str(piece.pattern)
    if isinstance(piece.pattern, RoutePattern):
        return _CONVERTER.sub(lambda found: values[found.group(1)], pattern)
    assert isinstance(piece.pattern, RegexPattern)
    text = _GROUP.sub(lambda found: values[found.group(1)], pattern)
    text = text.removeprefix("^").removesuffix("$").replace("/?", "/").replace(".*", "no-such-resource/")
    return text.replace("\\.", ".")


def path_of(pattern: Pattern, values: Mapping[str, str]) -> str:
    """The pattern's path for ``values``, checked to resolve back to the pattern itself (not to one before it)."""
    path = "/" + "".join(_concrete(piece, values) for piece in pattern.pieces)
    match = resolve(path)
    assert match.route == pattern.route, f"{path} resolves to {match.route}, not to {pattern.key} ({pattern.route})"
    return path


def path_values(cast: Cast) -> dict[str, str]:
    """The default value of each path parameter, and the named alternatives rows choose with ``Row.path``."""
    person = Person.objects.get(user=cast.mentee)
    values: dict[str, object] = {
        "pair_id": cast.pair.pk,
        "goal_id": cast.goal.pk,
        "milestone_id": cast.milestone.pk,
        "meeting_id": cast.scheduled_meeting.pk,
        "held_meeting": cast.held_meeting.pk,
        "program_id": cast.program.pk,
        "enrolment_id": cast.mentor_enrolment.pk,
        "mentee_enrolment": cast.mentee_enrolment.pk,
        "concern_id": cast.concern.pk,
        "person_id": person.pk,
        "community_id": Community.objects.get(organisation=cast.acme).pk,
        "survey_id": InterestSurvey.objects.get(organisation=cast.acme).pk,
        "invitation_id": InterestInvitation.objects.get(survey__organisation=cast.acme, person__user=cast.mentor).pk,
        "newcomer": cast.newcomer.pk,
        "job_id": cast.import_job.pk,
        "run_id": cast.run.pk,
        "match_id": cast.match.pk,
        "circle_program": cast.circle_program.pk,
        "circle_run": cast.circle_run.pk,
        "circle_id": cast.proposed_circle.pk,
        "circle_match": cast.circle_match.pk,
        "circle_match_id": cast.circle_match.pk,
        "assignment_id": cast.assignment.pk,
        "wave_id": cast.wave.pk,
        "token_id": cast.personal_token.pk,
        "organisation_token": cast.api_token.pk,
        "login_id": cast.mentee.pk,
        "action": "deactivate",
        "slug": cast.acme.slug,
        "guide": cast.guide_slug,
        "training": cast.training_slug,
        "token": cast.sign_in_token,
        "calendar": cast.calendar_token,
        "pulse": cast.pulse_token,
        "provider_id": cast.acme.slug,
        "organization_slug": cast.acme.slug,
        "resource_type_id": "User",
        "schema_id": "urn:ietf:params:scim:schemas:core:2.0:User",
        "user_id": person.pk,
        "content_type_id": ContentType.objects.get_for_model(Person).pk,
        "object_id": person.pk,
        "id": cast.mentee.pk,
        "app_label": "people",
        "url": "no-such-page/",
    }
    return {name: str(value) for name, value in values.items()}


# --- Identities and requests ------------------------------------------------------------------------------


def production_settings() -> dict[str, Any]:
    """The settings turnabout/settings.py gives a production install (no demo, no debug) that differ from the tests'.

    Left as the tests have them: where the data lives (DATABASES), how tests hash passwords and run tasks and mail,
    the static files manifest (made by collectstatic, which a test does not run), and the key and hosts a
    production install must be given (here, served at https://testserver). STATIC_URL differs only by the leading
    slash Django adds.
    """
    kept = {"DATABASES", "SECRET_KEY", "PASSWORD_HASHERS", "TASKS", "MAILERS", "STORAGES", "VAR_DIR", "STATIC_URL"}
    environment = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "TURNABOUT_DEMO"}}
    environment |= {
        "SECRET_KEY": "production-key-for-the-permission-matrix-0123456789",
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
    }
    specification = importlib.util.spec_from_file_location("turnabout_production_settings", Path(turnabout.__file__).parent / "settings.py")
    assert specification is not None
    assert specification.loader is not None
    module = importlib.util.module_from_spec(specification)
    with mock.patch.dict(os.environ, environment, clear=True):
        specification.loader.exec_module(module)
    production = {name: getattr(module, name) for name in dir(module) if name.isupper() and not name.startswith("_") and name not in kept}
    return {name: value for name, value in production.items() if getattr(settings, name, object()) != value}


@dataclass
class Identity:
    name: str
    session_key: str | None = None
    bearer: str | None = None

    def client(self) -> Client:
        """A fresh browser (no message cookies left over) with this identity's session or token; requests go over HTTPS."""
        # A browser always sends Host (python3-saml reads it); the bearer header only with the token and SCIM identities.
        headers = {"Host": HOST} | ({"Authorization": f"Bearer {self.bearer}"} if self.bearer else {})
        client = Client(headers=headers)
        if self.session_key:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_key
        return client


def identities(cast: Cast) -> dict[str, Identity]:
    users = {"admin": cast.admin, "manager": cast.manager, "participant": cast.mentor, "sponsor": cast.sponsor, "outsider": cast.outsider}
    result = {
        "anonymous": Identity("anonymous"),
        "token": Identity("token", bearer=cast.api_secret),
        "scim": Identity("scim", bearer=cast.scim_secret),
    }
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        result[name] = Identity(name, session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    # One use of each token now, so its last-used time is written before anything is measured (time stands still).
    for name, path in (("token", "/api/programs/"), ("scim", "/scim/v2/ServiceProviderConfig")):
        first_use = result[name].client().get(path, secure=True)
        assert first_use.status_code == 200, (name, first_use.status_code, first_use.headers)
    return {name: result[name] for name in IDENTITIES}


def answer_of(response: HttpResponse) -> str:
    if response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL) + "?next="):
        return LOGIN
    return str(response.status_code)


def request(identity: Identity, method: str, path: str, the_row: Row, cast: Cast) -> HttpResponse:
    client = identity.client()
    body = the_row.bodies.get(method, the_row.data)
    data = body(cast) if callable(body) else body
    query = "?" + "&".join(f"{key}={value}" for key, value in the_row.query.items()) if the_row.query else ""
    if method == "GET":
        return client.get(path + query, secure=True)
    if the_row.json_body:
        return client.generic(method, path + query, json.dumps(data or {}), content_type="application/json", secure=True)
    if method == "POST":
        return client.post(path + query, data or {}, secure=True)
    return client.generic(method, path + query, "", content_type="application/x-www-form-urlencoded", secure=True)


def database_checksum() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, for every table."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(found) for found in cursor.fetchall())
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def changed_tables(before: Mapping[str, tuple[int, str]]) -> list[str]:
    after = database_checksum()
    return [table for table in sorted(set(before) | set(after)) if before.get(table) != after.get(table)]


class Rollback(Exception):
    """Leaves the savepoint around one request, so every request meets the same cast."""


def in_savepoint(action: Callable[[], Any]) -> Any:
    """Run ``action`` and undo whatever it wrote."""
    outcome: list[Any] = []
    try:
        with transaction.atomic():
            outcome.append(action())
            raise Rollback
    except Rollback:
        pass
    return outcome[0]


@dataclass(frozen=True)
class Observation:
    key: str
    method: str
    identity: str
    answer: str
    changed: tuple[str, ...] = ()  # the tables a state-changing request changed


def is_refusal(answer: str) -> bool:
    return answer == LOGIN or answer.startswith("4")


def _attempt(identity: Identity, method: str, path: str, the_row: Row, cast: Cast, baseline: Mapping[str, tuple[int, str]]) -> Observation:
    try:
        answer = answer_of(request(identity, method, path, the_row, cast))
    except Exception as error:  # the test client re-raises a view's exception: that is a 500
        return Observation("", method, identity.name, f"500 {type(error).__name__}: {error}"[:300])
    changed = tuple(changed_tables(baseline)) if method in STATE_CHANGING else ()
    return Observation("", method, identity.name, answer, changed)


def observe(cast: Cast, rows: Mapping[str, Row], patterns: list[Pattern], *, only: list[str]) -> list[Observation]:
    """Every request of the table for the identities named in ``only``, each in its own rolled-back savepoint, with
    the tables each state-changing one changed."""
    who = identities(cast)
    values = path_values(cast)
    baseline = database_checksum()
    observations = []
    for pattern in patterns:
        the_row = rows[pattern.key]
        path = path_of(pattern, {**values, **{name: values[alias] for name, alias in the_row.path.items()}})
        for method in the_row.answers:
            for name in only:
                seen = in_savepoint(lambda name=name, method=method: _attempt(who[name], method, path, the_row, cast, baseline))  # noqa: B023 - called at once
                observations.append(replace(seen, key=pattern.key))
    return observations
