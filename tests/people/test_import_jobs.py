"""Imports as background work: the worker's side of an import job, and the short write transaction behind it."""

import pytest
from django.db import connection

from turnabout.people import hris_runs
from turnabout.people.errors import ImportRejected
from turnabout.people.hris import ImportResult, apply_people_import
from turnabout.people.hris_jobs import create_import_job, request_import_apply, request_import_preview
from turnabout.people.hris_reading import ImportFile
from turnabout.people.hris_runs import STOPPED, run_import_apply, run_import_preview
from turnabout.people.models import ImportJob, ImportJobStatus, Person
from turnabout.people.services import create_person

from .test_hris_import import GOOD_CSV, csv_file, snapshot


@pytest.fixture
def previewed_job(acme, manager):
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())
    request_import_preview(job=job, mapping=job.mapping, mark_missing_as_leavers=False)
    run_import_preview(job_id=job.pk)
    job.refresh_from_db()
    return job


class Recorder:
    """An ImportProgress that notes what happened and whether a transaction was open each time."""

    def __init__(self, on_writing=None):
        self.events: list[tuple[str, bool]] = []
        self.on_writing = on_writing

    def checked(self, rows: int) -> None:
        self.events.append((f"checked {rows}", connection.in_atomic_block))

    def writing(self) -> None:
        self.events.append(("writing", connection.in_atomic_block))
        if self.on_writing:
            self.on_writing()

    def applied(self, result: ImportResult) -> None:
        self.events.append((f"applied {result.created}", connection.in_atomic_block))


@pytest.mark.django_db(transaction=True)
def test_the_file_is_read_with_no_transaction_open_and_only_the_write_holds_one(acme):
    # given
    progress = Recorder()

    # when
    result = apply_people_import(organisation=acme, file=csv_file(GOOD_CSV), progress=progress)

    # then the check ran in autocommit (it locks nothing); the write ran in one transaction
    assert result.created == 3
    assert progress.events == [("checked 3", False), ("writing", False), ("applied 3", True)]


def test_the_write_reads_the_spool_not_the_file(acme, tmp_path):
    # given a file on disk that is gone by the time the write starts
    path = tmp_path / "people.csv"
    path.write_text(GOOD_CSV)
    progress = Recorder(on_writing=path.unlink)

    # when
    result = apply_people_import(organisation=acme, file=ImportFile.from_path(path), progress=progress)

    # then
    assert (result.created, result.applied) == (3, True)
    assert sorted(Person.objects.filter(organisation=acme).values_list("employee_id", flat=True)) == ["E1", "E2", "E3"]


def test_a_directory_change_between_the_check_and_the_write_is_caught_and_nothing_is_written(acme):
    # given someone takes one of the file's addresses after the file is checked
    before = snapshot(acme)
    progress = Recorder(
        on_writing=lambda: create_person(
            organisation=acme, employee_id="X1", given_name="Late", family_name="Comer", email="alan@acme.test"
        )
    )

    # when
    with pytest.raises(ImportRejected) as rejected:
        apply_people_import(organisation=acme, file=csv_file(GOOD_CSV), progress=progress)

    # then
    assert rejected.value.message == "The directory changed while the file was checked: 1 problem; nothing was imported."
    assert [(p.row, p.code) for p in rejected.value.problems] == [(3, "email_taken")]
    after = snapshot(acme)
    assert [row for row in after[:-2] if row["employee_id"] != "X1"] == before[:-2]  # only the late comer is new
    assert after[-2:] == before[-2:]  # no department or site either


def test_the_worker_marks_the_job_applied_with_its_outcome(acme, previewed_job):
    # given
    request_import_apply(job=previewed_job)

    # when
    run_import_apply(job_id=previewed_job.pk)

    # then
    previewed_job.refresh_from_db()
    assert (previewed_job.status, previewed_job.rows_checked, previewed_job.error) == (ImportJobStatus.APPLIED, 3, "")
    assert previewed_job.applied_at is not None
    assert previewed_job.summary["summary_line"] == "3 rows: 3 created, 0 updated, 0 unchanged, 0 newly marked as leavers."
    assert Person.objects.filter(organisation=acme, employee_id__in=["E1", "E2", "E3"]).count() == 3


def test_a_second_delivery_of_a_task_does_nothing(acme, previewed_job):
    # given an applied job
    request_import_apply(job=previewed_job)
    run_import_apply(job_id=previewed_job.pk)
    before = snapshot(acme)
    previewed_job.refresh_from_db()
    applied_at = previewed_job.applied_at

    # when the same tasks arrive again
    run_import_apply(job_id=previewed_job.pk)
    run_import_preview(job_id=previewed_job.pk)

    # then
    previewed_job.refresh_from_db()
    assert (previewed_job.status, previewed_job.applied_at) == (ImportJobStatus.APPLIED, applied_at)
    assert snapshot(acme) == before


def test_a_crash_in_the_worker_fails_the_job_clearly_and_writes_nothing(acme, previewed_job, monkeypatch):
    # given
    def crash(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hris_runs, "apply_people_import", crash)
    request_import_apply(job=previewed_job)
    before = snapshot(acme)

    # when / then the worker logs the error; the page can tell what happened
    with pytest.raises(RuntimeError):
        run_import_apply(job_id=previewed_job.pk)
    previewed_job.refresh_from_db()
    assert (previewed_job.status, previewed_job.error) == (ImportJobStatus.FAILED, STOPPED)
    assert snapshot(acme) == before


def test_a_job_being_checked_is_not_queued_again(acme, manager):
    # given a preview waiting for the worker
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())
    request_import_preview(job=job, mapping=job.mapping, mark_missing_as_leavers=False)

    # when
    again = request_import_preview(job=job, mapping={}, mark_missing_as_leavers=True)
    apply = request_import_apply(job=job)

    # then
    assert (again.queued, again.in_progress, apply.queued, apply.in_progress) == (False, True, False, True)
    job.refresh_from_db()
    assert (job.status, job.mark_missing_as_leavers) == (ImportJobStatus.PREVIEW_QUEUED, False)


def test_progress_is_recorded_on_the_job_while_the_file_is_checked(acme, manager, monkeypatch):
    # given a progress write allowed every chunk, and chunks of two rows
    monkeypatch.setattr(hris_runs, "PROGRESS_INTERVAL_SECONDS", 0)
    monkeypatch.setattr("turnabout.people.hris.CHUNK_ROWS", 2)
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())
    request_import_preview(job=job, mapping=job.mapping, mark_missing_as_leavers=False)
    seen: list[int] = []
    original = hris_runs._JobProgress.checked

    def checked(self, rows):
        original(self, rows)
        seen.append(ImportJob.objects.get(pk=job.pk).rows_checked)

    monkeypatch.setattr(hris_runs._JobProgress, "checked", checked)

    # when
    run_import_preview(job_id=job.pk)

    # then
    assert seen == [2, 3]
    job.refresh_from_db()
    assert (job.status, job.rows_checked, job.summary["created"]) == (ImportJobStatus.PREVIEWED, 3, 3)
