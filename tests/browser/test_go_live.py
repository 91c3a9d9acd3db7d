"""Go live in a real organisation: from `turnabout setup` to a colleague managing the first program, in production settings.

Everything goes through the browser and the emails the install sends (the SMTP server's outbox); the install
is gunicorn and the task worker on a fresh database (tests/browser/production.py), never the test database.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.production import ADMIN_EMAIL, ADMIN_NAME, BASE_DIR, ORGANISATION, Production, body_of, sign_in_link_in, watch_for_errors
from tests.browser.production import production as production  # the fixture

TRAINING = json.loads((BASE_DIR / "turnabout" / "programs" / "data" / "training.json").read_text(encoding="utf-8"))["modules"]
DOMAIN = "acme.example"
PROGRAM = "Digital reverse mentoring"

# The cast of the 50-person export: (employee id, given, family, title, grade, department, site, manager id, time zone, languages).
LEADERS = [
    ("E001", "Grace", "Whitfield", "Chief Executive", "G10", "Board", "London", "", "Europe/London", "en"),
    ("E002", "Henrik", "Dahl", "VP Engineering", "G9", "Technology", "London", "E001", "Europe/London", "en;da"),
    ("E003", "Amara", "Obi", "VP Sales", "G9", "Sales", "New York", "E001", "America/New_York", "en"),
    ("E004", "Luc", "Moreau", "VP Operations", "G9", "Operations", "Paris", "E001", "Europe/Paris", "fr;en"),
    ("E005", "Mei", "Tan", "VP Finance", "G9", "Finance", "Singapore", "E001", "Asia/Singapore", "en;zh"),
    ("E006", "Priya", "Patel", "Head of People", "G8", "People", "London", "E001", "Europe/London", "en;hi"),
]
JUNIOR_GIVEN = ["Sam", "Noor", "Tomás", "Aiko", "Ben", "Chloé", "Dev", "Elif", "Finn", "Gita", "Hugo", "Ines", "Jonas", "Kofi", "Lena",
                "Mateo", "Nia", "Oskar", "Pia", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Xavi", "Yara", "Zoe", "Ali",
                "Bea", "Cem", "Dana", "Emil", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lior", "Mira", "Nils", "Omar"]  # fmt: skip
JUNIOR_FAMILY = ["Okafor", "Haddad", "Silva", "Sato", "Carter", "Martin", "Rao", "Demir", "Byrne", "Shah", "Lambert", "Costa", "Weber",
                 "Mensah", "Novak", "Ruiz", "Adeyemi", "Berg", "Keller", "Reid", "Ortiz", "Lund", "Singh", "Farouk", "Petrova", "Liu",
                 "Puig", "Nasser", "Evans", "Khan", "Moss", "Aydin", "Cohen", "Sund", "Grant", "Holm", "Ito", "Marin", "Kerr", "Alves",
                 "Peretz", "Bose", "Ek", "Aziz"]  # fmt: skip
SITES = {
    "Technology": ("London", "Europe/London", "en"),
    "Sales": ("New York", "America/New_York", "en;es"),
    "Operations": ("Paris", "Europe/Paris", "fr;en"),
    "Finance": ("Singapore", "Asia/Singapore", "en"),
}
MANAGER_OF = {"Technology": "E002", "Sales": "E003", "Operations": "E004", "Finance": "E005"}


def people() -> list[tuple[str, ...]]:
    """Six leaders (G8-G10) and 44 juniors (G1-G3) across four departments and time zones: 50 people."""
    rows: list[tuple[str, ...]] = list(LEADERS)
    departments = list(SITES)
    for index, (given, family) in enumerate(zip(JUNIOR_GIVEN, JUNIOR_FAMILY, strict=True)):
        department = departments[index % len(departments)]
        site, zone, languages = SITES[department]
        grade = f"G{index % 3 + 1}"
        rows.append((f"E{index + 7:03}", given, family, "Associate", grade, department, site, MANAGER_OF[department], zone, languages))
    return rows


def email_of(row: tuple[str, ...]) -> str:
    return f"{row[1]}.{row[2]}@{DOMAIN}".lower().replace("é", "e").replace("á", "a")


def export_csv() -> str:
    """What an HR system exports: its own header names, a byte order mark, ISO dates."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Employee ID", "First Name", "Last Name", "Work Email", "Job Title", "Job Grade", "Department", "Location",
                     "Manager ID", "Time Zone", "Languages", "Start Date"])  # fmt: skip
    for number, row in enumerate(people()):
        employee_id, given, family, title, grade, department, site, manager, zone, languages = row
        writer.writerow([employee_id, given, family, email_of(row), title, grade, department, site, manager, zone, languages,
                         f"{2012 + number % 12}-0{number % 9 + 1}-15"])  # fmt: skip
    return "\ufeff" + out.getvalue()


def by_id(employee_id: str) -> tuple[str, ...]:
    return next(row for row in people() if row[0] == employee_id)


SPONSOR = by_id("E001")
PRIYA = by_id("E006")
SENIORS = [by_id(f"E00{n}") for n in (2, 3, 4, 5)]
JUNIORS = [row for row in people() if row[4] in {"G2", "G3"}][:6]
APPLICANT = JUNIORS[0]


@pytest.fixture
def problems() -> Iterator[list[str]]:
    """Server errors and console errors seen by any page of the test; there must be none."""
    found: list[str] = []
    yield found
    assert found == []


@pytest.fixture
def fresh_browser(browser: Browser, problems: list[str]) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh browser context (no cookies): someone else, on their own machine.

    ``refused`` names a link the page is meant to be turned away from: it answers 410 Gone on purpose, and
    Chromium logs every 4xx document as a console error.
    """
    contexts: list[BrowserContext] = []

    def open_page(*, refused: str = "") -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch_for_errors(page, problems, expected=lambda url: bool(refused) and url == refused)
        return page

    yield open_page
    for context in contexts:
        context.close()


def continue_with_link(page: Page, link: str, email: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Sign in to Turnabout")).to_be_visible()
    page.get_by_role("button", name=f"Continue as {email}").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def answer_training(page: Page, slug: str) -> None:
    module = next(module for module in TRAINING if module["slug"] == slug)
    expect(page.get_by_role("heading", name=module["title"], exact=True)).to_be_visible()
    for question in module["check"]:
        page.get_by_role("group", name=question["question"]).get_by_label(question["options"][question["answer"]], exact=True).check()
    page.get_by_role("button", name="Finish module").click()
    expect(page.get_by_text(f"Module complete: {module['title']}.")).to_be_visible()


def test_an_organisation_goes_live(
    production: Production, page: Page, problems: list[str], fresh_browser: Callable[..., Page], tmp_path: Path
) -> None:
    base = production.url

    # `turnabout setup` printed and emailed a single-use link to the first administrator.
    assert f"emailed a sign-in link to {ADMIN_EMAIL}" in production.setup_output
    first_run = production.outbox.wait_for(ADMIN_EMAIL, subject=f"Sign in to {ORGANISATION}'s new Turnabout")
    admin_link = sign_in_link_in(first_run)
    assert admin_link.startswith(f"{base}/accounts/link/")

    # The administrator opens it and continues: signed in, no password needed.
    admin = page
    watch_for_errors(admin, problems)
    continue_with_link(admin, admin_link, ADMIN_EMAIL)
    expect(admin.locator(".who")).to_have_text(f"{ADMIN_NAME} · Administrator")

    # The link worked once: opened again (elsewhere), it is refused and offers a new one.
    again = fresh_browser(refused=admin_link)
    again.goto(admin_link)
    expect(again.get_by_test_id("link-error")).to_contain_text("already been used")
    expect(again.get_by_role("link", name="Send me a new link")).to_be_visible()

    # Import the 50-person HR export: upload, map (the guesses fit), preview, apply.
    export = tmp_path / "acme-hr-export.csv"
    export.write_text(export_csv(), encoding="utf-8")
    admin.get_by_role("link", name="Import").click()
    admin.get_by_label("HRIS file (CSV or XLSX)").set_input_files(str(export))
    admin.get_by_role("button", name="Upload").click()
    expect(admin.get_by_role("heading", name="Map columns")).to_be_visible()
    for label, header in [("Employee id (required)", "Employee ID"), ("Email (required)", "Work Email"), ("Grade", "Job Grade"),
                          ("Manager employee id", "Manager ID"), ("Time zone", "Time Zone"), ("Languages", "Languages")]:  # fmt: skip
        expect(admin.get_by_label(label, exact=True)).to_have_value(header)
    admin.get_by_role("button", name="Preview import").click()
    expect(admin.get_by_role("heading", name="Preview")).to_be_visible()
    expect(admin.get_by_test_id("import-summary").locator("dd").first).to_have_text("50", timeout=30_000)
    admin.get_by_role("button", name="Apply import").click()
    expect(admin.get_by_text("Import applied. 50 rows: 50 created")).to_be_visible(timeout=30_000)
    admin.get_by_role("link", name="People").click()
    expect(admin.get_by_test_id("result-count")).to_contain_text("50")

    # A program needs an executive sponsor: the chief executive gets that role.
    admin.get_by_role("link", name="Users").click()
    admin.get_by_label("Email", exact=True).fill(email_of(SPONSOR))
    admin.get_by_label("Role", exact=True).select_option(label="Executive sponsor")
    admin.get_by_role("button", name="Give the role").click()
    expect(admin.get_by_text(f"{email_of(SPONSOR)} now has a login with the role “Executive sponsor”.")).to_be_visible()
    sign_in_link_in(production.outbox.wait_for(email_of(SPONSOR), subject=f"Your Turnabout login for {ORGANISATION}"))

    # Create the program from a template, review its settings, and open enrolment.
    admin.get_by_role("link", name="Programs").click()
    admin.get_by_role("link", name="New program").click()
    admin.get_by_role("button", name="Use this template: Digital transformation").click()
    expect(admin.get_by_role("heading", name="Program settings")).to_be_visible()
    admin.get_by_label("Sponsor").select_option(label=f"{SPONSOR[1]} {SPONSOR[2]}")
    admin.get_by_label("Mentee min grade").select_option(label="G8 – Director")
    admin.get_by_label("Mentor max grade").select_option(label="G4 – Senior specialist")
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_text("Settings saved.")).to_be_visible()
    expect(admin.get_by_role("heading", name=PROGRAM)).to_be_visible()
    expect(admin.get_by_role("region", name="Before enrolment opens")).to_have_count(0)
    program_url = admin.url
    admin.get_by_role("button", name="Move to enrolling").click()
    expect(admin.get_by_text("The program is now enrolling.")).to_be_visible()

    # Invite: the vice presidents as mentees by filter, six juniors as mentors by email.
    by_filter = admin.locator("form", has_text="By filter")
    by_filter.get_by_label("Role").select_option(label="Mentee")
    by_filter.get_by_label("Grade").select_option(label="G9 – Vice president")
    by_filter.get_by_role("button", name="Invite eligible people").click()
    expect(admin.get_by_text("Invited 4 mentees.")).to_be_visible()
    by_email = admin.locator("form", has_text="By email")
    by_email.get_by_label("Role").select_option(label="Mentor")
    by_email.get_by_label("Emails").fill("\n".join(email_of(row) for row in JUNIORS))
    by_email.get_by_role("button", name="Invite these people").click()
    expect(admin.get_by_text("Invited 6 mentors.")).to_be_visible()
    expect(admin.locator("#roster tbody tr")).to_have_count(10)

    # The worker emails every invitation; each carries its own sign-in link.
    for row in SENIORS + JUNIORS:
        invitation = production.outbox.wait_for(email_of(row))
        assert PROGRAM in str(invitation["Subject"])
        assert PROGRAM in body_of(invitation)
    invitation_link = sign_in_link_in(production.outbox.wait_for(email_of(APPLICANT)))

    # The applicant opens theirs on their own machine: signed in, straight on the application form.
    applicant = fresh_browser()
    continue_with_link(applicant, invitation_link, email_of(APPLICANT))
    expect(applicant.get_by_role("heading", name="Apply as a mentor")).to_be_visible()
    expect(applicant.get_by_label("Your time zone")).to_have_value(APPLICANT[8])
    applicant.get_by_label("Why do you want to take part?").fill("I use these tools every day and want our leaders to get value from them.")
    applicant.locator("select[name=main_skills]").select_option(label="ChatGPT and Copilot at work")
    applicant.locator("select[name=other_skills]").select_option(label="Data literacy")
    applicant.get_by_label("Day 1").select_option(label="Tuesday")
    applicant.get_by_label("From 1").fill("09:00")
    applicant.get_by_label("To 1").fill("11:00")
    applicant.get_by_label("Interests outside work").fill("climbing, jazz")
    applicant.get_by_label("I have read the code of conduct and will follow it.").check()
    applicant.get_by_role("button", name="Send my application").click()
    expect(applicant.get_by_text("Thank you: your application is in.")).to_be_visible()
    expect(applicant.locator(".lead")).to_contain_text("You take part as a mentor · Applied")

    # Training: every module for mentors, each check answered correctly.
    modules = [module for module in TRAINING if module["audience"] in {"both", "mentor"}]
    assert len(modules) == 5
    for module in modules:
        applicant.get_by_role("link", name=module["title"], exact=True).click()
        answer_training(applicant, module["slug"])
    expect(applicant.get_by_role("heading", name="Training — complete")).to_be_visible()
    expect(applicant.locator(".lead")).to_contain_text("Applied")  # awaiting the program manager's approval

    # The administrator sees the application waiting, approves it: trained and ready.
    name = f"{APPLICANT[1]} {APPLICANT[2]}"
    admin.goto(program_url)
    expect(admin.locator("#approval-queue")).to_contain_text(name)
    admin.get_by_role("button", name=f"Approve {name}").click()
    mentors = admin.locator("#tracker").get_by_role("row", name=re.compile("^Mentors"))
    expect(mentors.locator("td")).to_have_text(["5", "0", "1", "1", "0", "0"])
    applicant.reload()
    expect(applicant.locator(".lead")).to_contain_text("Approved")

    # The administrator makes Priya, from the directory, a program manager; she gets a welcome email with a link.
    admin.get_by_role("link", name="Users").click()
    admin.get_by_label("Email", exact=True).fill(email_of(PRIYA))
    admin.get_by_label("Role", exact=True).select_option(label="Program manager")
    admin.get_by_role("button", name="Give the role").click()
    expect(admin.get_by_text(f"{email_of(PRIYA)} now has a login with the role “Program manager”.")).to_be_visible()
    welcome = production.outbox.wait_for(email_of(PRIYA), subject=f"Your Turnabout login for {ORGANISATION}")
    priya = fresh_browser()
    continue_with_link(priya, sign_in_link_in(welcome), email_of(PRIYA))
    expect(priya.locator(".who")).to_have_text("Priya Patel · Program manager")
    priya.get_by_role("link", name="Programs").click()
    priya.get_by_role("link", name=PROGRAM).click()
    expect(priya.get_by_role("heading", name=PROGRAM)).to_be_visible()
    expect(priya.locator("#roster")).to_contain_text(name)

    # The worker sent exactly what the journey asked for, and neither the web server nor the worker logged an error.
    assert len(production.outbox.messages) == 1 + 1 + 10 + 1  # first run, sponsor, invitations, Priya
    assert production.errors_logged() == []
