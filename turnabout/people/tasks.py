"""Background jobs of the people directory: load by id, then call one service. Safe to run twice."""

import logging
from datetime import datetime

from django.tasks import task

from turnabout.core.services import task_arguments_waiting
from turnabout.people.hris_runs import import_jobs_queued, run_import_apply, run_import_preview
from turnabout.people.models import ImportJobStatus

# The sweeper's log (core.services): what it handed to a worker again.
logger = logging.getLogger("turnabout.tasks")


@task()
def preview_import_job_task(job_id: int) -> None:
    """Check an uploaded HRIS file and store the preview on its job; a second delivery finds it claimed."""
    run_import_preview(job_id=job_id)


@task()
def apply_import_job_task(job_id: int) -> None:
    """Check an HRIS file again and write it, in one short transaction; a second delivery finds it claimed."""
    run_import_apply(job_id=job_id)


def requeue_unqueued_import_jobs(*, queued_before: datetime) -> list[int]:
    """Enqueue again the task of every import job waiting for a check or its apply that no task waits for or runs
    (``core.hooks.queued_work_swept``); the ids of the jobs. Safe: each task claims its job with a conditional UPDATE,
    so when the first enqueue lands after all, one of the two deliveries does nothing."""
    requeued = []
    queued = import_jobs_queued(uploaded_before=queued_before)
    for status, job_task in (
        (ImportJobStatus.PREVIEW_QUEUED, preview_import_job_task),
        (ImportJobStatus.APPLY_QUEUED, apply_import_job_task),
    ):
        for job_id in sorted(queued[status] - task_arguments_waiting(job_task.module_path)):
            job_task.enqueue(job_id)
            logger.warning("Import job %s was queued with no task coming for it; queued its task again.", job_id)
            requeued.append(job_id)
    return requeued
