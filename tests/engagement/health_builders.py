"""Builders for the health and nudge tests: pairs started through the services, meetings and pulses via the ORM.

Kept out of conftest.py so the meetings tests can own that file; import the functions, not fixtures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.matching.conftest import add_person, make_ready
from turnabout.accounts.models import User
from turnabout.engagement.models import Meeting, MeetingStatus, Pair, Pulse
from turnabout.engagement.services import start_pair
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role
from turnabout.programs.services import change_program_status

MENTOR_SKILL = {"generative-ai-prompting": 5}
MENTEE_SKILL = {"generative-ai-prompting": 3}


def running_program_with_cast_pair(
    program: Program, *, manager: User, mentor: User, mentee: User, cadence: str = "monthly", extra_mentors: int = 0, extra_mentees: int = 0
) -> Pair:
    """Charlie (junior, mentor) and Bob (senior, mentee) in an active pair of a running program, started today.

    With extras, every extra mentor is also paired with every extra mentee (people without logins).
    """
    Program.objects.filter(pk=program.pk).update(cadence=cadence)
    program.refresh_from_db()
    mentor_enrolment = make_ready(program, mentor.person, Role.MENTOR, manager, skills=MENTOR_SKILL)
    mentee_enrolment = make_ready(program, mentee.person, Role.MENTEE, manager, skills=MENTEE_SKILL)
    juniors, seniors = _ready_people(program, manager=manager, mentors=extra_mentors, mentees=extra_mentees)
    change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)
    pair = start_pair(program=program, mentor=mentor_enrolment, mentee=mentee_enrolment)
    for junior in juniors:
        for senior in seniors:
            start_pair(program=program, mentor=junior, mentee=senior)
    return pair


def _ready_people(program: Program, *, manager: User, mentors: int, mentees: int) -> tuple[list[Enrolment], list[Enrolment]]:
    if not mentors or not mentees:
        return [], []
    organisation = program.organisation
    ceo = add_person(organisation, "BOSS", grade="G10", department="Board")
    juniors = []
    for number in range(mentors):
        person = add_person(organisation, f"JR{number}", grade="G2", department="Technology", manager=ceo)
        juniors.append(make_ready(program, person, Role.MENTOR, manager, skills=MENTOR_SKILL, capacity=mentees))
    seniors = []
    for number in range(mentees):
        person = add_person(organisation, f"SR{number}", grade="G9", department=f"Division {number}", manager=ceo)
        seniors.append(make_ready(program, person, Role.MENTEE, manager, skills=MENTEE_SKILL))
    return juniors, seniors


def meeting(pair: Pair, *, at: datetime, status: MeetingStatus = MeetingStatus.SCHEDULED, cancelled_by: str = "") -> Meeting:
    return Meeting.objects.create(
        pair=pair,
        starts_at=at,
        status=status,
        cancelled_by_role=cancelled_by,
        cancelled_at=at - timedelta(days=1) if status == MeetingStatus.CANCELLED else None,
        held_minutes=45 if status == MeetingStatus.HELD else None,
    )


def held(pair: Pair, *, at: datetime, ratings: tuple[int, ...] = ()) -> Meeting:
    """A held meeting with pulse ratings from the mentor, then the mentee."""
    item = meeting(pair, at=at, status=MeetingStatus.HELD)
    for offset, (role, rating) in enumerate(zip((Role.MENTOR, Role.MENTEE), ratings, strict=False)):
        submitted_at = at + timedelta(hours=1, minutes=offset)
        Pulse.objects.create(
            meeting=item, pair_id=item.pair_id, role=role, rating=rating, learned="private words", submitted_at=submitted_at
        )
    return item


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
