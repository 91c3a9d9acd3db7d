"""Guests from outside (a partner university's students mentoring managers) in the outcome figures: every output states
participants split into employees and guests, a guest count below k is withheld with the employees that would give it,
and the organisation's own figures (the roll-up, diversity reach, grade bands) count employees only."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.engagement.health_builders import at
from tests.insights.filtered_program import STARTED_ON, Laid, Link, lay_out, mentees, mentors
from turnabout.engagement.models import HealthState, Pair, PairStatus
from turnabout.insights.breakdowns import GuestSplit
from turnabout.insights.exports import report_pdf
from turnabout.insights.kpis import ProgramKpis, program_kpis
from turnabout.insights.presentation import HIDDEN, HIDDEN_NOTE
from turnabout.insights.reach import NO_GRADE, NOT_STATED, NOT_UNDER_REPRESENTED, UNDER_REPRESENTED, diversity_reach, organisation_rollup
from turnabout.people.models import Person, PersonKind, SensitiveProfile, Site
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role

SECTION = "employees and guests"
MIAMI = "University of Miami"
TEXT_SHOWN = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\) Tj")
_numbers = itertools.count(1)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("three_months_in")]


@pytest.fixture
def three_months_in():
    with time_machine.travel(at(2026, 6, 1), tick=False):
        yield


def add_guests(program: Program, role: str, count: int, *, consent: bool = False) -> list[Enrolment]:
    """``count`` guests from the University of Miami, approved on ``role``'s side of ``program``."""
    enrolments = []
    for _ in range(count):
        number = next(_numbers)
        guest = Person.objects.create(
            organisation=program.organisation,
            kind=PersonKind.GUEST,
            employee_id=f"guest-{number}",
            given_name="Guest",
            family_name=f"Student {number}",
            email=f"guest-{number}@miami.test",
            guest_organisation=MIAMI,
        )
        decided = datetime(2026, 3, 1, 9, tzinfo=UTC)
        enrolments.append(
            Enrolment.objects.create(
                program=program, person=guest, role=role, status=EnrolmentStatus.APPROVED, decided_at=decided, diversity_consent=consent
            )
        )
    return enrolments


def pair_up(program: Program, mentor: Enrolment, mentee: Enrolment) -> Pair:
    return Pair.objects.create(
        program=program, mentor=mentor, mentee=mentee, status=PairStatus.ACTIVE, started_on=STARTED_ON, health_state=HealthState.HEALTHY
    )


def with_guest_mentors(program: Program, *, employees: int, guests: int, site: Site | None = None) -> Laid:
    """``employees`` employee mentors and ``guests`` guest mentors, each in a running pair with an employee mentee;
    the employees at ``site`` (guests have none)."""
    members = mentors(employees, site) + mentees(employees + guests, site)
    laid = lay_out(program, members, [Link(n, employees + n) for n in range(employees)])
    for guest, mentee in zip(add_guests(program, Role.MENTOR, guests), laid.enrolments[2 * employees :], strict=True):
        pair_up(program, guest, mentee)
    return laid


def pdf_text(kpis: ProgramKpis, program: Program) -> str:
    """Every line of text the executive report shows, joined by spaces."""
    pdf = report_pdf(kpis, diversity_reach(program))
    pdf.set_compression(False)
    lines = [re.sub(rb"\\(.)", rb"\1", match["text"]).decode("latin-1") for match in TEXT_SHOWN.finditer(bytes(pdf.output()))]
    return " ".join(lines)


def csv_rows(client, program: Program) -> dict[tuple[str, str], dict[str, str]]:
    response = client.get(reverse("insights:program_csv", args=[program.pk]))
    assert response.status_code == 200
    return {(row["section"], row["figure"]): row for row in csv.DictReader(io.StringIO(response.content.decode()))}


def api_splits(client, program: Program) -> dict[str, dict]:
    body = client.get(f"/api/insights/programs/{program.pk}/kpis").json()
    return {split["key"]: split for split in body["guest_splits"]}


def rollup_row(client, program: Program) -> dict:
    body = client.get("/api/insights/rollup").json()
    return next(row for row in body["rows"] if row["program_id"] == program.pk)


def test_every_output_states_enrolled_and_running_pairs_split_into_employees_and_guests(client, manager, matching_program) -> None:
    # given 8 employee mentors and 5 guest mentors from a university, each mentoring an employee
    with_guest_mentors(matching_program, employees=8, guests=5)
    client.force_login(manager)

    # when
    kpis = program_kpis(matching_program)
    page = client.get(reverse("insights:program", args=[matching_program.pk])).content.decode()
    rows = csv_rows(client, matching_program)
    splits = api_splits(client, matching_program)
    pdf = pdf_text(kpis, matching_program)

    # then: the enrolment table keeps every participant; the split tells the guests apart
    assert kpis.enrolments.value(matching_program.mentor_label, "Enrolled") == 13
    assert kpis.guest_splits == [
        GuestSplit("enrolled.mentor", 13, 8, 5),
        GuestSplit("enrolled.mentee", 13, 13, 0),
        GuestSplit("pairs_running", 13, 8, 5),
    ]
    enrolled = "Mentors enrolled: 13 (of whom 5 guests from outside)"
    running = "Pairs running: 13 (of which 5 with a guest from outside)"
    for text in (page, pdf):
        assert enrolled in text
        assert running in text
        assert "Mentees enrolled: 13 (of whom 0 guests from outside)" in text
    assert [rows[SECTION, f"Mentors enrolled: {part}"]["value"] for part in ("total", "employees", "guests from outside")] == [
        "13",
        "8",
        "5",
    ]
    assert [rows[SECTION, f"Pairs running: {part}"]["value"] for part in ("total", "employees", "guests from outside")] == ["13", "8", "5"]
    mentor_split = splits[f"enrolled.{Role.MENTOR}"]
    assert (mentor_split["label"], mentor_split["total"]["value"], mentor_split["employees"]["value"]) == ("Mentors enrolled", 13, 8)
    assert (mentor_split["guests"]["value"], mentor_split["guests"]["suppressed"]) == (5, False)
    assert splits["pairs_running"]["guests"]["value"] == 5
    # guests' own organisations are never broken down
    csv_text = "".join(str(row) for row in rows.values())
    for text in (page, pdf, csv_text, str(splits)):
        assert MIAMI not in text


def test_fewer_than_k_guests_are_withheld_with_the_employees_that_would_give_them_away(client, manager, matching_program) -> None:
    # given 10 employee mentors and 3 guest mentors (k = 5), all in running pairs
    with_guest_mentors(matching_program, employees=10, guests=3)
    client.force_login(manager)

    # when
    kpis = program_kpis(matching_program)
    page = client.get(reverse("insights:program", args=[matching_program.pk])).content.decode()
    rows = csv_rows(client, matching_program)
    splits = api_splits(client, matching_program)
    pdf = pdf_text(kpis, matching_program)
    rollup = rollup_row(client, matching_program)

    # then: the totals stay published, the guests and the employees (total − guests) are both withheld
    by_key = {split.key: split for split in kpis.guest_splits}
    for key in (f"enrolled.{Role.MENTOR}", "pairs_running"):
        assert (by_key[key].total, by_key[key].employees, by_key[key].guests) == (13, None, None)
        assert splits[key]["note"] == HIDDEN_NOTE
        assert (splits[key]["employees"]["suppressed"], splits[key]["guests"]["suppressed"]) == (True, True)
        assert (splits[key]["employees"]["value"], splits[key]["guests"]["value"]) == (None, None)
    assert by_key[f"enrolled.{Role.MENTEE}"].guests == 0
    for text, dash in ((page, HIDDEN), (pdf, "-")):  # the PDF's core fonts write the dash as "-"
        assert f"Mentors enrolled: 13 (of whom {dash} guests from outside)" in text
        assert f"Pairs running: 13 (of which {dash} with a guest from outside)" in text
    for part in ("employees", "guests from outside"):
        assert rows[SECTION, f"Mentors enrolled: {part}"]["value"] == ""
        assert rows[SECTION, f"Mentors enrolled: {part}"]["note"] == HIDDEN_NOTE
        assert rows[SECTION, f"Pairs running: {part}"]["value"] == ""
    assert rows[SECTION, "Mentors enrolled: total"]["value"] == "13"
    # the roll-up's employees would give the guests by subtraction from the dashboard's 13: hidden there too
    mentor_cell = next(cell for cell in rollup["participants"] if cell["label"] == "Mentor")
    assert (mentor_cell["value"], rollup["participants_total"]["value"], rollup["guests"]["value"]) == (None, None, None)


def test_the_organisation_rollup_counts_employees_and_shows_guests_apart(client, manager, acme, matching_program) -> None:
    # given 8 employee mentors, 5 guest mentors and 13 employee mentees
    with_guest_mentors(matching_program, employees=8, guests=5)
    client.force_login(manager)

    # when
    rollup = organisation_rollup(acme)
    row = rollup_row(client, matching_program)
    page = client.get(reverse("insights:organisation")).content.decode()

    # then
    name = f"{matching_program.name} (#{matching_program.pk})"
    table = rollup.participants
    assert (table.value(name, "Mentor"), table.value(name, "Mentee"), table.row_totals[name]) == (8, 13, 21)
    assert (rollup.rows[0].guests, rollup.guests_total, table.grand_total) == (5, 5, 21)
    assert [cell["value"] for cell in row["participants"]] == [8, 13]
    assert (row["participants_total"]["value"], row["guests"]["value"]) == (21, 5)
    assert '<td data-testid="rollup-guests">5</td>' in page
    assert MIAMI not in page


def test_diversity_reach_counts_no_guest_among_mentors_or_senior_leaders(acme, matching_program) -> None:
    # given 5 consenting employee mentors without answers, each with an employee mentee of grade G9; and 5 consenting
    # guest mentors who said they are from an under-represented group, each mentoring a guest
    laid = lay_out(matching_program, mentors(5, None) + mentees(5, None), [Link(n, 5 + n) for n in range(5)])
    Enrolment.objects.filter(pk__in=[enrolment.pk for enrolment in laid.enrolments[:5]]).update(diversity_consent=True)
    Person.objects.filter(enrolments__in=laid.enrolments[5:]).update(grade=acme.grades.get(code="G9"))
    guest_mentors = add_guests(matching_program, Role.MENTOR, 5, consent=True)
    for enrolment in guest_mentors:
        SensitiveProfile.objects.create(
            person=enrolment.person,
            is_under_represented=True,
            consent_given_at=timezone.now(),
            consent_purpose="Diversity reach of the program",
            consent_legal_basis="Explicit consent",
        )
    for mentor, mentee in zip(guest_mentors, add_guests(matching_program, Role.MENTEE, 5), strict=True):
        pair_up(matching_program, mentor, mentee)

    # when
    reach = diversity_reach(matching_program)

    # then: the guests are in no group, and leave no "No grade" band behind them
    assert dict(reach.mentors.values) == {UNDER_REPRESENTED: 0, NOT_UNDER_REPRESENTED: 0, NOT_STATED: 5}
    assert NO_GRADE not in reach.mentees_by_grade_band.values
    assert reach.mentees_by_grade_band.total == 5
    # the program's own figures still count every participant
    assert program_kpis(matching_program).enrolments.value(matching_program.mentor_label, "Enrolled") == 10


def test_a_site_filter_gives_no_guest_count_by_subtraction(acme, matching_program) -> None:
    # given 10 employee mentors at Leeds and 3 guest mentors, who have no site, all in running pairs
    leeds = Site.objects.create(organisation=acme, name="Leeds")
    with_guest_mentors(matching_program, employees=10, guests=3, site=leeds)

    # when
    unfiltered = program_kpis(matching_program)
    at_leeds = program_kpis(matching_program, site_id=leeds.pk)

    # then: 13 mentors unfiltered less 10 at Leeds would be the 3 guests, so neither the Leeds count nor its split is shown
    label = matching_program.mentor_label
    assert unfiltered.enrolments.value(label, "Enrolled") == 13
    assert unfiltered.guest_splits[0] == GuestSplit(f"enrolled.{Role.MENTOR}", 13, None, None)
    assert at_leeds.enrolments.value(label, "Enrolled") is None
    assert (at_leeds.guest_splits[0].employees, at_leeds.guest_splits[0].guests) == (None, None)
    assert (at_leeds.guest_splits[2].employees, at_leeds.guest_splits[2].guests) == (None, None)
