"""The SCIM endpoint checked by scim2-tester, over HTTP against a live server on loopback: every check passes.

scim2-tester fills each attribute with random values. Turnabout requires ``userName`` to be an email address
(it is the person's email), which a random string is not, so the client describes the server with our own
User model whose ``userName`` offers one fresh address per draw as its example; everything else, discovery
included, is the tester's own.
"""

import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import httpx2
import pytest
from pydantic import Field
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Required, ResourceType, ScimProvider, Uniqueness
from scim2_tester import Status, check_server

from turnabout.identity.scim import resources
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.people.models import Person


class FreshAddresses(list[str]):
    """An ``examples`` list of one address that is new each time random.choice reads it."""

    def __init__(self) -> None:
        super().__init__(["someone@example.test"])

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return super().__getitem__(index)
        super().__getitem__(index)  # the bounds of a one-item list
        return f"{uuid.uuid4().hex}@example.test"


class UserWithFreshAddresses(resources.User):
    """Our User, but with example addresses for the tester to draw userName from."""

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = Field(None, examples=FreshAddresses())  # type: ignore[arg-type]


def provider_for_the_tester() -> ScimProvider:
    user_type = ResourceType.from_resource(UserWithFreshAddresses[Annotated[resources.EnterpriseUser, Required.true]])  # type: ignore[misc]
    return ScimProvider(models=[UserWithFreshAddresses, resources.EnterpriseUser], resource_types=[user_type], policy=resources.POLICY)


@pytest.fixture
def scim_client(live_server, settings, acme, admin) -> Iterator[SyncSCIMClient]:
    settings.SITE_URL = live_server.url  # the live server's port, so meta.location and $ref point at it
    secret = rotate_scim_token(organisation=acme, by=admin).secret
    with httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"}, timeout=30) as http:
        yield SyncSCIMClient(http, provider=provider_for_the_tester())


def describe(results: list[Any]) -> list[tuple[str | None, str | None, str, str | None]]:
    return [(result.title, result.resource_type, result.status.name, result.reason) for result in results]


def test_scim2_tester_finds_nothing_wrong(scim_client, acme):
    # given a live server and the organisation's SCIM token
    people_before = Person.objects.filter(organisation=acme).count()

    # when every check of scim2-tester runs
    results = check_server(scim_client)

    # then every one succeeds, none skipped
    assert results
    failures = [row for row in describe(results) if row[2] != Status.SUCCESS.name]
    assert failures == []
    titles = {result.title for result in results}
    assert {
        "service_provider_config_endpoint",
        "query_all_resource_types",
        "query_all_schemas",
        "random_url",
        "object_creation",
        "object_query",
        "object_query_without_id",
        "object_query_with_attributes",
        "object_list_with_attributes",
        "search_with_attributes",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_remove_attribute",
        "check_replace_attribute",
    } <= titles
    # and every person it created was deleted through SCIM: kept as a leaver, hidden from SCIM
    created = Person.objects.filter(organisation=acme).order_by("pk")[people_before:]
    assert created
    assert all(person.scim_deleted_at is not None and not person.is_active_employee for person in created)
