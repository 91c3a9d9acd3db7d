"""A guest from outside is matched as a mentor: the engine reads the program's guest grade, or a junior's without one."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.builders import add_person, make_ready
from turnabout.matching.models import MatchRun, RunStatus
from turnabout.matching.pool import build_pool
from turnabout.matching.services import start_match_run
from turnabout.people.models import Person
from turnabout.people.services import create_guest
from turnabout.programs.models import Program, ProgramStatus, Role
from turnabout.programs.services import change_program_status, update_program

GOAL = "generative-ai-prompting"


def guest_mentor(program: Program, manager) -> Person:
    guest = create_guest(
        organisation=program.organisation,
        email="gabriela@miami.test",
        given_name="Gabriela",
        family_name="Student",
        guest_organisation="University of Miami",
        access_ends_on=timezone.localdate() + timedelta(days=120),
        by=manager,
    )
    make_ready(program, guest, Role.MENTOR, manager, skills={GOAL: 5})
    return guest


def senior_mentee(program: Program, manager) -> Person:
    senior = add_person(program.organisation, "S1", grade="G9", department="Division 1")
    make_ready(program, senior, Role.MENTEE, manager, skills={GOAL: 3})
    return senior


def run_now(program: Program, manager, django_capture_on_commit_callbacks) -> MatchRun:
    program = change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(program=program, by=manager)
    run.refresh_from_db()
    return run


def proposed(run: MatchRun) -> set[tuple[str, str]]:
    return {
        (pair.mentor.person.email, pair.mentee.person.email)
        for pair in run.proposed_pairs.select_related("mentor__person", "mentee__person")
    }


def test_a_guest_mentor_is_matched_under_the_grade_gap_at_the_programs_guest_grade(
    acme, manager, matching_program, django_capture_on_commit_callbacks
):
    # given a grade gap of 2, guests standing at G2 and a G9 mentee
    program = update_program(program=matching_program, changes={"guest_grade": acme.grades.get(code="G2")}, by=manager)
    guest, senior = guest_mentor(program, manager), senior_mentee(program, manager)

    # when
    pool = build_pool(program)
    run = run_now(program, manager, django_capture_on_commit_callbacks)

    # then
    assert [mentor.grade for mentor in pool.problem.mentors] == [2]
    assert run.status == RunStatus.SUCCEEDED
    assert proposed(run) == {(guest.email, senior.email)}


def test_the_grade_gap_reads_the_guest_grade_and_refuses_a_pair_too_close(
    acme, manager, matching_program, django_capture_on_commit_callbacks
):
    # given guests standing at G8, one grade below the G9 mentee, where the program asks for a gap of 2
    program = update_program(program=matching_program, changes={"guest_grade": acme.grades.get(code="G8")}, by=manager)
    guest_mentor(program, manager)
    senior_mentee(program, manager)

    # when
    run = run_now(program, manager, django_capture_on_commit_callbacks)

    # then
    assert run.status == RunStatus.SUCCEEDED
    assert proposed(run) == set()


def test_without_a_grade_gap_or_guest_grade_a_guest_is_matched_as_a_junior(manager, matching_program, django_capture_on_commit_callbacks):
    # given a program whose mentors need only be junior to their mentees (the least gap, 1), saying nothing of guests' grade
    program = update_program(program=matching_program, changes={"min_grade_gap": 1}, by=manager)
    assert program.guest_grade is None
    guest, senior = guest_mentor(program, manager), senior_mentee(program, manager)

    # when
    pool = build_pool(program)
    run = run_now(program, manager, django_capture_on_commit_callbacks)

    # then
    assert [mentor.grade for mentor in pool.problem.mentors] == [0]
    assert proposed(run) == {(guest.email, senior.email)}
