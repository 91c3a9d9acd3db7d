"""The named cast every permission test uses, and shared fixtures.

manager, mentor, mentee and sponsor belong to Acme; outsider belongs to Globex.
"""

import pytest

from turnabout.accounts.models import Organisation, Role, User
from turnabout.accounts.services import create_organisation, create_user
from turnabout.people.models import Person
from turnabout.people.services import create_person, ensure_grade_ladder, link_user
from turnabout.programs.models import Program, StrategicDriver
from turnabout.programs.services import create_program_from_preset, update_program

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
    organisation: Organisation, *, email: str, name: str, role: Role, employee_id: str, grade_code: str, manager: Person | None = None
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
    return _member(acme, email="ada@acme.test", name="Ada Admin", role=Role.ADMIN, employee_id="A001", grade_code="G8")


@pytest.fixture
def manager(acme: Organisation) -> User:
    """Program manager at Acme (Alice)."""
    return _member(acme, email="alice@acme.test", name="Alice Manager", role=Role.PROGRAM_MANAGER, employee_id="A002", grade_code="G6")


@pytest.fixture
def mentee(acme: Organisation) -> User:
    """A senior leader at Acme (Bob), a participant."""
    return _member(acme, email="bob@acme.test", name="Bob Senior", role=Role.PARTICIPANT, employee_id="A003", grade_code="G9")


@pytest.fixture
def mentor(acme: Organisation, mentee: User) -> User:
    """A junior employee at Acme (Charlie) who reports, two levels down, to someone else than Bob."""
    return _member(acme, email="charlie@acme.test", name="Charlie Junior", role=Role.PARTICIPANT, employee_id="A004", grade_code="G2")


@pytest.fixture
def sponsor(acme: Organisation) -> User:
    """An executive sponsor at Acme (Diana): aggregates only."""
    return _member(acme, email="diana@acme.test", name="Diana Sponsor", role=Role.SPONSOR, employee_id="A005", grade_code="G10")


@pytest.fixture
def outsider(globex: Organisation) -> User:
    """An administrator of another organisation (Eve at Globex)."""
    return _member(globex, email="eve@globex.test", name="Eve Outsider", role=Role.ADMIN, employee_id="A001", grade_code="G8")


@pytest.fixture
def program(acme: Organisation, manager: User, sponsor: User) -> Program:
    """A diversity-and-inclusion draft at Acme with its sponsor named: ready to open enrolment."""
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIVERSITY_INCLUSION, by=manager)
    return update_program(program=program, changes={"sponsor": sponsor}, by=manager)
