"""A run of a circle program: circles within the program's sizes, nobody with their reporting line, every member explained."""

import pytest

from tests.builders import add_person, make_ready
from turnabout.matching.models import MatchRun, ProposedCircle, RunStatus
from turnabout.matching.presentation import reason_text
from turnabout.matching.services import start_match_run
from turnabout.programs.errors import CircleSizesUnfillable
from turnabout.programs.models import ProgramStatus, Role
from turnabout.programs.services import change_program_status

pytestmark = pytest.mark.django_db

CIRCLE_REASON_CODES = {"circle_fit", "no_circle_fits", "circle_not_formed"}


def circle_pool(organisation, manager, program, *, juniors=5, seniors=8, junior_reports_to_senior=True):
    """Ready juniors J1… (G2) and seniors S1… (G9), each in a department of their own under a CEO; J1 reports to S1
    (so the two may never share a circle); the program moves to matching. Returns enrolments by employee id."""
    ceo = add_person(organisation, "CEO", grade="G10", department="Board")
    enrolments = {}
    senior_people = []
    for number in range(1, seniors + 1):
        person = add_person(organisation, f"S{number}", grade="G9", department=f"Senior team {number}", manager=ceo)
        senior_people.append(person)
        enrolments[f"S{number}"] = make_ready(program, person, Role.MENTEE, manager, skills={"generative-ai-prompting": 3})
    for number in range(1, juniors + 1):
        boss = senior_people[0] if number == 1 and junior_reports_to_senior and senior_people else ceo
        person = add_person(organisation, f"J{number}", grade="G2", department=f"Junior team {number}", manager=boss)
        enrolments[f"J{number}"] = make_ready(program, person, Role.MENTOR, manager, skills={"generative-ai-prompting": 5})
    change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    program.refresh_from_db()
    return enrolments


def run_now(program, by, django_capture_on_commit_callbacks) -> MatchRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(program=program, by=by)
    run.refresh_from_db()
    return run


def circles_of(run) -> list[dict[str, set[str]]]:
    circles = []
    for circle in ProposedCircle.objects.filter(run=run).prefetch_related("members__enrolment__person"):
        sides: dict[str, set[str]] = {Role.MENTOR: set(), Role.MENTEE: set()}
        for member in circle.members.all():
            sides[member.role].add(member.enrolment.person.employee_id)
        circles.append(sides)
    return circles


def test_a_run_forms_circles_within_the_sizes_and_keeps_reporting_lines_apart(
    acme, manager, circle_program, django_capture_on_commit_callbacks
):
    # given five juniors and eight seniors, J1 in S1's line
    circle_pool(acme, manager, circle_program)

    # when
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)

    # then
    assert run.status == RunStatus.SUCCEEDED, run.error
    circles = circles_of(run)
    assert circles, "five juniors and eight seniors fill a circle of 4–8 and 3–6"
    for sides in circles:
        assert 4 <= len(sides[Role.MENTOR]) <= 8
        assert 3 <= len(sides[Role.MENTEE]) <= 6
        assert not ({"J1", "S1"} <= sides[Role.MENTOR] | sides[Role.MENTEE]), "J1 reports to S1"
    placed = set().union(*(sides[Role.MENTOR] | sides[Role.MENTEE] for sides in circles))
    assert {"certificate"} <= set(run.summary)
    assert set(run.summary["certificate"]) == {"optimal", "objective", "upper_bound", "gap", "method"}
    unplaced = {item.enrolment.person.employee_id: item for item in run.unmatched.select_related("enrolment__person")}
    assert placed | set(unplaced) == {f"J{n}" for n in range(1, 6)} | {f"S{n}" for n in range(1, 9)}
    assert not placed & set(unplaced)
    assert all(item.code in CIRCLE_REASON_CODES | {"ruled_out", "below_minimum_score"} for item in unplaced.values())


def test_every_member_has_their_place_in_words(acme, manager, circle_program, django_capture_on_commit_callbacks):
    circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)

    for circle in ProposedCircle.objects.filter(run=run).prefetch_related("members__enrolment__person"):
        for member in circle.members.all():
            codes = [reason["code"] for reason in member.reasons]
            assert "circle_fit" in codes
            fit = next(reason for reason in member.reasons if reason["code"] == "circle_fit")
            text = reason_text(fit, circle_program)
            assert member.enrolment.person.given_name in text
            assert "reporting line" in text
    for item in run.unmatched.all():
        worded = reason_text({"code": item.code, "text": item.reason, "params": item.params}, circle_program)
        assert worded
        assert "%(" not in worded


def test_too_small_a_pool_is_refused_and_nothing_is_queued(acme, manager, circle_program, django_capture_on_commit_callbacks):
    # given three juniors, where a circle needs four
    circle_pool(acme, manager, circle_program, juniors=3, seniors=4, junior_reports_to_senior=False)

    # when / then
    with pytest.raises(CircleSizesUnfillable) as refused:
        run_now(circle_program, manager, django_capture_on_commit_callbacks)
    assert refused.value.sentences
    assert not MatchRun.objects.exists()


def test_the_review_page_says_why_a_run_is_refused(client, acme, manager, circle_program):
    circle_pool(acme, manager, circle_program, juniors=3, seniors=4, junior_reports_to_senior=False)
    client.force_login(manager)

    response = client.post(f"/matching/programs/{circle_program.pk}/run/", follow=True)

    assert response.status_code == 200
    assert not MatchRun.objects.exists()
    shown = [str(message) for message in response.context["messages"]]
    assert shown
    assert shown[0] == " ".join(circle_program.circle_size_problems(mentors=3, mentees=4))
