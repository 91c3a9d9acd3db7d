"""Nudges over time: reminders, past-cadence nudges and weekly digests, each sent once however often the job runs."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from tests.engagement.health_builders import at, held, meeting, running_program_with_cast_pair
from turnabout.core.delivery import meeting_reminder_key
from turnabout.core.models import EmailDelivery
from turnabout.engagement import notifications, tasks
from turnabout.engagement.models import CloseReason, Meeting, MeetingStatus, Note, Pair
from turnabout.engagement.services import NudgeSummary, add_goal, close_pair, pause_pair, send_due_nudges
from turnabout.programs.models import Enrolment, Role

REMINDER = "you meet"
OVERDUE = "time to book your next meeting"
DIGEST = "weekly pair digest"

CHARLIE = "charlie@acme.test"
BOB = "bob@acme.test"
ALICE = "alice@acme.test"


@pytest.fixture
def pair(manager, mentor, mentee, matching_program) -> Pair:
    """Started on Monday 5 January 2026, monthly cadence."""
    with time_machine.travel(at(2026, 1, 5), tick=False):
        return running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)


def sent(kind: str) -> list[tuple[str, ...]]:
    """Recipients of the emails of one kind, in order."""
    return [tuple(message.to) for message in mail.outbox if kind in message.subject]


def run(moment) -> NudgeSummary:
    with time_machine.travel(moment, tick=False):
        return send_due_nudges(now=moment)


# --- Meeting reminders ---------------------------------------------------------------------------------------------


def test_a_reminder_goes_to_both_people_24_hours_before_and_only_once(pair):
    # given a meeting on Tuesday 20 January at 10:00 with a private agenda
    item = meeting(pair, at=at(2026, 1, 20, 10))
    Meeting.objects.filter(pk=item.pk).update(agenda="Secret agenda", location="Room 4")
    mail.outbox.clear()

    # when the job runs just over 24 hours before
    early = run(at(2026, 1, 19, 9) + timedelta(minutes=59))

    # then nothing is due yet
    assert (early.reminders, sent(REMINDER)) == (0, [])

    # when it runs 24 hours before, twice
    first = run(at(2026, 1, 19, 10))
    second = run(at(2026, 1, 19, 10) + timedelta(minutes=15))

    # then each person got one reminder, without the agenda
    assert (first.reminders, second.reminders) == (1, 0)
    assert sent(REMINDER) == [(CHARLIE,), (BOB,)]
    reminder = next(message for message in mail.outbox if REMINDER in message.subject)
    assert "Bob Senior" in reminder.subject
    assert "Tuesday 20 January at 10:00 (Europe/London)" in reminder.body
    assert "Room 4" in reminder.body
    assert "Secret agenda" not in reminder.body
    assert EmailDelivery.objects.filter(key=meeting_reminder_key(item.pk, item.starts_at)).count() == 1


def test_a_reminder_shows_the_time_in_each_persons_own_zone(pair):
    # given Bob works from New York
    Enrolment.objects.filter(pk=pair.mentee_id).update(timezone="America/New_York")
    meeting(pair, at=at(2026, 1, 20, 15))
    mail.outbox.clear()

    # when
    run(at(2026, 1, 19, 16))

    # then
    charlie, bob = (message for message in mail.outbox if REMINDER in message.subject)
    assert "Tuesday 20 January at 15:00 (Europe/London)" in charlie.body
    assert "Tuesday 20 January at 10:00 (America/New_York)" in bob.body


def test_a_reminder_task_delivered_twice_sends_once(pair):
    # given
    item = meeting(pair, at=at(2026, 1, 20, 10))
    mail.outbox.clear()

    # when the same task runs twice
    with time_machine.travel(at(2026, 1, 19, 12), tick=False):
        tasks.send_meeting_reminder.call(item.pk)
        tasks.send_meeting_reminder.call(item.pk)

    # then
    assert sent(REMINDER) == [(CHARLIE,), (BOB,)]


def test_a_moved_meeting_gets_a_reminder_for_its_new_time(pair):
    # given a reminder already sent
    item = meeting(pair, at=at(2026, 1, 20, 10))
    run(at(2026, 1, 19, 10))
    mail.outbox.clear()

    # when the meeting moves to the next day
    Meeting.objects.filter(pk=item.pk).update(starts_at=at(2026, 1, 21, 10))
    run(at(2026, 1, 20, 10))

    # then both hear again, once
    run(at(2026, 1, 20, 11))
    assert sent(REMINDER) == [(CHARLIE,), (BOB,)]


def test_cancelled_meetings_and_paused_or_closed_pairs_get_no_reminder(pair, manager):
    # given a cancelled meeting and a scheduled one of a paused pair
    meeting(pair, at=at(2026, 1, 20, 9), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTOR)
    meeting(pair, at=at(2026, 1, 20, 10))
    pause_pair(pair=pair, by=manager)
    mail.outbox.clear()

    # when
    paused = run(at(2026, 1, 19, 10))
    close_pair(pair=pair, reason=CloseReason.NO_FAULT, by=manager)
    closed = run(at(2026, 1, 19, 11))

    # then
    assert (paused.reminders, closed.reminders, sent(REMINDER)) == (0, 0, [])
    assert not EmailDelivery.objects.filter(key__startswith="reminder:").exists()


def test_a_failed_send_releases_its_key_so_a_retry_sends(pair, monkeypatch):
    # given sending fails once
    item = meeting(pair, at=at(2026, 1, 20, 10))
    mail.outbox.clear()

    def broken(**kwargs):
        raise ConnectionError("SMTP is down")

    monkeypatch.setattr(notifications, "send_templated_email", broken)
    with time_machine.travel(at(2026, 1, 19, 12), tick=False), pytest.raises(ConnectionError):
        tasks.send_meeting_reminder.call(item.pk)
    assert not EmailDelivery.objects.filter(key=meeting_reminder_key(item.pk, item.starts_at)).exists()

    # when the mail server is back and the job runs again
    monkeypatch.undo()
    run(at(2026, 1, 19, 13))

    # then
    assert sent(REMINDER) == [(CHARLIE,), (BOB,)]


# --- Past-cadence nudges -------------------------------------------------------------------------------------------


def test_an_overdue_pair_is_nudged_once_per_stretch_and_again_after_a_new_stretch(pair):
    # given the pair never met; monthly cadence with 25 % grace is 37 days
    mail.outbox.clear()

    # when the job runs on day 37, then twice on day 38 and again a week later
    day_37 = run(at(2026, 2, 11))
    day_38 = run(at(2026, 2, 12))
    again = run(at(2026, 2, 12, 11))
    week_later = run(at(2026, 2, 19))

    # then both people were nudged once
    assert (day_37.overdue, day_38.overdue, again.overdue, week_later.overdue) == (0, 1, 0, 0)
    assert sent(OVERDUE) == [(CHARLIE,), (BOB,)]
    nudge = next(message for message in mail.outbox if OVERDUE in message.subject)
    assert "started 38 days ago and have not met yet" in nudge.body
    assert "meet monthly" in nudge.body

    # when they meet on 21 February and then let 38 days pass again
    held(pair, at=at(2026, 2, 21))
    within_grace = run(at(2026, 3, 30))
    new_stretch = run(at(2026, 3, 31))
    run(at(2026, 3, 31, 12))

    # then a second nudge, once
    assert (within_grace.overdue, new_stretch.overdue) == (0, 1)
    assert sent(OVERDUE) == [(CHARLIE,), (BOB,)] * 2
    assert "It has been 38 days since you and your mentor, Charlie Junior, last met" in mail.outbox[-1].body
    assert EmailDelivery.objects.filter(key__startswith=f"overdue:{pair.pk}:").count() == 2


def test_a_pair_with_a_meeting_booked_is_not_nudged(pair):
    # given an overdue pair that has booked its next meeting
    meeting(pair, at=at(2026, 2, 20))
    mail.outbox.clear()

    # when
    summary = run(at(2026, 2, 13))

    # then
    assert (summary.overdue, sent(OVERDUE)) == (0, [])


def test_paused_and_closed_pairs_get_no_overdue_nudge(pair, manager):
    # given
    pause_pair(pair=pair, by=manager)
    mail.outbox.clear()

    # when
    paused = run(at(2026, 3, 1))
    close_pair(pair=pair, reason=CloseReason.NO_FAULT, by=manager)
    closed = run(at(2026, 3, 2))

    # then
    assert (paused.overdue, closed.overdue, sent(OVERDUE)) == (0, 0, [])


# --- Weekly digest -------------------------------------------------------------------------------------------------


def test_the_digest_goes_to_managers_once_a_week_from_monday_morning(pair):
    mail.outbox.clear()

    # when the job runs before 08:00 on Monday, at 08:00, later that week, and the next Monday
    early = run(at(2026, 1, 12, 7) + timedelta(minutes=59))
    monday = run(at(2026, 1, 12, 8))
    tuesday = run(at(2026, 1, 13, 8))
    next_monday = run(at(2026, 1, 19, 8))

    # then one digest per week, to the program manager only
    assert (early.digests, monday.digests, tuesday.digests, next_monday.digests) == (0, 1, 0, 1)
    assert sent(DIGEST) == [(ALICE,), (ALICE,)]
    assert next(message.subject for message in mail.outbox if DIGEST in message.subject).endswith("2026-W03")


def test_the_digest_shows_metadata_only_with_senior_cancellations_flagged(pair, manager, mentor):
    # given a week with a held meeting, a senior-side cancellation and private content
    with time_machine.travel(at(2026, 1, 5), tick=False):
        add_goal(pair=pair, owner_role=Role.MENTEE, title="Secret goal title")
    held(pair, at=at(2026, 1, 10), ratings=(5, 5))
    Note.objects.create(pair=pair, author=mentor, author_role=Role.MENTOR, body="Private note text")
    cancelled = meeting(pair, at=at(2026, 3, 5), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
    Meeting.objects.filter(pk=cancelled.pk).update(agenda="Secret agenda")
    mail.outbox.clear()

    # when the digest for the week of 2 to 8 March goes out on Monday 9 March
    summary = run(at(2026, 3, 9, 8))

    # then
    assert (summary.digests, summary.senior_cancellations) == (1, 1)
    digest = next(message for message in mail.outbox if DIGEST in message.subject)
    assert digest.to == [ALICE]
    assert "the week of 2 March to 8 March 2026" in digest.body
    assert "Pairs: 0 healthy, 0 to watch, 1 at risk." in digest.body
    assert "Meetings held: 0." in digest.body
    assert (
        "- Charlie Junior and Bob Senior (score 15): no meeting held for 58 days against a monthly cadence; "
        "the mentee cancelled the last meeting; no goal updated for 63 days"
    ) in digest.body
    assert "Cancelled by the mentee:\n- Charlie Junior and Bob Senior: 1 meeting" in digest.body
    for private in ("Secret goal title", "Private note text", "private words", "Secret agenda"):
        assert private not in digest.body


def test_a_digest_task_delivered_twice_sends_once(pair):
    mail.outbox.clear()
    with time_machine.travel(at(2026, 1, 12, 9), tick=False):
        tasks.send_weekly_digest.call(pair.program_id, "2026-W03")
        tasks.send_weekly_digest.call(pair.program_id, "2026-W03")
    assert sent(DIGEST) == [(ALICE,)]


def test_a_program_whose_pairs_are_all_closed_gets_no_digest(pair, manager):
    close_pair(pair=pair, reason=CloseReason.NO_FAULT, by=manager)
    mail.outbox.clear()
    assert run(at(2026, 1, 12, 9)).digests == 0
    assert mail.outbox == []


# --- The commands --------------------------------------------------------------------------------------------------


def test_the_command_prints_one_line_and_sends_nothing_twice(pair):
    # given a meeting tomorrow and an overdue pair
    meeting(pair, at=at(2026, 2, 17, 10))
    mail.outbox.clear()
    output = StringIO()

    # when run twice on Monday 16 February
    with time_machine.travel(at(2026, 2, 16, 10), tick=False):
        call_command("send_nudges", stdout=output)
        call_command("send_nudges", stdout=output)

    # then
    assert output.getvalue().splitlines() == [
        "Enqueued 1 meeting reminders, 0 past-cadence nudges and 1 weekly digests (0 senior-side cancellations flagged).",
        "Enqueued 0 meeting reminders, 0 past-cadence nudges and 0 weekly digests (0 senior-side cancellations flagged).",
    ]
    assert len(mail.outbox) == 3


def test_refresh_health_command_prints_one_line(pair):
    output = StringIO()
    with time_machine.travel(at(2026, 3, 10), tick=False):
        call_command("refresh_health", stdout=output)
    assert output.getvalue() == "Assessed 1 active pairs in 1 programs: 1 changed; 1 at risk, 0 to watch.\n"
