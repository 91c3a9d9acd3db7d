"""Import jobs: an HRIS file uploaded through the UI, walked through upload → map columns → preview → apply.

The page requests (``request_import_preview``, ``request_import_apply``) only save the choice and queue a task;
the worker runs the check and the write (``run_import_preview``, ``run_import_apply``) and records its progress
and outcome on the job, which the preview page polls. The file is read outside any transaction; only the final
write holds the database's write lock (see ``apply_people_import``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from turnabout.accounts.models import Organisation, User
from turnabout.people.errors import ImportAlreadyApplied, ImportFileUnreadable, ImportRejected
from turnabout.people.hris import ImportResult, apply_people_import, preview_people_import
from turnabout.people.hris_reading import ImportFile, guess_mapping, read_headers
from turnabout.people.models import ImportJob, ImportJobStatus

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 1.0  # at most one progress write a second: each is a short write transaction of its own
STOPPED = "The import stopped unexpectedly; nothing was changed. Try again, or ask your administrator to look at the worker's log."


def import_job_file(job: ImportJob) -> ImportFile:
    return ImportFile.from_bytes(job.original_filename, bytes(job.content))


@transaction.atomic
def create_import_job(*, organisation: Organisation, uploaded_by: User, filename: str, content: bytes) -> ImportJob:
    """Keep an uploaded file with its headers and a guessed mapping; raises ImportFileUnreadable and keeps nothing.

    Reads only the header row (and, for an XLSX, checks the archive against the limits), so it stays quick.
    """
    headers = read_headers(ImportFile.from_bytes(filename, content))
    return ImportJob.objects.create(
        organisation=organisation,
        uploaded_by=uploaded_by,
        original_filename=filename,
        content=content,
        detected_headers=headers,
        mapping=guess_mapping(headers),
    )


@dataclass(frozen=True)
class ImportJobRequest:
    """What asking for a preview or an apply did: queued the task, or nothing because of the job's state."""

    job: ImportJob
    queued: bool = False
    already_applied: bool = False
    in_progress: bool = False


@transaction.atomic
def request_import_preview(*, job: ImportJob, mapping: Mapping[str, str], mark_missing_as_leavers: bool) -> ImportJobRequest:
    """Save the mapping and queue a fresh check of the file (the previous preview is dropped); changes no person.

    Locks the job row. Raises ImportAlreadyApplied for an applied job; a job being checked or applied is left as it is
    (``in_progress``). The task is enqueued once the transaction commits.
    """
    from turnabout.people.tasks import preview_import_job_task

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.is_applied:
        raise ImportAlreadyApplied("This import is already applied; upload the file again to import it anew.")
    if job.is_running:
        return ImportJobRequest(job=job, in_progress=True)
    job.mapping = dict(mapping)
    job.mark_missing_as_leavers = mark_missing_as_leavers
    job.status = ImportJobStatus.PREVIEW_QUEUED
    job.summary, job.error, job.rows_checked = {}, "", 0
    job.save(update_fields=["mapping", "mark_missing_as_leavers", "status", "summary", "error", "rows_checked"])
    transaction.on_commit(lambda: preview_import_job_task.enqueue(job.pk))
    return ImportJobRequest(job=job, queued=True)


@transaction.atomic
def request_import_apply(*, job: ImportJob) -> ImportJobRequest:
    """Queue the apply of a previewed job; idempotent: a job applied, or already queued or running, is left as it is.

    Locks the job row, so a double submit queues one task. The task is enqueued once the transaction commits.
    """
    from turnabout.people.tasks import apply_import_job_task

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.is_applied:
        return ImportJobRequest(job=job, already_applied=True)
    if not job.can_apply:
        return ImportJobRequest(job=job, in_progress=job.is_running)
    job.status = ImportJobStatus.APPLY_QUEUED
    job.error, job.rows_checked = "", 0
    job.save(update_fields=["status", "error", "rows_checked"])
    transaction.on_commit(lambda: apply_import_job_task.enqueue(job.pk))
    return ImportJobRequest(job=job, queued=True)


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
    job = ImportJob.objects.select_related("organisation").get(pk=job_id)
    progress = _JobProgress(job_id)
    try:
        apply_people_import(
            organisation=job.organisation,
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


def recent_import_jobs(organisation: Organisation, *, limit: int = 10) -> QuerySet[ImportJob]:
    """The organisation's latest imports, without their file contents."""
    return ImportJob.objects.filter(organisation=organisation).defer("content").select_related("uploaded_by")[:limit]
