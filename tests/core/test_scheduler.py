"""Periodic jobs without cron: each registered job is enqueued at its cadence, once per period however many schedulers
tick at once, and the nudges it causes are sent once, end to end through the database queue and the worker."""

import signal
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.utils import OperationalError
from django.tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from tests.core.processes import installed, wait_for
from tests.engagement.health_builders import running_program_with_cast_pair
from turnabout.core import scheduler as scheduler_module
from turnabout.core.models import EmailDelivery, ScheduledJob
from turnabout.core.scheduler import Scheduler, periodic_jobs, register_periodic_job
from turnabout.core.services import enqueue_if_due

# Monday 16 February 2026, 09:00: the pair (started Monday 5 January, monthly) is past its cadence, and the
# managers' weekly digest (keyed 2026-W08) is due.
MONDAY = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)
JOBS = {
    "deactivate-ended-guests": ("turnabout.identity.jobs.deactivate_ended_guests_job", timedelta(days=1)),
    "open-due-waves": ("turnabout.surveys.jobs.open_due_waves_job", timedelta(hours=1)),
    "prune-task-results": ("turnabout.core.tasks.prune_task_results_job", timedelta(days=1)),
    "refresh-health": ("turnabout.engagement.jobs.refresh_health_job", timedelta(minutes=15)),
    "send-nudges": ("turnabout.engagement.jobs.send_nudges_job", timedelta(minutes=15)),
}


@task()
def count_me() -> None:
    """A periodic job for the claim tests."""


def enqueued(task_path: str) -> int:
    return DBTaskResult.objects.filter(task_path=task_path).count()


def test_the_apps_register_the_cron_commands_as_periodic_jobs(db):
    assert {job.name: (job.task.module_path, job.every) for job in periodic_jobs()} == JOBS


def test_a_job_is_enqueued_when_first_seen_then_once_per_period(db, database_tasks):
    # when the job is offered at its first sight, a minute later, just before and at the end of its period
    claims = [
        enqueue_if_due(name="count-me", task=count_me, every=timedelta(minutes=15), by="test", now=MONDAY + offset)
        for offset in (timedelta(0), timedelta(minutes=1), timedelta(minutes=14, seconds=59), timedelta(minutes=15))
    ]

    # then
    assert claims == [True, False, False, True]
    assert enqueued(count_me.module_path) == 2
    job = ScheduledJob.objects.get(name="count-me")
    assert (job.due_at, job.last_enqueued_at) == (MONDAY + timedelta(minutes=30), MONDAY + timedelta(minutes=15))
    assert job.last_enqueued_by == "test"


def test_a_tick_enqueues_each_due_job_and_sweeps(db, database_tasks):
    # given
    scheduler = Scheduler(holder="host:1")

    # when it ticks at Monday 09:00, then 15 minutes, an hour and a day later
    ticks = [scheduler.tick(now=MONDAY + offset) for offset in (timedelta(0), timedelta(minutes=15), timedelta(hours=1), timedelta(days=1))]

    # then
    assert [tick.enqueued for tick in ticks] == [
        ["deactivate-ended-guests", "open-due-waves", "prune-task-results", "refresh-health", "send-nudges"],
        ["refresh-health", "send-nudges"],
        ["open-due-waves", "refresh-health", "send-nudges"],
        ["deactivate-ended-guests", "open-due-waves", "prune-task-results", "refresh-health", "send-nudges"],
    ]
    assert str(ticks[1]) == "Enqueued refresh-health, send-nudges; failed 0 task(s) abandoned by stopped workers."


def test_a_job_must_repeat(db):
    with pytest.raises(ValueError, match="every must be positive"):
        register_periodic_job(name="never", task=count_me, every=timedelta(0))
    assert "never" not in {job.name for job in periodic_jobs()}


def tick_together(schedulers: list[Scheduler], *, rounds: int) -> list[list[str]]:
    """Every scheduler ticks ``rounds`` times in its own thread, all released at once each round; what each enqueued."""
    barrier = threading.Barrier(len(schedulers))
    done: list[list[str]] = [[] for _ in schedulers]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            for _ in range(rounds):
                barrier.wait(timeout=30)
                done[index].extend(schedulers[index].tick().enqueued)
        except BaseException as error:  # reported by the caller
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(schedulers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return done


@pytest.fixture
def overdue_pair(transactional_db, database_tasks, manager, mentor, mentee, matching_program):
    with time_machine.travel(datetime(2026, 1, 5, 9, tzinfo=UTC), tick=False):
        return running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)


# The in-memory SQLite test database cannot take writes from two threads at once ("database table is locked"); a real
# SQLite file serialises the two claims (IMMEDIATE transactions), which the process test below runs on either engine.
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent claims need PostgreSQL's row locks in-process")
def test_two_schedulers_at_once_enqueue_each_job_once_and_send_each_nudge_once(overdue_pair, run_worker):
    # given two schedulers (say, two servers) and a pair past its cadence on a Monday morning
    schedulers = [Scheduler(holder="host-a:1"), Scheduler(holder="host-b:1")]
    mail.outbox.clear()

    # when both tick three times at the same moments, then the worker runs everything queued
    with time_machine.travel(MONDAY, tick=True):
        enqueued_by = tick_together(schedulers, rounds=3)
        run_worker("w-1")

    # then each job was enqueued once, by one or the other, and every task succeeded
    assert sorted(enqueued_by[0] + enqueued_by[1]) == sorted(JOBS)
    assert {name: enqueued(path) for name, (path, _every) in JOBS.items()} == dict.fromkeys(JOBS, 1)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    # and each nudge went once: the past-cadence nudge to both people, the digest to the program manager
    assert sorted((tuple(message.to), message.subject) for message in mail.outbox) == sorted(
        [
            (("charlie@acme.test",), f"{overdue_pair.program.name}: time to book your next meeting with Bob Senior"),
            (("bob@acme.test",), f"{overdue_pair.program.name}: time to book your next meeting with Charlie Junior"),
            (("alice@acme.test",), f"{overdue_pair.program.name}: weekly pair digest, 2026-W08"),
        ]
    )

    # when 15 minutes later both tick again and the worker runs what they queued
    with time_machine.travel(MONDAY + timedelta(minutes=15), tick=True):
        tick_together(schedulers, rounds=2)
        run_worker("w-1")

    # then send-nudges ran once more and sent nothing twice
    assert enqueued(JOBS["send-nudges"][0]) == 2
    assert len(mail.outbox) == 3
    assert EmailDelivery.objects.count() == 2


def test_a_scheduler_outlives_a_database_error(transactional_db, database_tasks, monkeypatch):
    # given a scheduler whose first sweep meets a locked database
    scheduler = Scheduler(interval=0.01, holder="host:1")
    calls = []
    real = scheduler_module.fail_abandoned_tasks

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        if len(calls) == 3:
            scheduler.stop()
        return real(**kwargs)

    monkeypatch.setattr(scheduler_module, "fail_abandoned_tasks", flaky)

    # when it runs until its third tick stops it
    scheduler.run()

    # then the second tick enqueued the jobs the first could not
    assert len(calls) == 3
    assert enqueued(JOBS["send-nudges"][0]) == 1


def test_the_command_ticks_once_and_says_what_it_did(db, database_tasks):
    # given
    output = StringIO()

    # when
    call_command("scheduler", "--once", stdout=output)
    call_command("scheduler", "--once", stdout=output)

    # then
    assert output.getvalue().splitlines() == [
        "Enqueued deactivate-ended-guests, open-due-waves, prune-task-results, refresh-health, send-nudges; failed 0 task(s) abandoned"
        " by stopped workers.",
        "Enqueued no job (none due); failed 0 task(s) abandoned by stopped workers.",
    ]


def test_two_scheduler_processes_running_at_once_send_each_nudge_once(tmp_path, django_db_blocker):
    # The install's own database, read over a connection of its own (the test database stays untouched).
    with django_db_blocker.unblock(), installed(tmp_path) as install:
        # given a pair 60 days past its start that never met
        install.call("from tests.core.drill import overdue_pair; print(overdue_pair())")
        names = ("scheduler-a", "scheduler-b")
        schedulers = [install.start(name, sys.executable, "manage.py", "scheduler", "--interval", "1") for name in names]

        # when both run, ticking every second, for a few ticks after both have started, and are then stopped
        wait_for(
            lambda: all("started" in install.log(name) for name in names),
            timeout=90,
            what="both schedulers started",
            install=install,
        )
        time.sleep(3)
        for process in schedulers:
            process.send_signal(signal.SIGTERM)
        assert [process.wait(timeout=30) for process in schedulers] == [0, 0]
        install.manage("worker", "--batch", "--no-startup-delay")

        # then each job was enqueued once, by one scheduler or the other
        counts = install.rows(
            "SELECT task_path, COUNT(*) FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s GROUP BY task_path", ["%_job"]
        )
        assert dict(counts) == {path: 1 for path, _every in JOBS.values()}
        # and the past-cadence nudge went once to each of the two, the digest (due but on Monday before 08:00) once to
        # the program manager: nothing twice
        nudges = Counter(
            (str(message["To"]), str(message["Subject"]).split(": ", 1)[1].split(",")[0])
            for message in install.outbox.messages
            if "time to book" in str(message["Subject"]) or "weekly pair digest" in str(message["Subject"])
        )
        digests = nudges.pop(("pm@drill.test", "weekly pair digest"), 0)
        assert nudges == {
            ("j1@drill.test", "time to book your next meeting with S1 Tester"): 1,
            ("s1@drill.test", "time to book your next meeting with J1 Tester"): 1,
        }
        assert digests in {0, 1}
        assert install.rows("SELECT COUNT(*) FROM core_emaildelivery") == [(1 + digests,)]
