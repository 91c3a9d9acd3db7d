"""The named cast every permission test uses, and shared fixtures.

manager, mentor, mentee and sponsor belong to Acme; outsider belongs to Globex.
"""

from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.builders import GOALS, add_person, make_ready
from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.accounts.services import create_organisation, create_user
from turnabout.people.models import Person
from turnabout.people.services import create_person, ensure_grade_ladder, link_user
from turnabout.programs.models import PairingFormat, Program, ProgramStatus, StrategicDriver
from turnabout.programs.models import Role as ProgramRole
from turnabout.programs.services import change_program_status, create_program_from_preset, update_program

PASSWORD = "correct horse battery staple"


@pytest.fixture
def acme(db: None) -> Organisation:
    organisation = create_organisation(name="Acme")
    ensure_grade_ladder(organisation=organisation)
    return organisation


@pytest.fixture
def globex(db: None) -> Organisation:
    organisation = create_organisation(name="Globex")
    ensure_grade_ladder(organisation=organisation)
    return organisation


def _member(
    organisation: Organisation,
    *,
    email: str,
    name: str,
    role: AccountRole,
    employee_id: str,
    grade_code: str,
    manager: Person | None = None,
) -> User:
    user = create_user(organisation=organisation, email=email, role=role, full_name=name, password=PASSWORD)
    given, family = name.split(" ", 1)
    person = create_person(
        organisation=organisation,
        employee_id=employee_id,
        given_name=given,
        family_name=family,
        email=email,
        grade=organisation.grades.get(code=grade_code),
        manager=manager,
    )
    link_user(person=person, user=user)
    return user


@pytest.fixture
def admin(acme: Organisation) -> User:
    return _member(acme, email="ada@acme.test", name="Ada Admin", role=AccountRole.ADMIN, employee_id="A001", grade_code="G8")


@pytest.fixture
def manager(acme: Organisation) -> User:
    """Program manager at Acme (Alice)."""
    return _member(
        acme, email="alice@acme.test", name="Alice Manager", role=AccountRole.PROGRAM_MANAGER, employee_id="A002", grade_code="G6"
    )


@pytest.fixture
def mentee(acme: Organisation) -> User:
    """A senior leader at Acme (Bob), a participant."""
    return _member(acme, email="bob@acme.test", name="Bob Senior", role=AccountRole.PARTICIPANT, employee_id="A003", grade_code="G9")


@pytest.fixture
def mentor(acme: Organisation, mentee: User) -> User:
    """A junior employee at Acme (Charlie) who reports, two levels down, to someone else than Bob."""
    return _member(
        acme, email="charlie@acme.test", name="Charlie Junior", role=AccountRole.PARTICIPANT, employee_id="A004", grade_code="G2"
    )


@pytest.fixture
def sponsor(acme: Organisation) -> User:
    """An executive sponsor at Acme (Diana): aggregates only."""
    return _member(acme, email="diana@acme.test", name="Diana Sponsor", role=AccountRole.SPONSOR, employee_id="A005", grade_code="G10")


@pytest.fixture
def outsider(globex: Organisation) -> User:
    """An administrator of another organisation (Eve at Globex)."""
    return _member(globex, email="eve@globex.test", name="Eve Outsider", role=AccountRole.ADMIN, employee_id="A001", grade_code="G8")


@pytest.fixture
def program(acme: Organisation, manager: User, sponsor: User) -> Program:
    """A diversity-and-inclusion draft at Acme with its sponsor named: ready to open enrolment."""
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIVERSITY_INCLUSION, by=manager)
    return update_program(program=program, changes={"sponsor": sponsor}, by=manager)


@pytest.fixture
def matching_program(acme, manager, sponsor) -> Program:
    """A digital program at Acme, enrolling, with three senior mentees and four junior mentors ready."""
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    program = update_program(program=program, changes={"sponsor": sponsor, "min_grade_gap": 2}, by=manager)
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


@pytest.fixture
def circle_program(acme, manager, sponsor) -> Program:
    """A junior board at Acme from the digital preset, enrolling: circles of 4–8 junior mentors with 3–6 senior mentees."""
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    changes = {
        "name": "Junior board",
        "sponsor": sponsor,
        "min_grade_gap": 2,
        "pairing_format": PairingFormat.CIRCLES,
        "circle_min_mentors": 4,
        "circle_max_mentors": 8,
        "circle_min_mentees": 3,
        "circle_max_mentees": 6,
    }
    program = update_program(program=program, changes=changes, by=manager)
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


@pytest.fixture
def pool(acme, manager, matching_program):
    """Enrolments by name: mentees S1–S3 (G9, each in their own department), mentors J1–J4 (G2, Technology)."""
    ceo = add_person(acme, "CEO", grade="G10", department="Board")
    enrolments = {}
    for number, goal in enumerate(GOALS[:3], start=1):
        senior = add_person(acme, f"S{number}", grade="G9", department=f"Division {number}", manager=ceo)
        enrolments[f"S{number}"] = make_ready(matching_program, senior, ProgramRole.MENTEE, manager, skills={goal: 3})
    for number, goal in enumerate(GOALS, start=1):
        junior = add_person(acme, f"J{number}", grade="G2", department="Technology", manager=ceo)
        enrolments[f"J{number}"] = make_ready(matching_program, junior, ProgramRole.MENTOR, manager, skills={goal: 5})
    change_program_status(program=matching_program, to=ProgramStatus.MATCHING, by=manager)
    matching_program.refresh_from_db()
    return enrolments


@pytest.fixture
def second_manager_factory(acme):
    from turnabout.accounts.models import AccountRole as AccountRole
    from turnabout.accounts.services import create_user

    return lambda: create_user(
        organisation=acme, email="frank@acme.test", role=AccountRole.PROGRAM_MANAGER, full_name="Frank Manager", password="x" * 12
    )


@pytest.fixture(autouse=True)
def source_language() -> Iterator[None]:
    """Each test starts and ends in the source language: a request's LocaleMiddleware activates the reader's language
    for the thread and leaves it active, so a test that reads a page in Spanish would leave the next test of its
    worker in Spanish."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def shipped_reference_data(request: pytest.FixtureRequest) -> None:
    """Transactional tests run in flushed databases: make sure the shipped taxonomy, training and survey instruments are there.

    Skills, training modules and survey instruments come from data migrations, which the flush after a transactional test
    removes; loading them again through the services keeps each such test independent of order.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames
    if not transactional and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from turnabout.people.models import Skill
    from turnabout.people.services import sync_starter_taxonomy
    from turnabout.programs.services import sync_training_modules
    from turnabout.surveys.models import Instrument
    from turnabout.surveys.services import sync_instruments

    if not Skill.objects.exists():
        sync_starter_taxonomy()
        sync_training_modules()
    if not Instrument.objects.exists():
        sync_instruments()
