"""Benchmark the program outcomes dashboard on a large running program, as a program manager opens it.

Usage::

    .venv/bin/python bench/insights.py                      # throwaway SQLite database
    .venv/bin/python bench/insights.py --database-url postgres://postgres@127.0.0.1:5432/bench_insights

Seeds 50,000 people, one running program with 5,000 accepted matches and pairs (about 12,000 enrolments),
100,000 meetings (90 % held), pulses after about half the held meetings from each side and three goals a pair,
with bulk ORM inserts and the production settings (demo mode). Then renders ``/insights/programs/<id>/``
with ``django.test.Client`` signed in as the program manager: two warm-ups, then ``--renders`` timed renders,
printing p50/p95/max in ms and the queries of one render. The PostgreSQL database must exist and be empty;
its tables are migrated here and left for you to drop.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEOPLE = 50_000
PAIRS = 5_000
MEETINGS_PER_PAIR = 20  # 100,000 meetings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a throwaway SQLite database")
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slowest", type=int, default=0, metavar="N", help="also print the N slowest queries of one render")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="turnabout-bench-")
    database_url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.update({"TURNABOUT_DEMO": "1", "TURNABOUT_VAR_DIR": workdir, "DATABASE_URL": database_url, "ALLOWED_HOSTS": "testserver"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turnabout.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    program, manager = build_running_program(random.Random(args.seed))
    version = ".".join(map(str, connection.Database.sqlite_version_info)) if connection.vendor == "sqlite" else connection.pg_version
    print(f"database: {connection.vendor} {version}")
    print(f"set-up: {counts(program)} in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(manager)
    url = f"/insights/programs/{program.pk}/"
    for _ in range(2):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(args.renders):
        began = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    print(f"render {url} ×{args.renders}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings):.0f} ms; {len(queries)} queries per render")
    slowest = sorted(queries.captured_queries, key=lambda query: float(query["time"]), reverse=True)[: args.slowest]
    for query in slowest:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {' '.join(query['sql'].split())[:160]}")


def build_running_program(rng: random.Random):  # type: ignore[no-untyped-def]
    """A running program of a 50,000-person organisation with 5,000 pairs and their meetings, pulses and goals."""
    from turnabout.accounts.models import Role as AccountRole
    from turnabout.accounts.services import create_organisation, create_user
    from turnabout.engagement.models import CloseReason, Goal, GoalStatus, HealthState, Meeting, MeetingStatus, Pair, PairStatus, Pulse
    from turnabout.matching.models import Match, MatchStatus, Response
    from turnabout.people.models import Department, Person, Site
    from turnabout.people.services import ensure_grade_ladder
    from turnabout.programs.models import Cadence, Enrolment, EnrolmentStatus, Program, ProgramStatus, Role, StrategicDriver
    from turnabout.programs.services import create_program_from_preset

    organisation = create_organisation(name="Bench")
    grades = {grade.rank: grade for grade in ensure_grade_ladder(organisation=organisation)}
    departments = [Department.objects.create(organisation=organisation, name=f"Department {n}") for n in range(20)]
    sites = [Site.objects.create(organisation=organisation, name=name) for name in ("London", "New York", "Singapore", "Berlin")]
    manager = create_user(organisation=organisation, email="pm@bench.example", role=AccountRole.PROGRAM_MANAGER, password="x" * 12)
    Person.objects.bulk_create(
        [
            Person(
                organisation=organisation,
                employee_id=f"E{n:06}",
                given_name="P",
                family_name=f"{n:06}",
                email=f"e{n}@bench.example",
                grade=grades[rng.randint(1, 10)],
                department=rng.choice(departments),
                site=rng.choice(sites),
                languages=["en"],
            )
            for n in range(PEOPLE)
        ],
        batch_size=5000,
    )
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    Program.objects.filter(pk=program.pk).update(
        status=ProgramStatus.RUNNING, training_required=False, cadence=Cadence.EVERY_2_WEEKS, starts_on=date(2025, 9, 1), ends_on=None
    )
    program.refresh_from_db()

    # 6,000 invited per side: 5,000 approved and paired, the rest approved and waiting, withdrawn or never answered.
    people = list(Person.objects.filter(organisation=organisation).order_by("pk").values_list("pk", flat=True))
    rng.shuffle(people)
    launch = datetime(2025, 9, 1, 9, tzinfo=UTC)
    enrolments = []
    for role, chosen in ((Role.MENTOR, people[:6000]), (Role.MENTEE, people[6000:12000])):
        for n, person_id in enumerate(chosen):
            status = EnrolmentStatus.APPROVED if n < 5300 else rng.choice([EnrolmentStatus.INVITED, EnrolmentStatus.WITHDRAWN])
            decided = launch + timedelta(days=rng.randint(0, 60)) if status == EnrolmentStatus.APPROVED else None
            enrolments.append(
                Enrolment(
                    program=program,
                    person_id=person_id,
                    role=role,
                    status=status,
                    invited_at=launch,
                    decided_at=decided,
                    capacity=1,
                    languages=["en"],
                    diversity_consent=role == Role.MENTOR and rng.random() < 0.4,
                )
            )
    Enrolment.objects.bulk_create(enrolments, batch_size=5000)
    approved = Enrolment.objects.filter(program=program, status=EnrolmentStatus.APPROVED).order_by("pk")
    mentors = list(approved.filter(role=Role.MENTOR).values_list("pk", "decided_at")[:PAIRS])
    mentees = list(approved.filter(role=Role.MENTEE).values_list("pk", "decided_at")[:PAIRS])

    matches, pairs = [], []
    for (mentor_id, mentor_ready), (mentee_id, mentee_ready) in zip(mentors, mentees, strict=True):
        accepted = max(mentor_ready, mentee_ready) + timedelta(days=rng.randint(3, 40))
        matches.append(
            Match(
                program=program,
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                status=MatchStatus.ACTIVE,
                score=rng.random(),
                mentor_response=Response.ACCEPTED,
                mentee_response=Response.ACCEPTED,
                mentor_responded_at=accepted,
                mentee_responded_at=accepted,
            )
        )
        closed = rng.random() < 0.12
        closed_at = accepted + timedelta(days=rng.randint(60, 300)) if closed else None
        pairs.append(
            Pair(
                program=program,
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                status=PairStatus.CLOSED if closed else rng.choices([PairStatus.ACTIVE, PairStatus.PAUSED], [19, 1])[0],
                started_on=accepted.date(),
                closed_at=closed_at,
                close_reason=rng.choice([CloseReason.COMPLETED, *[reason for reason in CloseReason if reason != CloseReason.COMPLETED]])
                if closed
                else "",
                health_state=rng.choices(list(HealthState), [7, 2, 1])[0],
            )
        )
    Match.objects.bulk_create(matches, batch_size=5000)
    Pair.objects.bulk_create(pairs, batch_size=5000)

    meetings = []
    for pair in Pair.objects.filter(program=program).order_by("pk"):
        moment = datetime.combine(pair.started_on, datetime.min.time(), tzinfo=UTC) + timedelta(days=rng.randint(3, 20), hours=10)
        for _ in range(MEETINGS_PER_PAIR):
            held = rng.random() < 0.9
            meetings.append(
                Meeting(
                    pair_id=pair.pk,
                    starts_at=moment,
                    status=MeetingStatus.HELD if held else MeetingStatus.CANCELLED,
                    held_minutes=rng.choice([30, 45, 60]) if held else None,
                    cancelled_by_role="" if held else rng.choice(list(Role)),
                    cancelled_at=None if held else moment - timedelta(days=1),
                )
            )
            moment += timedelta(days=rng.randint(9, 20))
    Meeting.objects.bulk_create(meetings, batch_size=5000)

    pulses = []
    held = Meeting.objects.filter(pair__program=program, status=MeetingStatus.HELD).values_list("pk", "pair_id", "starts_at")
    for meeting_id, pair_id, starts_at in held:
        for role, weights in ((Role.MENTOR, [1, 2, 6, 30, 40]), (Role.MENTEE, [1, 2, 5, 25, 45])):
            if rng.random() < 0.5:
                rating = rng.choices([1, 2, 3, 4, 5], weights)[0]
                pulses.append(
                    Pulse(meeting_id=meeting_id, pair_id=pair_id, role=role, rating=rating, submitted_at=starts_at + timedelta(hours=2))
                )
    Pulse.objects.bulk_create(pulses, batch_size=5000)

    goals = []
    for pair_id in Pair.objects.filter(program=program).values_list("pk", flat=True):
        for number in range(3):
            done = rng.random() < 0.45
            role = Role.MENTEE if number < 2 else Role.MENTOR
            goals.append(
                Goal(pair_id=pair_id, owner_role=role, title=f"Goal {number}", status=GoalStatus.DONE if done else GoalStatus.OPEN)
            )
    Goal.objects.bulk_create(goals, batch_size=5000)
    return program, manager


def counts(program) -> str:  # type: ignore[no-untyped-def]
    from turnabout.engagement.models import Goal, Meeting, Pair, Pulse
    from turnabout.matching.models import Match
    from turnabout.people.models import Person
    from turnabout.programs.models import Enrolment

    figures = {
        "people": Person.objects.filter(organisation=program.organisation).count(),
        "enrolments": Enrolment.objects.filter(program=program).count(),
        "matches": Match.objects.filter(program=program).count(),
        "pairs": Pair.objects.filter(program=program).count(),
        "meetings": Meeting.objects.filter(pair__program=program).count(),
        "pulses": Pulse.objects.filter(meeting__pair__program=program).count(),
        "goals": Goal.objects.filter(pair__program=program).count(),
    }
    return ", ".join(f"{value:,} {name}" for name, value in figures.items())


if __name__ == "__main__":
    main()
