"""Builders for tests: people and ready enrolments made through the services (never the ORM)."""

from __future__ import annotations

from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.accounts.services import create_user
from turnabout.engagement.models import Pair
from turnabout.engagement.services import start_circle, start_pair
from turnabout.people.models import Department, Person, Skill
from turnabout.people.services import create_person, link_user
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role
from turnabout.programs.services import (
    Application,
    change_program_status,
    complete_training_module,
    decide_application,
    invite_people,
    submit_application,
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


def make_ready(
    program: Program,
    person: Person,
    role: Role,
    by: User,
    *,
    skills: dict[str, int],
    capacity: int = 1,
    timezone: str = "Europe/London",
    languages: tuple[str, ...] = ("en",),
) -> Enrolment:
    """Invite, apply, approve and train one person (``timezone=""`` and ``languages=()`` leave both to the directory)."""
    enrolment = invite_people(program=program, people=[person], role=role, by=by).invited[0]
    submit_application(
        enrolment=enrolment,
        application=Application(
            motivation="To learn in both directions.",
            goals_text="",
            skills={Skill.objects.get(slug=slug): strength for slug, strength in skills.items()},
            availability=[{"day": 1, "start": "09:00", "end": "12:00"}],
            timezone=timezone,
            interests=["running"],
            values=["curiosity"],
            languages=list(languages),
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


def signed_up_pair(organisation: Organisation, manager: User, program: Program, *, password: str) -> tuple[Person, Person, Pair]:
    """An active pair in ``program`` (enrolling): Ada (G2, Technology) mentors Ben (G9, Finance), both under a CEO, both
    with a login under ``password``; the program moves to matching to start the pair."""
    ceo = add_person(organisation, "CEO", grade="G10", department="Board")
    ada = add_person(organisation, "ADA", grade="G2", department="Technology", manager=ceo)
    ben = add_person(organisation, "BEN", grade="G9", department="Finance", manager=ceo)
    mentor = make_ready(program, ada, Role.MENTOR, manager, skills={"generative-ai-prompting": 5})
    mentee = make_ready(program, ben, Role.MENTEE, manager, skills={"generative-ai-prompting": 3})
    for person in (ada, ben):
        link_user(
            person=person, user=create_user(organisation=organisation, email=person.email, role=AccountRole.PARTICIPANT, password=password)
        )
    change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    return ada, ben, start_pair(program=program, mentor=mentor, mentee=mentee)


def signed_up_circle(
    organisation: Organisation, manager: User, program: Program, *, password: str, mentors: int = 4, mentees: int = 3
) -> tuple[list[Person], list[Person], Pair]:
    """An active circle in ``program`` (enrolling): juniors J1… (G2) mentor seniors S1… (G9), each in a department of
    their own under a CEO, all with a login under ``password``; the program moves to matching to start the circle."""
    ceo = add_person(organisation, "CEO", grade="G10", department="Board")
    juniors = [
        add_person(organisation, f"J{number}", grade="G2", department=f"Junior team {number}", manager=ceo)
        for number in range(1, mentors + 1)
    ]
    seniors = [
        add_person(organisation, f"S{number}", grade="G9", department=f"Senior team {number}", manager=ceo)
        for number in range(1, mentees + 1)
    ]
    mentor_enrolments = [make_ready(program, person, Role.MENTOR, manager, skills={"generative-ai-prompting": 5}) for person in juniors]
    mentee_enrolments = [make_ready(program, person, Role.MENTEE, manager, skills={"generative-ai-prompting": 3}) for person in seniors]
    for person in (*juniors, *seniors):
        link_user(
            person=person, user=create_user(organisation=organisation, email=person.email, role=AccountRole.PARTICIPANT, password=password)
        )
    change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    return juniors, seniors, start_circle(program=program, mentors=mentor_enrolments, mentees=mentee_enrolments)
