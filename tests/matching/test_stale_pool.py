"""Stale means stale: a run whose inputs changed (the directory included) is never published or accepted as it was."""

import pytest

from turnabout.engine import Participant, Window
from turnabout.matching.errors import PairNoLongerAllowed, StalePool
from turnabout.matching.models import Match, MatchRun, MatchStatus, Response, RunStatus
from turnabout.matching.pool import participant_fingerprint
from turnabout.matching.services import publish_match_run, respond_to_match, start_match_run
from turnabout.people.hris import apply_people_import
from turnabout.people.hris_reading import ImportFile
from turnabout.people.services import update_person
from turnabout.programs.models import Role


def run_now(program, by, capture) -> MatchRun:
    with capture(execute=True):
        run = start_match_run(program=program, by=by)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    return run


def match_statuses() -> list[tuple[int, str]]:
    return list(Match.objects.order_by("pk").values_list("pk", "status"))


def hris_import(organisation, rows: list[str], *, columns: str) -> None:
    text = f"employee_id,given_name,family_name,email,{columns}\n" + "".join(f"{row}\n" for row in rows)
    apply_people_import(organisation=organisation, file=ImportFile.from_bytes("people.csv", text.encode()))


def hris_row(person, *values: str) -> str:
    return ",".join([person.employee_id, person.given_name, person.family_name, person.email, *values])


def test_an_hris_import_that_moves_a_mentor_into_their_mentees_line_makes_publish_refuse(
    matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    # given a run that pairs J1 with S1
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    assert run.proposed_pairs.filter(mentor=pool["J1"], mentee=pool["S1"]).exists()
    junior, senior = pool["J1"].person, pool["S1"].person
    before = match_statuses()

    # when the HR file says J1 now reports to S1
    hris_import(acme, [hris_row(junior, senior.employee_id)], columns="manager_employee_id")

    # then
    with pytest.raises(StalePool) as raised:
        publish_match_run(run=run, by=manager)
    assert raised.value.changes == [
        "J1 Tester now reports to S1 Tester's line",
        "J1 Tester's reporting line changed (their manager is now S1 Tester)",
    ]
    assert match_statuses() == before
    run.refresh_from_db()
    assert run.published_at is None


def test_a_grade_change_that_closes_the_grade_gap_makes_publish_refuse(
    matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    # given
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    before = match_statuses()

    # when J1 is promoted to one grade below their mentee (the program asks for two)
    update_person(person=pool["J1"].person, grade=acme.grades.get(code="G8"))

    # then
    with pytest.raises(StalePool) as raised:
        publish_match_run(run=run, by=manager)
    assert raised.value.changes == ["J1 Tester is no longer 2 grades junior to S1 Tester", "J1 Tester's grade is now G8"]
    assert match_statuses() == before


def test_an_hris_import_that_changes_a_language_makes_publish_refuse(
    matching_program, directory_pool, manager, acme, django_capture_on_commit_callbacks
):
    # given
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    assert run.proposed_pairs.count() == 1
    before = match_statuses()

    # when the HR file says J1 speaks French only
    hris_import(acme, [hris_row(directory_pool["J1"].person, "fr")], columns="languages")

    # then
    with pytest.raises(StalePool) as raised:
        publish_match_run(run=run, by=manager)
    assert raised.value.changes == ["J1 Tester and S1 Tester no longer share a language", "J1 Tester's languages changed"]
    assert match_statuses() == before


def test_an_hris_import_that_changes_a_time_zone_makes_publish_refuse(
    matching_program, directory_pool, manager, acme, django_capture_on_commit_callbacks
):
    # given
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    before = match_statuses()

    # when the HR file moves J1 to Tokyo
    hris_import(acme, [hris_row(directory_pool["J1"].person, "Asia/Tokyo")], columns="timezone")

    # then
    with pytest.raises(StalePool) as raised:
        publish_match_run(run=run, by=manager)
    assert raised.value.changes == ["J1 Tester's time zone is now Asia/Tokyo"]
    assert match_statuses() == before


def test_a_directory_value_the_application_overrides_does_not_make_the_run_stale(
    matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    # given J1's application names its own time zone (Europe/London)
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # when the directory's time zone changes, the engine still reads the application's
    update_person(person=pool["J1"].person, timezone="Asia/Tokyo")

    # then
    assert len(publish_match_run(run=run, by=manager)) == 3


def test_an_unrelated_change_does_not_make_the_run_stale(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # when J1's job title changes (the engine does not read it)
    update_person(person=pool["J1"].person, job_title="Staff Engineer")

    # then
    matches = publish_match_run(run=run, by=manager)
    assert len(matches) == 3
    assert {status for _, status in match_statuses()} == {MatchStatus.PROPOSED}


def test_accepting_refuses_a_pair_that_now_breaks_a_hard_rule(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given a published pair J1–S1
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    match = next(m for m in publish_match_run(run=run, by=manager) if m.mentee_id == pool["S1"].pk)

    # when J1 moves into S1's line, then accepts
    update_person(person=pool["J1"].person, manager=pool["S1"].person)
    with pytest.raises(PairNoLongerAllowed) as raised:
        respond_to_match(match=match, role=Role.MENTOR, accept=True)

    # then
    assert raised.value.changes == ["J1 Tester now reports to S1 Tester's line"]
    match.refresh_from_db()
    assert (match.status, match.mentor_response) == (MatchStatus.PROPOSED, Response.PENDING)


def test_the_fingerprint_ignores_the_order_of_sets_and_windows_but_not_their_content():
    # given
    first = Participant("M1", grade=2, languages=["en", "fr"], availability=(Window(1, "09:00", "12:00"),))
    same = Participant("M1", grade=2, languages=["fr", "en"], availability=(Window(1, "09:00", "12:00"),))
    later = Participant("M1", grade=2, languages=["fr", "en"], availability=(Window(1, "10:00", "12:00"),))

    # then
    assert participant_fingerprint(first) == participant_fingerprint(same)
    changed = {aspect for aspect, value in participant_fingerprint(later).items() if participant_fingerprint(first)[aspect] != value}
    assert changed == {"availability"}
