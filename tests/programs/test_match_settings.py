"""A program's matching settings: stored under the engine's names, with the engine's defaults but for PRODUCT_DEFAULTS."""

from dataclasses import fields

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from turnabout.engine import Mode, Rules, Weights
from turnabout.matching.pool import engine_rules, engine_weights
from turnabout.programs.errors import UnknownMatchSetting
from turnabout.programs.models import Enrolment, EnrolmentStatus, MatchingStyle, Program, ProgramStatus, Role
from turnabout.programs.rules import (
    DEFAULT_RULES,
    DEFAULT_WEIGHTS,
    ENGINE_RULE_NAMES,
    PRODUCT_DEFAULTS,
    RULE_NAMES,
    WEIGHT_NAMES,
    MatchSettings,
    match_settings,
)
from turnabout.programs.services import update_program

BEFORE = [("programs", "0004_program_custom_labels")]
AFTER = [("programs", "0005_match_settings_engine_names")]


def _engine_defaults() -> dict[str, object]:
    return {item.name: item.default for engine_class in (Rules, Weights) for item in fields(engine_class)}


def test_every_stored_setting_is_named_as_the_engine_names_it():
    # given the fields of the engine's rules and weights
    rules, weights = {item.name for item in fields(Rules)}, {item.name for item in fields(Weights)}

    # then every stored weight is a field of Weights, every stored rule but the solve mode one of Rules
    assert set(WEIGHT_NAMES) <= weights
    assert set(ENGINE_RULE_NAMES) <= rules
    assert set(RULE_NAMES) - set(ENGINE_RULE_NAMES) == {"mode"}
    assert {item.name for item in fields(MatchSettings)} == {*WEIGHT_NAMES, *RULE_NAMES}


def test_the_defaults_are_the_engines_but_for_the_documented_product_defaults():
    # given
    engine = _engine_defaults()

    # then each setting defaults to the engine's value unless PRODUCT_DEFAULTS says otherwise
    for name, value in {**DEFAULT_WEIGHTS, **DEFAULT_RULES}.items():
        if name == "mode":
            assert value == Mode.SCORE
        elif name in PRODUCT_DEFAULTS:
            assert value == PRODUCT_DEFAULTS[name] != engine[name]
        else:
            assert value == engine[name]
    assert set(PRODUCT_DEFAULTS) <= {*WEIGHT_NAMES, *RULE_NAMES}
    assert abs(sum(DEFAULT_WEIGHTS.values()) - 1) < 1e-9
    assert DEFAULT_WEIGHTS["diversity"] == 0.0
    assert DEFAULT_RULES["min_pair_score"] == 0.15


def test_a_program_that_stores_nothing_has_the_default_settings():
    # given
    program = Program(match_weights={}, match_rules={})

    # when
    settings = match_settings(program)

    # then
    assert settings.mode is Mode.SCORE
    assert settings.engine_weights() == DEFAULT_WEIGHTS
    assert settings.engine_rules() == {name: DEFAULT_RULES[name] for name in ENGINE_RULE_NAMES}


def test_a_programs_settings_reach_the_engine_under_the_same_names(program):
    # given
    program.match_weights = {**program.match_weights, "goals": 0.6, "boundaries": 0.3}
    program.match_rules = {**program.match_rules, "forbid_same_department": True, "min_overlap_minutes": 30, "min_pair_score": 0.2}

    # when
    rules = engine_rules(program, pinned=[], forbidden=[], past=[])
    weights = engine_weights(program)

    # then
    assert (rules.forbid_same_department, rules.min_overlap_minutes, rules.min_pair_score) == (True, 30, 0.2)
    assert rules.use_diversity is True
    assert rules.min_grade_gap == program.min_grade_gap
    assert (weights.goals, weights.boundaries) == (0.6, 0.3)


def test_a_stored_name_the_engine_does_not_have_is_refused_by_name():
    # given settings stored under the names used before the engine's
    program = Program(match_weights={"learning_goals": 0.5}, match_rules={"min_availability_minutes": 60})

    # when / then
    with pytest.raises(UnknownMatchSetting) as raised:
        match_settings(program)
    assert raised.value.names == ["learning_goals", "min_availability_minutes"]
    assert str(raised.value) == "These are not matching settings: learning_goals, min_availability_minutes."


def test_editing_settings_under_an_old_name_is_refused_and_changes_nothing(program, manager):
    # given
    weights, rules = dict(program.match_weights), dict(program.match_rules)

    # when
    with pytest.raises(ValidationError) as raised:
        update_program(
            program=program,
            changes={"match_weights": {**weights, "crossing_boundaries": 0.2}, "match_rules": {**rules, "use_diversity_attributes": True}},
            by=manager,
        )

    # then
    assert raised.value.message_dict == {
        "match_weights": ["crossing_boundaries is not a weight."],
        "match_rules": ["use_diversity_attributes is not a rule."],
    }
    program.refresh_from_db()
    assert (program.match_weights, program.match_rules) == (weights, rules)


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_stored_settings_to_the_engines_names_and_back(acme):
    # given a program stored before the rename, with every old name and a key it keeps
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    weights = {"learning_goals": 0.4, "crossing_boundaries": 0.2, "diversity": 0.1}
    rules = {"mode": "fair", "require_different_department": True, "min_availability_minutes": 30, "use_diversity_attributes": True}
    program_id = (
        old.get_model("programs", "Program")
        .objects.create(organisation_id=acme.pk, name="Before", match_weights=weights, match_rules=rules)
        .pk
    )
    untouched_id = old.get_model("programs", "Program").objects.create(organisation_id=acme.pk, name="Empty").pk
    # and one holding a key that was never a setting (the old code ignored it)
    stray_id = (
        old.get_model("programs", "Program")
        .objects.create(
            organisation_id=acme.pk, name="Stray", match_weights={"learning_goals": 0.5, "stray": 1}, match_rules={"colour": "red"}
        )
        .pk
    )

    # when it is upgraded
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    # then the keys are the engine's, with their values
    program = executor.loader.project_state(AFTER).apps.get_model("programs", "Program").objects.get(pk=program_id)
    assert program.match_weights == {"goals": 0.4, "boundaries": 0.2, "diversity": 0.1}
    assert program.match_rules == {"mode": "fair", "forbid_same_department": True, "min_overlap_minutes": 30, "use_diversity": True}
    untouched = executor.loader.project_state(AFTER).apps.get_model("programs", "Program").objects.get(pk=untouched_id)
    assert (untouched.match_weights, untouched.match_rules) == ({}, {})
    stray = executor.loader.project_state(AFTER).apps.get_model("programs", "Program").objects.get(pk=stray_id)
    assert (stray.match_weights, stray.match_rules) == ({"goals": 0.5}, {})

    # and when it is downgraded the old names come back
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    program = executor.loader.project_state(BEFORE).apps.get_model("programs", "Program").objects.get(pk=program_id)
    assert (program.match_weights, program.match_rules) == (weights, rules)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.parametrize(
    ("status", "accepts_invitations", "past_enrolment", "under_way"),
    [
        (ProgramStatus.DRAFT, True, False, False),
        (ProgramStatus.ENROLLING, True, False, False),
        (ProgramStatus.MATCHING, False, True, False),
        (ProgramStatus.RUNNING, False, True, True),
        (ProgramStatus.CLOSING, False, True, True),
        (ProgramStatus.CLOSED, False, True, False),
    ],
)
def test_a_programs_stage_says_what_its_pages_offer(status, accepts_invitations, past_enrolment, under_way):
    # given
    program = Program(status=status)

    # then
    assert program.is_draft is (status == ProgramStatus.DRAFT)
    assert program.is_matching is (status == ProgramStatus.MATCHING)
    assert program.accepts_invitations is accepts_invitations
    assert program.is_past_enrolment is past_enrolment
    assert program.is_under_way is under_way


@pytest.mark.parametrize(
    ("style", "role", "status", "program_status", "may_choose"),
    [
        (MatchingStyle.SELF_SELECT, Role.MENTEE, EnrolmentStatus.APPROVED, ProgramStatus.MATCHING, True),
        (MatchingStyle.MANAGED, Role.MENTEE, EnrolmentStatus.APPROVED, ProgramStatus.MATCHING, False),
        (MatchingStyle.SELF_SELECT, Role.MENTOR, EnrolmentStatus.APPROVED, ProgramStatus.MATCHING, False),
        (MatchingStyle.SELF_SELECT, Role.MENTEE, EnrolmentStatus.APPLIED, ProgramStatus.MATCHING, False),
        (MatchingStyle.SELF_SELECT, Role.MENTEE, EnrolmentStatus.APPROVED, ProgramStatus.RUNNING, False),
    ],
)
def test_only_an_approved_mentee_of_a_matching_self_select_program_chooses_a_mentor(style, role, status, program_status, may_choose):
    # given
    enrolment = Enrolment(program=Program(matching_style=style, status=program_status), role=role, status=status)

    # then
    assert enrolment.may_choose_mentor is may_choose
    assert enrolment.is_invited is False
    assert Enrolment(program=enrolment.program, role=role).is_invited is True
