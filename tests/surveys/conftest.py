"""A running program with survey waves: Charlie (mentor) and Bob (mentee) paired, plus extra pairs when asked.

The program runs from Monday 5 January to Sunday 5 July 2026, so the baseline is open 5–26 January, the midpoint
5–26 April and the end 5–26 July. Travel with ``on(date)`` to be inside a wave.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from tests.engagement.health_builders import running_program_with_cast_pair
from turnabout.accounts.models import User
from turnabout.engagement.models import Pair
from turnabout.programs.models import Program
from turnabout.surveys.models import SurveyAssignment, SurveyWave, WaveKind
from turnabout.surveys.services import open_wave, schedule_waves

STARTS_ON = date(2026, 1, 5)
ENDS_ON = date(2026, 7, 5)
WAVE_DAYS = {WaveKind.BASELINE: date(2026, 1, 6), WaveKind.MIDPOINT: date(2026, 4, 6), WaveKind.END: date(2026, 7, 6)}


def moment(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(moment(day), tick=False):
        yield


def in_wave(kind: WaveKind) -> Any:
    """A context manager placing the test inside the wave's open window."""
    return on(WAVE_DAYS[kind])


def build_running_program(
    program: Program, *, manager: User, mentor: User, mentee: User, extra_mentors: int = 0, extra_mentees: int = 0
) -> Pair:
    pair = running_program_with_cast_pair(
        program, manager=manager, mentor=mentor, mentee=mentee, extra_mentors=extra_mentors, extra_mentees=extra_mentees
    )
    # Fixed dates: the schedule is the point of these tests (the ORM, as the program is running and dates are locked).
    Program.objects.filter(pk=program.pk).update(starts_on=STARTS_ON, ends_on=ENDS_ON)
    program.refresh_from_db()
    return pair


@pytest.fixture
def pair(matching_program, manager, mentor, mentee) -> Pair:
    """Charlie (mentor) and Bob (mentee), active, in a program with its three waves scheduled."""
    pair = build_running_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    schedule_waves(program=pair.program)
    return pair


def wave_of(program: Program, kind: WaveKind) -> SurveyWave:
    return SurveyWave.objects.get(program=program, kind=kind)


def opened(program: Program, kind: WaveKind, capture: Any) -> SurveyWave:
    """Open the wave on its day, running the invitation tasks; call inside ``in_wave(kind)``."""
    with capture(execute=True):
        open_wave(wave=wave_of(program, kind), now=moment(WAVE_DAYS[kind]))
    return wave_of(program, kind)


def assignment_of(user: User, kind: WaveKind) -> SurveyAssignment:
    return SurveyAssignment.objects.get(enrolment__person__user=user, wave__kind=kind)


def full_answers(assignment: SurveyAssignment, value: int = 4, overrides: dict[str, int] | None = None) -> dict[str, dict[str, int]]:
    """An answer to every item of the assignment (``value``, or 8 on a 0–10 scale), except ``overrides`` by item id."""
    overrides_by_id = overrides or {}
    answers: dict[str, dict[str, int]] = {}
    for instrument in assignment.instruments.all():
        default = 8 if instrument.scale_max == 10 else value
        answers[instrument.slug] = {item["id"]: overrides_by_id.get(item["id"], default) for item in instrument.items}
    return answers
