"""Kept for imports: the builders live in tests/builders.py, the fixtures in tests/conftest.py; plus matching's own."""

import pytest

from tests.builders import GOALS, add_person, make_ready
from turnabout.programs.models import Enrolment, ProgramStatus, Role
from turnabout.programs.services import change_program_status

__all__ = ["GOALS", "add_person", "make_ready"]


def ready_from_directory(program, person, role: Role, by, *, skills: dict[str, int]) -> Enrolment:
    """make_ready, with the application leaving time zone and languages to the directory."""
    return make_ready(program, person, role, by, skills=skills, timezone="", languages=())


@pytest.fixture
def directory_pool(acme, manager, matching_program):
    """One mentee S1 (G9) and one mentor J1 (G2) whose time zone and languages come from the directory."""
    ceo = add_person(acme, "CEO", grade="G10", department="Board")
    senior = add_person(acme, "S1", grade="G9", department="Division 1", manager=ceo)
    junior = add_person(acme, "J1", grade="G2", department="Technology", manager=ceo)
    enrolments = {
        "S1": ready_from_directory(matching_program, senior, Role.MENTEE, manager, skills={"linkedin-personal-branding": 3}),
        "J1": ready_from_directory(matching_program, junior, Role.MENTOR, manager, skills={"linkedin-personal-branding": 5}),
    }
    change_program_status(program=matching_program, to=ProgramStatus.MATCHING, by=manager)
    matching_program.refresh_from_db()
    return enrolments
