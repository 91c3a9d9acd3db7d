"""Tasks that survive a crash: a task whose worker stopped beating is failed by the sweeper, and the match run or
import it worked on says so, in plain words, on the page that polls it. The real-process drill is test_crash.py."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db.utils import OperationalError
from django.tasks import TaskResultStatus, task
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.people.test_hris_import import GOOD_CSV
from turnabout.core import heartbeat as heartbeat_module
from turnabout.core.heartbeat import Heartbeat
from turnabout.core.hooks import task_abandoned
from turnabout.core.models import WorkerHeartbeat
from turnabout.core.services import fail_abandoned_tasks, record_worker_heartbeat
from turnabout.matching.models import MatchRun, ProposedPair, RunStatus
from turnabout.matching.runs import WORKER_STOPPED, claim_match_run
from turnabout.matching.services import start_match_run
from turnabout.people.hris_jobs import create_import_job, request_import_preview
from turnabout.people.hris_runs import WORKER_STOPPED as IMPORT_WORKER_STOPPED
from turnabout.people.models import ImportJobStatus, Person

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TIMEOUT = 120  # WORKER_HEARTBEAT_TIMEOUT_SECONDS, the default


@task()
def record_nothing() -> None:
    """A task for the handler tests."""


@task()
def live_workers() -> list[str]:
    """The workers alive while this task runs."""
    return list(WorkerHeartbeat.objects.fresh(now=timezone.now()).values_list("worker_id", flat=True))


def claimed_by(worker_id: str, task_path: str) -> DBTaskResult:
    """The queued task of ``task_path``, claimed by ``worker_id`` as the worker does (RUNNING)."""
    result = DBTaskResult.objects.get(task_path=task_path, status=TaskResultStatus.READY)
    result.claim(worker_id)
    return result


@pytest.fixture
def running_match_run(database_tasks, pool, manager, matching_program, django_capture_on_commit_callbacks) -> MatchRun:
    """A run whose task worker "w-dead" claimed the task and the run, and last beat at noon."""
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(program=matching_program, by=manager)
    claimed_by("w-dead", "turnabout.matching.runs.compute_match_run")
    assert claim_match_run(run.pk)
    record_worker_heartbeat(worker_id="w-dead", now=NOON)
    return run


def test_a_task_whose_worker_stopped_beating_fails_and_its_match_run_says_so(running_match_run):
    # when the sweeper runs just after the heartbeat timeout
    abandoned = fail_abandoned_tasks(now=NOON + timedelta(seconds=TIMEOUT + 1))

    # then the task and the run failed, with plain messages, and no proposal was written
    result = DBTaskResult.objects.get()
    assert [(item.id, item.worker_id) for item in abandoned] == [(str(result.pk), "w-dead")]
    assert (result.status, result.exception_class_path) == (TaskResultStatus.FAILED, "turnabout.core.errors.WorkerStopped")
    assert result.traceback.startswith("The worker stopped while running this task: worker w-dead has not beaten since 2026-03-02 12:00:00")
    assert result.task_result.errors[0].exception_class.__name__ == "WorkerStopped"
    running_match_run.refresh_from_db()
    assert (running_match_run.status, running_match_run.error) == (RunStatus.FAILED, WORKER_STOPPED)
    assert running_match_run.finished_at is not None
    assert not ProposedPair.objects.filter(run=running_match_run).exists()


def test_a_task_whose_worker_beats_keeps_running(running_match_run):
    # when the sweeper runs within the timeout of the last beat
    abandoned = fail_abandoned_tasks(now=NOON + timedelta(seconds=TIMEOUT))

    # then nothing changed
    assert abandoned == []
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
    running_match_run.refresh_from_db()
    assert (running_match_run.status, running_match_run.error) == (RunStatus.RUNNING, "")


def test_a_task_whose_worker_left_no_heartbeat_fails_at_once(running_match_run):
    # given the worker's row is gone (it was forced to stop mid-task, or predates heartbeats)
    WorkerHeartbeat.objects.all().delete()

    # when
    abandoned = fail_abandoned_tasks(now=NOON)

    # then
    assert len(abandoned) == 1
    assert "worker w-dead has not beaten at all" in DBTaskResult.objects.get().traceback
    running_match_run.refresh_from_db()
    assert running_match_run.status == RunStatus.FAILED


def test_sweepers_running_again_fail_a_task_once(running_match_run):
    # given a first sweep failed the task
    later = NOON + timedelta(seconds=TIMEOUT + 1)
    assert len(fail_abandoned_tasks(now=later)) == 1
    failed_at = DBTaskResult.objects.get().finished_at

    # when another sweep runs
    again = fail_abandoned_tasks(now=later + timedelta(minutes=5))

    # then it found nothing to do and changed nothing
    assert again == []
    assert DBTaskResult.objects.get().finished_at == failed_at


def test_a_finished_run_is_left_as_it_was_when_its_task_is_swept(running_match_run):
    # given the run had finished before its worker died (the task's own row not yet marked)
    MatchRun.objects.filter(pk=running_match_run.pk).update(status=RunStatus.SUCCEEDED, progress=1.0)

    # when
    fail_abandoned_tasks(now=NOON + timedelta(seconds=TIMEOUT + 1))

    # then the task failed but the run keeps its result
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED
    running_match_run.refresh_from_db()
    assert (running_match_run.status, running_match_run.error) == (RunStatus.SUCCEEDED, "")


def test_the_review_page_shows_why_the_run_failed(client, manager, running_match_run):
    # given
    fail_abandoned_tasks(now=NOON + timedelta(seconds=TIMEOUT + 1))
    client.force_login(manager)

    # when the page's poll asks for the run's progress
    response = client.get(reverse("matching:run_progress", args=[running_match_run.pk]), headers={"HX-Request": "true"})

    # then it stops polling, and the page it reloads says what happened and what to do
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    page = client.get(reverse("matching:review", args=[running_match_run.program_id])).content.decode()
    assert f"The run failed: {WORKER_STOPPED}" in page
    assert reverse("matching:run_progress", args=[running_match_run.pk]) not in page


def test_an_abandoned_import_fails_with_a_plain_message_and_its_page_says_so(
    client, database_tasks, acme, manager, django_capture_on_commit_callbacks
):
    # given a preview whose worker claimed the task and then died
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())
    with django_capture_on_commit_callbacks(execute=True):
        request_import_preview(job=job, mapping=job.mapping, mark_missing_as_leavers=False)
    claimed_by("w-dead", "turnabout.people.tasks.preview_import_job_task")
    people_before = Person.objects.count()

    # when
    abandoned = fail_abandoned_tasks(now=timezone.now())

    # then the job failed, nobody was written, and the page stops waiting and says why
    assert len(abandoned) == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (ImportJobStatus.FAILED, IMPORT_WORKER_STOPPED)
    assert Person.objects.count() == people_before
    client.force_login(manager)
    page = client.get(reverse("people:import_preview", args=[job.pk])).content.decode()
    assert str(IMPORT_WORKER_STOPPED) in page
    assert 'data-testid="import-progress"' not in page


def test_a_handler_that_fails_leaves_its_task_running_for_the_next_sweep_and_the_others_fail(running_match_run, monkeypatch):
    # given a second abandoned task whose handler raises
    record_nothing.using(backend="default").enqueue()
    broken = claimed_by("w-dead", record_nothing.module_path)

    def refuse() -> None:
        raise RuntimeError("handler broken")

    monkeypatch.setitem(task_abandoned.handlers, record_nothing.module_path, [refuse])

    # when
    abandoned = fail_abandoned_tasks(now=NOON + timedelta(seconds=TIMEOUT + 1))

    # then the broken one is untouched (retried next time); the match run's task and run failed
    assert [item.task_path for item in abandoned] == ["turnabout.matching.runs.compute_match_run"]
    broken.refresh_from_db()
    assert (broken.status, broken.finished_at) == (TaskResultStatus.RUNNING, None)
    running_match_run.refresh_from_db()
    assert running_match_run.status == RunStatus.FAILED


def test_dead_workers_heartbeats_are_pruned_after_a_day(db):
    # given one worker that stopped beating two days ago and one alive
    record_worker_heartbeat(worker_id="w-gone", now=NOON - timedelta(days=2))
    record_worker_heartbeat(worker_id="w-alive", now=NOON)

    # when
    fail_abandoned_tasks(now=NOON)

    # then
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["w-alive"]


# --- The worker's side: it beats while it lives and sweeps once at start-up ---------------------------------------


def test_a_starting_worker_fails_the_tasks_of_stopped_workers_and_runs_the_rest(transactional_db, running_match_run, run_worker):
    # given the dead worker's last beat is older than the timeout, and another task waits
    WorkerHeartbeat.objects.filter(worker_id="w-dead").update(beat_at=timezone.now() - timedelta(seconds=TIMEOUT + 1))
    live_workers.using(backend="default").enqueue()

    # when a new worker starts, runs what is queued and stops
    run_worker("w-new")

    # then the abandoned run failed, the queued task ran while the new worker beat, and its heartbeat is gone
    running_match_run.refresh_from_db()
    assert (running_match_run.status, running_match_run.error) == (RunStatus.FAILED, WORKER_STOPPED)
    result = DBTaskResult.objects.get(task_path=live_workers.module_path)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, ["w-new"])
    assert not WorkerHeartbeat.objects.filter(worker_id="w-new").exists()


def wait_until(condition, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s")
        time.sleep(0.02)


def test_the_heartbeat_thread_beats_until_stopped_and_outlives_a_failed_beat(transactional_db, monkeypatch):
    # given a heartbeat every 20 ms whose second beat meets a locked database
    calls = []
    real = heartbeat_module.record_worker_heartbeat

    def flaky(*, worker_id: str) -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 2:
            raise OperationalError("database is locked")
        real(worker_id=worker_id)

    monkeypatch.setattr(heartbeat_module, "record_worker_heartbeat", flaky)
    beat = Heartbeat("w-beating", interval=0.02)

    # when it starts, beats a few times, and stops
    beat.start()
    first = WorkerHeartbeat.objects.get(worker_id="w-beating").beat_at
    wait_until(lambda: len(calls) >= 4)
    moved = WorkerHeartbeat.objects.get(worker_id="w-beating").beat_at
    beat.stop()
    after_stop = len(calls)
    time.sleep(0.1)

    # then the first beat was written before start() returned, the thread kept beating past the failure, and stopped
    assert calls[0] == "MainThread"
    assert set(calls[1:]) == {"heartbeat-w-beating"}
    assert moved > first
    assert len(calls) == after_stop
    assert not WorkerHeartbeat.objects.filter(worker_id="w-beating").exists()
