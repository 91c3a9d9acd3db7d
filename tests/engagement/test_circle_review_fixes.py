"""Review of circles (ADR 0008): each path credits, shows, locks and delivers by the member, never by the circle's lead."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests import builders
from tests.builders import signed_up_circle, signed_up_pair
from tests.conftest import PASSWORD
from turnabout.engagement import notifications
from turnabout.engagement.calendar import feed_ics
from turnabout.engagement.erasure import erase_engagement_content
from turnabout.engagement.guides import suggested_guides
from turnabout.engagement.models import (
    CloseReason,
    ManagerAction,
    ManagerActionKind,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Pair,
    PairKind,
    PairMember,
)
from turnabout.engagement.nudges import OverdueStretch
from turnabout.engagement.queries import busy_intervals, offered_quotes, quote_attribution, senior_cancellations
from turnabout.engagement.services import (
    cancel_meeting,
    end_membership,
    ensure_calendar_feed,
    schedule_meeting,
    send_agenda,
    start_circle,
    write_reflection,
)
from turnabout.people.models import PersonKind, Skill
from turnabout.programs.models import Cadence, EnrolmentSkill, Program, Role
from turnabout.programs.services import update_program

BEFORE = [("engagement", "0005_quotes_offered_for_the_report")]
AFTER = [("engagement", "0006_pair_members")]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def circle(acme, manager, circle_program) -> tuple[list, Pair]:
    """J1–J4 mentor S1–S3; J1 and S1 are the circle's leads."""
    juniors, seniors, pair = signed_up_circle(acme, manager, circle_program, password=PASSWORD)
    return [*juniors, *seniors], Pair.objects.get(pk=pair.pk)


def _member(pair: Pair, person) -> PairMember:
    return pair.members.select_related("enrolment__person").get(enrolment__person=person)


def _schedule(pair: Pair, person, committed, *, days: int = 3) -> Meeting:
    with committed():
        return schedule_meeting(pair=pair, starts_at=timezone.now() + timedelta(days=days), duration_minutes=45, mode=MeetingMode.VIDEO,
                                location="", by_role=Role.MENTOR, by=_member(pair, person))  # fmt: skip


def _failing_at(monkeypatch, number: int) -> list[str]:
    """Emails fail at the ``number``-th send; returns every address an email was sent to."""
    sent: list[str] = []
    original = notifications.send_templated_email

    def send(*, to, **kwargs):
        if len(sent) + 1 == number:
            raise ConnectionError("mail server down")
        sent.append(to[0])
        original(to=to, **kwargs)

    monkeypatch.setattr(notifications, "send_templated_email", send)
    return sent


@pytest.mark.django_db
def test_a_named_quote_by_a_member_who_is_not_the_lead_is_credited_to_them(client, circle):
    people, pair = circle
    client.force_login(people[5].user)  # S2, not the lead mentee
    client.post(reverse("engagement:quotes", args=[pair.pk]), {"text": "The board changed me", "attribution": "named", "consent": "on"})
    quote = offered_quotes(pair.program).get()
    assert quote_attribution(quote).startswith("S2 Tester, ")


@pytest.mark.django_db
def test_the_calendar_feed_of_a_guest_whose_access_ended_is_gone_before_the_daily_job(client, circle):
    people, _pair = circle
    guest = people[0]
    feed = ensure_calendar_feed(user=guest.user)
    url = reverse("engagement:calendar_feed", args=[feed.token])
    assert client.get(url).status_code == 200
    guest.kind, guest.guest_organisation = PersonKind.GUEST, "Partner school"
    guest.access_ends_on = timezone.localdate() - timedelta(days=1)
    guest.save(update_fields=["kind", "guest_organisation", "access_ends_on"])
    assert guest.user.is_active
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_sole_mentor_who_left_a_circle_no_longer_has_its_meetings_in_their_feed(acme, manager, circle_program, committed):
    program = update_program(program=circle_program, changes={"circle_min_mentors": 1, "circle_max_mentors": 1}, by=manager)
    juniors, seniors, pair = signed_up_circle(acme, manager, program, password=PASSWORD, mentors=1)
    _schedule(pair, juniors[0], committed)
    assert len(Calendar.from_ical(feed_ics(juniors[0].user)).walk("VEVENT")) == 1
    with committed():
        pair = end_membership(member=_member(pair, juniors[0]), reason=CloseReason.PARTNER_LEFT, by=None)
    assert Pair.objects.get(pk=pair.pk).mentor.person == juniors[0]  # no one to hand the lead to
    assert Calendar.from_ical(feed_ics(juniors[0].user)).walk("VEVENT") == []
    assert len(Calendar.from_ical(feed_ics(seniors[1].user)).walk("VEVENT")) == 1


@pytest.mark.django_db
def test_the_sole_mentor_who_left_a_circle_is_not_busy_at_its_meetings(acme, manager, circle_program, committed):
    program = update_program(program=circle_program, changes={"circle_min_mentors": 1, "circle_max_mentors": 1}, by=manager)
    juniors, _seniors, pair = signed_up_circle(acme, manager, program, password=PASSWORD, mentors=1)
    meeting = _schedule(pair, juniors[0], committed)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    with committed():
        end_membership(member=_member(pair, juniors[0]), reason=CloseReason.PARTNER_LEFT, by=None)
    enrolment = _member(pair, juniors[0]).enrolment
    alone = Pair(program=program, kind=PairKind.PAIR, mentor=enrolment, mentee=enrolment)  # their busy times, as a pair reads them
    window = {"start": meeting.starts_at - timedelta(hours=1), "end": meeting.starts_at + timedelta(hours=1)}
    assert busy_intervals(alone, **window) == []
    assert len(busy_intervals(Pair.objects.get(pk=pair.pk), **window)) == 1


@pytest.mark.django_db
def test_the_feed_reads_the_members_of_every_circle_meeting_in_a_fixed_number_of_queries(circle, committed):
    people, pair = circle
    _schedule(pair, people[0], committed, days=3)
    with CaptureQueriesContext(connection) as one:
        feed_ics(people[1].user)
    _schedule(pair, people[0], committed, days=5)
    _schedule(pair, people[0], committed, days=7)
    with CaptureQueriesContext(connection) as three:
        document = feed_ics(people[1].user)
    assert len(Calendar.from_ical(document).walk("VEVENT")) == 3
    assert len(three.captured_queries) == len(one.captured_queries)
    attendees = [str(value) for value in Calendar.from_ical(document).walk("VEVENT")[0].get("ATTENDEE")]
    assert len(attendees) == 7


@pytest.mark.django_db
def test_the_digest_and_the_notice_name_the_senior_member_who_cancelled_in_circle_words(circle, committed, manager):
    people, pair = circle
    meeting = _schedule(pair, people[0], committed)
    with committed():
        cancel_meeting(meeting=meeting, by_role=Role.MENTEE, by=_member(pair, people[6]))  # S3
    now = timezone.now()
    [row] = senior_cancellations(pair.program, start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert (row.mentee_name, row.count) == ("S3 Tester", 1)
    [notice] = [message for message in mail.outbox if manager.email in message.to]
    body = " ".join(notice.body.split())
    assert "a short check-in with the circle may help" in body
    assert "What the circle discusses stays with its members" in body
    assert "both" not in body
    assert "pair" not in body


@pytest.mark.django_db
def test_erasing_a_circles_lead_keeps_the_circles_shared_agreement_goals(circle):
    people, pair = circle
    pair.agreements.update(mentor_goals="Learn the board's ways", mentee_goals="Hear the juniors")
    erase_engagement_content(person=people[0], user=people[0].user)
    erase_engagement_content(person=people[4], user=people[4].user)
    agreement = pair.agreements.get()
    assert (agreement.mentor_goals, agreement.mentee_goals) == ("Learn the board's ways", "Hear the juniors")


@pytest.mark.django_db
def test_a_reminder_that_failed_at_one_member_reaches_only_the_others_on_retry(circle, committed, monkeypatch, time_machine):
    people, pair = circle
    meeting = _schedule(pair, people[0], committed)
    time_machine.move_to(meeting.starts_at - timedelta(hours=2), tick=False)
    sent = _failing_at(monkeypatch, 4)
    with pytest.raises(ConnectionError):
        notifications.send_meeting_reminder(meeting)
    monkeypatch.undo()
    mail.outbox.clear()
    notifications.send_meeting_reminder(meeting)
    assert sorted([*sent, *(message.to[0] for message in mail.outbox)]) == sorted(person.email for person in people)


@pytest.mark.django_db
def test_an_agenda_that_failed_at_one_mentee_reaches_only_the_others_on_retry(circle, committed, monkeypatch):
    people, pair = circle
    meeting = _schedule(pair, people[0], committed)
    meeting = send_agenda(meeting=meeting, agenda="Our first board", by_role=Role.MENTOR, by=_member(pair, people[0]))
    sent = _failing_at(monkeypatch, 2)
    with pytest.raises(ConnectionError):
        notifications.send_agenda(meeting)
    monkeypatch.undo()
    mail.outbox.clear()
    notifications.send_agenda(meeting)
    assert sorted([*sent, *(message.to[0] for message in mail.outbox)]) == sorted(person.email for person in people[4:])


@pytest.mark.django_db
def test_an_overdue_nudge_that_failed_at_one_member_reaches_only_the_others_on_retry(circle, monkeypatch):
    people, pair = circle
    stretch = OverdueStretch(pair=pair, since=pair.started_on - timedelta(days=40), never_met=True, cadence=Cadence.MONTHLY)
    sent = _failing_at(monkeypatch, 3)
    with pytest.raises(ConnectionError):
        notifications.send_overdue_nudge(stretch)
    monkeypatch.undo()
    mail.outbox.clear()
    notifications.send_overdue_nudge(stretch)
    assert sorted([*sent, *(message.to[0] for message in mail.outbox)]) == sorted(person.email for person in people)


@pytest.mark.django_db
def test_the_last_reflection_written_through_the_service_completes_the_circle(circle):
    people, pair = circle
    for number, person in enumerate(people, start=1):
        member = _member(pair, person)
        write_reflection(pair=pair, role=Role(member.role), member=member, learned=f"Lesson {number}", by=person.user)
        pair.refresh_from_db()
        assert pair.is_closed is (number == len(people))
    assert pair.close_reason == CloseReason.COMPLETED


@pytest.mark.django_db
def test_starting_a_circle_locks_the_program_row_before_checking_its_members(acme, manager, circle_program, monkeypatch):
    locked: list[type[models.Model]] = []
    starting: list[bool] = []
    select_for_update = models.QuerySet.select_for_update

    def recording(queryset, *args, **kwargs):
        if starting:
            locked.append(queryset.model)
        return select_for_update(queryset, *args, **kwargs)

    def start(**kwargs):
        starting.append(True)
        return start_circle(**kwargs)

    monkeypatch.setattr(models.QuerySet, "select_for_update", recording)
    monkeypatch.setattr(builders, "start_circle", start)
    signed_up_circle(acme, manager, circle_program, password=PASSWORD)
    assert locked[:1] == [Program]


@pytest.mark.django_db
def test_the_agenda_message_names_the_circle_not_the_lead_mentee(client, circle, committed):
    people, pair = circle
    meeting = _schedule(pair, people[1], committed)
    client.force_login(people[1].user)
    with committed():
        response = client.post(reverse("engagement:meeting_agenda", args=[meeting.pk]), {"agenda": "Our first board"}, follow=True)
    text = " ".join(str(message) for message in response.context["messages"])
    assert "Agenda sent to the circle." in text
    assert "S1" not in text


@pytest.mark.django_db
def test_suggested_guides_read_every_members_skills_not_only_the_leads(circle):
    people, pair = circle
    assert "online-safety-and-privacy" not in [guide["slug"] for guide in suggested_guides(pair, limit=10)]
    EnrolmentSkill.objects.create(
        enrolment=_member(pair, people[5]).enrolment, skill=Skill.objects.get(slug="cybersecurity-basics"), strength=2
    )
    assert "online-safety-and-privacy" in [guide["slug"] for guide in suggested_guides(pair, limit=10)]


@pytest.mark.django_db(transaction=True)
def test_the_member_backfill_reads_members_one_chunk_of_pairs_at_a_time(acme, manager, matching_program, monkeypatch):
    _ada, _ben, pair = signed_up_pair(acme, manager, matching_program, password=PASSWORD)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    apps.get_model("engagement", "Reflection").objects.create(pair_id=pair.pk, role="mentee", learned="Patience")
    monkeypatch.setattr(importlib.import_module("turnabout.engagement.migrations.0006_pair_members"), "BATCH", 1)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    with CaptureQueriesContext(connection) as queries:
        executor.migrate(AFTER)
    reads = [query["sql"] for query in queries.captured_queries if query["sql"].startswith('SELECT "engagement_pairmember"."id"')]
    assert reads
    assert all('"engagement_pairmember"."pair_id" IN' in sql for sql in reads)
    reflection = executor.loader.project_state(AFTER).apps.get_model("engagement", "Reflection").objects.get(pair_id=pair.pk)
    assert reflection.member.enrolment_id == pair.mentee_id
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest schema


@pytest.mark.django_db
def test_a_check_in_that_failed_at_one_member_reaches_only_the_others_on_retry(circle, manager, monkeypatch):
    people, pair = circle
    action = ManagerAction.objects.create(pair=pair, kind=ManagerActionKind.CHECK_IN, taken_by=manager, taken_at=timezone.now())
    sent = _failing_at(monkeypatch, 3)
    with pytest.raises(ConnectionError):
        notifications.send_check_in(action)
    monkeypatch.undo()
    mail.outbox.clear()
    notifications.send_check_in(action)
    assert sorted([*sent, *(message.to[0] for message in mail.outbox)]) == sorted(person.email for person in people)
