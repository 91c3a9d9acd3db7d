"""An administrator imports an HRIS export in the browser: upload, map columns, preview, apply."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from turnabout.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXPORT = (
    "\ufeffWorker ID;First Name;Last Name;Work Email;Job Grade;Department;Location;Manager ID;Start Date;Time Zone\n"
    "E3;Cara;Lane;cara@acme.test;G2;Technology;Leeds;E2;2025-01-06;Europe/London\n"
    "E1;Ann;Boss;ann@acme.test;G10;Board;London;;2010-03-01;Europe/London\n"
    'E2;Ben;"Middle\nManager";ben@acme.test;G7;Technology;London;E1;2015-09-14;Europe/London\n'
)


def test_admin_imports_people_through_upload_mapping_preview_and_apply(page: Page, live_server, admin, tmp_path) -> None:
    # given an export whose headers differ from ours, managers listed after their reports, and a quoted newline
    path = tmp_path / "hr-export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    sign_in(page, live_server.url, admin.email, PASSWORD)

    # upload
    page.goto(f"{live_server.url}/people/import/")
    page.get_by_label("HRIS file (CSV or XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()

    # map: the guesses are pre-selected; the employee id column is chosen by hand
    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    page.get_by_label("Employee id (required)").select_option("Worker ID")
    expect(page.get_by_label("Email (required)")).to_have_value("Work Email")
    expect(page.get_by_label("Manager employee id")).to_have_value("Manager ID")
    page.get_by_role("button", name="Preview import").click()

    # preview: nothing written yet
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_test_id("import-summary")).to_contain_text("3")
    assert not Person.objects.filter(employee_id__in=["E1", "E2", "E3"]).exists()

    # apply
    page.get_by_role("button", name="Apply import").click()
    expect(page.get_by_text("Import applied. 3 rows: 3 created")).to_be_visible()
    cara = Person.objects.get(employee_id="E3")
    assert [p.employee_id for p in Person.objects.filter(pk__in=cara.ancestor_ids).order_by("reporting_depth")] == ["E1", "E2"]
    assert Person.objects.get(employee_id="E2").family_name == "Middle\nManager"


def test_a_faulty_file_shows_every_problem_and_imports_nothing(page: Page, live_server, admin, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "employee_id,given_name,family_name,email,grade,timezone,hire_date,manager_employee_id\n"
        "X1,Al,One,al@acme.test,G99,Europe/London,2020-01-01,\n"
        "X2,Bo,Two,bo@acme.test,G3,Mars/Olympus,2020-13-01,X9\n",
        encoding="utf-8",
    )
    before = Person.objects.count()
    sign_in(page, live_server.url, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/people/import/")
    page.get_by_label("HRIS file (CSV or XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Preview import").click()
    problems = page.get_by_test_id("import-problems")
    expect(problems).to_be_visible()
    assert problems.locator("tbody tr").count() == 4
    expect(page.get_by_role("button", name="Apply import")).to_have_count(0)
    assert Person.objects.count() == before
