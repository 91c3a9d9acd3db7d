"""Import jobs: an HRIS file uploaded through the UI, walked through upload → map columns → preview → apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from turnabout.accounts.models import Organisation, User
from turnabout.people.errors import ImportAlreadyApplied, ImportRejected
from turnabout.people.hris import ImportResult, apply_people_import, preview_people_import
from turnabout.people.hris_reading import ImportFile, guess_mapping, read_headers
from turnabout.people.models import ImportJob, ImportJobStatus


def import_job_file(job: ImportJob) -> ImportFile:
    return ImportFile.from_bytes(job.original_filename, bytes(job.content))


@transaction.atomic
def create_import_job(*, organisation: Organisation, uploaded_by: User, filename: str, content: bytes) -> ImportJob:
    """Keep an uploaded file with its headers and a guessed mapping; raises ImportFileUnreadable and keeps nothing."""
    headers = read_headers(ImportFile.from_bytes(filename, content))
    return ImportJob.objects.create(
        organisation=organisation,
        uploaded_by=uploaded_by,
        original_filename=filename,
        content=content,
        detected_headers=headers,
        mapping=guess_mapping(headers),
    )


@transaction.atomic
def preview_import_job(*, job: ImportJob, mapping: Mapping[str, str], mark_missing_as_leavers: bool) -> ImportResult:
    """Save the mapping and a fresh preview (problems included) on the job; changes no person.

    Raises ImportAlreadyApplied for an applied job and ImportFileUnreadable when the file cannot be read.
    """
    if job.status == ImportJobStatus.APPLIED:
        raise ImportAlreadyApplied("This import is already applied; upload the file again to import it anew.")
    result = preview_people_import(
        organisation=job.organisation, file=import_job_file(job), mapping=mapping, mark_missing_as_leavers=mark_missing_as_leavers
    )
    job.mapping = dict(mapping)
    job.mark_missing_as_leavers = mark_missing_as_leavers
    job.summary = result.as_dict()
    job.status = ImportJobStatus.PREVIEWED
    job.save(update_fields=["mapping", "mark_missing_as_leavers", "summary", "status"])
    return result


@dataclass(frozen=True)
class ImportJobOutcome:
    job: ImportJob
    result: ImportResult | None
    already_applied: bool = False

    @property
    def rejected(self) -> bool:
        return self.result is not None and self.result.has_problems


@transaction.atomic
def apply_import_job(*, job: ImportJob) -> ImportJobOutcome:
    """Check the job's file against the directory as it is now and, with no problem, write it; idempotent.

    Locks the job row, so a double submit applies once: an applied job is left as it is (``already_applied``).
    On problems the job is marked failed with them and no person changes.
    """
    job = ImportJob.objects.select_for_update().select_related("organisation").get(pk=job.pk)
    if job.status == ImportJobStatus.APPLIED:
        return ImportJobOutcome(job=job, result=None, already_applied=True)
    try:
        result = apply_people_import(
            organisation=job.organisation,
            file=import_job_file(job),
            mapping=job.mapping,
            mark_missing_as_leavers=job.mark_missing_as_leavers,
        )
    except ImportRejected as rejected:
        result = ImportResult(problems=rejected.problems, problem_count=rejected.problem_count)
        job.status = ImportJobStatus.FAILED
    else:
        job.status = ImportJobStatus.APPLIED
        job.applied_at = timezone.now()
    job.summary = result.as_dict()
    job.save(update_fields=["status", "summary", "applied_at"])
    return ImportJobOutcome(job=job, result=result)


def recent_import_jobs(organisation: Organisation, *, limit: int = 10) -> QuerySet[ImportJob]:
    """The organisation's latest imports, without their file contents."""
    return ImportJob.objects.filter(organisation=organisation).defer("content").select_related("uploaded_by")[:limit]
