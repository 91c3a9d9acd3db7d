"""API writes are validated like the settings page's, and the service refuses what neither would accept.

Each reproduction below failed on the old code: PATCH stored whatever it was given (security finding 6).
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from turnabout.programs.models import Enrolment, Program
from turnabout.programs.rules import RULE_NAMES, WEIGHT_NAMES
from turnabout.programs.schemas import API_RULE_NAMES, API_WEIGHT_NAMES, MatchRulesIn, MatchWeightsIn
from turnabout.programs.services import update_program


def patch(client, program, body):
    return client.patch(f"/api/programs/{program.pk}", json.dumps(body), content_type="application/json")


def snapshot(program):
    """Every setting of the program as stored, many-to-many fields included."""
    return model_to_dict(Program.objects.get(pk=program.pk))


def located(response):
    """The fields a 422 names, as the dotted paths under the payload."""
    return sorted({".".join(str(part) for part in error["loc"][2:]) for error in response.json()["detail"]})


def test_an_unknown_cadence_answers_422_naming_cadence_and_every_page_still_works(client, manager, program):
    # given
    client.force_login(manager)
    before = snapshot(program)

    # when
    response = patch(client, program, {"cadence": "weekly"})

    # then the write is refused, names the field, and changes nothing
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "invalid_choice",
            "loc": ["body", "payload", "cadence"],
            "msg": "Select a valid choice. weekly is not one of the available choices.",
        }
    ]
    assert snapshot(program) == before
    # and the pages that broke on the stored value answer as before
    assert client.get(reverse("insights:program", args=[program.pk])).status_code == 200
    assert client.get(reverse("programs:detail", args=[program.pk])).status_code == 200
    assert client.get(f"/api/insights/programs/{program.pk}/kpis").status_code == 200


@pytest.mark.parametrize("field", ["name", "cadence", "target_meeting_count", "min_grade_gap", "match_weights", "match_rules"])
def test_null_for_a_required_setting_answers_422_and_changes_nothing(client, manager, program, field):
    # given
    client.force_login(manager)
    before = snapshot(program)

    # when
    response = patch(client, program, {field: None})

    # then
    assert response.status_code == 422
    assert all(path == field or path.startswith(f"{field}.") for path in located(response))
    assert located(response)
    assert snapshot(program) == before


def test_a_100000_character_name_answers_422_and_changes_nothing(client, manager, program):
    # given
    client.force_login(manager)
    before = snapshot(program)

    # when
    response = patch(client, program, {"name": "N" * 100_000})

    # then
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "max_length",
            "loc": ["body", "payload", "name"],
            "msg": "Ensure this value has at most 200 characters (it has 100000).",
        }
    ]
    assert snapshot(program) == before


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"target_meeting_count": -1}, ["target_meeting_count"]),
        ({"name": "   "}, ["name"]),
        ({"purpose_statement": "P" * 5_001}, ["purpose_statement"]),
        ({"starts_on": "next spring"}, ["starts_on"]),
        ({"match_weights": {"learning_goals": 2}}, ["match_weights.learning_goals"]),
        ({"match_weights": {"learning_goals": True}}, ["match_weights.learning_goals"]),
        ({"match_weights": {"novelty": 0.5}}, ["match_weights.novelty"]),
        ({"match_weights": dict.fromkeys(API_WEIGHT_NAMES.values(), 0)}, ["match_weights.learning_goals"]),
        ({"match_rules": {"mode": "fastest"}}, ["match_rules.mode"]),
        ({"match_rules": {"min_availability_minutes": 100_000}}, ["match_rules.min_availability_minutes"]),
        ({"match_rules": {"require_shared_language": "no"}}, ["match_rules.require_shared_language"]),
        ({"cadance": "monthly"}, ["cadance"]),
        ({"cadence": "weekly", "name": ""}, ["cadence", "name"]),
    ],
)
def test_a_value_the_page_would_refuse_answers_422_naming_each_field(client, manager, program, body, paths):
    # given
    client.force_login(manager)
    before = snapshot(program)

    # when
    response = patch(client, program, body)

    # then
    assert response.status_code == 422
    assert located(response) == paths
    assert snapshot(program) == before


def test_a_sponsor_must_be_an_executive_sponsor_of_the_organisation(client, manager, program, mentor, outsider):
    # given
    client.force_login(manager)
    before = snapshot(program)

    # when
    responses = [patch(client, program, {"sponsor_id": user.pk}) for user in (mentor, outsider)]

    # then
    assert [(response.status_code, located(response)) for response in responses] == [(422, ["sponsor_id"]), (422, ["sponsor_id"])]
    assert snapshot(program) == before


def test_a_valid_patch_changes_exactly_what_it_names(client, manager, program):
    # given
    client.force_login(manager)
    weights, rules = dict(program.match_weights), dict(program.match_rules)

    # when
    response = patch(
        client,
        program,
        {"cadence": "quarterly", "name": "Reverse mentoring 2027", "match_weights": {"diversity": 0.2}, "match_rules": {"mode": "fair"}},
    )

    # then
    assert response.status_code == 200
    program.refresh_from_db()
    assert (program.cadence, program.name) == ("quarterly", "Reverse mentoring 2027")
    assert program.match_weights == {**weights, "diversity": 0.2}
    assert program.match_rules == {**rules, "mode": "fair"}
    assert response.json()["match_rules"]["mode"] == "fair"


def test_the_api_keeps_its_version_1_names_for_settings_stored_under_the_engines(client, manager, program):
    # given
    client.force_login(manager)

    # when
    response = patch(
        client,
        program,
        {"match_weights": {"learning_goals": 0.5, "crossing_boundaries": 0.2},
         "match_rules": {"require_different_department": True, "min_availability_minutes": 30, "use_diversity_attributes": False}},
    )  # fmt: skip

    # then the program stores the engine's names, and the answer (and the list) shows the API's
    assert response.status_code == 200
    program.refresh_from_db()
    assert (program.match_weights["goals"], program.match_weights["boundaries"]) == (0.5, 0.2)
    assert (program.match_rules["forbid_same_department"], program.match_rules["min_overlap_minutes"]) == (True, 30)
    assert program.match_rules["use_diversity"] is False
    assert set(response.json()["match_weights"]) == set(API_WEIGHT_NAMES.values())
    assert set(response.json()["match_rules"]) == set(API_RULE_NAMES.values())
    assert response.json()["match_rules"]["min_availability_minutes"] == 30
    listed = client.get("/api/programs/").json()
    assert listed[0]["match_weights"]["learning_goals"] == 0.5


def test_a_date_can_be_cleared_with_null(client, manager, program):
    # given
    client.force_login(manager)

    # when
    response = patch(client, program, {"ends_on": None})

    # then
    assert response.status_code == 200
    assert Program.objects.get(pk=program.pk).ends_on is None
    assert "Set the enrolment window, start and end dates" in response.json()["launch_problems"]


def test_a_locked_setting_answers_409_even_with_a_bad_value(client, manager, matching_program, pool):
    # given a program in matching, whose purpose is locked
    client.force_login(manager)
    before = snapshot(matching_program)

    # when
    response = patch(client, matching_program, {"purpose_statement": None})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "field_locked"
    assert snapshot(matching_program) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cadence": "weekly"}, "cadence"),
        ({"cadence": None}, "cadence"),
        ({"name": "N" * 100_000}, "name"),
        ({"purpose_statement": "P" * 5_001}, "purpose_statement"),
        ({"match_weights": {"learning_goals": "lots"}}, "match_weights"),
        ({"match_weights": dict.fromkeys(API_WEIGHT_NAMES.values(), 0.0)}, "match_weights"),
        ({"match_rules": {"mode": "fastest"}}, "match_rules"),
        ({"match_rules": {"min_pair_score": float("nan")}}, "match_rules"),
        ({"match_rules": None}, "match_rules"),
    ],
)
def test_the_service_refuses_what_the_model_or_the_engine_would_not_accept(program, manager, changes, field):
    # given
    before = snapshot(program)

    # when
    with pytest.raises(ValidationError) as refused:
        update_program(program=program, changes=changes, by=manager)

    # then
    assert list(refused.value.message_dict) == [field]
    assert snapshot(program) == before


def test_the_service_refuses_another_organisations_sponsor_grade_and_sites(program, manager, outsider, globex):
    # given
    from turnabout.people.models import Site

    elsewhere = Site.objects.create(organisation=globex, name="Globex HQ")
    before = snapshot(program)
    changes = {"sponsor": outsider, "mentee_min_grade": globex.grades.get(code="G8"), "eligible_sites": [elsewhere]}

    # when
    with pytest.raises(ValidationError) as refused:
        update_program(program=program, changes=changes, by=manager)

    # then
    assert sorted(refused.value.message_dict) == ["eligible_sites", "mentee_min_grade", "sponsor"]
    assert snapshot(program) == before


def test_invitations_parse_like_the_page_and_name_the_bad_field(client, manager, program, mentee):
    # given
    client.force_login(manager)
    url = f"/api/programs/{program.pk}/invitations"

    # when
    bad_role = client.post(url, json.dumps({"role": "boss", "emails": ["bob@acme.test"]}), content_type="application/json")
    bad_address = client.post(url, json.dumps({"role": "mentee", "emails": ["bob at acme"]}), content_type="application/json")
    unknown = client.post(url, json.dumps({"role": "mentee", "emails": ["nobody@acme.test"]}), content_type="application/json")
    good = client.post(url, json.dumps({"role": "mentee", "emails": [" Bob@Acme.test "]}), content_type="application/json")

    # then
    refused = [(response.status_code, located(response)) for response in (bad_role, bad_address, unknown)]
    assert refused == [(422, ["role"]), (422, ["emails"]), (422, ["emails"])]
    assert (good.status_code, good.json()["invited"]) == (200, 1)
    assert list(Enrolment.objects.values_list("person__email", flat=True)) == ["bob@acme.test"]


def test_the_api_knows_exactly_the_engine_settings_the_program_has():
    assert set(MatchWeightsIn.model_fields) == set(API_WEIGHT_NAMES.values())
    assert set(MatchRulesIn.model_fields) == set(API_RULE_NAMES.values())
    assert (list(API_WEIGHT_NAMES), list(API_RULE_NAMES)) == (list(WEIGHT_NAMES), list(RULE_NAMES))
