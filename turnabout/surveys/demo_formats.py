"""Two running demo programs in the formats beyond one-to-one pairs: a junior board of circles and campus mentors who
are guests from outside (docs/adr/0008-circles.md, docs/guests.md).

- **Junior board**: six juniors and four executives, formed into two circles by a real match run, published, accepted
  by every member; each circle's agreement signed by all, a shared goal, one held meeting with every member's pulse.
- **Campus mentors** (CITI style): three University of Miami students invited as guests, with access for six months,
  mentoring three senior managers; each pair matched, active, its agreement signed and one meeting held.

Built through the services as last year's completed program is (``turnabout.surveys.demo``): a step a service records
"now" (a pair starting, a meeting held) is moved back a few weeks afterwards with the same ``move_back``, so the
programs have been running for a month on the demo's today. Deterministic per seed; idempotent (a program that exists
is left alone). The emails their services queue are discarded once committed, as the completed program's are: the
meetings they announce are in the past.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from turnabout.accounts.models import Organisation, User
from turnabout.engagement.health import refresh_program_health
from turnabout.engagement.models import Agreement, AgreementSignature, Meeting, MeetingMode, Pair, PairMember, Pulse
from turnabout.engagement.queries import current_agreement
from turnabout.engagement.services import add_goal, log_meeting_held, schedule_meeting, sign_agreement, submit_pulse
from turnabout.matching.demo import DEMO_SLUG, DIGITAL, apply_for_demo, demo_people, grade_rank, train_for_demo
from turnabout.matching.models import CircleMatch, Match, MatchRun, MatchStatus
from turnabout.matching.runs import claim_match_run, execute_match_run
from turnabout.matching.services import publish_circle_run, publish_match_run, respond_to_circle_match, respond_to_match, start_match_run
from turnabout.people.models import Grade, Person, Skill
from turnabout.programs.models import Enrolment, PairingFormat, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.rules import add_months
from turnabout.programs.services import (
    Application,
    GuestInvitation,
    change_program_status,
    create_program_from_preset,
    decide_application,
    invite_guests,
    invite_people,
    submit_application,
    update_program,
)
from turnabout.surveys.demo import at_local, dropping_queued_tasks, move_back, unavailable_people

JUNIOR_BOARD_NAME = "Junior board"
CAMPUS_NAME = "Campus mentors"
CIRCLES = 2
CIRCLE_MENTORS = 3  # juniors per circle
CIRCLE_MENTEES = 2  # executives per circle
# The junior board's executives: the most senior people the other programs left free, from managers (G6) up, one per
# department; three grades above every junior (G1–G3), as the digital preset's grade gap asks.
EXECUTIVE_FROM_RANK = 6
SENIOR_MANAGER_RANK = 7  # the campus mentors' mentees: senior managers (G7)
# Where the members work, so that every circle and pair has working hours in common: the junior board in Europe,
# the Miami students' managers in the Americas (CITI's were in Latin America).
BOARD_ZONES = ("Europe/",)
CAMPUS_ZONES = ("America/",)
UNIVERSITY = "University of Miami"
STUDENTS = (("Lucía", "Reyes"), ("Mateo", "Silva"), ("Sofía", "Duarte"))
GUEST_ACCESS_MONTHS = 6
GUEST_GRADE = "G2"  # where the students stand on the grade ladder: a graduate's place
GUEST_TIMEZONE = "America/New_York"
RUNNING_FOR_DAYS = 28  # both programs started four weeks before the demo's today
MEETING_DAYS_AGO = 9
SHARED_GOAL = "Launch the board's first reverse-mentoring podcast"
TOPICS = ("AI assistants", "Internal social network", "Podcasts", "Collaboration tools", "Data dashboards")
CIRCLE_RATINGS = (5, 4, 4, 3, 5)  # one per member of a circle, shuffled: a circle's pulses differ


@dataclass(frozen=True)
class DemoFormats:
    created: list[str]


def seed_demo_formats(*, seed: int = 1, today: date | None = None) -> DemoFormats:
    """Add the junior board and the campus mentors to the demo organisation unless they exist; the names created.

    One transaction per program. Run after the other demo programs (``turnabout seed-demo-programs`` does): their
    people are chosen among those in no program yet.
    """
    organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if organisation is None:
        raise ValueError("Load the demo organisation first: turnabout seed-demo")
    manager = User.objects.get(organisation=organisation, email__startswith="pm@")
    sponsor = User.objects.get(organisation=organisation, email__startswith="sponsor@")
    today = today or timezone.localdate()
    created = []
    # The proposals, outcomes, meeting invitations and pulse requests queued are all about steps the demo dated in the
    # past, and the match runs' own computation is done here already: none is sent.
    with dropping_queued_tasks():
        # The campus mentors first: they take three of the few senior managers the other programs left free.
        if not Program.objects.filter(organisation=organisation, name=CAMPUS_NAME).exists():
            with transaction.atomic():
                _campus_mentors(organisation, manager, sponsor, random.Random(f"{seed}-campus"), today)
            created.append(CAMPUS_NAME)
        if not Program.objects.filter(organisation=organisation, name=JUNIOR_BOARD_NAME).exists():
            with transaction.atomic():
                _junior_board(organisation, manager, sponsor, random.Random(f"{seed}-junior-board"), today)
            created.append(JUNIOR_BOARD_NAME)
    return DemoFormats(created=created)


def _free_people(organisation: Organisation) -> tuple[list[Person], list[Person]]:
    """Active juniors and seniors in no program yet, who are not the demo's sign-ins and speak English."""
    juniors, seniors = demo_people(organisation, senior_from_rank=EXECUTIVE_FROM_RANK)
    unavailable = unavailable_people(organisation)

    def free(person: Person) -> bool:
        return person.pk not in unavailable and person.department_id is not None and "en" in person.languages

    return [person for person in juniors if free(person)], [person for person in seniors if free(person)]


def _most_senior_per_department(people: list[Person], count: int) -> list[Person]:
    """The ``count`` most senior people, no two from one department (the most senior of each, then by employee id)."""
    chosen: list[Person] = []
    for person in sorted(people, key=lambda person: (-grade_rank(person), person.employee_id)):
        if all(other.department_id != person.department_id for other in chosen):
            chosen.append(person)
    if len(chosen) < count:
        raise ValueError(
            f"The demo organisation has too few senior people left for the {JUNIOR_BOARD_NAME}; reload it: turnabout seed-demo --reset"
        )
    return chosen[:count]


def _outside_lines(juniors: list[Person], seniors: list[Person]) -> list[Person]:
    """The juniors outside every senior's reporting line and department (the hard rules of every pairing)."""
    senior_ids = {senior.pk for senior in seniors}
    departments = {senior.department_id for senior in seniors}
    return [
        junior
        for junior in juniors
        if junior.department_id not in departments
        and not senior_ids & set(junior.ancestor_ids)
        and not any(junior.pk in senior.ancestor_ids for senior in seniors)
    ]


def _ready(program: Program, enrolments: list[Enrolment], manager: User, rng: random.Random) -> None:
    """Apply (available on every working day, so every circle finds a time), approve and train each enrolment."""
    digital = list(Skill.objects.filter(category__slug__in=DIGITAL).order_by("slug").values_list("slug", flat=True))
    for enrolment in enrolments:
        if enrolment.person.is_guest:
            _apply_as_student(enrolment, rng, digital)
        else:
            apply_for_demo(enrolment, rng, digital, flexible=True)
        decide_application(enrolment=enrolment, approve=True, by=manager)
        train_for_demo(enrolment)


def _apply_as_student(enrolment: Enrolment, rng: random.Random, digital: list[str]) -> None:
    """A student's application from Miami: their own time zone, the digital skills they bring, weekday mornings."""
    chosen = rng.sample(digital, 2)
    submit_application(
        enrolment=enrolment,
        application=Application(
            motivation="To bring a student's view of digital tools to a leader.",
            goals_text="",
            skills=dict.fromkeys(Skill.objects.filter(slug__in=chosen), 5),
            availability=[{"day": day, "start": "08:00", "end": "14:00"} for day in range(5)],
            timezone=GUEST_TIMEZONE,
            interests=["podcasts", "film"],
            values=["curiosity"],
            languages=["en", "es"],
            capacity=1,
            diversity_consent=False,
            conduct_acknowledged=True,
        ),
    )


def _run_matching(program: Program, manager: User) -> MatchRun:
    """Start a match run through the service and compute it here, as the worker would (claim, then execute)."""
    program = change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    run = start_match_run(program=program, by=manager)
    claim_match_run(run.pk)
    return execute_match_run(run_id=run.pk)


def _started_weeks_ago(program: Program, today: date) -> date:
    """Move the program's pairs (circles) to have started ``RUNNING_FOR_DAYS`` before today; the day they started."""
    started = today - timedelta(days=RUNNING_FOR_DAYS)
    move_back(Pair.objects.filter(program=program), started_on=started)
    move_back(Agreement.objects.filter(pair__program=program), created_at=at_local(started, 9))
    move_back(PairMember.objects.filter(pair__program=program), joined_at=at_local(started, 9))
    return started


def _hold_first_meeting(pair: Pair, members: list[PairMember], ratings: list[int], rng: random.Random, *, today: date) -> None:
    """Schedule a meeting through the service, move it into the past, log it held and give every member's pulse."""
    held_on = today - timedelta(days=MEETING_DAYS_AGO)
    starts_at = at_local(held_on, 10)
    mentor = next(member for member in members if member.role == Role.MENTOR)
    meeting = schedule_meeting(
        pair=pair,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=60,
        mode=MeetingMode.VIDEO,
        location="",
        by_role=Role.MENTOR,
        by=mentor if pair.is_circle else None,
    )
    move_back(Meeting.objects.filter(pk=meeting.pk), starts_at=starts_at, created_at=starts_at - timedelta(days=6))
    meeting.starts_at = starts_at
    log_meeting_held(meeting=meeting, held_minutes=60, topics=rng.sample(TOPICS, 2), mode=meeting.mode)
    for member, rating in zip(members, ratings, strict=True):
        submit_pulse(meeting=meeting, role=member.role, rating=rating, learned="", member=member if pair.is_circle else None)
    move_back(Pulse.objects.filter(meeting=meeting), submitted_at=starts_at + timedelta(hours=3))


def _sign_by_all(pair: Pair, members: list[PairMember], started: date) -> None:
    agreement = current_agreement(pair)
    for member in members:
        sign_agreement(
            agreement=agreement, role=Role(member.role), by=member.enrolment.person.user, member=member if pair.is_circle else None
        )
    move_back(AgreementSignature.objects.filter(agreement=agreement), signed_at=at_local(started + timedelta(days=2), 12))


def _junior_board(organisation: Organisation, manager: User, sponsor: User, rng: random.Random, today: date) -> Program:
    """Six juniors and four of the most senior people left, in two circles of three and two formed by the engine, a
    month under way."""
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    changes = {
        "name": JUNIOR_BOARD_NAME,
        "sponsor": sponsor,
        "pairing_format": PairingFormat.CIRCLES,
        "circle_min_mentors": CIRCLE_MENTORS,
        "circle_max_mentors": CIRCLE_MENTORS,
        "circle_min_mentees": CIRCLE_MENTEES,
        "circle_max_mentees": CIRCLE_MENTEES,
    }
    program = update_program(program=program, changes=changes, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    juniors, seniors = ([person for person in people if person.timezone.startswith(BOARD_ZONES)] for people in _free_people(organisation))
    executives = _most_senior_per_department(seniors, CIRCLES * CIRCLE_MENTEES)
    chosen = rng.sample(_outside_lines(juniors, executives), CIRCLES * CIRCLE_MENTORS)
    invited = invite_people(program=program, people=chosen, role=Role.MENTOR, by=manager).invited
    invited += invite_people(program=program, people=executives, role=Role.MENTEE, by=manager).invited
    _ready(program, invited, manager, rng)
    run = _run_matching(program, manager)
    matches = publish_circle_run(run=run, by=manager)
    for match in matches:
        for member in match.members.select_related("enrolment").order_by("pk"):
            respond_to_circle_match(match=match, enrolment=member.enrolment, accept=True)
    program = change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)
    started = _started_weeks_ago(program, today)
    for match in CircleMatch.objects.filter(program=program, status=MatchStatus.ACTIVE).select_related("pair").order_by("pk"):
        circle = match.pair
        assert circle is not None
        members = list(circle.members.current().select_related("enrolment__person__user").order_by("pk"))
        _sign_by_all(circle, members, started)
        add_goal(pair=circle, owner_role=Role.MENTEE, title=SHARED_GOAL, by_member=members[0], shared=True)
        ratings = [CIRCLE_RATINGS[index % len(CIRCLE_RATINGS)] for index in range(len(members))]
        rng.shuffle(ratings)
        _hold_first_meeting(circle, members, ratings, rng, today=today)
    refresh_program_health(program=program, today=today)
    return program


def _campus_mentors(organisation: Organisation, manager: User, sponsor: User, rng: random.Random, today: date) -> Program:
    """Three University of Miami students, guests for six months, mentoring three senior managers, a month under way."""
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    guest_grade = Grade.objects.get(organisation=organisation, code=GUEST_GRADE)
    program = update_program(program=program, changes={"name": CAMPUS_NAME, "sponsor": sponsor, "guest_grade": guest_grade}, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    _juniors, seniors = _free_people(organisation)
    managers = [p for p in seniors if grade_rank(p) == SENIOR_MANAGER_RANK and p.timezone.startswith(CAMPUS_ZONES)]
    if len(managers) < len(STUDENTS):
        raise ValueError(
            f"The demo organisation has too few senior managers left for the {CAMPUS_NAME}; reload it: turnabout seed-demo --reset"
        )
    managers = rng.sample(managers, len(STUDENTS))
    ends = add_months(today, GUEST_ACCESS_MONTHS)
    guests = [
        GuestInvitation(
            given_name=given,
            family_name=family,
            email=f"{given.lower().replace('í', 'i')}.{family.lower()}@miami.example.edu",
            guest_organisation=UNIVERSITY,
            access_ends_on=ends,
        )
        for given, family in STUDENTS
    ]
    invited = invite_guests(program=program, guests=guests, role=Role.MENTOR, by=manager).invited
    invited += invite_people(program=program, people=managers, role=Role.MENTEE, by=manager).invited
    _ready(program, invited, manager, rng)
    run = _run_matching(program, manager)
    for match in publish_match_run(run=run, by=manager):
        respond_to_match(match=match, role=Role.MENTEE, accept=True)
        respond_to_match(match=match, role=Role.MENTOR, accept=True)
    program = change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)
    started = _started_weeks_ago(program, today)
    for pair in Pair.objects.filter(program=program).order_by("pk"):
        members = list(pair.members.current().select_related("enrolment__person__user").order_by("role", "pk"))
        _sign_by_all(pair, members, started)
        _hold_first_meeting(pair, members, [rng.choice([4, 5]) for _member in members], rng, today=today)
    assert Match.objects.filter(program=program, status=MatchStatus.ACTIVE).count() == len(STUDENTS)
    refresh_program_health(program=program, today=today)
    return program
