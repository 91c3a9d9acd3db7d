"""Benchmark the bounded directory search and the org chart of a flat organisation (security findings 5 and 9).

Usage::

    .venv/bin/python bench/people_search.py                      # throwaway SQLite database
    .venv/bin/python bench/people_search.py --database-url postgres://postgres@127.0.0.1:5432/bench_people

Seeds ``--people`` people (default 420,000) without a manager, plus one program manager who leads
``--reports`` direct reports (default 5,000), with bulk ORM inserts and the production settings (demo mode).
Then requests, with ``django.test.Client`` signed in as the program manager, a 1,000-word search
(API and page, both refused), an 8-word search (API and page), the org chart's first and last page of roots
and the first page of the manager's reports: one warm-up, then ``--renders`` timed requests each, printing
p50/max in ms, the status, the queries of one request and the most SQL parameters in one query.
The PostgreSQL database must exist and be empty; its tables are migrated here and left for you to drop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a throwaway SQLite database")
    parser.add_argument("--people", type=int, default=420_000)
    parser.add_argument("--reports", type=int, default=5_000)
    parser.add_argument("--renders", type=int, default=5)
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
    manager = seed(args.people, args.reports)
    version = ".".join(map(str, connection.Database.sqlite_version_info)) if connection.vendor == "sqlite" else connection.pg_version
    print(f"database: {connection.vendor} {version}")
    print(f"set-up: {args.people:,} roots and {args.reports:,} reports in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    from django.test import Client
    from django.urls import reverse

    from turnabout.people.queries import ORG_CHART_PAGE_SIZE

    client = Client()
    client.force_login(manager)
    thousand_words = " ".join(["a"] * 1000)
    eight_words = "flat person 1 2 3 4 5 6"
    last_page = (args.people + 1 + ORG_CHART_PAGE_SIZE - 1) // ORG_CHART_PAGE_SIZE
    requests = [
        ("API, 1,000-word search", "/api/people/", {"q": thousand_words}),
        ("page, 1,000-word search", reverse("people:directory"), {"q": thousand_words}),
        ("API, 8-word search", "/api/people/", {"q": eight_words}),
        ("page, 8-word search", reverse("people:directory"), {"q": eight_words}),
        ("org chart, first page of roots", reverse("people:org_chart"), {}),
        (f"org chart, last page of roots ({last_page:,})", reverse("people:org_chart"), {"page": last_page}),
        ("org chart, first page of reports", reverse("people:org_chart_reports", args=[manager.person.pk]), {}),
    ]
    print(f"{'request':<44} {'status':>6} {'p50 ms':>9} {'max ms':>9} {'queries':>8} {'max params':>11}")
    for label, url, query in requests:
        client.get(url, query)
        timings = []
        for _ in range(args.renders):
            began = time.perf_counter()
            response = client.get(url, query)
            timings.append((time.perf_counter() - began) * 1000)
        queries, most_parameters = measure_queries(client, url, query)
        print(
            f"{label:<44} {response.status_code:>6} {statistics.median(timings):>9,.0f} {max(timings):>9,.0f}"
            f" {queries:>8} {most_parameters:>11}"
        )


def seed(people: int, reports: int):
    """A flat organisation: ``people`` roots, and a program manager (a root too) leading ``reports`` people."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from turnabout.accounts.models import Role
    from turnabout.accounts.services import create_organisation, create_user
    from turnabout.people.models import Person
    from turnabout.people.services import create_person, ensure_grade_ladder, link_user

    organisation = create_organisation(name="Flatland")
    ensure_grade_ladder(organisation=organisation)
    user = create_user(
        organisation=organisation, email="alice@flat.test", role=Role.PROGRAM_MANAGER, full_name="Alice Manager", password="x" * 16
    )
    boss = create_person(organisation=organisation, employee_id="BOSS", given_name="Alice", family_name="Manager", email="alice@flat.test")
    link_user(person=boss, user=user)
    for start in range(0, people + reports, BATCH):
        Person.objects.bulk_create(
            Person(
                organisation=organisation,
                employee_id=f"P{number:07}",
                given_name="Flat",
                family_name=f"Person {number:07}",
                email=f"p{number:07}@flat.test",
                job_title="Analyst",
                manager=boss if number >= people else None,
                reporting_depth=1 if number >= people else 0,
            )
            for number in range(start, min(start + BATCH, people + reports))
        )
    Person.objects.filter(organisation=organisation, manager__isnull=True).exclude(pk=boss.pk).update(
        reporting_path=Concat(Value("/"), Cast("pk", CharField()), Value("/"))
    )
    Person.objects.filter(manager=boss).update(reporting_path=Concat(Value(boss.reporting_path), Cast("pk", CharField()), Value("/")))
    return user


def measure_queries(client, url: str, query: dict[str, object]) -> tuple[int, int]:
    """The number of queries of one request and the most SQL parameters any one of them had."""
    from django.db import connection

    parameters: list[int] = []

    def record(execute, sql, params, many, context):
        parameters.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(url, query)
    return len(parameters), max(parameters, default=0)


if __name__ == "__main__":
    main()
