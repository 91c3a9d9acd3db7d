"""The REST API's shared vocabulary: bounded input types, and the error bodies every operation declares.

Inputs are refused at the edge, with a 422 naming the field, before anything reaches a query or a service:

- ``DatabaseId`` — an id from 1 to 2⁶³ − 1, what a ``BigAutoField`` holds on every database (an id beyond it would
  raise ``OverflowError`` on SQLite and ``DataError`` on PostgreSQL); ``JsonDatabaseId`` in a JSON body, where only
  a JSON number is one (``JsonInteger``);
- ``PageNumber`` — from 1 to ``PAGE_NUMBER_MAX``; a page past the last answers the last;
- ``SMALL_COUNT_MAX`` — the top of a ``PositiveSmallIntegerField``'s range on every database;
- ``Annotated[str, Text(max_length)]`` — at most ``max_length`` characters and no control characters, direction
  controls included (one line of text takes no tab or line break either), by the forms' own rule
  (:class:`turnabout.core.forms.ControlCharacterValidator`), and no unpaired surrogate (JSON's ``"\\ud800"``: not
  Unicode text, and no database stores it). ``Text(..., by_form=True)`` only documents the bound and the characters
  of a field that the page's form, which the endpoint parses with, refuses in its own words; unpaired surrogates are
  refused here all the same.

Every refusal is JSON with a stable ``code`` and a ``detail`` (``ErrorOut``), 401 and the CSRF 403 included; a 422 lists
each invalid field (``InvalidInputOut``). The API has no rate limit of its own, so no operation answers 429.
``refusals(401, 404)`` gives an operation's declared error answers, so the OpenAPI document names each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Field, Schema
from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, PydanticKnownError, core_schema

from turnabout.core.forms import ControlCharacterValidator


def _json_number(value: object) -> object:
    """A JSON body's integer is a JSON number (7, or 7.0 as JSON Schema has it): true and "7" are not read as 1 and 7."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# An integer of a JSON body; in paths and query strings every value is text, and "7" is 7.
JsonInteger = Annotated[int, BeforeValidator(_json_number)]
DATABASE_ID_MAX = 2**63 - 1
DatabaseId = Annotated[int, Field(ge=1, le=DATABASE_ID_MAX)]
# The bounds before the check: after a BeforeValidator, pydantic writes them as "ge"/"le", which JSON Schema does not know.
JsonDatabaseId = Annotated[int, Field(ge=1, le=DATABASE_ID_MAX), BeforeValidator(_json_number)]
PAGE_NUMBER_MAX = 1_000_000
PageNumber = Annotated[int, Field(ge=1, le=PAGE_NUMBER_MAX)]
SMALL_COUNT_MAX = 32_767

# ControlCharacterValidator's rule as a JSON Schema pattern (tests/api/test_api_types.py keeps the two the same).
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\u202a-\u202e\u2066-\u2069"
TEXT_PATTERN = f"^[^{CONTROL_CHARACTERS}]*$"
LINE_PATTERN = f"^[^{CONTROL_CHARACTERS}\\t\\n\\r]*$"


@dataclass(frozen=True)
class Text:
    """``Annotated[str, Text(200)]``: at most 200 characters, no control characters; ``multiline`` allows tab, CR and LF.

    The bound and the character rule are in the OpenAPI document either way; with ``by_form`` the endpoint leaves
    refusing them to the form it parses with (same rule, the form's message), otherwise pydantic refuses here.
    Unpaired surrogates are always refused here: a form would hand them on to the database.
    """

    max_length: int
    multiline: bool = False
    by_form: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(maxLength=self.max_length, pattern=TEXT_PATTERN if self.multiline else LINE_PATTERN)
        return json_schema

    def _check(self, value: str) -> str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            code_point = f"U+{ord(value[error.start]):04X}"
            raise PydanticCustomError(
                "invalid_unicode", "Remove the unpaired surrogate ({code_point}): it is not text.", {"code_point": code_point}
            ) from None
        if self.by_form:
            return value
        if len(value) > self.max_length:
            raise PydanticKnownError("string_too_long", {"max_length": self.max_length})
        try:
            ControlCharacterValidator(multiline=self.multiline)(value)
        except DjangoValidationError as error:
            raise PydanticCustomError("control_character", error.messages[0]) from None
        return value


class Documented:
    """``Annotated[str, Documented(enum=[...])]``: JSON Schema keywords for a value the endpoint's form checks in its own
    words (the page's messages), so that the OpenAPI document says what the form accepts without checking it twice."""

    def __init__(self, **keywords: object) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(self.keywords)
        return json_schema


class ErrorOut(Schema):
    """A refusal: ``code`` is stable (``not_found``, ``unparsable_body``…), ``detail`` says why in words."""

    code: str
    detail: str


class UnauthenticatedOut(ErrorOut):
    """401 (``code`` ``unauthenticated``): no session and no working bearer token; ``WWW-Authenticate: Bearer``."""

    code: Literal["unauthenticated"]


class ForbiddenOut(ErrorOut):
    """403: the role may not do this (``code`` ``forbidden``), a read token tried a write (``insufficient_scope``, with the
    token's ``scope``), or a session's write came without its CSRF token (``csrf_failed``)."""

    code: Literal["forbidden", "insufficient_scope", "csrf_failed"]
    scope: str | None = None


class ConflictOut(ErrorOut):
    """409: the object's state refuses the change; a launch names its ``problems``, a stale match run its ``changes``."""

    problems: list[str] | None = None
    changes: list[str] | None = None


class FieldErrorOut(Schema):
    """One invalid input: where (``["query", "page"]``, ``["body", "payload", "emails", 2]``), what kind, and why."""

    type: str
    loc: list[str | int]
    msg: str


class InvalidInputOut(Schema):
    """422: the request names something invalid; every invalid field is listed."""

    code: Literal["invalid_input"]
    detail: list[FieldErrorOut]


ERROR_BODIES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: UnauthenticatedOut,
    403: ForbiddenOut,
    404: ErrorOut,
    409: ConflictOut,
    422: InvalidInputOut,
}


def refusals(*statuses: int) -> dict[int, type[Schema]]:
    """The error answers an operation declares, each with its body: ``{200: Out, **refusals(401, 403, 404)}``."""
    return {status: ERROR_BODIES[status] for status in statuses}
