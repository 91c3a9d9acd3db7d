"""The REST API for circles: a manager runs, reviews, pins and publishes; every member answers; others are refused."""

import json

import pytest

from tests.matching.test_circle_runs import circle_pool
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.engagement.models import Pair, PairKind
from turnabout.matching.models import CircleMatch, CirclePin, MatchRun, MatchStatus, PairRule, PairRuleKind, ProposedCircle
from turnabout.people.services import link_user

pytestmark = pytest.mark.django_db
PASSWORD = "circle-api-password-1"


def post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def finished_circle_run(client, manager, circle_program, capture) -> tuple[MatchRun, dict]:
    enrolments = circle_pool(circle_program.organisation, manager, circle_program)
    for enrolment in enrolments.values():
        person = enrolment.person
        link_user(
            person=person,
            user=create_user(organisation=person.organisation, email=person.email, role=AccountRole.PARTICIPANT, password=PASSWORD),
        )
    client.force_login(manager)
    with capture(execute=True):
        queued = post(client, f"/api/matching/programs/{circle_program.pk}/runs")
    assert queued.status_code == 202
    return MatchRun.objects.get(pk=queued.json()["id"]), enrolments


def test_run_review_pin_publish_and_every_member_accepting_starts_the_circle(
    client, manager, circle_program, django_capture_on_commit_callbacks
):
    # given a finished run of the junior board
    run, _enrolments = finished_circle_run(client, manager, circle_program, django_capture_on_commit_callbacks)

    # when the manager reads its circles
    listed = client.get(f"/api/matching/runs/{run.pk}/circles")

    # then each circle comes with its members, their reasons and score, and the certificate
    assert listed.status_code == 200
    body = listed.json()
    assert body["certificate"]["method"]
    assert body["certificate"]["summary"]
    (circle,) = body["circles"]
    proposed = ProposedCircle.objects.get(run=run)
    assert circle["id"] == proposed.pk
    assert circle["pinned"] is False
    assert {member["enrolment_id"] for member in circle["members"]} == set(proposed.members.values_list("enrolment_id", flat=True))
    assert all(member["reasons"] for member in circle["members"])
    assert circle["score"] == pytest.approx(proposed.score)

    # when the manager pins it, lifts the pin and pins it again
    pin_path = f"/api/matching/programs/{circle_program.pk}/proposed-circles/{proposed.pk}/pin"
    assert post(client, pin_path).status_code == 204
    assert client.get(f"/api/matching/runs/{run.pk}/circles").json()["circles"][0]["pinned"] is True
    assert client.delete(pin_path).status_code == 204
    assert not CirclePin.objects.filter(program=circle_program).exists()
    assert post(client, pin_path).status_code == 204
    assert CirclePin.objects.filter(program=circle_program).count() == 1

    # when the manager publishes the run
    with django_capture_on_commit_callbacks(execute=True):
        published = post(client, f"/api/matching/runs/{run.pk}/publish-circles")
    assert published.status_code == 200
    (match,) = published.json()
    assert match["status"] == MatchStatus.PROPOSED
    assert post(client, f"/api/matching/runs/{run.pk}/publish-circles").json()["code"] == "already_published"

    # when every member accepts through their own session
    emails = [
        member.enrolment.person.email for member in CircleMatch.objects.get(pk=match["id"]).members.select_related("enrolment__person")
    ]
    for email in emails:
        client.logout()
        assert client.login(username=email, password=PASSWORD)
        (mine,) = client.get("/api/matching/circles/mine").json()
        assert mine["id"] == match["id"]
        assert mine["your_response"] == "pending"
        assert mine["reasons"]
        with django_capture_on_commit_callbacks(execute=True):
            answered = post(client, f"/api/matching/circles/{match['id']}/response", {"accept": True})
        assert answered.status_code == 200, answered.json()

    # then the circle is active, with every member in one engagement circle
    assert answered.json()["status"] == MatchStatus.ACTIVE
    pair = Pair.objects.get(pk=answered.json()["pair_id"])
    assert pair.kind == PairKind.CIRCLE
    assert pair.members.count() == len(emails)


def test_a_ban_keeps_a_member_away_from_each_senior_of_the_circle(client, manager, circle_program, django_capture_on_commit_callbacks):
    # given a finished run
    run, _enrolments = finished_circle_run(client, manager, circle_program, django_capture_on_commit_callbacks)
    proposed = ProposedCircle.objects.get(run=run)
    member = proposed.members.select_related("enrolment").filter(role="mentor").first()

    # when the manager keeps one junior out of the circle
    banned = post(
        client, f"/api/matching/programs/{circle_program.pk}/proposed-circles/{proposed.pk}/bans", {"enrolment_id": member.enrolment_id}
    )

    # then a ban joins them with each senior of the circle
    assert banned.status_code == 204
    seniors = proposed.members.filter(role="mentee").count()
    assert PairRule.objects.filter(program=circle_program, mentor=member.enrolment, kind=PairRuleKind.FORBID).count() == seniors


def test_a_participant_cannot_read_or_answer_another_s_circle(client, manager, mentor, circle_program, django_capture_on_commit_callbacks):
    # given a published circle Charlie is not in
    run, _enrolments = finished_circle_run(client, manager, circle_program, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        (match,) = post(client, f"/api/matching/runs/{run.pk}/publish-circles").json()

    # when Charlie asks for it, or answers it
    client.logout()
    client.force_login(mentor)
    read = client.get(f"/api/matching/circles/{match['id']}")
    answered = post(client, f"/api/matching/circles/{match['id']}/response", {"accept": False, "reason": "workload"})

    # then both answer 404 in the API's error shape, and nothing changed
    assert read.status_code == 404
    assert read.json()["code"] == "not_found"
    assert answered.status_code == 404
    assert answered.json()["code"] == "not_found"
    assert client.get("/api/matching/circles/mine").json() == []
    assert not CircleMatch.objects.get(pk=match["id"]).members.exclude(response="pending").exists()


def test_a_sponsor_is_refused_every_manager_operation(client, manager, sponsor, circle_program, django_capture_on_commit_callbacks):
    # given a finished run
    run, _enrolments = finished_circle_run(client, manager, circle_program, django_capture_on_commit_callbacks)
    proposed = ProposedCircle.objects.get(run=run)
    enrolment_id = proposed.members.first().enrolment_id
    client.logout()
    client.force_login(sponsor)
    pin_path = f"/api/matching/programs/{circle_program.pk}/proposed-circles/{proposed.pk}/pin"

    # when the sponsor tries each
    answers = [
        client.get(f"/api/matching/runs/{run.pk}/circles"),
        post(client, pin_path),
        client.delete(pin_path),
        post(client, f"/api/matching/programs/{circle_program.pk}/proposed-circles/{proposed.pk}/bans", {"enrolment_id": enrolment_id}),
        post(client, f"/api/matching/runs/{run.pk}/publish-circles"),
    ]

    # then each is 403 in the API's error shape, and nothing changed
    assert [(response.status_code, response.json()["code"]) for response in answers] == [(403, "forbidden")] * len(answers)
    assert not CirclePin.objects.exists()
    assert not PairRule.objects.exists()
    assert not CircleMatch.objects.exists()
