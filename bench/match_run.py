"""Benchmark a program's match run in the background: N mentors × N mentees, with the progress a manager sees.

Usage::

    .venv/bin/python bench/match_run.py                # 5,000 × 5,000
    .venv/bin/python bench/match_run.py --size 1000

Runs against a throwaway SQLite database (production settings, demo mode). The run is computed by the same
code the task worker calls (claim, then execute), in a thread, while this process polls the run's row as the
review page does and prints each progress change.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="mentors and mentees on each side (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="turnabout-bench-")
    os.environ.update({"TURNABOUT_DEMO": "1", "TURNABOUT_VAR_DIR": workdir, "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turnabout.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    program = build_program(args.size, args.seed)
    print(f"set-up: {args.size:,} mentors × {args.size:,} mentees enrolled in {time.perf_counter() - started:.1f} s")

    from turnabout.matching.models import MatchRun
    from turnabout.matching.services import claim_match_run, execute_match_run

    run = MatchRun.objects.create(program=program, mode="score")
    assert claim_match_run(run.pk)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            execute_match_run(run_id=run.pk)
        except BaseException as error:  # reported below
            errors.append(error)

    worker = threading.Thread(target=work)
    began = time.perf_counter()
    worker.start()
    seen: list[tuple[float, float, str]] = []
    while worker.is_alive():
        row = MatchRun.objects.values("progress", "stage").get(pk=run.pk)
        if not seen or (row["progress"], row["stage"]) != seen[-1][1:]:
            seen.append((time.perf_counter() - began, row["progress"], row["stage"]))
            print(f"  {seen[-1][0]:6.1f} s  {row['progress']:5.0%}  {row['stage']}")
        time.sleep(0.5)
    worker.join()
    if errors:
        raise errors[0]
    elapsed = time.perf_counter() - began
    run.refresh_from_db()
    summary = run.summary
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"run: {elapsed:.1f} s, {len(seen)} progress updates seen, {summary['pairs']:,} pairs, "
        f"coverage {summary['coverage']:.1%}, mean score {summary['mean_score']:.3f}, worst {summary['min_score']:.3f}, "
        f"optimal {summary['certificate']['optimal']}, peak RSS {peak_mib:,.0f} MiB"
    )


def build_program(size: int, seed: int):  # type: ignore[no-untyped-def]
    from turnabout.accounts.models import Role as AccountRole
    from turnabout.accounts.services import create_organisation, create_user
    from turnabout.people.models import Department, Person, Site, Skill
    from turnabout.people.services import ensure_grade_ladder, rebuild_reporting_paths
    from turnabout.programs.models import Enrolment, EnrolmentSkill, EnrolmentStatus, Program, ProgramStatus, Role, StrategicDriver
    from turnabout.programs.services import create_program_from_preset

    rng = random.Random(seed)
    organisation = create_organisation(name="Bench")
    grades = {grade.rank: grade for grade in ensure_grade_ladder(organisation=organisation)}
    departments = [Department.objects.create(organisation=organisation, name=f"Department {n}") for n in range(20)]
    zones = [("London", "Europe/London"), ("New York", "America/New_York"), ("Singapore", "Asia/Singapore"), ("Berlin", "Europe/Berlin")]
    sites = [(Site.objects.create(organisation=organisation, name=name), zone) for name, zone in zones]
    manager = create_user(organisation=organisation, email="pm@bench.example", role=AccountRole.PROGRAM_MANAGER, password="x" * 12)
    skills = list(Skill.objects.values_list("pk", flat=True))
    popularity = [1 / (rank + 1) for rank in range(len(skills))]  # Zipf-like
    ceo = Person.objects.create(
        organisation=organisation, employee_id="CEO", given_name="C", family_name="Eo", email="ceo@bench.example", grade=grades[10]
    )
    people = []
    for n in range(2 * size):
        senior = n % 2 == 0
        site, zone = rng.choice(sites)
        people.append(
            Person(
                organisation=organisation,
                employee_id=f"E{n:06}",
                given_name="P",
                family_name=f"{n:06}",
                email=f"e{n}@bench.example",
                grade=grades[rng.randint(7, 9) if senior else rng.randint(1, 3)],
                department=rng.choice(departments),
                site=site,
                timezone=zone,
                languages=["en"],
                manager=ceo,
            )
        )
    Person.objects.bulk_create(people, batch_size=2000)
    rebuild_reporting_paths(organisation=organisation)
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    Program.objects.filter(pk=program.pk).update(status=ProgramStatus.MATCHING, training_required=False)
    program.refresh_from_db()
    enrolments = []
    for n, person in enumerate(Person.objects.filter(organisation=organisation).exclude(pk=ceo.pk).order_by("pk")):
        day = rng.randint(0, 4)
        start = rng.choice([8, 9, 10, 13, 14])
        enrolments.append(
            Enrolment(
                program=program,
                person=person,
                role=Role.MENTEE if n % 2 == 0 else Role.MENTOR,
                status=EnrolmentStatus.APPROVED,
                availability=[{"day": day, "start": f"{start:02}:00", "end": f"{start + 3:02}:00"}],
                timezone=person.timezone,
                languages=["en"],
                interests=rng.sample(["running", "jazz", "chess", "cooking", "film", "hiking"], 2),
                values=rng.sample(["fairness", "curiosity", "craft", "family"], 1),
                capacity=1,
            )
        )
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    links = []
    for enrolment in Enrolment.objects.filter(program=program):
        for skill in set(rng.choices(skills, weights=popularity, k=3)):
            links.append(
                EnrolmentSkill(
                    enrolment=enrolment, skill_id=skill, strength=rng.randint(1, 3) if enrolment.role == Role.MENTEE else rng.randint(3, 5)
                )
            )
    EnrolmentSkill.objects.bulk_create(links, batch_size=5000)
    return program


if __name__ == "__main__":
    main()
