"""A SCIM token of one organisation never reads or touches another's users (issue 13: "a SCIM token of one
organisation can never touch another"), against the permission matrix's cast (tests/security/cast.py).

Globex's SCIM token asks for Acme's Bob by his SCIM id, and Acme's SCIM token for Globex's Eve: every operation
answers 404 as for an id that does not exist, a search finds nobody of the other organisation, and no request
changes any row of any table (the matrix's digest). The same token on its own organisation's person answers 200,
so the 404s are the organisation boundary and not a token that does not work.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.security.matrix import HOST, changed_tables, database_checksum, in_savepoint
from tests.security.test_permission_matrix import SCIM_ENTERPRISE, SCIM_PATCH, SCIM_USER
from turnabout.accounts.models import Organisation
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.people.models import Person


def scim(secret: str, method: str, path: str, body: Any = None) -> Any:
    client = Client(headers={"Host": HOST, "Authorization": f"Bearer {secret}"})
    if method == "GET":
        return client.get(f"/scim/v2{path}", secure=True)
    return client.generic(method, f"/scim/v2{path}", json.dumps(body or {}), content_type="application/scim+json", secure=True)


def replacement(person: Person) -> dict[str, Any]:
    """The person's record as an identity provider would PUT it, with a new job title."""
    return {
        "schemas": [SCIM_USER, SCIM_ENTERPRISE], "userName": person.email, "active": True, "title": "Head of prompts",
        "name": {"givenName": person.given_name, "familyName": person.family_name},
        SCIM_ENTERPRISE: {"employeeNumber": person.employee_id},
    }  # fmt: skip


def requests_for(person: Person) -> list[tuple[str, str, Any]]:
    return [
        ("GET", f"/Users/{person.pk}", None),
        ("PUT", f"/Users/{person.pk}", replacement(person)),
        ("PATCH", f"/Users/{person.pk}", SCIM_PATCH),
        ("PATCH", f"/Users/{person.pk}", {**SCIM_PATCH, "Operations": [{"op": "replace", "path": "active", "value": False}]}),
        ("DELETE", f"/Users/{person.pk}", None),
    ]


@pytest.mark.parametrize("direction", ["Globex's token on Acme's Bob", "Acme's token on Globex's Eve"])
def test_a_scim_token_finds_and_changes_nobody_of_another_organisation(cast, direction):
    # given a SCIM token of one organisation (its first use done) and a person of the other
    acme_side = direction.startswith("Acme")
    organisation: Organisation = cast.acme if acme_side else cast.globex
    secret = cast.scim_secret if acme_side else rotate_scim_token(organisation=cast.globex, by=cast.outsider).secret
    own = Person.objects.get(organisation=organisation, user=cast.admin if acme_side else cast.outsider)
    other = Person.objects.get(user=cast.outsider if acme_side else cast.mentee)
    assert scim(secret, "GET", f"/Users/{own.pk}").status_code == 200
    baseline = database_checksum()

    # when
    answers = []
    for method, path, body in requests_for(other):
        answers.append(
            in_savepoint(
                lambda method=method, path=path, body=body: (
                    method,
                    scim(secret, method, path, body).status_code,
                    changed_tables(baseline),
                )
            )
        )
    found = scim(secret, "GET", "/Users", None).json()
    filtered = scim(secret, "GET", f'/Users?filter=userName eq "{other.email}"').json()
    filtered_own = scim(secret, "GET", f'/Users?filter=userName eq "{own.email}"').json()
    searched = scim(secret, "POST", "/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                                 "filter": f'userName eq "{other.email}"'}).json()  # fmt: skip

    # then
    assert answers == [(method, 404, []) for method, _path, _body in requests_for(other)]
    assert str(other.pk) not in {resource["id"] for resource in found["Resources"]}
    assert str(own.pk) in {resource["id"] for resource in found["Resources"]}
    assert (filtered["totalResults"], searched["totalResults"], filtered_own["totalResults"]) == (0, 0, 1)
    assert changed_tables(baseline) == []
