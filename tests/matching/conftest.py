"""A program in matching with a ready pool, built through the services."""

from __future__ import annotations

import pytest

from turnabout.accounts.models import Organisation, User
from turnabout.people.models import Department, Person, Skill
from turnabout.people.services import create_person
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.services import (
    Application,
    change_program_status,
    complete_training_module,
    create_program_from_preset,
    decide_application,
    invite_people,
    submit_application,
    update_program,
)

GOALS = ["linkedin-personal-branding", "generative-ai-prompting", "short-form-video", "no-code-tools"]


def add_person(organisation: Organisation, employee_id: str, *, grade: str, department: str, manager: Person | None = None) -> Person:
    return create_person(
        organisation=organisation,
        employee_id=employee_id,
        given_name=employee_id.title(),
        family_name="Tester",
        email=f"{employee_id.lower()}@{organisation.slug}.test",
        grade=organisation.grades.get(code=grade),
        department=Department.objects.get_or_create(organisation=organisation, name=department)[0],
        manager=manager,
        timezone="Europe/London",
        languages=["en"],
    )


def make_ready(program: Program, person: Person, role: Role, by: User, *, skills: dict[str, int], capacity: int = 1) -> Enrolment:
    """Invite, apply, approve and train one person."""
    enrolment = invite_people(program=program, people=[person], role=role, by=by).invited[0]
    submit_application(
        enrolment=enrolment,
        application=Application(
            motivation="To learn in both directions.",
            goals_text="",
            skills={Skill.objects.get(slug=slug): strength for slug, strength in skills.items()},
            availability=[{"day": 1, "start": "09:00", "end": "12:00"}],
            timezone="Europe/London",
            interests=["running"],
            values=["curiosity"],
            languages=["en"],
            capacity=capacity,
            diversity_consent=False,
            conduct_acknowledged=True,
        ),
    )
    decide_application(enrolment=enrolment, approve=True, by=by)
    for module in program.training_modules.all():
        if module.is_for(role):
            complete_training_module(enrolment=enrolment, module=module, answers=[q["answer"] for q in module.check_questions])
    enrolment.refresh_from_db()
    return enrolment


@pytest.fixture
def matching_program(acme, manager, sponsor) -> Program:
    """A digital program at Acme, enrolling, with three senior mentees and four junior mentors ready."""
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    program = update_program(program=program, changes={"sponsor": sponsor, "min_grade_gap": 2}, by=manager)
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


@pytest.fixture
def pool(acme, manager, matching_program):
    """Enrolments by name: mentees S1–S3 (G9, each in their own department), mentors J1–J4 (G2, Technology)."""
    ceo = add_person(acme, "CEO", grade="G10", department="Board")
    enrolments = {}
    for number, goal in enumerate(GOALS[:3], start=1):
        senior = add_person(acme, f"S{number}", grade="G9", department=f"Division {number}", manager=ceo)
        enrolments[f"S{number}"] = make_ready(matching_program, senior, Role.MENTEE, manager, skills={goal: 3})
    for number, goal in enumerate(GOALS, start=1):
        junior = add_person(acme, f"J{number}", grade="G2", department="Technology", manager=ceo)
        enrolments[f"J{number}"] = make_ready(matching_program, junior, Role.MENTOR, manager, skills={goal: 5})
    change_program_status(program=matching_program, to=ProgramStatus.MATCHING, by=manager)
    matching_program.refresh_from_db()
    return enrolments


@pytest.fixture
def second_manager_factory(acme):
    from turnabout.accounts.models import Role as AccountRole
    from turnabout.accounts.services import create_user

    return lambda: create_user(
        organisation=acme, email="frank@acme.test", role=AccountRole.PROGRAM_MANAGER, full_name="Frank Manager", password="x" * 12
    )
