"""The database side of the real-process tests (tests/core/test_crash.py, test_scheduler.py), run in a process of its
own against their database (``manage.py shell -c "from tests.core.drill import build; print(build(2000))"``): the
test process has its own test database, so it reads the outcome with SQL over a connection of its own.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from tests.builders import add_person, make_ready
from turnabout.accounts.models import AccountRole, User
from turnabout.accounts.services import create_organisation, create_user
from turnabout.engagement.models import Pair
from turnabout.engagement.services import start_pair
from turnabout.matching.services import start_match_run
from turnabout.people.models import Department, Person, Skill
from turnabout.people.services import ensure_grade_ladder
from turnabout.programs.models import Enrolment, EnrolmentSkill, EnrolmentStatus, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.services import change_program_status, create_program_from_preset, update_program

MANAGER = "pm@drill.test"


def build(size: int, seed: int = 1) -> int:
    """A program in matching with ``size`` junior mentors and ``size`` senior mentees, approved, with skills and time.

    Bulk-created, as tests/matching's large-pool tests do: the services would take minutes for thousands of people.
    """
    rng = random.Random(seed)
    organisation = create_organisation(name="Drill")
    grades = {grade.rank: grade for grade in ensure_grade_ladder(organisation=organisation)}
    manager = create_user(organisation=organisation, email=MANAGER, role=AccountRole.PROGRAM_MANAGER, password="x" * 12)
    departments = [Department.objects.create(organisation=organisation, name=f"Department {n}") for n in range(20)]
    zones = ["Europe/London", "America/New_York", "Asia/Singapore", "Europe/Berlin"]
    people = Person.objects.bulk_create(
        [
            Person(
                organisation=organisation,
                employee_id=f"E{n:06}",
                given_name="P",
                family_name=f"{n:06}",
                email=f"e{n}@drill.test",
                grade=grades[rng.randint(7, 9) if n % 2 == 0 else rng.randint(1, 3)],
                department=rng.choice(departments),
                timezone=rng.choice(zones),
                languages=["en"],
            )
            for n in range(2 * size)
        ],
        batch_size=2000,
    )
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    Program.objects.filter(pk=program.pk).update(status=ProgramStatus.MATCHING, training_required=False)
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                program=program,
                person=person,
                role=Role.MENTEE if n % 2 == 0 else Role.MENTOR,
                status=EnrolmentStatus.APPROVED,
                availability=[{"day": rng.randint(0, 4), "start": "09:00", "end": "12:00"}],
                timezone=person.timezone,
                languages=["en"],
                interests=rng.sample(["running", "jazz", "chess", "cooking", "film", "hiking"], 2),
                values=rng.sample(["fairness", "curiosity", "craft", "family"], 1),
                capacity=1,
            )
            for n, person in enumerate(people)
        ],
        batch_size=2000,
    )
    skills = list(Skill.objects.values_list("pk", flat=True))
    EnrolmentSkill.objects.bulk_create(
        [
            EnrolmentSkill(
                enrolment=enrolment, skill_id=skill, strength=rng.randint(1, 3) if enrolment.role == Role.MENTEE else rng.randint(3, 5)
            )
            for enrolment in enrolments
            for skill in set(rng.choices(skills, k=3))
        ],
        batch_size=5000,
    )
    return program.pk


def start(program_id: int) -> int:
    """Queue a match run as a program manager does; the task is enqueued when the service's transaction commits."""
    return start_match_run(program=Program.objects.get(pk=program_id), by=User.objects.get(email=MANAGER)).pk


def overdue_pair() -> int:
    """A running program whose one pair (J1 Tester, junior; S1 Tester, senior) started 60 days ago and never met:
    past its monthly cadence. Built through the services; only the start date is moved back."""
    organisation = create_organisation(name="Drill")
    ensure_grade_ladder(organisation=organisation)
    manager = create_user(organisation=organisation, email=MANAGER, role=AccountRole.PROGRAM_MANAGER, password="x" * 12)
    sponsor = create_user(organisation=organisation, email="sponsor@drill.test", role=AccountRole.SPONSOR, password="x" * 12)
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    program = update_program(program=program, changes={"sponsor": sponsor, "min_grade_gap": 2}, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    ceo = add_person(organisation, "CEO", grade="G10", department="Board")
    junior = make_ready(program, add_person(organisation, "J1", grade="G2", department="Technology", manager=ceo), Role.MENTOR, manager,
                        skills={"generative-ai-prompting": 5})  # fmt: skip
    senior = make_ready(program, add_person(organisation, "S1", grade="G9", department="Finance", manager=ceo), Role.MENTEE, manager,
                        skills={"generative-ai-prompting": 3})  # fmt: skip
    program = change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)
    pair = start_pair(program=program, mentor=junior, mentee=senior)
    Pair.objects.filter(pk=pair.pk).update(started_on=timezone.localdate() - timedelta(days=60))
    return pair.pk
