"""Scheduling and opening waves: dates, who is asked, and invitations sent once."""

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from tests.builders import add_person, make_ready
from tests.programs.sign_in_links import sign_in_link_in
from tests.surveys.conftest import WAVE_DAYS, build_running_program, in_wave, moment, on, opened, wave_of
from turnabout.programs.models import Program, Role
from turnabout.surveys.errors import ProgramNotScheduled, WaveClosed
from turnabout.surveys.models import SurveyAssignment, SurveyWave, WaveKind, WaveStatus
from turnabout.surveys.services import open_wave, schedule_waves
from turnabout.surveys.tasks import send_survey_invitation


def dates(program: Program) -> list[tuple[str, date, date]]:
    return [(wave.kind, wave.opens_on, wave.closes_on) for wave in SurveyWave.objects.filter(program=program).order_by("opens_on")]


def instruments_of(assignment: SurveyAssignment) -> list[str]:
    return sorted(assignment.instruments.values_list("slug", flat=True))


def test_scheduling_places_baseline_midpoint_and_end_and_is_idempotent(pair):
    # given the pair fixture scheduled once
    program = pair.program

    # when
    schedule_waves(program=program)

    # then
    assert dates(program) == [
        ("baseline", date(2026, 1, 5), date(2026, 1, 26)),
        ("midpoint", date(2026, 4, 5), date(2026, 4, 26)),
        ("end", date(2026, 7, 5), date(2026, 7, 26)),
    ]
    assert all(wave.invited_at is None for wave in SurveyWave.objects.filter(program=program))


def test_scheduling_needs_start_and_end_dates(program):
    # given a draft without an end date
    Program.objects.filter(pk=program.pk).update(ends_on=None)
    program.refresh_from_db()

    # when / then
    with pytest.raises(ProgramNotScheduled):
        schedule_waves(program=program)
    assert not SurveyWave.objects.exists()


def test_opening_the_baseline_asks_each_side_its_instruments_and_emails_once(pair, mentor, mentee, django_capture_on_commit_callbacks):
    with in_wave(WaveKind.BASELINE):
        # when it is opened twice, and the task delivered again
        opened(pair.program, WaveKind.BASELINE, django_capture_on_commit_callbacks)
        opened(pair.program, WaveKind.BASELINE, django_capture_on_commit_callbacks)
        for assignment in SurveyAssignment.objects.all():
            send_survey_invitation.call(assignment.pk)

    # then
    charlie = SurveyAssignment.objects.get(enrolment__person__user=mentor)
    bob = SurveyAssignment.objects.get(enrolment__person__user=mentee)
    assert SurveyAssignment.objects.count() == 2
    assert instruments_of(charlie) == ["confidence-mentor", "digital-skills", "mentor-skills"]
    assert instruments_of(bob) == ["confidence-mentee", "digital-skills"]
    assert sorted(message.to[0] for message in mail.outbox) == ["bob@acme.test", "charlie@acme.test"]
    message = next(message for message in mail.outbox if message.to == ["charlie@acme.test"])
    assert message.subject == f"{pair.program.name}: your baseline survey"
    _path, link = sign_in_link_in(message)
    assert (link.person, link.next_path) == (mentor.person, f"/surveys/{charlie.pk}/")
    assert "as a mentor" in message.body
    assert f"Your baseline survey of {pair.program.name} is open. It takes you about ten minutes" in message.body
    assert "Answer it by 26 January 2026" in message.body
    assert "it works once and expires in" in message.body
    assert wave_of(pair.program, WaveKind.BASELINE).invited_at == moment(WAVE_DAYS[WaveKind.BASELINE])


def test_midpoint_and_end_ask_only_people_who_have_been_in_a_pair(
    acme, matching_program, manager, mentor, mentee, django_capture_on_commit_callbacks
):
    # given an approved mentor nobody was paired with, beside Charlie and Bob
    lone = add_person(acme, "LONE", grade="G2", department="Technology")
    unpaired = make_ready(matching_program, lone, Role.MENTOR, manager, skills={"generative-ai-prompting": 5})
    pair = build_running_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    schedule_waves(program=pair.program)

    # when
    with in_wave(WaveKind.BASELINE):
        opened(pair.program, WaveKind.BASELINE, django_capture_on_commit_callbacks)
    with in_wave(WaveKind.MIDPOINT):
        opened(pair.program, WaveKind.MIDPOINT, django_capture_on_commit_callbacks)

    # then
    assert SurveyAssignment.objects.filter(wave__kind=WaveKind.BASELINE, enrolment=unpaired).exists()
    assert not SurveyAssignment.objects.filter(wave__kind=WaveKind.MIDPOINT, enrolment=unpaired).exists()
    midpoint = {
        assignment.enrolment.role: instruments_of(assignment) for assignment in wave_of(pair.program, WaveKind.MIDPOINT).assignments.all()
    }
    assert midpoint == {"mentor": ["program-nps", "relationship-quality-mentor"], "mentee": ["program-nps", "relationship-quality-mentee"]}


def test_opening_early_moves_the_opening_day_to_today(pair, django_capture_on_commit_callbacks):
    # when the manager opens the midpoint on 1 April, four days early
    with on(date(2026, 4, 1)), django_capture_on_commit_callbacks(execute=True):
        open_wave(wave=wave_of(pair.program, WaveKind.MIDPOINT), now=moment(date(2026, 4, 1)))

    # then
    wave = wave_of(pair.program, WaveKind.MIDPOINT)
    assert (wave.opens_on, wave.status_on(date(2026, 4, 1))) == (date(2026, 4, 1), WaveStatus.OPEN)
    assert len(mail.outbox) == 2


def test_a_closed_wave_cannot_be_opened(pair):
    # given the baseline's window has passed
    wave = wave_of(pair.program, WaveKind.BASELINE)

    # when / then
    with pytest.raises(WaveClosed):
        open_wave(wave=wave, now=moment(date(2026, 2, 1)))
    assert wave_of(pair.program, WaveKind.BASELINE).invited_at is None
    assert not SurveyAssignment.objects.exists()


def test_the_periodic_command_opens_due_waves_once(pair, django_capture_on_commit_callbacks):
    # when it runs twice on the baseline's opening day
    output = StringIO()
    with on(date(2026, 1, 5)), django_capture_on_commit_callbacks(execute=True):
        call_command("open_due_waves", stdout=output)
        call_command("open_due_waves", stdout=output)

    # then
    assert output.getvalue().splitlines() == [
        "Opened 1 survey waves in 1 programs; 2 people asked.",
        "Opened 0 survey waves in 0 programs; 0 people asked.",
    ]
    assert len(mail.outbox) == 2
    assert wave_of(pair.program, WaveKind.MIDPOINT).invited_at is None
