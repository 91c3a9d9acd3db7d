"""Import jobs: an HRIS file uploaded through the UI, walked through upload → map columns → preview → apply.

The page requests (``request_import_preview``, ``request_import_apply``) only save the choice and queue a task;
the worker runs the check and the write (``hris_runs.run_import_preview``, ``run_import_apply``) and records its progress
and outcome on the job, which the preview page polls. The file is read outside any transaction; only the final
write holds the database's write lock (see ``apply_people_import``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from turnabout.accounts.models import Organisation, User
from turnabout.people.errors import ImportAlreadyApplied
from turnabout.people.hris_columns import guess_mapping
from turnabout.people.hris_reading import ImportFile, read_headers
from turnabout.people.models import ImportJob, ImportJobStatus
from turnabout.people.tasks import apply_import_job_task, preview_import_job_task


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

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.is_applied:
        raise ImportAlreadyApplied(_("This import is already applied; upload the file again to import it anew."))
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


def recent_import_jobs(organisation: Organisation, *, limit: int = 10) -> QuerySet[ImportJob]:
    """The organisation's latest imports, without their file contents."""
    return ImportJob.objects.filter(organisation=organisation).defer("content").select_related("uploaded_by")[:limit]
