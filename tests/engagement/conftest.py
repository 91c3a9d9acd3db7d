"""An active pair built through the services: Ada (junior, mentor, London) and Ben (senior, mentee, New York)."""

from __future__ import annotations

import pytest

from tests.matching.conftest import add_person, make_ready
from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.accounts.services import create_user
from turnabout.engagement.models import Pair
from turnabout.engagement.services import start_pair
from turnabout.people.models import Person, Skill
from turnabout.people.services import link_user
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role
from turnabout.programs.services import (
    Application,
    change_program_status,
    complete_training_module,
    decide_application,
    invite_people,
    submit_application,
)


def make_ready_in_zone(
    program: Program, person: Person, role: Role, by: User, *, skills: dict[str, int], availability: list[dict], timezone: str
) -> Enrolment:
    """Like make_ready, with the person's own weekly availability and time zone."""
    enrolment = invite_people(program=program, people=[person], role=role, by=by).invited[0]
    submit_application(
        enrolment=enrolment,
        application=Application(
            motivation="To learn in both directions.",
            goals_text="",
            skills={Skill.objects.get(slug=slug): strength for slug, strength in skills.items()},
            availability=availability,
            timezone=timezone,
            interests=["running"],
            values=["curiosity"],
            languages=["en"],
            capacity=1,
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
def active_pair(acme: Organisation, manager: User, matching_program: Program) -> Pair:
    """Ada (G2, mentor, Europe/London, Tue 09:00–12:00) and Ben (G9, mentee, America/New_York, Tue 04:00–07:00), with logins.

    In winter both windows are 09:00–12:00 UTC; between the US and UK clock changes they overlap 09:00–11:00 UTC.
    """
    ceo = add_person(acme, "CEO", grade="G10", department="Board")
    ada = add_person(acme, "ADA", grade="G2", department="Technology", manager=ceo)
    ben = add_person(acme, "BEN", grade="G9", department="Finance", manager=ceo)
    mentor = make_ready(matching_program, ada, Role.MENTOR, manager, skills={"generative-ai-prompting": 5})
    mentee = make_ready_in_zone(
        matching_program,
        ben,
        Role.MENTEE,
        manager,
        skills={"generative-ai-prompting": 3},
        availability=[{"day": 1, "start": "04:00", "end": "07:00"}],
        timezone="America/New_York",
    )
    for person in (ada, ben):
        link_user(person=person, user=create_user(organisation=acme, email=person.email, role=AccountRole.PARTICIPANT, password="x" * 12))
    change_program_status(program=matching_program, to=ProgramStatus.MATCHING, by=manager)
    return start_pair(program=matching_program, mentor=mentor, mentee=mentee)
