from datetime import date

import pytest

from turnabout.programs.errors import FieldLocked, InvalidTransition, NotReadyToLaunch
from turnabout.programs.models import Program, ProgramStatus, StrategicDriver, Wording
from turnabout.programs.rules import add_months, launch_problems
from turnabout.programs.services import change_program_status, create_program_from_preset, update_program


@pytest.mark.parametrize("driver", StrategicDriver.values)
def test_every_driver_has_a_template_that_fills_the_program(acme, manager, driver):
    # when
    program = create_program_from_preset(organisation=acme, driver=driver, by=manager, today=date(2026, 11, 23))

    # then
    assert program.status == ProgramStatus.DRAFT
    assert program.strategic_driver == driver
    assert program.code_of_conduct
    assert program.agreement_template
    assert 3 <= (program.ends_on - program.starts_on).days / 30.4 <= 18.1
    assert abs(sum(program.match_weights.values()) - 1) < 1e-9
    assert program.training_modules.count() >= 6


def test_diversity_template_uses_reciprocal_wording(program):
    assert program.wording == Wording.RECIPROCAL
    assert (program.mentor_label, program.mentee_label) == ("reverse partner", "senior partner")
    assert program.match_rules["use_diversity"] is True


def test_a_purpose_is_required_before_enrolment_opens(program, manager):
    # given
    program = update_program(program=program, changes={"purpose_statement": ""}, by=manager)

    # when / then
    with pytest.raises(NotReadyToLaunch) as raised:
        change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    assert "State the program's purpose (at least a sentence)" in raised.value.problems
    assert Program.objects.get(pk=program.pk).status == ProgramStatus.DRAFT


def test_a_program_runs_between_3_and_18_months(program, manager):
    program = update_program(program=program, changes={"ends_on": add_months(program.starts_on, 24)}, by=manager)
    assert "A program runs between 3 and 18 months" in launch_problems(program)


def test_a_sponsor_is_required(acme, manager):
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.INNOVATION, by=manager)
    assert "Name an executive sponsor" in launch_problems(program)


def test_a_complete_program_opens_enrolment(program, manager):
    assert launch_problems(program) == []
    assert change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager).status == ProgramStatus.ENROLLING


def test_lifecycle_refuses_skipping_states(program, manager):
    with pytest.raises(InvalidTransition, match="A draft program cannot become running"):
        change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)


def test_settings_people_signed_up_to_are_locked_once_enrolling(program, manager):
    # given
    change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    name = program.name

    # when / then
    with pytest.raises(FieldLocked, match="wording"):
        update_program(program=program, changes={"wording": Wording.ADVISOR_LEARNER, "name": "Renamed"}, by=manager)
    program.refresh_from_db()
    assert (program.wording, program.name) == (Wording.RECIPROCAL, name)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_the_custom_template_cannot_launch_with_its_bracketed_blanks(acme, manager, sponsor):
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.CUSTOM, by=manager)
    program = update_program(program=program, changes={"sponsor": sponsor}, by=manager)
    assert "Replace the [bracketed] placeholders left from the template" in launch_problems(program)
