"""Sending once (core.delivery): every email of every app goes out once however often its task is delivered, two
deliveries at once send once, and a send that failed is sent by the retry."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.engagement.health_builders import running_program_with_cast_pair
from tests.surveys.conftest import build_running_program, in_wave, opened
from turnabout.core.delivery import claimed_keys, send_once
from turnabout.core.models import EmailDelivery
from turnabout.engagement import tasks as engagement_tasks
from turnabout.engagement.models import Concern, ManagerAction, ManagerActionKind, Meeting, MeetingStatus
from turnabout.identity import tasks as identity_tasks
from turnabout.matching import notifications as matching_notifications
from turnabout.matching import tasks as matching_tasks
from turnabout.matching.models import Match, MatchStatus, Response
from turnabout.programs import tasks as programs_tasks
from turnabout.programs.models import Enrolment, EnrolmentStatus, Role
from turnabout.surveys import tasks as surveys_tasks
from turnabout.surveys.models import SurveyAssignment, WaveKind
from turnabout.surveys.services import schedule_waves


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def twice(task, *args) -> tuple[int, int]:
    """How many emails the first delivery of a task sent, and how many the second (a redelivery)."""
    before = len(mail.outbox)
    task.call(*args)
    first = len(mail.outbox) - before
    task.call(*args)
    return first, len(mail.outbox) - before - first


@pytest.fixture
def cast_pair(manager, mentor, mentee, matching_program, time_machine):
    """Charlie (mentor) and Bob (mentee), paired on 5 January 2026; it is now 12 February, past their cadence."""
    time_machine.move_to(at(2026, 1, 5), tick=False)
    pair = running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    time_machine.move_to(at(2026, 2, 12), tick=False)
    mail.outbox.clear()
    return pair


# --- The helper -----------------------------------------------------------------------------------------------------


def test_a_key_is_sent_once_and_then_reads_as_claimed(db):
    # given
    sent: list[str] = []

    # when one key is sent twice and another once
    outcomes = [
        send_once("k:1", lambda: sent.append("one")),
        send_once("k:1", lambda: sent.append("again")),
        send_once("k:2", lambda: sent.append("two")),
    ]

    # then
    assert (outcomes, sent) == ([True, False, True], ["one", "two"])
    assert claimed_keys(["k:1", "k:2", "k:3"]) == {"k:1", "k:2"}
    assert EmailDelivery.objects.filter(sent_at__isnull=True).count() == 0


def test_a_failed_send_releases_its_key_and_the_retry_sends(db):
    # given a send that fails
    def broken() -> None:
        raise ConnectionError("SMTP is down")

    with pytest.raises(ConnectionError):
        send_once("k:1", broken)
    assert not EmailDelivery.objects.exists()

    # when it is retried with the mail server back
    sent: list[str] = []
    assert send_once("k:1", lambda: sent.append("sent"))

    # then
    assert sent == ["sent"]
    assert EmailDelivery.objects.get().sent_at is not None


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="two connections at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_once():
    # given two workers delivering the same email at the same moment, each on its own connection
    barrier = threading.Barrier(2)
    sent: list[str] = []
    outcomes: list[bool] = []

    def deliver(worker: str) -> None:
        barrier.wait()
        try:
            outcomes.append(send_once("k:race", lambda: sent.append(worker)))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(worker,)) for worker in ("w-1", "w-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one sent and the other found the key claimed
    assert sorted(outcomes) == [False, True]
    assert len(sent) == 1
    assert EmailDelivery.objects.filter(key="k:race").count() == 1


# --- Every email, delivered twice -----------------------------------------------------------------------------------


def test_every_engagement_email_is_sent_once_when_its_task_is_delivered_twice(cast_pair, manager, mentee):
    # given a pair past its cadence: its nudge, delivered twice, goes once
    pair = cast_pair
    assert twice(engagement_tasks.send_overdue_nudge, pair.pk) == (2, 0)

    # given a meeting tomorrow with its agenda sent, one the senior side cancelled, one held, a manager's check-in and
    # a concern
    now = timezone.now()
    tomorrow = Meeting.objects.create(pair=pair, starts_at=at(2026, 2, 13), duration_minutes=45, agenda="1. Prompting", agenda_sent_at=now)
    cancelled = Meeting.objects.create(
        pair=pair,
        starts_at=at(2026, 2, 15),
        duration_minutes=45,
        status=MeetingStatus.CANCELLED,
        cancelled_by_role=Role.MENTEE,
        cancelled_at=now,
    )
    held = Meeting.objects.create(pair=pair, starts_at=at(2026, 2, 10), duration_minutes=45, status=MeetingStatus.HELD)
    action = ManagerAction.objects.create(pair=pair, kind=ManagerActionKind.CHECK_IN, taken_by=manager, taken_at=now)
    concern = Concern.objects.create(pair=pair, raised_by=mentee, raised_by_role=Role.MENTEE, body="We keep missing each other.")

    # when each task runs twice, then the second run sends nothing
    assert twice(engagement_tasks.send_meeting_reminder, tomorrow.pk) == (2, 0)
    assert twice(engagement_tasks.send_meeting_invitation, tomorrow.pk, 0, Role.MENTOR) == (2, 0)
    assert twice(engagement_tasks.send_agenda_email, tomorrow.pk) == (1, 0)
    assert twice(engagement_tasks.send_meeting_cancellation, cancelled.pk, Role.MENTEE) == (1, 0)
    assert twice(engagement_tasks.send_senior_cancellation_notice, cancelled.pk) == (1, 0)
    assert twice(engagement_tasks.send_pulse_request, held.pk, Role.MENTOR) == (1, 0)
    assert twice(engagement_tasks.send_check_in_email, action.pk) == (2, 0)
    assert twice(engagement_tasks.send_concern_email, concern.pk) == (1, 0)
    assert twice(engagement_tasks.send_weekly_digest, pair.program_id, "2026-W06") == (1, 0)


def test_every_matching_email_is_sent_once_when_its_task_is_delivered_twice(cast_pair):
    # given a match waiting for both answers (the program asks both at once)
    pair = cast_pair
    pair.program.acceptance_order = "both"
    pair.program.save(update_fields=["acceptance_order"])
    match = Match.objects.create(program=pair.program, mentor=pair.mentor, mentee=pair.mentee)

    # when each task runs twice, then the second run sends nothing
    assert twice(matching_tasks.send_match_proposed_email, match.pk, Role.MENTOR) == (1, 0)
    assert twice(matching_tasks.send_match_proposed_email, match.pk, Role.MENTEE) == (1, 0)
    Match.objects.filter(pk=match.pk).update(
        status=MatchStatus.ACTIVE, mentor_response=Response.ACCEPTED, mentee_response=Response.ACCEPTED
    )
    assert twice(matching_tasks.send_match_outcome_email, match.pk) == (2, 0)
    assert twice(matching_tasks.send_partner_withdrawn_email, match.pk, Role.MENTOR) == (1, 0)


def test_a_failed_matching_email_is_sent_by_the_retry(cast_pair, monkeypatch):
    # given a match, and a mail server that is down for the first delivery
    match = Match.objects.create(program=cast_pair.program, mentor=cast_pair.mentor, mentee=cast_pair.mentee)

    def broken(**kwargs):
        raise ConnectionError("SMTP is down")

    with monkeypatch.context() as patched:
        patched.setattr(matching_notifications, "send_templated_email", broken)
        with pytest.raises(ConnectionError):
            matching_tasks.send_partner_withdrawn_email.call(match.pk, Role.MENTOR)

    # when the task is retried, then it sends, once
    assert twice(matching_tasks.send_partner_withdrawn_email, match.pk, Role.MENTOR) == (1, 0)
    assert mail.outbox[-1].to == [cast_pair.mentee.person.email]


def test_a_program_invitation_is_sent_once_and_an_invitation_sent_before_the_upgrade_is_not_sent_again(cast_pair):
    # given two invited enrolments, one of them emailed before send-once keys existed (its marker only)
    invited, emailed = cast_pair.mentor, cast_pair.mentee
    Enrolment.objects.filter(pk__in=[invited.pk, emailed.pk]).update(status=EnrolmentStatus.INVITED, invitation_emailed_at=None)
    Enrolment.objects.filter(pk=emailed.pk).update(invitation_emailed_at=timezone.now())

    # then
    assert twice(programs_tasks.send_invitation_email, invited.pk) == (1, 0)
    assert twice(programs_tasks.send_invitation_email, emailed.pk) == (0, 0)
    assert Enrolment.objects.get(pk=invited.pk).invitation_emailed_at is not None


def test_a_survey_invitation_is_sent_once_when_its_task_is_delivered_twice(
    matching_program, manager, mentor, mentee, django_capture_on_commit_callbacks
):
    # given an open baseline wave whose invitations went out
    pair = build_running_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    schedule_waves(program=pair.program)
    with in_wave(WaveKind.BASELINE):
        opened(pair.program, WaveKind.BASELINE, django_capture_on_commit_callbacks)
        assignment = SurveyAssignment.objects.filter(enrolment=pair.mentor).get()
        assert assignment.invitation_emailed_at is not None

        # when its task is delivered twice more, then nothing more is sent
        assert twice(surveys_tasks.send_survey_invitation, assignment.pk) == (0, 0)

        # and an assignment whose first send failed (no marker, no key) is sent once by the retry
        SurveyAssignment.objects.filter(pk=assignment.pk).update(invitation_emailed_at=None)
        EmailDelivery.objects.filter(key__startswith="survey-invitation:").delete()
        assert twice(surveys_tasks.send_survey_invitation, assignment.pk) == (1, 0)


def test_a_sign_in_link_is_sent_once_per_request_however_often_it_is_delivered(cast_pair):
    # given two requests for a link (two tasks), the first delivered twice
    first, second = (SimpleNamespace(task_result=SimpleNamespace(id=request)) for request in ("request-1", "request-2"))
    email = cast_pair.mentor.person.email

    # then
    assert twice(identity_tasks.send_requested_sign_in_link, first, email, "") == (1, 0)
    assert twice(identity_tasks.send_requested_sign_in_link, second, email, "") == (1, 0)


def test_a_welcome_is_sent_once_per_invitation_however_often_it_is_delivered(manager):
    # given the welcome task of one invitation
    invitation = SimpleNamespace(task_result=SimpleNamespace(id="invitation-1"))

    # then
    assert twice(identity_tasks.send_welcome_link, invitation, manager.pk, "Ada Admin") == (1, 0)
