"""The import pages: upload → map columns → preview → apply, and who may use them.

The preview and the apply run as tasks (the immediate backend in tests); a page request only queues them, once
its transaction commits. ``worker`` runs what a request queued, as the task worker would.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from turnabout.people import hris_limits
from turnabout.people.hris_jobs import create_import_job
from turnabout.people.hris_runs import run_import_apply, run_import_preview
from turnabout.people.models import ImportJob, ImportJobStatus, Person
from turnabout.people.services import create_person

from .test_hris_import import GOOD_CSV, HEADER, snapshot
from .xlsx_files import declaring, header_bomb, people_sheet, zipped

MAPPING_POST = {
    "employee_id": "employee_id", "given_name": "given_name", "family_name": "family_name", "email": "email",
    "job_title": "job_title", "grade": "grade", "department": "department", "site": "site", "country": "country",
    "timezone": "timezone", "manager_employee_id": "manager_employee_id", "hire_date": "hire_date", "end_date": "end_date",
    "languages": "languages", "employment_status": "",
}  # fmt: skip


def upload(client, content: bytes, name: str = "people.csv"):
    return client.post(reverse("people:import_upload"), {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def acme_job(acme, manager):
    return create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=GOOD_CSV.encode())


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """``worker(client.post, url, data)``: make the request, then run the tasks it queued, as the task worker would."""

    def request_then_run(method, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return method(url, data or {})

    return request_then_run


def test_a_manager_uploads_maps_previews_and_applies(client, acme, manager, worker):
    # given
    client.force_login(manager)

    # when the file is uploaded
    response = upload(client, GOOD_CSV.encode())

    # then the mapping page opens with the guessed columns
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:import_mapping", args=[job.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    content = page.content.decode()
    assert '<label for="id_employee_id">Employee id (required)</label>' in content
    assert '<option value="manager_employee_id" selected>manager_employee_id</option>' in content

    # when the mapping is confirmed (and the worker checks the file)
    response = worker(client.post, reverse("people:import_mapping", args=[job.pk]), MAPPING_POST)

    # then the preview counts the changes and writes nothing
    assert response.url == reverse("people:import_preview", args=[job.pk])
    preview = client.get(response.url)
    assert preview.context["summary"]["created"] == 3
    assert "Apply import" in preview.content.decode()
    assert Person.objects.filter(organisation=acme).count() == 1  # the manager herself

    # when applied (and the worker writes it)
    response = worker(client.post, reverse("people:import_apply", args=[job.pk]))

    # then
    assert response.url == reverse("people:import_preview", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "Import applied. 3 rows: 3 created, 0 updated, 0 unchanged, 0 newly marked as leavers." in page
    job.refresh_from_db()
    assert job.status == ImportJobStatus.APPLIED
    assert job.applied_at is not None
    assert Person.objects.filter(organisation=acme).count() == 4


def test_applying_twice_does_nothing_the_second_time(client, acme, manager, acme_job, worker):
    # given an applied job
    client.force_login(manager)
    worker(client.post, reverse("people:import_mapping", args=[acme_job.pk]), MAPPING_POST)
    worker(client.post, reverse("people:import_apply", args=[acme_job.pk]))
    before = snapshot(acme)
    acme_job.refresh_from_db()
    applied_at = acme_job.applied_at

    # when
    response = worker(client.post, reverse("people:import_apply", args=[acme_job.pk]))

    # then
    assert "This import was already applied; nothing changed." in client.get(response.url).content.decode()
    assert snapshot(acme) == before
    acme_job.refresh_from_db()
    assert acme_job.applied_at == applied_at


def test_problems_are_listed_and_there_is_no_apply_button(client, acme, manager, worker):
    # given
    client.force_login(manager)
    bad = f"{HEADER}\nE1,Grace,Hopper,grace@acme.test,CEO,G42,Board,London,GB,Europe/London,,2001-02-03,,en\n"
    upload(client, bad.encode())
    job = ImportJob.objects.get()

    # when
    worker(client.post, reverse("people:import_mapping", args=[job.pk]), MAPPING_POST)
    page = client.get(reverse("people:import_preview", args=[job.pk])).content.decode()

    # then
    assert "<th>Row</th><th>Column</th><th>Value</th><th>Problem</th>" in page
    assert "<td>2</td><td>grade</td><td>G42</td>" in page
    assert "1 problem — nothing will be imported" in page
    assert "Apply import" not in page


def test_applying_a_job_with_problems_fails_and_changes_nothing(client, acme, manager, worker):
    # given
    client.force_login(manager)
    upload(client, f"{HEADER}\nE1,Grace,Hopper,grace@acme.test,CEO,G42,,,,,,,,\n".encode())
    job = ImportJob.objects.get()
    worker(client.post, reverse("people:import_mapping", args=[job.pk]), MAPPING_POST)
    before = snapshot(acme)

    # when the form is posted anyway
    response = worker(client.post, reverse("people:import_apply", args=[job.pk]))

    # then
    assert "Not applied: 1 problem found; nothing was imported." in client.get(response.url).content.decode()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert snapshot(acme) == before


def test_apply_checks_the_directory_again(client, acme, manager, acme_job, worker):
    # given a clean preview, after which someone else takes one of the file's emails
    client.force_login(manager)
    worker(client.post, reverse("people:import_mapping", args=[acme_job.pk]), MAPPING_POST)
    create_person(organisation=acme, employee_id="X1", given_name="Late", family_name="Comer", email="alan@acme.test")
    before = snapshot(acme)

    # when
    worker(client.post, reverse("people:import_apply", args=[acme_job.pk]))

    # then
    acme_job.refresh_from_db()
    assert acme_job.status == ImportJobStatus.FAILED
    assert [problem["code"] for problem in acme_job.summary["problems"]] == ["email_taken"]
    assert snapshot(acme) == before


def test_a_required_field_left_unmapped_is_explained(client, manager, acme_job):
    client.force_login(manager)

    response = client.post(reverse("people:import_mapping", args=[acme_job.pk]), {**MAPPING_POST, "email": ""})

    assert response.status_code == 400
    assert "Choose the column that holds “Email”." in response.content.decode()
    acme_job.refresh_from_db()
    assert acme_job.status == ImportJobStatus.UPLOADED


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.pdf", b"%PDF-1.7", "Only .csv, .txt, .tsv, .xlsx files can be imported"),
        ("people.csv", "employee_id,email,family_name\nE1,a@acme.test,Müller\n".encode("latin-1"), "The file is not UTF-8 text."),
        ("people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Only .csv, .txt, .tsv, .xlsx files can be imported"),
        ("people.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "This is an old Excel .xls file."),
        ("people.csv", b"", "The submitted file is empty."),
    ],
)
def test_a_wrong_file_is_refused_clearly_and_kept_nowhere(client, manager, name, content, message):
    client.force_login(manager)

    response = upload(client, content, name)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(client, manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(manager)

    response = upload(client, (GOOD_CSV * 20).encode())

    assert response.status_code == 400
    assert "the largest file you can import is 1.0\xa0KB" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_an_admin_may_import(client, admin):
    client.force_login(admin)

    assert client.get(reverse("people:import_upload")).status_code == 200
    assert upload(client, GOOD_CSV.encode()).status_code == 302


def urls_of(job):
    return [
        ("get", reverse("people:import_mapping", args=[job.pk])),
        ("post", reverse("people:import_mapping", args=[job.pk])),
        ("get", reverse("people:import_preview", args=[job.pk])),
        ("post", reverse("people:import_apply", args=[job.pk])),
    ]


@pytest.mark.parametrize("who", ["mentee", "mentor", "sponsor"])
def test_participants_and_sponsors_are_refused_and_nothing_changes(client, request, acme, acme_job, who):
    # given
    client.force_login(request.getfixturevalue(who))
    before = snapshot(acme)

    # when / then
    assert client.get(reverse("people:import_upload")).status_code == 403
    assert upload(client, GOOD_CSV.encode()).status_code == 403
    for method, url in urls_of(acme_job):
        assert getattr(client, method)(url, MAPPING_POST).status_code == 403, url
    assert ImportJob.objects.count() == 1
    acme_job.refresh_from_db()
    assert acme_job.status == ImportJobStatus.UPLOADED
    assert snapshot(acme) == before


def test_another_organisations_job_is_not_found_and_nothing_changes(client, acme, acme_job, outsider):
    # given Eve, an admin at Globex
    client.force_login(outsider)
    before = snapshot(acme)

    # when / then
    for method, url in urls_of(acme_job):
        assert getattr(client, method)(url, MAPPING_POST).status_code == 404, url
    acme_job.refresh_from_db()
    assert (acme_job.status, acme_job.summary) == (ImportJobStatus.UPLOADED, {})
    assert snapshot(acme) == before


def test_anonymous_visitors_are_sent_to_sign_in(client, acme_job):
    response = client.get(reverse("people:import_upload"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_apply_accepts_only_post(client, manager, acme_job):
    client.force_login(manager)

    assert client.get(reverse("people:import_apply", args=[acme_job.pk])).status_code == 405


def test_the_upload_page_lists_recent_imports_in_fixed_queries(client, acme, manager, django_assert_max_num_queries):
    # given
    for number in range(5):
        create_import_job(organisation=acme, uploaded_by=manager, filename=f"people-{number}.csv", content=GOOD_CSV.encode())
    client.force_login(manager)

    # when / then
    with django_assert_max_num_queries(6):
        response = client.get(reverse("people:import_upload"))
    assert response.content.decode().count("people-") == 5


# ------------------------------------------------------------------------------------------------- background work


def test_the_preview_page_shows_progress_until_the_worker_is_done(client, acme, manager, acme_job):
    # given a mapping confirmed, its check waiting for the worker
    client.force_login(manager)
    client.post(reverse("people:import_mapping", args=[acme_job.pk]), MAPPING_POST)
    url = reverse("people:import_preview", args=[acme_job.pk])

    # then the page says so and polls its progress fragment
    page = client.get(url).content.decode()
    assert '<div id="import-progress" data-testid="import-progress" role="status" hx-get="' + url + '" hx-trigger="every 1s"' in page
    assert "Waiting to be checked…" in page
    assert "Apply import" not in page
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="import-progress"')
    assert "HX-Refresh" not in fragment

    # when the worker has checked the file
    run_import_preview(job_id=acme_job.pk)

    # then the next poll reloads the page, which shows the preview
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "hx-get" not in page
    assert "<dt>To create</dt><dd>3</dd>" in page
    assert "Apply import" in page


def test_the_apply_shows_progress_then_its_outcome(client, acme, manager, acme_job, worker):
    # given a previewed job, applied, its write waiting for the worker
    client.force_login(manager)
    worker(client.post, reverse("people:import_mapping", args=[acme_job.pk]), MAPPING_POST)
    client.post(reverse("people:import_apply", args=[acme_job.pk]))
    url = reverse("people:import_preview", args=[acme_job.pk])

    # then
    page = client.get(url).content.decode()
    assert "<h1>Applying the import</h1>" in page
    assert "Waiting to be applied…" in page
    assert Person.objects.filter(organisation=acme).count() == 1

    # when the worker is done
    run_import_apply(job_id=acme_job.pk)

    # then
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "<h1>Import applied</h1>" in page
    assert '<li class="success">Import applied. 3 rows: 3 created, 0 updated, 0 unchanged, 0 newly marked as leavers.</li>' in page
    assert Person.objects.filter(organisation=acme).count() == 4


def test_the_mapping_of_a_job_being_checked_cannot_change(client, manager, acme_job):
    # given
    client.force_login(manager)
    client.post(reverse("people:import_mapping", args=[acme_job.pk]), MAPPING_POST)

    # when
    shown = client.get(reverse("people:import_mapping", args=[acme_job.pk]))
    posted = client.post(reverse("people:import_mapping", args=[acme_job.pk]), {**MAPPING_POST, "mark_missing_as_leavers": "on"})

    # then both lead to the progress
    assert shown.url == posted.url == reverse("people:import_preview", args=[acme_job.pk])
    acme_job.refresh_from_db()
    assert (acme_job.status, acme_job.mark_missing_as_leavers) == (ImportJobStatus.PREVIEW_QUEUED, False)


def test_a_job_not_previewed_cannot_be_applied(client, acme, manager, acme_job, worker):
    client.force_login(manager)
    before = snapshot(acme)

    response = worker(client.post, reverse("people:import_apply", args=[acme_job.pk]))

    assert "Preview the import before applying it." in client.get(response.url, follow=True).content.decode()
    acme_job.refresh_from_db()
    assert acme_job.status == ImportJobStatus.UPLOADED
    assert snapshot(acme) == before


# ------------------------------------------------------------------------------------------------- reading limits


def test_the_shared_strings_bomb_is_refused_at_upload_and_no_page_shows_its_header(client, manager):
    # given the reported upload: 12 KB holding a 10 MB header
    client.force_login(manager)

    # when
    response = upload(client, header_bomb(), "people.xlsx")

    # then it is refused on the upload page itself, which stays small: no mapping page, no job kept
    assert response.status_code == 400
    assert "row 1, column 1: header is 10,485,760 characters; at most 200." in response.content.decode()
    assert len(response.content) < 20_000
    assert ImportJob.objects.count() == 0


def test_a_lying_zip_is_refused_at_upload(client, manager):
    client.force_login(manager)
    honest = zipped(people_sheet([["Employee ID", "Work Email"], ["E1", "e" * 2**20]]))

    response = upload(client, declaring(honest, "xl/sharedStrings.xml", 500), "people.xlsx")

    assert response.status_code == 400
    assert "xl/sharedStrings.xml unpacks to more than the 500 bytes its header declares" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_row_limit_fails_its_preview_naming_the_limit(client, acme, manager, worker, monkeypatch):
    # given a limit of two people and a file of three
    monkeypatch.setattr(hris_limits, "MAX_ROWS", 2)
    client.force_login(manager)
    upload(client, GOOD_CSV.encode())
    job = ImportJob.objects.get()
    before = snapshot(acme)

    # when
    response = worker(client.post, reverse("people:import_mapping", args=[job.pk]), MAPPING_POST)

    # then the preview explains it and offers no apply
    page = client.get(response.url).content.decode()
    assert "row 4: the file has more than 2 rows of people; at most 2 can be imported at once." in page
    assert "Apply import" not in page
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert snapshot(acme) == before


def test_the_preview_and_the_outcome_say_row_and_problem_in_the_singular_for_one(client, acme, manager, worker):
    # given: a file of one good row, and one of one row with two problems
    client.force_login(manager)
    one_row = f"{HEADER}\nE1,Grace,Hopper,grace@acme.test,CEO,G10,Board,London,GB,Europe/London,,2001-02-03,,en\n"
    two_problems = f"{HEADER}\nE1,Grace,Hopper,grace@acme.test,CEO,G42,Board,London,GB,Europe/London,,not-a-date,,en\n"
    upload(client, one_row.encode())
    good = ImportJob.objects.get()
    worker(client.post, reverse("people:import_mapping", args=[good.pk]), MAPPING_POST)
    worker(client.post, reverse("people:import_apply", args=[good.pk]))
    upload(client, two_problems.encode())
    bad = ImportJob.objects.exclude(pk=good.pk).get()

    # when
    worker(client.post, reverse("people:import_mapping", args=[bad.pk]), MAPPING_POST)
    applied = client.get(reverse("people:import_preview", args=[good.pk])).content.decode()
    refused = client.get(reverse("people:import_preview", args=[bad.pk])).content.decode()

    # then
    assert "Import applied. 1 row: 1 created, 0 updated, 0 unchanged, 0 newly marked as leavers." in applied
    assert "1 rows" not in applied
    assert "2 problems — nothing will be imported" in refused
    assert '<div class="table-scroll">\n<table class="list errors" data-testid="import-problems">' in refused
