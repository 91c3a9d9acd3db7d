"""Work committed as queued whose task was never enqueued (the process stopped between the commit and the enqueue,
or the enqueue failed): the sweeper ends a match run as failed, in plain words, and hands an import job to a worker
again, instead of either saying "queued" for ever."""

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.people.test_hris_import import GOOD_CSV
from turnabout.core.services import fail_abandoned_tasks
from turnabout.matching.models import MatchRun, RunStatus
from turnabout.matching.runs import COMPUTE_MATCH_RUN_TASK, NEVER_STARTED, compute_match_run
from turnabout.matching.services import start_match_run
from turnabout.people.hris_jobs import create_import_job, request_import_apply, request_import_preview
from turnabout.people.models import ImportJob, ImportJobStatus
from turnabout.people.tasks import apply_import_job_task, preview_import_job_task

TIMEOUT = timedelta(seconds=120)  # WORKER_HEARTBEAT_TIMEOUT_SECONDS, the default


@pytest.fixture
def unqueued_run(database_tasks, pool, manager, matching_program) -> MatchRun:
    """A run committed as queued whose enqueue after commit never ran: no task row."""
    run = start_match_run(program=matching_program, by=manager)
    assert not DBTaskResult.objects.exists()
    return run


def sweep_after(duration: timedelta) -> None:
    fail_abandoned_tasks(now=timezone.now() + duration)


def test_a_run_no_task_came_for_fails_after_the_heartbeat_timeout_and_the_page_says_so(unqueued_run, client, manager):
    # when the sweeper runs past the heartbeat timeout
    sweep_after(TIMEOUT + timedelta(seconds=1))

    # then the run failed, saying so in plain words on the review page
    unqueued_run.refresh_from_db()
    assert (unqueued_run.status, unqueued_run.error) == (RunStatus.FAILED, NEVER_STARTED)
    assert unqueued_run.finished_at is not None
    client.force_login(manager)
    page = client.get(reverse("matching:review", args=[unqueued_run.program_id])).content.decode()
    assert f"The run failed: {NEVER_STARTED}" in page


def test_a_run_within_the_timeout_is_left_queued(unqueued_run):
    # when the sweeper runs within the timeout (its enqueue may still be on its way)
    sweep_after(TIMEOUT - timedelta(seconds=5))

    # then
    unqueued_run.refresh_from_db()
    assert (unqueued_run.status, unqueued_run.error) == (RunStatus.QUEUED, "")


def test_a_run_whose_task_waits_for_a_busy_worker_is_left_queued(unqueued_run):
    # given its task waits in the queue (the workers are busy)
    compute_match_run.enqueue(unqueued_run.pk)

    # when the sweeper runs long after
    sweep_after(timedelta(hours=2))

    # then
    unqueued_run.refresh_from_db()
    assert unqueued_run.status == RunStatus.QUEUED


def test_a_run_whose_task_ended_without_claiming_it_fails(unqueued_run):
    # given its task ended (failed before it claimed the run) and is gone from the queue
    compute_match_run.enqueue(unqueued_run.pk)
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED, finished_at=timezone.now())

    # when
    sweep_after(TIMEOUT + timedelta(seconds=1))

    # then
    unqueued_run.refresh_from_db()
    assert (unqueued_run.status, unqueued_run.error) == (RunStatus.FAILED, NEVER_STARTED)


def test_a_running_or_finished_run_is_left_as_it_is(unqueued_run):
    # given a run a worker claimed, and one that succeeded
    MatchRun.objects.filter(pk=unqueued_run.pk).update(status=RunStatus.RUNNING)
    done = MatchRun.objects.create(program=unqueued_run.program, requested_by=unqueued_run.requested_by, status=RunStatus.SUCCEEDED)

    # when
    sweep_after(timedelta(hours=2))

    # then
    assert dict(MatchRun.objects.values_list("pk", "status")) == {unqueued_run.pk: RunStatus.RUNNING, done.pk: RunStatus.SUCCEEDED}


def test_the_task_path_the_sweeper_looks_for_is_the_tasks_own():
    assert compute_match_run.module_path == COMPUTE_MATCH_RUN_TASK


def queued_tasks() -> list[tuple[str, list[object]]]:
    return [
        (row.task_path, row.args_kwargs["args"])
        for row in DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by("enqueued_at")
    ]


def test_an_import_job_no_task_came_for_is_handed_to_a_worker_again_once(database_tasks, acme, manager):
    # given a check (preview) committed as queued whose enqueue never ran
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())
    request_import_preview(job=job, mapping=job.mapping, mark_missing_as_leavers=False)
    assert queued_tasks() == []

    # when the sweeper runs past the heartbeat timeout, twice
    sweep_after(TIMEOUT + timedelta(seconds=1))
    sweep_after(TIMEOUT + timedelta(seconds=2))

    # then its task is queued once, and running it checks the file
    assert queued_tasks() == [(preview_import_job_task.module_path, [job.pk])]
    preview_import_job_task.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.PREVIEWED


def test_an_import_apply_no_task_came_for_is_queued_again_and_a_late_first_delivery_does_nothing(database_tasks, acme, manager):
    # given a previewed job whose apply was committed as queued, its enqueue never run
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())
    request_import_preview(job=job, mapping=job.mapping, mark_missing_as_leavers=False)
    preview_import_job_task.call(job.pk)
    request_import_apply(job=ImportJob.objects.get(pk=job.pk))

    # when the sweeper queues it again, and it runs twice (the first enqueue landed after all)
    sweep_after(TIMEOUT + timedelta(seconds=1))
    assert queued_tasks() == [(apply_import_job_task.module_path, [job.pk])]
    apply_import_job_task.call(job.pk)
    apply_import_job_task.call(job.pk)

    # then it was applied once
    job.refresh_from_db()
    assert job.status == ImportJobStatus.APPLIED


def test_a_job_uploaded_within_the_timeout_is_left_to_its_own_enqueue(database_tasks, acme, manager):
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())
    request_import_preview(job=job, mapping=job.mapping, mark_missing_as_leavers=False)
    sweep_after(TIMEOUT - timedelta(seconds=5))
    assert queued_tasks() == []
