"""The OpenAPI document declares what each operation can answer, and bounds every input it takes.

tests/api/test_schemathesis.py checks the answers against the document; this pins the document's own promises, so a
new operation without its refusals or an unbounded input fails here first, with its name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from turnabout.api import api
from turnabout.core.api_types import DATABASE_ID_MAX, ERROR_BODIES

# As served: JSON, status codes as strings.
DOCUMENT = json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
OPERATIONS = [(method.upper(), path, operation) for path, item in DOCUMENT["paths"].items() for method, operation in item.items()]
ERROR_SCHEMA_NAMES = {status: body.__name__ for status, body in ERROR_BODIES.items()}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _inputs(schema: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every scalar an input schema can hold, with where it is (``payload.match_rules.mode``)."""
    schema = _resolve(schema)
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            yield from _inputs(option, where)
    elif schema.get("type") == "object":
        for name, value in schema.get("properties", {}).items():
            yield from _inputs(value, f"{where}.{name}")
    elif schema.get("type") == "array":
        yield where, schema
        yield from _inputs(schema["items"], f"{where}[]")
    else:
        yield where, schema


def _every_input(operation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for parameter in operation.get("parameters", []):
        yield from _inputs(parameter["schema"], f"{parameter['in']}.{parameter['name']}")
    for content in operation.get("requestBody", {}).get("content", {}).values():
        yield from _inputs(content["schema"], "body")


def _unbounded(schema: dict[str, Any]) -> str | None:
    """Why an input schema is unbounded, or None when it is bounded (or holds no more than null, a boolean, a choice)."""
    if "enum" in schema or "const" in schema:
        return None
    kind = schema.get("type")
    if kind == "integer" and not ("minimum" in schema and "maximum" in schema):
        return "an integer without a minimum and a maximum"
    if kind == "number" and not ("minimum" in schema and "maximum" in schema):
        return "a number without a minimum and a maximum"
    if kind == "string" and schema.get("format") != "date" and not ("maxLength" in schema and "pattern" in schema):
        return "a string without a maxLength and a pattern for its characters"
    if kind == "array" and "maxItems" not in schema:
        return "a list without a maxItems"
    return None


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{method} {path}" for method, path, _ in OPERATIONS])
def test_every_input_of_the_operation_is_bounded(method, path, operation):
    unbounded = [(where, why) for where, schema in _every_input(operation) if (why := _unbounded(schema))]
    assert unbounded == []


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{method} {path}" for method, path, _ in OPERATIONS])
def test_every_refusal_the_operation_can_give_is_declared_with_its_body(method, path, operation):
    # given the refusals that follow from the operation's shape
    inputs = operation.get("parameters") or "requestBody" in operation
    expected = {401} | ({422} if inputs else set()) | ({404} if "_id}" in path else set())
    expected |= {400} if "requestBody" in operation else set()
    expected |= {403} if method != "GET" else set()  # a session's write without its CSRF token
    declared = {int(status) for status in operation["responses"] if int(status) >= 400}

    # then each is declared, with the shared body of its status
    assert expected <= declared
    for status in declared:
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        assert schema["$ref"].rsplit("/", 1)[1] == ERROR_SCHEMA_NAMES[status]


@pytest.mark.parametrize("status", sorted(ERROR_BODIES))
def test_every_error_body_is_the_shared_code_and_detail(status):
    schema = DOCUMENT["components"]["schemas"][ERROR_SCHEMA_NAMES[status]]
    assert {"code", "detail"} <= set(schema["required"])
    assert schema["properties"]["code"].get("type", "string") == "string"


def test_ids_are_bounded_to_what_the_database_holds():
    ids = [
        schema
        for _, _, operation in OPERATIONS
        for where, schema in _every_input(operation)
        if where.endswith("_id") and schema.get("type") == "integer"
    ]
    assert len(ids) >= 12
    assert all((schema["minimum"], schema["maximum"]) == (1, DATABASE_ID_MAX) for schema in ids)


def test_the_document_and_its_page_are_served_to_anyone(db):
    client = Client()
    document = client.get("/api/openapi.json")
    assert (document.status_code, document["Content-Type"]) == (200, "application/json")
    assert document.json()["paths"].keys() == DOCUMENT["paths"].keys()
    assert client.get("/api/docs").status_code == 200
