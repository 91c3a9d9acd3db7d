"""Background jobs of the people directory: load by id, then call one service. Safe to run twice."""

from django.tasks import task

from turnabout.people.hris_runs import run_import_apply, run_import_preview


@task()
def preview_import_job_task(job_id: int) -> None:
    """Check an uploaded HRIS file and store the preview on its job; a second delivery finds it claimed."""
    run_import_preview(job_id=job_id)


@task()
def apply_import_job_task(job_id: int) -> None:
    """Check an HRIS file again and write it, in one short transaction; a second delivery finds it claimed."""
    run_import_apply(job_id=job_id)
