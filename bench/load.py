"""Load test: simulated people use the production server at once, on loopback, for a bounded time.

Usage::

    .venv/bin/python bench/load.py                                   # SQLite, 50 users for 60 s
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/turnabout_load
    .venv/bin/python bench/load.py --users 10 --duration 15          # a short run while developing

Installs Turnabout as the browser tests do (``tests/browser/production.py``: production settings, a fresh
database, ``collectstatic``, ``migrate``, ``setup``, then ``turnabout serve`` and a real SMTP server). With a
PostgreSQL URL the database is ``<name>_golive_<pid>`` beside the one named, created and dropped here. Then it
loads the demo organisation through its services (``seed-demo --employees 2000`` and ``seed-demo-programs``,
called in production settings), gives every pair past meetings that nobody has logged yet, and issues each
simulated user single-use sign-in links, as the emails do. The users then run for ``--duration`` seconds:

- participants, one visit after another: open a sign-in link and continue, their pair page, the meetings
  page, schedule the first proposed time (one person per pair schedules, as two people booking the same slot at
  the same second is not what this measures), log a past meeting as held, give its pulse, sign out;
- program managers, one visit after another: sign in by link, the match review page, the program's outcomes
  dashboard, sign out.

Between pages each user reads for ``--think-time`` seconds on average (uniformly 0.5–1.5 times it); a form's
redirect is followed at once, like a browser. Forms carry the page's CSRF token and the Origin header. Prints
requests/s, p50/p95/p99 latency per page and overall, and the errors: a 5xx, any unexpected status or page,
a connection failure or timeout, and every traceback the server or worker logged. Exits 1 when there was one.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROPOSED_SLOT = re.compile(r'<input type="radio" name="slot" value="([^"]+)"')
PULSE_LINK = re.compile(r'href="(/pairs/pulse/[^"/]+/)"')
TIMEOUT_SECONDS = 30
# Past meetings each participant's session logs in turn (logging one again corrects it; a pulse can be changed).
MEETINGS_PER_SESSION = 3
# Warm-up visitors, not measured: enough at once to reach every web worker before the clock starts.
WARM_UP_PARTICIPANTS, WARM_UP_MANAGERS = 6, 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgres://… (a fresh database is created beside it); default: a fresh SQLite file")
    parser.add_argument("--users", type=int, default=50, help="simulated users at once (default 50)")
    parser.add_argument("--managers", type=float, default=0.1, help="share of them who are program managers (default 0.1)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load after the ramp-up (default 60)")
    parser.add_argument("--ramp-up", type=float, default=10, help="seconds over which the users arrive (default 10)")
    parser.add_argument("--think-time", type=float, default=3.0, help="mean seconds a user spends on a page (default 3)")
    parser.add_argument("--employees", type=int, default=2000, help="size of the demo organisation (default 2000)")
    parser.add_argument("--web-workers", type=int, help="gunicorn workers (default: what `turnabout serve` chooses)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plan", type=Path, help=argparse.SUPPRESS)  # internal: seed the install and write the plan here
    parser.add_argument("--links", type=int, help=argparse.SUPPRESS)  # internal: sign-in links per user
    args = parser.parse_args()
    if args.plan is not None:
        seed_install(args)
        return
    if args.users < 1 or args.duration <= 0 or args.think_time < 0 or not 0 <= args.managers <= 1:
        parser.error("--users must be at least 1, --duration positive, --think-time not negative and --managers within 0–1")
    sys.exit(run(args))


# --- Seeding: runs in a child process with the install's production environment ----------------------------


def seed_install(args: argparse.Namespace) -> None:
    """Load the demo organisation, give each pair unlogged past meetings, write every user's sign-in links."""
    import django

    django.setup()
    from django.db import connection

    from turnabout.engagement.models import Meeting, MeetingStatus, Pair, PairStatus
    from turnabout.identity.links import issue_sign_in_link, login_for_person
    from turnabout.matching.demo import RUNNING_NAME, seed_demo_programs
    from turnabout.people.demo import seed_demo_organisation
    from turnabout.programs.models import Program, Role

    demo = seed_demo_organisation(employees=args.employees, seed=args.seed)
    seed_demo_programs(seed=args.seed)
    program = Program.objects.get(organisation=demo.organisation, name=RUNNING_NAME)
    manager = program.organisation.users.get(email__startswith="pm@")
    pairs = list(Pair.objects.filter(program=program, status=PairStatus.ACTIVE).select_related("mentor__person", "mentee__person"))
    sides = [(pair, role) for pair in pairs for role in (Role.MENTOR, Role.MENTEE)]
    managers = round(args.users * args.managers)
    participants = args.users - managers
    # Each person signs in with links, as the emails give them; their logins exist, as after a first sign-in.
    for pair, role in sides:
        login_for_person(person=pair.enrolment_for(role).person)

    plan: dict[str, Any] = {"participants": [], "managers": [], "warm_up": []}
    sessions_of_pair: dict[int, int] = defaultdict(int)
    assigned = [sides[index % len(sides)] for index in range(participants + WARM_UP_PARTICIPANTS)]
    for pair, _role in assigned:
        sessions_of_pair[pair.pk] += 1
    # Meetings of the last weeks that wait to be logged: each session logs its own ones.
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    meetings_of_pair: dict[int, list[int]] = {}
    for pair in pairs:
        count = sessions_of_pair[pair.pk] * MEETINGS_PER_SESSION
        created = Meeting.objects.bulk_create(
            Meeting(pair=pair, starts_at=now - timedelta(days=4 * number + 1), status=MeetingStatus.SCHEDULED) for number in range(count)
        )
        meetings_of_pair[pair.pk] = [meeting.pk for meeting in created]  # PostgreSQL and SQLite ≥ 3.35 return the keys
    taken: dict[int, int] = defaultdict(int)
    schedulers: set[int] = set()
    for index, (pair, role) in enumerate(assigned):
        person = pair.enrolment_for(role).person
        slot = taken[pair.pk]
        taken[pair.pk] += 1
        entry = {
            "pair": pair.pk,
            "schedules": index < participants and pair.pk not in schedulers,
            "meetings": meetings_of_pair[pair.pk][slot :: sessions_of_pair[pair.pk]],
            "links": [issue_sign_in_link(person=person, next_path=f"/pairs/{pair.pk}/") for _ in range(args.links)],
        }
        if index < participants:
            if entry["schedules"]:
                schedulers.add(pair.pk)
            plan["participants"].append(entry)
        else:
            plan["warm_up"].append(entry)
    for _ in range(managers + WARM_UP_MANAGERS):
        plan["managers"].append(
            {
                "program": program.pk,
                "links": [issue_sign_in_link(user=manager, next_path=f"/matching/programs/{program.pk}/") for _ in range(args.links)],
            }
        )
    plan["warm_up_managers"] = plan["managers"][managers:]
    plan["managers"] = plan["managers"][:managers]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")  # statistics for the new rows, as autovacuum would gather them
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    meetings = Meeting.objects.filter(pair__program=program).count()
    plan["summary"] = (
        f"database: {connection.vendor} {version}; {demo.people:,} people, {len(pairs)} active pairs in {program.name!r}, "
        f"{meetings:,} meetings"
    )
    args.plan.write_text(json.dumps(plan))


# --- The simulated users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    page: str
    started: float
    milliseconds: float
    error: str = ""


@dataclass
class Recorder:
    """Every request's outcome; ``recording`` is off during the warm-up."""

    samples: list[Sample] = field(default_factory=list)
    recording: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        if self.recording:
            with self.lock:
                self.samples.append(sample)


class StepFailed(Exception):
    """A page answered something a person would not expect: the visit stops and the next one starts."""


class TimeUp(Exception):
    """The run is over: the user leaves in the middle of the visit."""


class Visitor:
    """One person's browser: a cookie jar, CSRF tokens from the forms, redirects followed like a browser."""

    def __init__(self, base_url: str, recorder: Recorder, rng: random.Random, *, think_time: float, deadline: float) -> None:
        import requests

        self.base_url = base_url
        self.recorder = recorder
        self.rng = rng
        self.think_time = think_time
        self.deadline = deadline
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "turnabout-bench-load"

    def think(self) -> None:
        if self.think_time:
            time.sleep(self.think_time * self.rng.uniform(0.5, 1.5))
        if time.perf_counter() >= self.deadline:
            raise TimeUp

    def fail(self, page: str, error: str) -> StepFailed:
        self.recorder.add(Sample(page, time.perf_counter(), 0, error))
        return StepFailed(error)

    def _request(self, page: str, method: str, url: str, expected: int, data: dict[str, str] | None = None) -> Any:
        import requests

        headers = {"Origin": self.base_url, "Referer": urljoin(self.base_url, url)} if method == "POST" else {}
        started = time.perf_counter()
        try:
            response = self.session.request(method, urljoin(self.base_url, url), data=data, headers=headers,
                                            allow_redirects=False, timeout=TIMEOUT_SECONDS)  # fmt: skip
        except requests.RequestException as error:
            self.recorder.add(Sample(page, started, (time.perf_counter() - started) * 1000, f"{type(error).__name__}"))
            raise StepFailed(str(error)) from error
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expected:
            unexpected = f"{page}: {method} answered {response.status_code}, expected {expected}"
            self.recorder.add(Sample(page, started, elapsed, unexpected))
            raise StepFailed(unexpected)
        self.recorder.add(Sample(page, started, elapsed))
        return response

    def get(self, page: str, url: str) -> str:
        return str(self._request(page, "GET", url, 200).text)

    def submit(self, page: str, url: str, form_page: str, fields: dict[str, str], *, landing: str) -> str:
        """POST a form of ``form_page`` (its CSRF token added), then open the page it redirects to."""
        token = CSRF_INPUT.search(form_page)
        if token is None:
            raise self.fail(page, f"{page}: no CSRF token in the page with the form")
        response = self._request(page, "POST", url, 302, {"csrfmiddlewaretoken": token.group(1), **fields})
        return self.get(landing, response.headers["Location"])

    def sign_in(self, link: str, *, landing: str) -> str:
        """Open an emailed sign-in link, continue, and land on the page the link leads to (``landing``)."""
        path = urlparse(link).path
        return self.submit("sign in (POST link)", path, self.get("sign-in link", path), {}, landing=landing)

    def sign_out(self, any_page: str) -> None:
        self.submit("sign out (POST)", "/accounts/logout/", any_page, {}, landing="sign-in page")


def participant_visit(visitor: Visitor, user: dict[str, Any], visit: int) -> None:
    pair = user["pair"]
    visitor.sign_in(user["links"][visit % len(user["links"])], landing="pair")
    visitor.think()
    meetings = visitor.get("meetings", f"/pairs/{pair}/meetings/")
    if user["schedules"]:
        visitor.think()
        slot = PROPOSED_SLOT.search(meetings)
        # The first proposed time, as most people pick; without proposals, a time typed a few weeks ahead.
        typed = (datetime.now(UTC) + timedelta(days=21 + visit, hours=visitor.rng.randint(0, 8))).strftime("%Y-%m-%dT%H:00")
        fields = {"duration_minutes": "45", "mode": "video", "location": ""}
        fields |= {"slot": slot.group(1), "starts_at": ""} if slot else {"slot": "", "starts_at": typed}
        visitor.submit("schedule meeting (POST)", f"/pairs/{pair}/meetings/schedule/", meetings, fields, landing="meeting")
    visitor.think()
    meeting = user["meetings"][visit % len(user["meetings"])]
    page = visitor.get("meeting", f"/pairs/meetings/{meeting}/")
    visitor.think()
    fields = {"held_minutes": str(visitor.rng.choice([30, 45, 60])), "mode": "video", "topics": "AI tools, LinkedIn"}
    page = visitor.submit("log meeting (POST)", f"/pairs/meetings/{meeting}/log/", page, fields, landing="meeting")
    pulse = PULSE_LINK.search(page)
    if pulse is None:
        raise visitor.fail("meeting", f"meeting: no pulse link on meeting {meeting} after logging it")
    visitor.think()
    form = visitor.get("pulse form", pulse.group(1))
    visitor.think()
    fields = {"rating": str(visitor.rng.choice([3, 4, 4, 5, 5])), "learned": "How my partner plans a week of posts."}
    page = visitor.submit("pulse (POST)", pulse.group(1), form, fields, landing="meeting")
    visitor.think()
    page = visitor.get("pair", f"/pairs/{pair}/")
    visitor.think()
    visitor.sign_out(page)


def manager_visit(visitor: Visitor, user: dict[str, Any], visit: int) -> None:
    program = user["program"]
    visitor.sign_in(user["links"][visit % len(user["links"])], landing="match review")
    visitor.think()
    page = visitor.get("outcomes dashboard", f"/insights/programs/{program}/")
    visitor.think()
    page = visitor.get("match review", f"/matching/programs/{program}/")
    visitor.think()
    visitor.sign_out(page)


Visit = Callable[[Visitor, dict[str, Any], int], None]


def run_user(
    base_url: str, recorder: Recorder, user: dict[str, Any], visit: Visit,
    *, seed: int, start_at: float, deadline: float, think_time: float, visits: int | None = None,
) -> None:  # fmt: skip
    """One simulated person: arrive at ``start_at``, visit again and again until ``deadline`` (or ``visits`` times)."""
    rng = random.Random(seed)
    time.sleep(max(0.0, start_at - time.perf_counter()))
    number = 0
    while time.perf_counter() < deadline and (visits is None or number < visits):
        visitor = Visitor(base_url, recorder, rng, think_time=think_time, deadline=deadline)  # a fresh browser: no cookies kept
        try:
            visit(visitor, user, number)
        except StepFailed:
            time.sleep(think_time)
        except TimeUp:
            return
        finally:
            visitor.session.close()
        number += 1


def run_users(base_url: str, recorder: Recorder, users: Sequence[tuple[dict[str, Any], Visit]], **options: Any) -> None:
    """Run every user in its own thread; ``arrival(index)`` in ``options`` staggers their start."""
    arrival = options.pop("arrival")
    seed = options.pop("seed")
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        futures = [
            pool.submit(run_user, base_url, recorder, user, visit, seed=seed + index, start_at=arrival(index), **options)
            for index, (user, visit) in enumerate(users)
        ]
    for future in futures:
        future.result()  # a bug in this script surfaces here rather than as a silent thread


# --- The run and its report -----------------------------------------------------------------------------


def cpu_seconds_by_process(server_pid: int, database: str) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far of ``turnabout serve`` and every process under it, and of each PostgreSQL
    backend connected to ``database``: pid → (role, seconds). Linux only (``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    processes: dict[int, tuple[int, str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue  # ended meanwhile
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, …, utime (12th), stime (13th)
        processes[int(stat.parent.name)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / ticks)
    found: dict[int, tuple[str, float]] = {}
    for pid, (_parent, command, seconds) in processes.items():
        ancestor = pid
        while ancestor in processes and ancestor != server_pid:
            ancestor = processes[ancestor][0]
        if ancestor == server_pid:
            words = {Path(word).name for word in command.split()}
            found[pid] = (next((name for name in ("gunicorn", "worker", "scheduler") if name in words), "serve"), seconds)
        elif command.startswith("postgres:") and f" {database} " in f"{command} ":
            found[pid] = ("PostgreSQL", seconds)
    return found


def cpu_report(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], driver_seconds: float, seconds: float) -> str:
    """Where the CPU went during the measured window: the server's processes by role, PostgreSQL, this driver."""
    roles: dict[str, float] = defaultdict(float)
    for pid, (role, total) in after.items():
        roles[role] += total - before.get(pid, (role, 0.0))[1]
    shown = ", ".join(f"{role} {used:.0f} s" for role, used in sorted(roles.items(), key=lambda item: -item[1]))
    return f"CPU in {seconds:.0f} s on {os.cpu_count()} cores: {shown}; this load driver and its SMTP server {driver_seconds:.0f} s"


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile of already sorted values.

    >>> percentile([10.0, 20.0, 30.0, 40.0], 0.5), percentile([10.0, 20.0, 30.0, 40.0], 0.95)
    (20.0, 40.0)
    """
    rank = math.ceil(share * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def report(samples: list[Sample], seconds: float) -> tuple[str, int]:
    """The table of figures per page (slowest p95 first) and overall, and how many requests failed."""
    by_page: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_page[sample.page].append(sample)

    def line(name: str, group: list[Sample]) -> str:
        timings = sorted(sample.milliseconds for sample in group)
        errors = sum(1 for sample in group if sample.error)
        figures = " ".join(f"{percentile(timings, share):8.0f}" for share in (0.50, 0.95, 0.99))
        return f"{name:<26} {len(group):>8} {figures} {timings[-1]:8.0f} {errors:>7}"

    lines = [f"{'page':<26} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}"]
    for name in sorted(by_page, key=lambda name: -percentile(sorted(s.milliseconds for s in by_page[name]), 0.95)):
        lines.append(line(name, by_page[name]))
    if samples:
        lines.append(line("overall", samples))
    errors = Counter(sample.error for sample in samples if sample.error)
    lines.append(f"throughput: {len(samples) / seconds:.1f} requests/s over {seconds:.0f} s; errors: {sum(errors.values())}")
    lines.extend(f"  {count}x {message}" for message, count in errors.most_common(10))
    return "\n".join(lines), sum(errors.values())


def run(args: argparse.Namespace) -> int:
    from tests.browser.production import production_install

    directory = Path(tempfile.mkdtemp(prefix="turnabout-load-"))
    plan_path = directory / "plan.json"
    with production_install(directory, database_url=args.database_url, web_workers=args.web_workers) as production:
        started = time.perf_counter()
        # One link per visit (a link is single-use): the shortest visit, a manager's, has three think times of at least
        # half the mean each, and the warm-up visit comes on top.
        links = math.ceil((args.ramp_up + args.duration) / (3 * 0.5 * args.think_time + 0.1)) + 2
        production.run(sys.executable, str(Path(__file__).resolve()), "--plan", str(plan_path), "--users", str(args.users),
                       "--managers", str(args.managers), "--employees", str(args.employees), "--seed", str(args.seed),
                       "--links", str(links))  # fmt: skip
        plan = json.loads(plan_path.read_text())
        plan_path.unlink()  # it holds sign-in links
        print(plan["summary"])
        print(f"set-up (demo organisation, past meetings, sign-in links): {time.perf_counter() - started:.0f} s")
        print(f"server: {' '.join(production.serve_command)}")
        recorder = Recorder(recording=False)
        # Warm-up, not measured: every worker process imports, compiles templates and connects to the database.
        warm_up = [(user, participant_visit) for user in plan["warm_up"]] + [(user, manager_visit) for user in plan["warm_up_managers"]]
        run_users(production.url, recorder, warm_up, arrival=lambda index: 0.0, seed=args.seed * 1000,
                  deadline=time.perf_counter() + 120, think_time=0, visits=1)  # fmt: skip
        recorder.recording = True
        users = [(user, participant_visit) for user in plan["participants"]] + [(user, manager_visit) for user in plan["managers"]]
        managers = len(plan["managers"])
        print(f"load: {len(users)} users ({len(users) - managers} participants, {managers} program managers) arriving over "
              f"{args.ramp_up:.0f} s, then measured for {args.duration:.0f} s; think time {args.think_time} s (0.5-1.5x)")  # fmt: skip
        begin = time.perf_counter()
        measured_from = begin + args.ramp_up
        deadline = measured_from + args.duration
        server = production.processes["serve"].pid
        database = urlparse(production.environment["DATABASE_URL"]).path.lstrip("/")
        cpu_before: dict[int, tuple[str, float]] = {}
        driver_before = 0.0

        def measure_from_now() -> None:
            nonlocal cpu_before, driver_before
            cpu_before, driver_before = cpu_seconds_by_process(server, database), time.process_time()

        timer = threading.Timer(args.ramp_up, measure_from_now)
        timer.start()
        run_users(production.url, recorder, users, arrival=lambda index: begin + args.ramp_up * index / len(users),
                  seed=args.seed * 100_000, deadline=deadline, think_time=args.think_time)  # fmt: skip
        cpu_after, driver_after = cpu_seconds_by_process(server, database), time.process_time()
        measured = [sample for sample in recorder.samples if measured_from <= sample.started < deadline]
        text, errors = report(measured, args.duration)
        print(text)
        print(cpu_report(cpu_before, cpu_after, driver_after - driver_before, time.perf_counter() - measured_from))
        late = [sample for sample in recorder.samples if sample.error and not measured_from <= sample.started < deadline]
        if late:
            print(f"  and {len(late)} errors during the ramp-up or after the end, e.g. {late[0].error}")
        logged = production.errors_logged()
        print(f"server and worker logs: {len(logged)} error lines")
        for entry in logged[:10]:
            print(f"  {entry}")
        return 1 if errors or late or logged else 0


if __name__ == "__main__":
    main()
