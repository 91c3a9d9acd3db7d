"""Demo programs for the demo organisation: one running with pairs, one enrolling, and last year's completed program
with its twelve months of history. Built through the services.

Deterministic per seed (the completed program's dates count back from today); idempotent (a program that exists is
left alone). Needs ``seed-demo`` first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction

from turnabout.accounts.models import Organisation, User
from turnabout.engagement.models import (
    Pair,
)
from turnabout.engagement.queries import current_agreement
from turnabout.engagement.services import add_goal, sign_agreement, update_goal_progress
from turnabout.matching.models import MatchRun, MatchStatus, PairRuleKind
from turnabout.matching.runs import claim_match_run, execute_match_run
from turnabout.matching.services import (
    publish_match_run,
    respond_to_match,
    set_pair_rule,
)
from turnabout.people.models import EmploymentStatus, Person, PersonSkill, Skill
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.services import (
    Application,
    change_program_status,
    complete_training_module,
    create_program_from_preset,
    decide_application,
    invite_people,
    submit_application,
    update_program,
)

DEMO_SLUG = "demo"
RUNNING_NAME = "Digital reverse mentoring 2026"
ENROLLING_NAME = "Inclusion reverse mentoring 2027"
DIGITAL = ("digital-technology", "social-media-marketing", "data-ai")
INTERESTS = ["running", "cooking", "jazz", "football", "photography", "hiking", "chess", "film", "gardening", "podcasts"]
VALUES = ["curiosity", "fairness", "craft", "family", "candour", "community"]
MENTEE_GOALS = [
    ("Share our strategy on LinkedIn every month", 60),
    ("Use an AI assistant to draft my board papers", 30),
    ("Understand how new joiners use our collaboration tools", 100),
]
MENTOR_GOALS = [("Present a proposal to the executive team", 40), ("Lead a cross-department workshop", 0)]


@dataclass(frozen=True)
class DemoPrograms:
    created: list[str]
    pairs: int


def seed_demo_programs(*, seed: int = 1, pool_size: int = 24) -> DemoPrograms:
    """Add the running and the enrolling demo program to the demo organisation unless they exist. One transaction.

    Last year's completed program, with its history, is :func:`turnabout.surveys.demo.seed_demo_history` (it answers
    surveys, a layer above matching); ``turnabout seed-demo-programs`` loads both, as ``make demo`` does.
    """
    organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if organisation is None:
        raise ValueError("Load the demo organisation first: turnabout seed-demo")
    manager = User.objects.get(organisation=organisation, email__startswith="pm@")
    sponsor = User.objects.get(organisation=organisation, email__startswith="sponsor@")
    created = []
    rng = random.Random(seed)
    with transaction.atomic():
        if not Program.objects.filter(organisation=organisation, name=RUNNING_NAME).exists():
            _running_program(organisation, manager, sponsor, rng, pool_size)
            created.append(RUNNING_NAME)
        if not Program.objects.filter(organisation=organisation, name=ENROLLING_NAME).exists():
            _enrolling_program(organisation, manager, sponsor, rng)
            created.append(ENROLLING_NAME)
    return DemoPrograms(created=created, pairs=Pair.objects.filter(program__organisation=organisation).count())


def demo_people(organisation: Organisation, *, senior_from_rank: int = 7) -> tuple[list[Person], list[Person]]:
    active = Person.objects.filter(
        organisation=organisation, employment_status=EmploymentStatus.ACTIVE, grade__isnull=False
    ).select_related("grade")
    juniors = list(active.filter(grade__rank__lte=3).order_by("employee_id"))
    seniors = list(active.filter(grade__rank__gte=senior_from_rank).order_by("employee_id"))
    return juniors, seniors


def apply_for_demo(enrolment: Enrolment, rng: random.Random, digital: list[str], *, flexible: bool = False) -> None:
    person = enrolment.person
    levels = dict(PersonSkill.objects.filter(person=person).values_list("skill__slug", "level"))
    if enrolment.role == Role.MENTOR:
        strongest = sorted((slug for slug in levels if slug in digital), key=lambda slug: (-levels[slug], slug))[:3]
        chosen = dict.fromkeys(strongest, 5) or {rng.choice(digital): 4}
    else:
        weakest = [slug for slug in digital if levels.get(slug, 0) <= 2]
        chosen = {slug: 3 if index == 0 else 1 for index, slug in enumerate(rng.sample(weakest or digital, 3))}
    start = rng.choice([8, 9, 10, 13, 14, 15])
    days = sorted(rng.sample(range(5), 2))
    windows = [{"day": day, "start": f"{start:02}:00", "end": f"{start + 3:02}:00"} for day in days]
    if flexible:  # the demo logins can meet most working hours, so their pinned pair passes every rule
        windows = [{"day": day, "start": "07:00", "end": "20:00"} for day in range(5)]
    submit_application(
        enrolment=enrolment,
        application=Application(
            motivation="I want to learn from someone who sees the organisation differently.",
            goals_text="",
            skills={skill: chosen[skill.slug] for skill in Skill.objects.filter(slug__in=chosen)},
            availability=windows,
            timezone=person.timezone,
            interests=rng.sample(INTERESTS, 3),
            values=rng.sample(VALUES, 2),
            languages=list(person.languages) or ["en"],
            capacity=1,
            diversity_consent=False,
            conduct_acknowledged=True,
        ),
    )


def train_for_demo(enrolment: Enrolment) -> None:
    for module in enrolment.program.training_modules.all():
        if module.is_for(enrolment.role):
            complete_training_module(enrolment=enrolment, module=module, answers=[q["answer"] for q in module.check_questions])


def _running_program(organisation: Organisation, manager: User, sponsor: User, rng: random.Random, pool_size: int) -> Program:
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    program = update_program(program=program, changes={"name": RUNNING_NAME, "sponsor": sponsor, "min_grade_gap": 3}, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    juniors, seniors = demo_people(organisation)
    linked = User.objects.filter(organisation=organisation, person__isnull=False).select_related("person")
    logins = {user.email.split("@")[0]: user.person for user in linked}
    staff = {person.pk for person in logins.values()}
    juniors = [person for person in juniors if person.pk not in staff]
    seniors = [person for person in seniors if person.pk not in staff]
    # The demo's junior and senior logins are partners, pinned (seed-demo picks them outside each other's reporting
    # line, a grade gap apart, sharing a language; _apply gives them availability in common), so signing in as either
    # shows both sides of one live pair. Two colleagues outside their lines join the pool with the same availability.
    partners: list[tuple[Person, Person]] = []
    first: list[tuple[Person, Person]] = []
    if "mentor" in logins and "mentee" in logins:
        junior, senior = logins["mentor"], logins["mentee"]
        if _same_line(junior, senior):
            raise ValueError("The demo's mentor and mentee sign-ins are in one reporting line; reload it: turnabout seed-demo --reset")
        partners.append((junior, senior))
        first = [(junior, next(p for p in seniors if not _same_line(junior, p)))]
        first.append((next(p for p in juniors if not _same_line(p, senior) and p.pk != junior.pk), senior))
    flexible = {person.pk for pair in first for person in pair}
    chosen_juniors = [p for p, _ in first] + rng.sample([p for p in juniors if p.pk not in flexible], pool_size - len(first))
    chosen_seniors = [p for _, p in first] + rng.sample([p for p in seniors if p.pk not in flexible], pool_size - len(first))
    pinned = {person.pk for pair in partners for person in pair}
    digital = list(Skill.objects.filter(category__slug__in=DIGITAL).order_by("slug").values_list("slug", flat=True))
    invited = invite_people(program=program, people=chosen_juniors, role=Role.MENTOR, by=manager).invited
    invited += invite_people(program=program, people=chosen_seniors, role=Role.MENTEE, by=manager).invited
    for enrolment in invited:
        apply_for_demo(enrolment, rng, digital, flexible=enrolment.person_id in flexible)
        decide_application(enrolment=enrolment, approve=True, by=manager)
        train_for_demo(enrolment)
    program = change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    enrolments = {e.person_id: e for e in program.enrolments.filter(person_id__in=pinned)}
    for junior, senior in partners:
        set_pair_rule(program=program, mentor=enrolments[junior.pk], mentee=enrolments[senior.pk], kind=PairRuleKind.PIN, by=manager)
    run = MatchRun.objects.create(program=program, requested_by=manager)
    claim_match_run(run.pk)
    run = execute_match_run(run_id=run.pk)
    matches = publish_match_run(run=run, by=manager)
    # The pinned pair is answered like the others; the pending and declined matches are two others.
    others = [match for match in matches if match.mentor.person_id not in pinned]
    for match in matches:
        if match == others[-1]:
            continue  # one pair still waiting for answers
        respond_to_match(match=match, role=Role.MENTEE, accept=True)
        if match == others[-2]:
            respond_to_match(match=match, role=Role.MENTOR, accept=False, reason="workload")
            continue
        respond_to_match(match=match, role=Role.MENTOR, accept=True)
    program = change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)
    for pair in Pair.objects.filter(program=program).select_related("mentor__person__user", "mentee__person__user"):
        _start_working(pair, rng)
    assert program.matches.filter(status=MatchStatus.ACTIVE).count() == Pair.objects.filter(program=program).count()
    return program


def grade_rank(person: Person) -> int:
    return person.grade.rank if person.grade else 0


def _same_line(junior: Person, senior: Person) -> bool:
    return junior.pk in senior.ancestor_ids or senior.pk in junior.ancestor_ids


def _start_working(pair: Pair, rng: random.Random) -> None:
    agreement = current_agreement(pair)
    for role in (Role.MENTOR, Role.MENTEE):
        sign_agreement(agreement=agreement, role=role, by=pair.enrolment_for(role).person.user)
    for title, progress in rng.sample(MENTEE_GOALS, 2):
        update_goal_progress(goal=add_goal(pair=pair, owner_role=Role.MENTEE, title=title), progress_percent=progress)
    title, progress = rng.choice(MENTOR_GOALS)
    update_goal_progress(goal=add_goal(pair=pair, owner_role=Role.MENTOR, title=title), progress_percent=progress)


def _enrolling_program(organisation: Organisation, manager: User, sponsor: User, rng: random.Random) -> Program:
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIVERSITY_INCLUSION, by=manager)
    program = update_program(program=program, changes={"name": ENROLLING_NAME, "sponsor": sponsor}, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    juniors, seniors = demo_people(organisation, senior_from_rank=6)
    taken = set(Enrolment.objects.filter(program__organisation=organisation).values_list("person_id", flat=True))
    mentors = rng.sample([p for p in juniors if p.pk not in taken], 8)
    mentees = rng.sample([p for p in seniors if p.pk not in taken], 8)
    digital = list(
        Skill.objects.filter(category__slug__in=("diversity-inclusion", "culture-generations"))
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    invited = invite_people(program=program, people=mentors, role=Role.MENTOR, by=manager).invited
    invited += invite_people(program=program, people=mentees, role=Role.MENTEE, by=manager).invited
    for index, enrolment in enumerate(invited):
        if index % 4 == 3:
            continue  # invited, not yet applied
        apply_for_demo(enrolment, rng, digital)
        if index % 2 == 0:
            decide_application(enrolment=enrolment, approve=True, by=manager)
    return program


# --- The completed program of the previous year ------------------------------------------------------------------------
