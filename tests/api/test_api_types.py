"""The API's text rule is the forms' rule: the OpenAPI pattern and the check refuse exactly the same characters."""

import re
import sys
from typing import Annotated

import pytest
from django.core.exceptions import ValidationError
from ninja import Schema
from pydantic import ValidationError as InvalidSchema

from turnabout.core.api_types import LINE_PATTERN, TEXT_PATTERN, Text
from turnabout.core.forms import ControlCharacterValidator

# Every code point but the surrogates, which are no text (test_an_unpaired_surrogate_is_refused).
CODE_POINTS = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF]


class Texts(Schema):
    line: Annotated[str, Text(5)] = ""
    text: Annotated[str, Text(5, multiline=True)] = ""
    by_form: Annotated[str, Text(5, by_form=True)] = ""


def _refused_by_the_form(multiline: bool) -> set[str]:
    validator = ControlCharacterValidator(multiline=multiline)
    refused = set()
    for character in CODE_POINTS:
        try:
            validator(character)
        except ValidationError:
            refused.add(character)
    return refused


@pytest.mark.parametrize(("pattern", "multiline"), [(LINE_PATTERN, False), (TEXT_PATTERN, True)])
def test_the_pattern_refuses_exactly_what_the_forms_refuse(pattern, multiline):
    allowed = re.compile(pattern)
    refused_by_pattern = {character for character in CODE_POINTS if not allowed.fullmatch(character)}
    assert refused_by_pattern == _refused_by_the_form(multiline)
    assert len(refused_by_pattern) == (73 if multiline else 76)


def test_text_is_refused_beyond_its_bound_and_for_a_control_character_with_the_forms_message():
    # when
    with pytest.raises(InvalidSchema) as refused:
        Texts(line="B\r\nc", text="x" * 6)

    # then
    assert [(error["loc"], error["type"], error["msg"]) for error in refused.value.errors()] == [
        (("line",), "control_character", "Remove the line break or control character (U+000D): this field is one line of text."),
        (("text",), "string_too_long", "String should have at most 5 characters"),
    ]


def test_multiline_text_takes_line_breaks_and_a_field_checked_by_its_form_is_left_to_it():
    assert Texts(text="a\r\nb", by_form="x\x00" * 9).text == "a\r\nb"


@pytest.mark.parametrize("field", ["line", "text", "by_form"])
def test_an_unpaired_surrogate_is_refused(field):
    with pytest.raises(InvalidSchema) as refused:
        Texts(**{field: "ok\ud800"})
    assert [(error["type"], error["msg"]) for error in refused.value.errors()] == [
        ("invalid_unicode", "Remove the unpaired surrogate (U+D800): it is not text.")
    ]
