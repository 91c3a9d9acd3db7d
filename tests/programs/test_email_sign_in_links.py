"""Every email Turnabout sends a directory person carries a sign-in link: single use, expiring, bound to that person.

An imported employee has no login; the link in their email creates it (as a participant, linked to their
directory record) and opens the page the email is about. Emails to program managers go to logins and keep
plain links.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from tests.engagement.health_builders import running_program_with_cast_pair
from tests.matching.conftest import add_person, make_ready
from tests.programs.sign_in_links import Followed, follow_sign_in_link, sign_in_link_in
from tests.surveys.conftest import build_running_program, in_wave, opened
from turnabout.accounts.models import AccountRole, User
from turnabout.engagement import tasks as engagement_tasks
from turnabout.engagement.models import Meeting, MeetingMode, Pair
from turnabout.engagement.pulse_links import pulse_token
from turnabout.engagement.services import cancel_meeting, check_in_on_pair, log_meeting_held, schedule_meeting, send_agenda, start_pair
from turnabout.matching.models import Match
from turnabout.matching.services import publish_match_run, start_match_run
from turnabout.people.models import Person
from turnabout.people.services import create_person
from turnabout.programs.models import ProgramStatus, Role
from turnabout.programs.services import change_program_status, invite_people
from turnabout.surveys.models import SurveyAssignment, WaveKind
from turnabout.surveys.services import schedule_waves


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the task enqueues) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def pair_without_logins(acme, manager, matching_program) -> Pair:
    """Ada (mentor) and Ben (mentee), imported employees in an active pair; neither has a login."""
    ceo = add_person(acme, "CEO", grade="G10", department="Board")
    ada = add_person(acme, "ADA", grade="G2", department="Technology", manager=ceo)
    ben = add_person(acme, "BEN", grade="G9", department="Finance", manager=ceo)
    mentor = make_ready(matching_program, ada, Role.MENTOR, manager, skills={"generative-ai-prompting": 5})
    mentee = make_ready(matching_program, ben, Role.MENTEE, manager, skills={"generative-ai-prompting": 3})
    change_program_status(program=matching_program, to=ProgramStatus.MATCHING, by=manager)
    return start_pair(program=matching_program, mentor=mentor, mentee=mentee)


def schedule_video_call(pair: Pair, starts_at: datetime, *, by_role: Role) -> Meeting:
    return schedule_meeting(pair=pair, starts_at=starts_at, duration_minutes=45, mode=MeetingMode.VIDEO, location="", by_role=by_role)


def email_to(person: Person, subject_start: str = "") -> EmailMessage:
    (message,) = [message for message in mail.outbox if message.to == [person.email] and message.subject.startswith(subject_start)]
    return message


def assert_signed_in_once_as_a_new_participant(client: Client, followed: Followed, *, person: Person, next_path: str) -> None:
    person.refresh_from_db()
    login = person.user
    assert followed.opened.status_code == 200
    assert person.email in followed.opened.content.decode()
    assert (followed.continued.status_code, followed.continued["Location"]) == (302, next_path)
    assert login is not None
    assert (login.email, login.role, login.organisation_id, login.has_usable_password()) == (
        person.email,
        AccountRole.PARTICIPANT,
        person.organisation_id,
        False,
    )
    assert client.session["_auth_user_id"] == str(login.pk)
    assert client.get(next_path).status_code == 200
    # the same link posted again signs nobody in
    assert followed.again.status_code == 410
    assert "This sign-in link has already been used." in followed.again.content.decode()
    assert "_auth_user_id" not in followed.again_client.session
    assert User.objects.filter(email__iexact=person.email).count() == 1


def test_the_program_invitation_signs_in_a_person_without_a_login_and_opens_the_application(client, acme, manager, program, committed):
    # given Frank, imported from the HRIS, with no login, invited to an enrolling program
    frank = create_person(
        organisation=acme,
        employee_id="A100",
        given_name="Frank",
        family_name="Field",
        email="frank@acme.test",
        grade=acme.grades.get(code="G9"),
    )
    enrolling = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    with committed():
        (enrolment,) = invite_people(program=enrolling, people=[frank], role=Role.MENTEE, by=manager).invited
    assert frank.user_id is None

    # when he follows the link in his invitation, and the link is posted once more
    message = email_to(frank)
    followed = follow_sign_in_link(client, message)

    # then
    assert "This link signs you in; it works once and expires in 7 days." in message.body
    assert_signed_in_once_as_a_new_participant(client, followed, person=frank, next_path=reverse("programs:apply", args=[enrolment.pk]))


def test_a_match_offer_signs_in_the_person_and_opens_their_match(client, matching_program, pool, manager, committed):
    # given a published run: every person in the pool is an imported employee without a login
    with committed():
        run = start_match_run(program=matching_program, by=manager)
    mail.outbox.clear()
    with committed():
        publish_match_run(run=run, by=manager)
    senior = pool["S1"].person
    match = Match.objects.get(mentee=pool["S1"])

    # when S1 follows the link in their offer
    message = email_to(senior)
    followed = follow_sign_in_link(client, message)

    # then each offer's link is bound to its own recipient
    assert sorted((offer.to[0], sign_in_link_in(offer)[1].person.email) for offer in mail.outbox) == sorted(
        (email, email) for email in ["s1@acme.test", "s2@acme.test", "s3@acme.test", "j1@acme.test", "j2@acme.test", "j3@acme.test"]
    )
    assert_signed_in_once_as_a_new_participant(client, followed, person=senior, next_path=reverse("matching:my_match", args=[match.pk]))


def test_a_meeting_invitation_signs_in_the_partner_and_opens_the_meeting(client, pair_without_logins, time_machine, committed):
    # given Ada schedules a meeting
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    with committed():
        meeting = schedule_video_call(pair_without_logins, at(2025, 1, 14, 9), by_role=Role.MENTOR)
    ben = pair_without_logins.mentee.person

    # when Ben follows the link in his invitation
    followed = follow_sign_in_link(client, email_to(ben, "Meeting scheduled"))

    # then
    assert_signed_in_once_as_a_new_participant(client, followed, person=ben, next_path=reverse("engagement:meeting", args=[meeting.pk]))


def test_a_pulse_request_signs_in_the_person_and_opens_their_pulse(client, pair_without_logins, time_machine, committed):
    # given a meeting that took place and was logged
    time_machine.move_to(at(2025, 1, 13, 8), tick=False)
    with committed():
        meeting = schedule_video_call(pair_without_logins, at(2025, 1, 14, 9), by_role=Role.MENTOR)
    time_machine.move_to(at(2025, 1, 14, 10), tick=False)
    with committed():
        log_meeting_held(meeting=meeting, held_minutes=45, topics=["AI tools"], mode="video")
    ben = pair_without_logins.mentee.person

    # when Ben follows the link in his pulse request
    message = email_to(ben, "One minute")
    followed = follow_sign_in_link(client, message)

    # then it opens his side's pulse form
    assert "The link works for 14 days" not in message.body
    assert_signed_in_once_as_a_new_participant(
        client, followed, person=ben, next_path=reverse("engagement:pulse", args=[pulse_token(meeting, Role.MENTEE)])
    )


def test_a_survey_invitation_signs_in_the_person_and_opens_their_survey(
    client, acme, matching_program, manager, mentor, mentee, django_capture_on_commit_callbacks
):
    # given an approved mentor without a login, beside Charlie and Bob, in a program whose baseline opens
    lone = add_person(acme, "LONE", grade="G2", department="Technology")
    make_ready(matching_program, lone, Role.MENTOR, manager, skills={"generative-ai-prompting": 5})
    pair = build_running_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    schedule_waves(program=pair.program)
    with in_wave(WaveKind.BASELINE):
        opened(pair.program, WaveKind.BASELINE, django_capture_on_commit_callbacks)
        assignment = SurveyAssignment.objects.get(enrolment__person=lone)

        # when they follow the link in their invitation
        followed = follow_sign_in_link(client, email_to(lone))

        # then
        assert_signed_in_once_as_a_new_participant(client, followed, person=lone, next_path=reverse("surveys:survey", args=[assignment.pk]))


def test_every_other_email_to_a_person_carries_a_link_of_their_own_and_manager_emails_none(
    acme, manager, mentor, mentee, matching_program, time_machine, committed
):
    # given Charlie and Bob's pair, started on 5 January and not met since, and their program manager Alice
    time_machine.move_to(at(2026, 1, 5, 9), tick=False)
    pair = running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    time_machine.move_to(at(2026, 2, 12, 9), tick=False)
    mail.outbox.clear()

    # when a past-cadence nudge goes out, then a reminder, an agenda, a cancellation by Bob (the senior) and a check-in
    engagement_tasks.send_overdue_nudge.call(pair.pk)
    first = Meeting.objects.create(pair=pair, starts_at=at(2026, 2, 13, 9), duration_minutes=45)
    second = Meeting.objects.create(pair=pair, starts_at=at(2026, 2, 15, 9), duration_minutes=45)
    engagement_tasks.send_meeting_reminder.call(first.pk)
    with committed():
        send_agenda(meeting=first, agenda="1. Prompting", by_role=Role.MENTOR)
    with committed():
        cancel_meeting(meeting=second, by_role=Role.MENTEE)
    with committed():
        check_in_on_pair(pair=pair, by=manager)

    # then each person's email links them in to the page it is about, and the managers' notice has no link
    to_people = [message for message in mail.outbox if message.to != [manager.email]]
    links = [(message.to[0], *_bound(message)) for message in to_people]
    pair_page, first_page = reverse("engagement:pair", args=[pair.pk]), reverse("engagement:meeting", args=[first.pk])
    assert links == [
        ("charlie@acme.test", "charlie@acme.test", pair_page),  # overdue
        ("bob@acme.test", "bob@acme.test", pair_page),  # overdue
        ("charlie@acme.test", "charlie@acme.test", first_page),  # reminder
        ("bob@acme.test", "bob@acme.test", first_page),  # reminder
        ("bob@acme.test", "bob@acme.test", first_page),  # agenda
        ("charlie@acme.test", "charlie@acme.test", reverse("engagement:meetings", args=[pair.pk])),  # cancellation
        ("charlie@acme.test", "charlie@acme.test", pair_page),  # check-in
        ("bob@acme.test", "bob@acme.test", pair_page),  # check-in
    ]
    (to_manager,) = [message for message in mail.outbox if message.to == [manager.email]]
    assert "/accounts/link/" not in to_manager.body


def _bound(message) -> tuple[str, str]:
    _path, link = sign_in_link_in(message)
    assert link.person is not None
    return link.person.email, link.next_path
