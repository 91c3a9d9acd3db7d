"""Benchmark the HRIS import: generate N realistic rows with a manager tree, import them, print rows/s and memory.

Usage::

    .venv/bin/python bench/import_people.py                 # 100,000 rows
    .venv/bin/python bench/import_people.py --rows 10000
    .venv/bin/python bench/import_people.py --compare       # 10,000 vs 100,000 rows, each in a fresh process

Runs against a throwaway SQLite database in a temporary directory (the settings of production, demo mode).
Each run measures, in this order: the first import (every row created), a re-import of the same file (every
row unchanged, nothing written) and, with tracemalloc on, an import into a second organisation (its peak
traced allocation is the import's own memory; tracing slows it, so that run is not timed).

An import checks the file outside any transaction, then writes in one; SQLite lets one writer in at a time, and
others wait at most the busy timeout (20 s) before failing. So each timed import reports how long its write
transaction held the lock, and a probe — another connection committing a one-row write every 50 ms, as a
sign-in would — reports the longest it waited.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GIVEN = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Katherine", "Linus", "Margaret", "Tim", "Radia", "Ken", "Frances",
         "Niklaus", "Sophie", "Yukihiro", "Guido", "Anita", "Hedy", "John", "Mary", "Shafi", "Whitfield", "Leslie", "Dennis",
         "Bjarne", "Lynn"]  # fmt: skip
FAMILY = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Johnson", "Torvalds", "Hamilton", "Berners-Lee",
          "Perlman", "Thompson", "Allen", "Wirth", "Wilson", "Matsumoto", "van Rossum", "Borg", "Lamarr", "McCarthy", "Shaw", "Goldwasser",
          "Diffie", "Lamport", "Ritchie", "Stroustrup", "Conway", "Müller", "Ødegaard", "Nakamura"]  # fmt: skip
DEPARTMENTS = ["Engineering", "Research", "Finance", "People", "Legal", "Sales", "Marketing", "Operations", "Support", "Design", "Data",
               "Security", "Procurement", "Facilities", "Strategy", "Communications", "Risk", "Audit", "Product", "Logistics"]  # fmt: skip
SITES = [("London", "GB", "Europe/London"), ("Manchester", "GB", "Europe/London"), ("Paris", "FR", "Europe/Paris"),
         ("Berlin", "DE", "Europe/Berlin"), ("Madrid", "ES", "Europe/Madrid"), ("New York", "US", "America/New_York"),
         ("Austin", "US", "America/Chicago"), ("Toronto", "CA", "America/Toronto"), ("Singapore", "SG", "Asia/Singapore"),
         ("Bangalore", "IN", "Asia/Kolkata"), ("Sydney", "AU", "Australia/Sydney"), ("São Paulo", "BR", "America/Sao_Paulo")]  # fmt: skip
LANGUAGES = ["en", "en fr", "en;de", "en|es", "fr", "de en", "es pt", "en hi", "zh en", "ja en"]
TITLES = ["Engineer", "Analyst", "Designer", "Specialist", "Consultant", "Coordinator", "Associate", "Advisor"]
HEADERS = ["Employee Number", "First Name", "Last Name", "Work Email", "Job Title", "Job Grade", "Department", "Location", "Country",
           "Time Zone", "Manager ID", "Start Date", "Termination Date", "Languages"]  # fmt: skip
SPAN = 8  # direct reports per manager: 100,000 people make a tree 6 levels deep


def generate(path: Path, rows: int, *, seed: int = 7) -> None:
    """Write ``rows`` people to ``path`` in random order, so many reports come before their managers."""
    rng = random.Random(seed)
    order = list(range(rows))
    rng.shuffle(order)
    today = date.today()
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        for number in order:
            depth, above = 0, number
            while above:
                above, depth = (above - 1) // SPAN, depth + 1
            site, country, zone = SITES[number % len(SITES)]
            hired = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
            left = (today - timedelta(days=rng.randrange(1, 400))).isoformat() if number and rng.random() < 0.02 else ""
            writer.writerow([
                f"E{number:06d}", GIVEN[number % len(GIVEN)], FAMILY[(number // len(GIVEN)) % len(FAMILY)], f"person{number}@example.test",
                "Chief Executive" if number == 0 else f"{'Head of ' if depth < 4 else ''}{TITLES[number % len(TITLES)]}",
                f"G{max(1, 10 - depth - rng.randrange(2))}", DEPARTMENTS[(number // 97) % len(DEPARTMENTS)], site, country, zone,
                f"E{(number - 1) // SPAN:06d}" if number else "", hired.isoformat(), left, LANGUAGES[number % len(LANGUAGES)],
            ])  # fmt: skip


class Phases:
    """The ImportProgress of the benchmark: when the check ended and the write transaction started and ended."""

    def __init__(self) -> None:
        self.writing_at = self.writing_cpu = self.applied_at = 0.0

    def checked(self, rows: int) -> None:
        pass

    def writing(self) -> None:
        self.writing_at, self.writing_cpu = time.perf_counter(), time.process_time()

    def applied(self, result: object) -> None:
        self.applied_at = time.perf_counter()  # the last thing before COMMIT


class WriterProbe(threading.Thread):
    """Another writer on the database, as a sign-in would be: a one-row transaction every 50 ms; the longest wait."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.longest = 0.0
        self.writes = 0
        self.done = threading.Event()
        with sqlite3.connect(self.path, timeout=300) as database:  # before the import starts, so no wait goes unmeasured
            database.execute("CREATE TABLE IF NOT EXISTS bench_probe (at REAL)")

    def run(self) -> None:
        database = sqlite3.connect(self.path, timeout=300, isolation_level=None)
        while not self.done.is_set():
            started = time.perf_counter()
            database.execute("BEGIN IMMEDIATE")
            database.execute("INSERT INTO bench_probe VALUES (?)", (started,))
            database.execute("COMMIT")
            self.longest = max(self.longest, time.perf_counter() - started)
            self.writes += 1
            self.done.wait(0.05)
        database.close()

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.longest


def timed_import(apply: Callable[..., Any], figures: dict[str, float], name: str, **arguments: Any) -> Any:
    """Run one import with a writer probe beside it; store its time, its check, its write transaction and the longest wait."""
    phases = Phases()
    probe = WriterProbe(Path(str(arguments.pop("database"))))
    probe.start()
    started = time.perf_counter()
    result = apply(progress=phases, **arguments)
    ended, ended_cpu = time.perf_counter(), time.process_time()
    figures[f"{name}_seconds"] = ended - started
    figures[f"{name}_check_seconds"] = phases.writing_at - started
    figures[f"{name}_write_seconds"] = ended - phases.writing_at  # BEGIN IMMEDIATE … COMMIT, the lock held
    figures[f"{name}_write_cpu_seconds"] = ended_cpu - phases.writing_cpu  # the same on an idle machine
    figures[f"{name}_longest_wait_seconds"] = probe.stop()
    return result


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run(rows: int, workdir: Path) -> dict[str, float]:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="turnabout.settings",
        TURNABOUT_DEMO="1",
        TURNABOUT_VAR_DIR=str(workdir),
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from turnabout.accounts.services import create_organisation
    from turnabout.people.hris import apply_people_import
    from turnabout.people.hris_reading import ImportFile
    from turnabout.people.models import Person
    from turnabout.people.services import ensure_grade_ladder

    call_command("migrate", verbosity=0)
    path = workdir / "people.csv"
    generate(path, rows)
    file = ImportFile.from_path(path)
    figures: dict[str, float] = {"rows": rows, "file_mb": path.stat().st_size / 1e6}

    first, second = create_organisation(name="Bench"), create_organisation(name="Bench traced")
    for organisation in (first, second):
        ensure_grade_ladder(organisation=organisation)

    database = workdir / "bench.sqlite3"
    rss_before = maxrss_mb()
    result = timed_import(apply_people_import, figures, "import", organisation=first, file=file, database=database)
    figures["rss_before_mb"], figures["rss_after_mb"] = rss_before, maxrss_mb()
    assert (result.created, result.problem_count) == (rows, 0), result.summary_line()
    deepest = Person.objects.filter(organisation=first).order_by("-reporting_depth").values_list("reporting_depth", flat=True).first()
    figures["tree_depth"] = deepest or 0

    again = timed_import(apply_people_import, figures, "reimport", organisation=first, file=file, database=database)
    assert (again.created, again.updated, again.unchanged) == (0, 0, rows), again.summary_line()

    tracemalloc.start()
    apply_people_import(organisation=second, file=file)
    figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return figures


def report(figures: dict[str, float]) -> None:
    rows = int(figures["rows"])
    print(f"rows                      {rows:,} ({figures['file_mb']:.1f} MB CSV, reporting tree {int(figures['tree_depth'])} levels deep)")
    print(f"first import              {figures['import_seconds']:.2f} s = {rows / figures['import_seconds']:,.0f} rows/s")
    print(f"re-import (no change)     {figures['reimport_seconds']:.2f} s = {rows / figures['reimport_seconds']:,.0f} rows/s")
    for name, label in (("import", "first import"), ("reimport", "re-import")):
        print(
            f"  {label:<23} check {figures[f'{name}_check_seconds']:.2f} s (no transaction), "
            f"write transaction {figures[f'{name}_write_seconds']:.2f} s (CPU {figures[f'{name}_write_cpu_seconds']:.2f} s), "
            "longest wait of another writer "
            f"{figures[f'{name}_longest_wait_seconds']:.2f} s"
        )
    longest = max(figures["import_write_seconds"], figures["reimport_write_seconds"])
    print(f"longest write transaction {longest:.2f} s (SQLite busy timeout: 20 s)")
    print(f"peak traced (import only) {figures['traced_peak_mb']:.1f} MB = {figures['traced_peak_mb'] * 1e6 / rows:,.0f} bytes/row")
    print(f"max RSS                   {figures['rss_before_mb']:.0f} MB before, {figures['rss_after_mb']:.0f} MB after the first import")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--compare", action="store_true", help="run 10,000 and 100,000 rows, each in a fresh process")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.compare:
        for rows in (10_000, 100_000):
            output = subprocess.run([sys.executable, __file__, "--rows", str(rows), "--json"], check=True, capture_output=True, text=True)
            report(json.loads(output.stdout.strip().splitlines()[-1]))
            print()
        return 0
    with tempfile.TemporaryDirectory(prefix="turnabout-bench-") as workdir:
        figures = run(options.rows, Path(workdir))
    if options.json:
        print(json.dumps(figures))
    else:
        report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
