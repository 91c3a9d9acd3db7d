"""The worker's half of an HRIS import job: check the file, then write it, recording progress on the job.

Called by ``tasks`` (load by id, run once: a job is claimed with a conditional UPDATE). The page's half, which
saves the choice and queues these, is ``hris_jobs``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from turnabout.people.errors import ImportFileUnreadable, ImportRejected
from turnabout.people.hris import ImportResult, apply_people_import, preview_people_import
from turnabout.people.hris_reading import ImportFile
from turnabout.people.models import IMPORT_JOB_RUNNING, ImportJob, ImportJobStatus

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 1.0  # at most one progress write a second: each is a short write transaction of its own
# Stored on the job when it stops, in the worker's language, and shown on the import page.
STOPPED = _("The import stopped unexpectedly; nothing was changed. Try again, or ask your administrator to look at the worker's log.")
WORKER_STOPPED = _("The worker stopped while importing; nothing was changed. Run the import again.")


def import_job_file(job: ImportJob) -> ImportFile:
    return ImportFile.from_bytes(job.original_filename, bytes(job.content))


def run_import_preview(*, job_id: int) -> None:
    """Check a queued job's file against the directory and store the preview on the job; writes no person.

    Claims the job with a conditional UPDATE, so a second delivery of the task does nothing. Runs no long
    transaction: the file is read in autocommit and the job row gets short writes (progress, then the outcome).
    """
    if not _claim(job_id, ImportJobStatus.PREVIEW_QUEUED, ImportJobStatus.PREVIEWING):
        return
    job = ImportJob.objects.select_related("organisation").get(pk=job_id)
    progress = _JobProgress(job_id)
    try:
        result = preview_people_import(
            organisation=job.organisation,
            file=import_job_file(job),
            mapping=job.mapping,
            mark_missing_as_leavers=job.mark_missing_as_leavers,
            progress=progress,
        )
    except ImportFileUnreadable as error:
        _finish(job_id, ImportJobStatus.FAILED, error=error.message)
        return
    except Exception:
        _finish(job_id, ImportJobStatus.FAILED, error=STOPPED)
        raise
    _finish(job_id, ImportJobStatus.PREVIEWED, summary=result.as_dict(), rows_checked=progress.rows)


def run_import_apply(*, job_id: int) -> None:
    """Check a queued job's file again and, with no problem, write it; record the outcome on the job.

    Claims the job with a conditional UPDATE, so a second delivery does nothing. The write is one short transaction
    (``apply_people_import``) that also marks the job applied; on problems the job is marked failed with them and no
    person changes.
    """
    if not _claim(job_id, ImportJobStatus.APPLY_QUEUED, ImportJobStatus.APPLYING):
        return
    job = ImportJob.objects.select_related("organisation", "uploaded_by").get(pk=job_id)
    progress = _JobProgress(job_id)
    try:
        apply_people_import(
            organisation=job.organisation,
            by=job.uploaded_by,
            file=import_job_file(job),
            mapping=job.mapping,
            mark_missing_as_leavers=job.mark_missing_as_leavers,
            progress=progress,
        )
    except ImportRejected as rejected:
        result = ImportResult(rows=progress.rows, problems=rejected.problems, problem_count=rejected.problem_count)
        _finish(job_id, ImportJobStatus.FAILED, summary=result.as_dict())
    except ImportFileUnreadable as error:
        _finish(job_id, ImportJobStatus.FAILED, error=error.message)
    except Exception:
        _finish(job_id, ImportJobStatus.FAILED, error=STOPPED)
        raise


def fail_abandoned_import_job(job_id: int) -> bool:
    """End a job whose task was abandoned (its worker stopped) as failed, saying so; False when it had finished.

    Called by the sweeper inside its transaction (``core.hooks.task_abandoned``). The people are written in one
    transaction with the job's "applied", so an abandoned job changed no one.
    """
    return (
        ImportJob.objects.filter(pk=job_id, status__in=IMPORT_JOB_RUNNING).update(status=ImportJobStatus.FAILED, error=WORKER_STOPPED) == 1
    )


def import_jobs_queued(*, uploaded_before: datetime) -> dict[ImportJobStatus, set[int]]:
    """The ids of the jobs waiting for a check (preview) or for their apply, of files uploaded before ``uploaded_before``.

    With no task waiting for it (the enqueue after commit never happened), such a job would say "waiting" for ever;
    the sweeper enqueues its task again (``people.tasks.requeue_unqueued_import_jobs``). A job records no time it was
    queued, only its upload: a file uploaded within the heartbeat timeout is left to its own first enqueue.
    """
    queued: dict[ImportJobStatus, set[int]] = {ImportJobStatus.PREVIEW_QUEUED: set(), ImportJobStatus.APPLY_QUEUED: set()}
    rows = ImportJob.objects.filter(status__in=list(queued), created_at__lt=uploaded_before).values_list("pk", "status")
    for job_id, status in rows:
        queued[ImportJobStatus(status)].add(job_id)
    return queued


def _claim(job_id: int, queued: ImportJobStatus, running: ImportJobStatus) -> bool:
    return ImportJob.objects.filter(pk=job_id, status=queued).update(status=running, rows_checked=0) == 1


_RUNNING_STEPS = (ImportJobStatus.PREVIEWING, ImportJobStatus.APPLYING, ImportJobStatus.WRITING)


def _finish(job_id: int, status: ImportJobStatus, **fields: object) -> None:
    """Record a running job's outcome, unless something else already did (the job is no longer running)."""
    finished = ImportJob.objects.filter(pk=job_id, status__in=_RUNNING_STEPS).update(status=status, **fields)
    if not finished:
        logger.warning("Import job %s finished as %s but was no longer running; its outcome is not recorded.", job_id, status)


class _JobProgress:
    """The ImportProgress of a job: rows checked (at most one short write a second), the write phase, the outcome."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.rows = 0
        self._last_write = time.monotonic()

    def checked(self, rows: int) -> None:
        self.rows = rows
        now = time.monotonic()
        if now - self._last_write >= PROGRESS_INTERVAL_SECONDS:
            self._last_write = now
            ImportJob.objects.filter(pk=self.job_id).update(rows_checked=rows)

    def writing(self) -> None:
        ImportJob.objects.filter(pk=self.job_id).update(status=ImportJobStatus.WRITING, rows_checked=self.rows)

    def applied(self, result: ImportResult) -> None:
        # Inside the import's transaction: the job is marked applied exactly when the people are written.
        ImportJob.objects.filter(pk=self.job_id).update(
            status=ImportJobStatus.APPLIED, applied_at=timezone.now(), summary=result.as_dict(), rows_checked=result.rows
        )
