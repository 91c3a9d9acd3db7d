"""Direction controls are refused at every input edge, with an error naming the character; the joiners and marks that
right-to-left and Indic names use are kept.

An override (U+202E) in a name shows the text after it reversed: ``Lee\u202egnp.exe`` reads "Leeexe.png". Before, the
forms, the API's bounded strings, the HRIS import and SCIM all stored it.
"""

from __future__ import annotations

import json
from typing import Annotated

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from ninja import Schema
from pydantic import ValidationError as InvalidSchema

from turnabout.core.api_types import Text
from turnabout.core.forms import ControlCharacterValidator
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.people.hris import preview_people_import
from turnabout.people.hris_reading import ImportFile
from turnabout.people.models import Person

DIRECTION_CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
# Zero-width non-joiner and joiner (Persian, Indic scripts), left-to-right and right-to-left marks.
KEPT = ["\u200c", "\u200d", "\u200e", "\u200f"]
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Named(Schema):
    name: Annotated[str, Text(100)]


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize("control", DIRECTION_CONTROLS, ids=lambda control: f"U+{ord(control):04X}")
def test_the_forms_refuse_a_direction_control_naming_it(control, multiline):
    with pytest.raises(ValidationError) as refused:
        ControlCharacterValidator(multiline=multiline)(f"Lee{control}gnp.exe")
    assert refused.value.messages == [
        f"Remove the direction control character (U+{ord(control):04X}): it would show the text after it reversed."
    ]


@pytest.mark.parametrize("kept", KEPT, ids=lambda kept: f"U+{ord(kept):04X}")
def test_joiners_and_marks_are_text(kept):
    ControlCharacterValidator(multiline=False)(f"مهر{kept}نوش")
    assert Named(name=f"مهر{kept}نوش").name == f"مهر{kept}نوش"


def test_the_api_refuses_a_direction_control_naming_it():
    with pytest.raises(InvalidSchema) as refused:
        Named(name="Lee\u2067gnp.exe")
    [error] = refused.value.errors()
    assert (error["type"], error["msg"]) == (
        "control_character",
        "Remove the direction control character (U+2067): it would show the text after it reversed.",
    )


def test_an_hris_cell_with_a_direction_control_is_refused_naming_it(acme):
    # given
    text = (
        "employee_id,given_name,family_name,email\nE1,Ann,Lee\u202egnp.exe,ann@acme.example\nE2,Mehr\u200cnush,Zand\u200f,mz@acme.example\n"
    )

    # when
    result = preview_people_import(organisation=acme, file=ImportFile(name="staff.csv", content=text.encode()))

    # then: only the override is a problem
    assert result.problem_count == 1
    assert "contains a direction control character (U+202E), which would show the text after it reversed" in str(result.problems[0])
    assert not Person.objects.filter(organisation=acme).exists()


def test_scim_refuses_a_direction_control_in_a_name_and_creates_nobody(client: Client, acme, admin):
    # given
    secret = rotate_scim_token(organisation=acme, by=admin).secret
    user = {
        "schemas": [CORE, ENTERPRISE],
        "userName": "zoe@acme.test",
        "name": {"givenName": "Zoe", "familyName": "Zed\u202egnp.exe"},
        "active": True,
        ENTERPRISE: {"employeeNumber": "A200"},
    }

    # when
    response = client.post(
        "/scim/v2/Users", json.dumps(user), content_type="application/scim+json", headers={"Authorization": f"Bearer {secret}"}
    )

    # then
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert response.json()["detail"] == (
        "name.familyName: Remove the direction control character (U+202E): it would show the text after it reversed."
    )
    assert not Person.objects.filter(email="zoe@acme.test").exists()


def test_scim_keeps_joiners_and_marks_in_a_name(client: Client, acme, admin):
    secret = rotate_scim_token(organisation=acme, by=admin).secret
    user = {
        "schemas": [CORE, ENTERPRISE],
        "userName": "mz@acme.test",
        "name": {"givenName": "Mehr\u200cnush", "familyName": "Zand\u200f"},
        "active": True,
        ENTERPRISE: {"employeeNumber": "A201"},
    }
    response = client.post(
        "/scim/v2/Users", json.dumps(user), content_type="application/scim+json", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 201
    assert Person.objects.get(email="mz@acme.test").given_name == "Mehr\u200cnush"
