"""Last year's completed demo program: twelve months of meetings, pulses, goals, surveys, closures, promotions, leavers.

Built through the services, as the other demo programs are (``turnabout.matching.demo``); where a service acts only
"now", its rows are moved back in time afterwards (``move_back``). It lives here, in the surveys layer, because it
answers the program's baseline, midpoint and end surveys. Deterministic per seed; idempotent. The emails its services
queue (invitations, pulse requests, survey invitations for last year) are discarded once it is committed: nobody is
told today about meetings of last year.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from turnabout.accounts.models import Organisation, User
from turnabout.engagement.models import (
    Agreement,
    AgreementSignature,
    CloseReason,
    Goal,
    GoalStatus,
    Insight,
    ManagerAction,
    Meeting,
    MeetingMode,
    Milestone,
    Pair,
    Pulse,
)
from turnabout.engagement.queries import current_agreement
from turnabout.engagement.services import (
    add_goal,
    add_milestone,
    cancel_meeting,
    close_pair,
    complete_milestone,
    log_insight,
    log_meeting_held,
    schedule_meeting,
    sign_agreement,
    submit_pulse,
    update_goal_progress,
)
from turnabout.matching.demo import (
    DEMO_SLUG,
    DIGITAL,
    MENTEE_GOALS,
    MENTOR_GOALS,
    apply_for_demo,
    demo_people,
    grade_rank,
    train_for_demo,
)
from turnabout.matching.models import Match, MatchRun
from turnabout.matching.runs import claim_match_run, execute_match_run
from turnabout.matching.services import (
    end_matches_of_withdrawn,
    publish_match_run,
    respond_to_match,
)
from turnabout.people.models import EmploymentStatus, Grade, GradeChange, Person, Skill
from turnabout.people.services import mark_leaver, update_person
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role, StrategicDriver, TrainingCompletion
from turnabout.programs.rules import add_months
from turnabout.programs.services import (
    change_program_status,
    create_program_from_preset,
    decide_application,
    invite_people,
    update_program,
    withdraw_leavers,
)
from turnabout.surveys.models import ScaleType, SurveyAssignment, SurveyWave, WaveKind
from turnabout.surveys.services import open_wave, schedule_waves, submit_survey

COMPLETED_PREFIX = "Digital reverse mentoring pilot"
COMPLETED_PAIRS = 30  # enough that every figure k allows is shown, with a few pairs in each variation
COMPLETED_NOT_APPROVED = 5  # per side: invited people who never applied or were turned down (0 or at least k)
EARLY_CLOSURES = (CloseReason.NO_FAULT, CloseReason.NO_FAULT, CloseReason.NO_FAULT, CloseReason.PARTNER_LEFT, CloseReason.PARTNER_LEFT)
SLOW_PAIRS = 7  # pairs meeting every six to ten weeks, off the monthly cadence
PULSE_RATINGS = {2: 0.08, 3: 0.22, 4: 0.4, 5: 0.3}
TOPICS = ["AI assistants", "LinkedIn", "Collaboration tools", "Data dashboards", "Hybrid meetings", "Podcasts", "Cybersecurity"]
INSIGHTS = [
    "Drafts board papers with an AI assistant first",
    "Posts a monthly update on the strategy on LinkedIn",
    "Runs the leadership meeting with a shared online whiteboard",
    "Reads the team's dashboard before asking for a report",
    "Records short video updates instead of long emails",
    "Asks new joiners which tools they miss",
]
MILESTONES = ["Agree what good looks like", "Try it once with support", "Do it alone and review together"]


def seed_demo_history(*, seed: int = 1, today: date | None = None) -> str | None:
    """Add last year's completed program to the demo organisation unless it exists; its name, or None when it did.

    One transaction. Needs ``seed-demo`` (the full-size organisation: its seniors are spread over three programs) and
    the running and enrolling programs first (:func:`turnabout.matching.demo.seed_demo_programs`): its people are
    chosen outside them.
    """
    organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if organisation is None:
        raise ValueError("Load the demo organisation first: turnabout seed-demo")
    if Program.objects.filter(organisation=organisation, name__startswith=COMPLETED_PREFIX).exists():
        return None
    manager = User.objects.get(organisation=organisation, email__startswith="pm@")
    sponsor = User.objects.get(organisation=organisation, email__startswith="sponsor@")
    # None of the emails its services queue is news today (last year's invitations, meetings, pulses and surveys).
    with dropping_queued_tasks(), transaction.atomic():
        program = _completed_program(organisation, manager, sponsor, random.Random(f"{seed}-completed"), today or timezone.localdate())
    return program.name


@contextmanager
def dropping_queued_tasks() -> Iterator[None]:
    """Drop, once the block's work is committed, the tasks it queued (the services' emails) before a worker runs them:
    the demo's history is dated in the past, and nobody is told today about it."""
    queued_before = set(DBTaskResult.objects.values_list("pk", flat=True))
    yield
    DBTaskResult.objects.exclude(pk__in=queued_before).filter(status=TaskResultStatus.READY).delete()


def unavailable_people(organisation: Organisation) -> set[int]:
    """The ids of the demo organisation's people a new demo program leaves out: those in a program, and the sign-ins."""
    taken = set(Enrolment.objects.filter(program__organisation=organisation).values_list("person_id", flat=True))
    return taken | set(Person.objects.filter(organisation=organisation, user__isnull=False).values_list("pk", flat=True))


def completed_name(today: date) -> str:
    """The completed demo program's name, after the years it ran: "Digital reverse mentoring pilot 2025–2026"."""
    starts = add_months(today.replace(day=1), -13)
    return f"{COMPLETED_PREFIX} {starts.year}–{add_months(starts, 12).year}"


def at_local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """``day`` at ``hour`` in the current time zone: the instants of the backdated history."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


def move_back(queryset: QuerySet[Any, Any], **values: Any) -> int:
    """Move timestamps a service set to "now" back to when the completed program's step happened.

    The services record what happens today (a meeting is scheduled in the future, a pair starts today, a pulse is
    given now); a program of last year needs last year's dates. So the demo acts through the service, then moves only
    the dates with a plain update. This is the one place the demo writes around a service.
    """
    return queryset.update(**values)


def move_back_each(rows: list[Any], *fields: str) -> None:
    """:func:`move_back` for rows that each get their own date (set on the instances): one bulk update."""
    if rows:
        type(rows[0]).objects.bulk_update(rows, list(fields))


def _completed_program(organisation: Organisation, manager: User, sponsor: User, rng: random.Random, today: date) -> Program:
    """Last year's program, run through the services from enrolment to its close, its dates moved back (move_back)."""
    # Whole months, from the first of the month thirteen months ago to the first of last month: each month of meetings
    # is a full one, and the twelve-month outcomes are observable today.
    starts = add_months(today.replace(day=1), -13)
    opens, ends = add_months(starts, -1), add_months(starts, 12)
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager, today=opens)
    changes = {"name": completed_name(today), "sponsor": sponsor, "min_grade_gap": 3, "cadence": "monthly", "ends_on": ends}
    program = update_program(program=program, changes=changes, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    pairs = _enrol_and_match(organisation, program, manager, rng, opens=opens, starts=starts)

    waves = {wave.kind: wave for wave in schedule_waves(program=program)}
    _survey_wave(waves[WaveKind.BASELINE], rng, gain=0.0)
    order = list(pairs)
    rng.shuffle(order)
    early = {pair.pk: reason for pair, reason in zip(order, EARLY_CLOSURES, strict=False)}
    slow = {pair.pk for pair in order[len(EARLY_CLOSURES) : len(EARLY_CLOSURES) + SLOW_PAIRS]}
    closes_on: dict[int, date] = {}
    for pair in pairs:
        last_day = ends - timedelta(days=1)
        if pair.pk in early:
            last_day = starts + timedelta(days=rng.randint(70, 200))
        closes_on[pair.pk] = last_day
        _work_through_the_year(pair, rng, manager, starts=starts, last_day=last_day, slow=pair.pk in slow, today=today)
    leavers: list[Person] = []
    for pair in pairs:
        if pair.pk not in early:
            continue
        reason = early[pair.pk]
        close_pair(pair=pair, reason=reason, by=manager, continue_informally=False)
        closed_at = at_local(closes_on[pair.pk] + timedelta(days=1), 16)
        move_back(Pair.objects.filter(pk=pair.pk), closed_at=closed_at)
        move_back(ManagerAction.objects.filter(pair=pair), taken_at=closed_at)
        if reason == CloseReason.PARTNER_LEFT:
            leavers.append(pair.mentor.person)
    for person in leavers:
        mark_leaver(person=person, end_date=max(closes_on[pair.pk] for pair in pairs if pair.mentor.person_id == person.pk))
    if leavers:
        # What the people_left hook does in the worker, done here so the history is complete when the seed commits.
        withdraw_leavers(organisation=organisation)
        end_matches_of_withdrawn(program=program)
    _survey_wave(waves[WaveKind.MIDPOINT], rng, gain=0.3)
    _survey_wave(waves[WaveKind.END], rng, gain=0.7)
    program = change_program_status(program=program, to=ProgramStatus.CLOSING, by=manager)
    for pair in pairs:
        if pair.pk in early:
            continue
        close_pair(pair=pair, reason=CloseReason.COMPLETED, by=None, continue_informally=rng.random() < 0.4)
    move_back(Pair.objects.filter(program=program, close_reason=CloseReason.COMPLETED), closed_at=at_local(ends, 17))
    program = change_program_status(program=program, to=ProgramStatus.CLOSED, by=manager)
    _record_hris_history(organisation, program, rng, starts=starts, ends=ends)
    return program


def _enrol_and_match(
    organisation: Organisation, program: Program, manager: User, rng: random.Random, *, opens: date, starts: date
) -> list[Pair]:
    """Invite, apply, approve, train, match and accept, as the running program does; dated in the enrolment month."""
    # Team leads and managers on the senior side (the organisation's few leaders above them are in the other programs),
    # graduates and associates on the junior side: a grade gap of at least three in every pair.
    juniors, seniors = demo_people(organisation, senior_from_rank=5)
    unavailable = unavailable_people(organisation)
    hired = [person for person in juniors + seniors if person.hire_date is not None and person.hire_date < opens]
    free = [person for person in hired if person.pk not in unavailable]
    invited_count = COMPLETED_PAIRS + COMPLETED_NOT_APPROVED
    mentors = rng.sample([p for p in free if grade_rank(p) <= 2], invited_count)
    mentees = rng.sample([p for p in free if grade_rank(p) >= 5], invited_count)
    digital = list(Skill.objects.filter(category__slug__in=DIGITAL).order_by("slug").values_list("slug", flat=True))
    invited = invite_people(program=program, people=mentors, role=Role.MENTOR, by=manager).invited
    invited += invite_people(program=program, people=mentees, role=Role.MENTEE, by=manager).invited
    for enrolment in invited:
        offset = rng.randint(0, 16)
        move_back(
            Enrolment.objects.filter(pk=enrolment.pk),
            created_at=at_local(opens),
            invited_at=at_local(opens),
            invitation_emailed_at=at_local(opens, 11),
        )
        enrolment.refresh_from_db()
        index = (mentors if enrolment.role == Role.MENTOR else mentees).index(enrolment.person)
        if index >= COMPLETED_PAIRS + 2:
            continue  # invited, never applied
        # Everyone can meet most working hours, so the engine pairs every ready person: a side with one to four left
        # unmatched would have its match rate withheld.
        apply_for_demo(enrolment, rng, digital, flexible=True)
        approve = index < COMPLETED_PAIRS
        decide_application(enrolment=enrolment, approve=approve, by=manager)
        applied, decided = at_local(opens + timedelta(days=offset), 9), at_local(opens + timedelta(days=offset + 2), 15)
        move_back(Enrolment.objects.filter(pk=enrolment.pk), applied_at=applied, conduct_acknowledged_at=applied, decided_at=decided)
        if approve:
            train_for_demo(enrolment)
            move_back(TrainingCompletion.objects.filter(enrolment=enrolment), completed_at=at_local(opens + timedelta(days=offset + 4), 12))
    change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    run = MatchRun.objects.create(program=program, requested_by=manager)
    claim_match_run(run.pk)
    run = execute_match_run(run_id=run.pk)
    matches = publish_match_run(run=run, by=manager)
    matched_on = add_months(opens, 1) - timedelta(days=7)
    move_back(
        MatchRun.objects.filter(pk=run.pk),
        created_at=at_local(matched_on, 9),
        started_at=at_local(matched_on, 9),
        finished_at=at_local(matched_on, 9, 1),
        published_at=at_local(matched_on, 11),
    )
    for match in matches:
        respond_to_match(match=match, role=Role.MENTEE, accept=True)
        respond_to_match(match=match, role=Role.MENTOR, accept=True)
    move_back(
        Match.objects.filter(pk__in=[match.pk for match in matches]),
        created_at=at_local(matched_on, 11),
        mentee_responded_at=at_local(matched_on + timedelta(days=2), 9),
        mentor_responded_at=at_local(matched_on + timedelta(days=3), 9),
    )
    change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)
    pairs = list(Pair.objects.filter(program=program).order_by("pk").select_related("mentor__person__user", "mentee__person__user"))
    move_back(Pair.objects.filter(program=program), started_on=starts)
    move_back(Agreement.objects.filter(pair__program=program), created_at=at_local(starts, 9))
    for pair in pairs:
        pair.started_on = starts
    return pairs


def _work_through_the_year(pair: Pair, rng: random.Random, manager: User, *, starts: date, last_day: date, slow: bool, today: date) -> None:
    """Agreement, goals with milestones, a meeting every two to five weeks (every six to ten for a slow pair) with both
    pulses, and ideas adopted: each through its service, then dated back."""
    users = {role: pair.enrolment_for(role).person.user for role in (Role.MENTOR, Role.MENTEE)}
    agreement = current_agreement(pair)
    for role, days in ((Role.MENTOR, 3), (Role.MENTEE, 5)):
        sign_agreement(agreement=agreement, role=role, by=users[role])
        move_back(AgreementSignature.objects.filter(agreement=agreement, role=role), signed_at=at_local(starts + timedelta(days=days), 12))
    meetings: list[Meeting] = []
    pulses: list[Pulse] = []
    day = starts + timedelta(days=rng.randint(5, 20))
    soon = timezone.now() + timedelta(days=1)
    while day <= last_day:
        starts_at = at_local(day, rng.choice([9, 10, 11, 14, 15, 16]), rng.choice([0, 30]))
        meeting = schedule_meeting(
            pair=pair, starts_at=soon, duration_minutes=45, mode=rng.choice(MeetingMode.values), location="", by_role=Role.MENTOR
        )
        move_back(Meeting.objects.filter(pk=meeting.pk), starts_at=starts_at, created_at=starts_at - timedelta(days=6))
        meeting.starts_at = starts_at
        if rng.random() < 0.06:
            cancel_meeting(meeting=meeting, by_role=rng.choice([Role.MENTOR, Role.MENTEE]))
            move_back(Meeting.objects.filter(pk=meeting.pk), cancelled_at=starts_at - timedelta(days=1))
        else:
            log_meeting_held(
                meeting=meeting, held_minutes=rng.choice([30, 45, 45, 60, 75]), topics=rng.sample(TOPICS, 2), mode=meeting.mode
            )
            meetings.append(meeting)
            for role in (Role.MENTOR, Role.MENTEE):
                if rng.random() < 0.85:
                    rating = rng.choices(list(PULSE_RATINGS), weights=list(PULSE_RATINGS.values()))[0]
                    pulse = submit_pulse(meeting=meeting, role=role, rating=rating, learned="")
                    pulse.submitted_at = starts_at + timedelta(hours=rng.randint(2, 30))
                    pulses.append(pulse)
        day += timedelta(days=rng.randint(42, 70) if slow else rng.randint(16, 38))
    move_back_each(pulses, "submitted_at")
    span = max((last_day - starts).days, 1)
    for number, (title, _progress) in enumerate(rng.sample(MENTEE_GOALS, 2)):
        goal = add_goal(pair=pair, owner_role=Role.MENTEE, title=title)
        done_share = rng.random()
        if number == 0:
            milestones = [
                add_milestone(goal=goal, title=text, due_on=starts + timedelta(days=span * (i + 1) // 4))
                for i, text in enumerate(MILESTONES)
            ]
            for i, milestone in enumerate(milestones):
                if done_share > (i + 0.5) / len(milestones):
                    complete_milestone(milestone=milestone)
                    move_back(Milestone.objects.filter(pk=milestone.pk), done_at=at_local(starts + timedelta(days=span * (i + 1) // 4), 17))
            if done_share > 0.83:
                update_goal_progress(goal=goal, status=GoalStatus.DONE)
        elif done_share > 0.55:
            update_goal_progress(goal=goal, progress_percent=100)
        elif done_share < 0.1:
            update_goal_progress(goal=goal, progress_percent=20, status=GoalStatus.DROPPED)
        else:
            update_goal_progress(goal=goal, progress_percent=rng.choice([20, 40, 60, 80]))
    title, _progress = rng.choice(MENTOR_GOALS)
    goal = add_goal(pair=pair, owner_role=Role.MENTOR, title=title)
    update_goal_progress(goal=goal, progress_percent=100 if rng.random() < 0.5 else rng.choice([30, 60]))
    goals = Goal.objects.filter(pair=pair)
    move_back(goals, created_at=at_local(starts + timedelta(days=7), 13))
    move_back(goals.filter(status=GoalStatus.DONE), completed_at=at_local(last_day - timedelta(days=rng.randint(0, 30)), 17))
    if meetings and rng.random() < 0.6:
        for _ in range(rng.choice([1, 1, 2, 3])):
            adopted_on = rng.choice(meetings).starts_at.date() + timedelta(days=rng.randint(1, 10))
            log_insight(
                pair=pair,
                description=rng.choice(INSIGHTS),
                owner=pair.mentee.person.full_name,
                adopted_on=min(adopted_on, today),
                by=users[Role.MENTEE] or manager,
            )
        move_back(Insight.objects.filter(pair=pair), created_at=at_local(last_day, 12))


def _survey_wave(wave: SurveyWave, rng: random.Random, *, gain: float) -> None:
    """Open ``wave`` on its day and answer it for about nine in ten of those asked, each answer on the wave's days.

    Each person's scores rise by about ``gain`` points from the baseline (a person keeps their own baseline level).
    """
    opened = at_local(wave.opens_on, 8)
    open_wave(wave=wave, now=opened)
    move_back(SurveyAssignment.objects.filter(wave=wave), created_at=opened, invitation_emailed_at=opened)
    assignments = SurveyAssignment.objects.filter(wave=wave).order_by("pk").select_related("enrolment")
    for assignment in assignments:
        if rng.random() < 0.1:
            continue
        level = random.Random(f"{assignment.enrolment_id}").uniform(2.0, 3.4) + gain + rng.uniform(-0.3, 0.4)
        answers: dict[str, dict[str, int]] = {}
        for instrument in assignment.instruments.order_by("pk"):
            low, high = instrument.scale_min, instrument.scale_max
            if instrument.scale_type == ScaleType.NPS:
                answers[instrument.slug] = {item["id"]: rng.choice([5, 6, 7, 8, 8, 9, 9, 10, 10, 10]) for item in instrument.items}
                continue
            values = {}
            for item in instrument.items:
                value = max(low, min(high, round(level + rng.uniform(-0.8, 0.8))))
                values[item["id"]] = low + high - value if item.get("reverse") else value
            answers[instrument.slug] = values
        submitted = at_local(wave.opens_on + timedelta(days=rng.randint(0, max(0, (wave.closes_on - wave.opens_on).days))), 13)
        submit_survey(assignment=assignment, answers_by_instrument=answers, now=submitted)
        move_back(SurveyAssignment.objects.filter(pk=assignment.pk), updated_at=submitted)


def _record_hris_history(organisation: Organisation, program: Program, rng: random.Random, *, starts: date, ends: date) -> None:
    """The directory's year: promotions (GradeChange, through update_person) and leavers (mark_leaver) among the
    program's people and their colleagues, dated within the program's year, so the retention comparison has both.

    People in another program and the demo's sign-ins are left as they are.
    """
    participants = set(Enrolment.objects.filter(program=program).values_list("person_id", flat=True))
    others = set(Enrolment.objects.filter(program__organisation=organisation).exclude(program=program).values_list("person_id", flat=True))
    staff = set(Person.objects.filter(organisation=organisation, user__isnull=False).values_list("pk", flat=True))
    grades = sorted(Grade.objects.filter(organisation=organisation), key=lambda grade: grade.rank)
    next_grade = {grade.pk: higher for grade, higher in itertools.pairwise(grades)}
    directory = (
        Person.objects.filter(
            organisation=organisation,
            employment_status=EmploymentStatus.ACTIVE,
            hire_date__lt=starts,
            grade__isnull=False,
            department__isnull=False,
        )
        .exclude(pk__in=others | staff)
        .select_related("grade")
        .order_by("employee_id")
    )
    days = (ends - starts).days
    people = list(directory)
    for person in people:
        is_participant = person.pk in participants
        roll = rng.random()
        if grade_rank(person) <= 6 and person.grade_id in next_grade and roll < (0.16 if is_participant else 0.08):
            changed_on = starts + timedelta(days=rng.randint(20, days))
            update_person(person=person, grade=next_grade[person.grade_id])
            move_back(GradeChange.objects.filter(person=person), changed_on=changed_on, recorded_at=at_local(changed_on, 7))
        elif not is_participant and grade_rank(person) <= 4 and roll > 0.985:
            mark_leaver(person=person, end_date=starts + timedelta(days=rng.randint(20, days)))
