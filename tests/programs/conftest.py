import pytest

from turnabout.accounts.models import Role as AccountRole
from turnabout.accounts.services import create_user
from turnabout.programs.models import Program, StrategicDriver
from turnabout.programs.services import create_program_from_preset, update_program


@pytest.fixture
def program(acme, manager, sponsor) -> Program:
    """A diversity-and-inclusion draft at Acme with its sponsor named: ready to open enrolment."""
    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIVERSITY_INCLUSION, by=manager)
    return update_program(program=program, changes={"sponsor": sponsor}, by=manager)


@pytest.fixture
def second_manager(acme):
    return create_user(
        organisation=acme, email="frank@acme.test", role=AccountRole.PROGRAM_MANAGER, full_name="Frank Manager", password="x" * 12
    )
