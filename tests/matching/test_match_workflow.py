import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from tests.matching.conftest import add_person, make_ready
from turnabout.matching.errors import AlreadyPublished, DeclineReasonRequired, NotYourTurn, RunNotReady, StalePool
from turnabout.matching.models import Match, MatchRun, MatchStatus, PairRuleKind, RunStatus
from turnabout.matching.services import (
    publish_match_run,
    respond_to_match,
    set_pair_rule,
    start_match_run,
)
from turnabout.people.services import mark_leaver
from turnabout.programs.models import AcceptanceOrder, ProgramStatus, Role
from turnabout.programs.services import update_program, withdraw_leavers


def run_now(program, by, django_capture_on_commit_callbacks, mode=None) -> MatchRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(program=program, by=by, mode=mode)
    run.refresh_from_db()
    return run


def pairs_of(run) -> set[tuple[str, str]]:
    return {
        (p.mentor.person.employee_id, p.mentee.person.employee_id)
        for p in run.proposed_pairs.select_related("mentor__person", "mentee__person")
    }


def test_a_run_pairs_each_mentee_with_the_mentor_who_covers_their_goal(matching_program, pool, manager, django_capture_on_commit_callbacks):
    # when
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # then
    assert run.status == RunStatus.SUCCEEDED
    assert run.progress == 1.0
    assert pairs_of(run) == {("J1", "S1"), ("J2", "S2"), ("J3", "S3")}
    assert run.summary["certificate"]["optimal"] is True
    assert run.summary["mentees_matched"] == 3
    for pair in run.proposed_pairs.all():
        assert pair.reasons, "every pair is explained"
        assert abs(sum(pair.components.values()) - pair.score) < 1e-9
    (unmatched,) = run.unmatched.select_related("enrolment__person")
    assert unmatched.enrolment.person.employee_id == "J4"
    assert unmatched.reason


def test_runs_need_the_matching_state(matching_program, manager):
    matching_program.status = ProgramStatus.ENROLLING
    with pytest.raises(RunNotReady):
        start_match_run(program=matching_program, by=manager)
    assert not MatchRun.objects.exists()


def test_pins_and_bans_apply_on_the_next_run(matching_program, pool, manager, django_capture_on_commit_callbacks):
    # given
    set_pair_rule(program=matching_program, mentor=pool["J4"], mentee=pool["S1"], kind=PairRuleKind.PIN, by=manager)
    set_pair_rule(program=matching_program, mentor=pool["J2"], mentee=pool["S2"], kind=PairRuleKind.FORBID, by=manager)

    # when
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # then
    pairs = pairs_of(run)
    assert ("J4", "S1") in pairs
    assert ("J2", "S2") not in pairs
    assert run.proposed_pairs.get(mentor=pool["J4"]).is_pinned


def test_a_rerun_reports_what_changed(matching_program, pool, manager, django_capture_on_commit_callbacks):
    run_now(matching_program, manager, django_capture_on_commit_callbacks)
    set_pair_rule(program=matching_program, mentor=pool["J1"], mentee=pool["S1"], kind=PairRuleKind.FORBID, by=manager)
    second = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    assert second.summary["changes"]["pairs_dropped"] >= 1
    assert second.summary["changes"]["pairs_kept"] + second.summary["changes"]["pairs_new"] == second.summary["pairs"]


def test_publishing_creates_each_pair_once_and_asks_both_sides(matching_program, pool, manager, django_capture_on_commit_callbacks):
    # given
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        matches = publish_match_run(run=run, by=manager)

    # then
    assert len(matches) == 3
    assert len(mail.outbox) == 6
    assert all("Please accept or decline" in message.body for message in mail.outbox)
    with pytest.raises(AlreadyPublished):
        publish_match_run(run=run, by=manager)
    assert Match.objects.count() == 3


def test_an_open_pair_cannot_exist_twice(matching_program, pool):
    Match.objects.create(program=matching_program, mentor=pool["J1"], mentee=pool["S1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(program=matching_program, mentor=pool["J1"], mentee=pool["S1"])


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks across connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_managers_publishing_at_once_create_each_pair_once(acme, manager, sponsor, second_manager_factory):
    from tests.matching.test_match_workflow import _ready_program_with_run

    run = _ready_program_with_run(acme, manager, sponsor)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def publish(user):
        barrier.wait()
        try:
            publish_match_run(run=run, by=user)
            outcomes.append("published")
        except AlreadyPublished:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(user,)) for user in (manager, second_manager_factory())]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["published", "refused"]
    assert Match.objects.count() == run.proposed_pairs.count()


def test_a_stale_run_says_what_changed_and_publishes_nothing(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given a run, then one more mentee becomes ready
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    matching_program = update_program(program=matching_program, changes={}, by=manager)
    matching_program.status = ProgramStatus.ENROLLING
    matching_program.save()
    late = add_person(acme, "S9", grade="G9", department="Division 9")
    make_ready(matching_program, late, Role.MENTEE, manager, skills={"short-form-video": 3})
    matching_program.status = ProgramStatus.MATCHING
    matching_program.save()

    # when / then
    with pytest.raises(StalePool) as raised:
        publish_match_run(run=run, by=manager)
    assert raised.value.changes == ["1 person joined the pool"]
    assert not Match.objects.exists()


def test_both_accept_then_the_pair_is_active(matching_program, pool, manager, django_capture_on_commit_callbacks):
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    match = publish_match_run(run=run, by=manager)[0]
    respond_to_match(match=match, role=Role.MENTOR, accept=True)
    match = respond_to_match(match=match, role=Role.MENTEE, accept=True)
    assert match.status == MatchStatus.ACTIVE


def test_a_decline_needs_a_no_fault_reason_and_returns_both_to_the_pool(
    matching_program, pool, manager, django_capture_on_commit_callbacks
):
    # given
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    matches = {m.mentee.person.employee_id: m for m in publish_match_run(run=run, by=manager)}
    for employee_id in ("S2", "S3"):
        respond_to_match(match=matches[employee_id], role=Role.MENTOR, accept=True)
        respond_to_match(match=matches[employee_id], role=Role.MENTEE, accept=True)
    with pytest.raises(DeclineReasonRequired, match="Choose one of the reasons"):
        respond_to_match(match=matches["S1"], role=Role.MENTEE, accept=False, reason="")

    # when
    declined = respond_to_match(match=matches["S1"], role=Role.MENTEE, accept=False, reason="timing")
    rematch = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # then: only S1 and the free mentors are in the rematch, and J1–S1 is never proposed again
    assert declined.status == MatchStatus.DECLINED
    assert set(rematch.pool) == {str(pool[name].pk) for name in ("S1", "J1", "J4")}
    assert pairs_of(rematch) == {("J4", "S1")}


def test_acceptance_order_mentee_first(matching_program, pool, manager, django_capture_on_commit_callbacks):
    matching_program.acceptance_order = AcceptanceOrder.MENTEE_FIRST
    matching_program.save()
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        match = publish_match_run(run=run, by=manager)[0]
    assert len(mail.outbox) == 3  # only the mentees are asked first
    with pytest.raises(NotYourTurn):
        respond_to_match(match=match, role=Role.MENTOR, accept=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        respond_to_match(match=match, role=Role.MENTEE, accept=True)
    assert [message.to for message in mail.outbox] == [[match.mentor.person.email]]


def test_a_leaver_is_withdrawn_and_their_partner_told(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    from datetime import date

    from turnabout.matching.services import end_matches_of_withdrawn

    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    match = next(m for m in publish_match_run(run=run, by=manager) if m.mentee_id == pool["S1"].pk)
    mark_leaver(person=pool["S1"].person, end_date=date(2026, 11, 20))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_leavers(organisation=acme)
        ended = end_matches_of_withdrawn(organisation_id=acme.pk)
    assert [m.pk for m in ended] == [match.pk]
    assert [message.to for message in mail.outbox] == [[pool["J1"].person.email]]
    assert "no longer taking part" in mail.outbox[0].body


def _ready_program_with_run(acme, manager, sponsor):
    from turnabout.matching.runs import claim_match_run, execute_match_run
    from turnabout.programs.models import StrategicDriver
    from turnabout.programs.services import change_program_status, create_program_from_preset

    program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    program = update_program(program=program, changes={"sponsor": sponsor, "min_grade_gap": 2}, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    ceo = add_person(acme, "CEO", grade="G10", department="Board")
    for number in (1, 2):
        make_ready(
            program,
            add_person(acme, f"S{number}", grade="G9", department=f"D{number}", manager=ceo),
            Role.MENTEE,
            manager,
            skills={"short-form-video": 3},
        )
        make_ready(
            program,
            add_person(acme, f"J{number}", grade="G2", department="Tech", manager=ceo),
            Role.MENTOR,
            manager,
            skills={"short-form-video": 5},
        )
    program = change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    run = MatchRun.objects.create(program=program, requested_by=manager)
    assert claim_match_run(run.pk)
    return execute_match_run(run_id=run.pk)


def test_an_hris_import_that_marks_a_leaver_ends_their_pair_and_tells_the_partner(
    matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    from turnabout.people.hris import apply_people_import
    from turnabout.people.hris_reading import ImportFile
    from turnabout.programs.models import EnrolmentStatus

    # given an accepted pair J1–S1
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    match = next(m for m in publish_match_run(run=run, by=manager) if m.mentee_id == pool["S1"].pk)
    senior = pool["S1"].person
    csv = (
        "employee_id,given_name,family_name,email,employment_status,end_date\n"
        f"{senior.employee_id},{senior.given_name},{senior.family_name},{senior.email},leaver,2026-11-01\n"
    )
    mail.outbox.clear()

    # when the HR file says S1 has left
    with django_capture_on_commit_callbacks(execute=True):
        apply_people_import(organisation=acme, file=ImportFile.from_bytes("leavers.csv", csv.encode()))

    # then
    match.refresh_from_db()
    pool["S1"].refresh_from_db()
    assert pool["S1"].status == EnrolmentStatus.WITHDRAWN
    assert match.status == MatchStatus.ENDED
    assert [message.to for message in mail.outbox] == [[pool["J1"].person.email]]


def test_a_declined_pinned_pair_is_not_pinned_again(matching_program, pool, manager, django_capture_on_commit_callbacks):
    # given J1–S1 was pinned, proposed, published and declined
    set_pair_rule(program=matching_program, mentor=pool["J1"], mentee=pool["S1"], kind=PairRuleKind.PIN, by=manager)
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    match = next(m for m in publish_match_run(run=run, by=manager) if m.mentee_id == pool["S1"].pk)
    respond_to_match(match=match, role=Role.MENTEE, accept=False, reason="different_focus")

    # when matching runs again
    rematch = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # then the run succeeds and the declined pair is not proposed
    assert rematch.status == RunStatus.SUCCEEDED
    assert ("J1", "S1") not in pairs_of(rematch)
