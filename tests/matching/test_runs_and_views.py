"""A run's mode, its failures, and the manager's and participants' pages around it: error paths included."""

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.matching.test_stale_pool import run_now
from turnabout.engagement.models import Pair, PairStatus
from turnabout.engine import Mode
from turnabout.matching.models import Match, MatchRun, MatchStatus, PairRule, RunMode, RunStatus
from turnabout.matching.queries import roles_asked_first, waiting_for
from turnabout.matching.runs import WORKER_STOPPED, claim_match_run, execute_match_run, fail_abandoned_match_run
from turnabout.matching.services import publish_match_run, respond_to_match, start_match_run
from turnabout.programs.models import AcceptanceOrder, Role


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_run_stores_one_of_the_engine_modes():
    # then the run's choices are the engine's modes, one for one
    assert sorted(RunMode.values) == sorted(mode.value for mode in Mode)
    assert MatchRun(mode=RunMode.FAIR).engine_mode is Mode.FAIR
    assert MatchRun(mode=RunMode.COVERAGE).optimises_coverage
    assert not MatchRun(mode=RunMode.SCORE).optimises_fairness


def test_an_unknown_mode_is_refused_and_starts_no_run(client, manager, matching_program, pool):
    # given
    client.force_login(manager)

    # when
    response = client.post(reverse("matching:start_run", args=[matching_program.pk]), {"mode": "fastest"})

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["Unknown matching mode."]
    assert not MatchRun.objects.exists()


def test_a_program_still_enrolling_cannot_run_matching(client, manager, matching_program):
    # given a program that has not moved to matching
    client.force_login(manager)

    # when
    response = client.post(reverse("matching:start_run", args=[matching_program.pk]), {"mode": "fair"})

    # then
    assert messages_of(response) == ["Move the program to matching before running the engine."]
    assert not MatchRun.objects.exists()


def test_a_run_the_engine_refuses_ends_failed_with_the_engine_s_words(matching_program, pool, manager):
    # given a queued run whose stored mode the engine does not know
    run = MatchRun.objects.create(program=matching_program, requested_by=manager)
    MatchRun.objects.filter(pk=run.pk).update(mode="fastest")
    assert claim_match_run(run.pk)

    # when
    with pytest.raises(Exception, match="fastest"):
        execute_match_run(run_id=run.pk)

    # then
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "fastest" in run.error
    assert run.finished_at is not None
    assert not run.proposed_pairs.exists()


def test_a_run_is_claimed_once(matching_program, manager):
    # given
    run = MatchRun.objects.create(program=matching_program, requested_by=manager)

    # then a second worker finds it taken
    assert claim_match_run(run.pk) is True
    assert claim_match_run(run.pk) is False


def test_an_abandoned_run_fails_saying_the_worker_stopped_and_a_finished_one_is_left_alone(
    matching_program, pool, manager, django_capture_on_commit_callbacks
):
    # given a running run and a finished one
    running = MatchRun.objects.create(program=matching_program, requested_by=manager, status=RunStatus.RUNNING)
    finished = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # when the sweeper reports both tasks abandoned
    outcomes = (fail_abandoned_match_run(running.pk), fail_abandoned_match_run(finished.pk))

    # then
    assert outcomes == (True, False)
    running.refresh_from_db()
    finished.refresh_from_db()
    assert (running.status, running.error) == (RunStatus.FAILED, WORKER_STOPPED)
    assert finished.status == RunStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("order", "first"),
    [
        (AcceptanceOrder.MENTEE_FIRST, [Role.MENTEE]),
        (AcceptanceOrder.MENTOR_FIRST, [Role.MENTOR]),
        (AcceptanceOrder.BOTH_AT_ONCE, [Role.MENTOR, Role.MENTEE]),
    ],
)
def test_the_acceptance_order_decides_who_is_asked_first(matching_program, pool, manager, django_capture_on_commit_callbacks, order, first):
    # given a program asking in this order
    matching_program.acceptance_order = order
    matching_program.save(update_fields=["acceptance_order"])
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)

    # when
    match = publish_match_run(run=run, by=manager)[0]

    # then
    assert roles_asked_first(matching_program) == first
    assert waiting_for(match) == first


def test_in_mentee_first_order_the_mentor_is_asked_once_the_mentee_accepts(
    matching_program, pool, manager, django_capture_on_commit_callbacks
):
    # given
    matching_program.acceptance_order = AcceptanceOrder.MENTEE_FIRST
    matching_program.save(update_fields=["acceptance_order"])
    match = publish_match_run(run=run_now(matching_program, manager, django_capture_on_commit_callbacks), by=manager)[0]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        match = respond_to_match(match=match, role=Role.MENTEE, accept=True)

    # then
    assert (match.status, waiting_for(match)) == (MatchStatus.PROPOSED, [Role.MENTOR])
    assert match.is_proposed
    assert not match.is_active


def test_open_and_closed_matches_are_told_apart(matching_program, pool, manager, django_capture_on_commit_callbacks):
    # given three published pairs, one declined and one running
    matches = publish_match_run(run=run_now(matching_program, manager, django_capture_on_commit_callbacks), by=manager)
    respond_to_match(match=matches[0], role=Role.MENTOR, accept=False, reason="timing")
    with django_capture_on_commit_callbacks(execute=True):
        respond_to_match(match=matches[1], role=Role.MENTOR, accept=True)
        respond_to_match(match=matches[1], role=Role.MENTEE, accept=True)

    # then
    assert set(Match.objects.open().values_list("pk", flat=True)) == {matches[1].pk, matches[2].pk}
    assert list(Match.objects.closed().values_list("pk", flat=True)) == [matches[0].pk]
    assert set(Match.objects.of_enrolment(matches[1].mentor).values_list("pk", flat=True)) == {matches[1].pk}


def test_rematching_asks_to_confirm_then_ends_the_pair_and_its_match(
    client, manager, matching_program, pool, django_capture_on_commit_callbacks
):
    # given a running pair
    match = publish_match_run(run=run_now(matching_program, manager, django_capture_on_commit_callbacks), by=manager)[0]
    with django_capture_on_commit_callbacks(execute=True):
        respond_to_match(match=match, role=Role.MENTOR, accept=True)
        respond_to_match(match=match, role=Role.MENTEE, accept=True)
    pair = Pair.objects.get(mentor=match.mentor, mentee=match.mentee)
    client.force_login(manager)

    # when the manager posts once, then confirms
    first = client.post(reverse("matching:rematch", args=[pair.pk]))
    pair.refresh_from_db()
    assert (first.status_code, pair.status) == (200, PairStatus.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("matching:rematch", args=[pair.pk]), {"confirm": "yes"})

    # then
    assert confirmed.status_code == 302
    pair.refresh_from_db()
    match.refresh_from_db()
    assert (pair.status, match.status, match.ended_reason) == (PairStatus.CLOSED, MatchStatus.ENDED, "Rematched by the program manager")


def test_a_pair_rule_through_the_api_is_set_then_cleared(client, manager, matching_program, pool):
    # given
    client.force_login(manager)
    path = f"/api/matching/programs/{matching_program.pk}/pair-rules"
    body = {"mentor_enrolment_id": pool["J1"].pk, "mentee_enrolment_id": pool["S1"].pk}

    # when
    pinned = client.post(path, json.dumps({**body, "kind": "pin"}), content_type="application/json")
    assert PairRule.objects.get().kind == "pin"
    cleared = client.post(path, json.dumps({**body, "kind": None}), content_type="application/json")

    # then
    assert (pinned.status_code, cleared.status_code) == (204, 204)
    assert not PairRule.objects.exists()


def test_a_pair_rule_joining_two_mentors_is_refused(client, manager, matching_program, pool):
    # given
    client.force_login(manager)

    # when
    response = client.post(
        reverse("matching:pair_rule", args=[matching_program.pk]), {"mentor": pool["J1"].pk, "mentee": pool["J2"].pk, "kind": "pin"}
    )

    # then
    assert response.status_code == 302
    assert messages_of(response)
    assert not PairRule.objects.exists()


def test_starting_a_run_stores_the_chosen_mode(matching_program, pool, manager, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(program=matching_program, by=manager, mode=RunMode.FAIR)

    # then
    run.refresh_from_db()
    assert (run.mode, run.get_mode_display(), run.status) == ("fair", "Fairest: raise the weakest pair", RunStatus.SUCCEEDED)
