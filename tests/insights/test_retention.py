"""Retention and promotion against similar colleagues, from directory data: signs, counts, horizons and small groups."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from turnabout.accounts.models import Organisation, User
from turnabout.insights import views
from turnabout.insights.comparison import CAUTION
from turnabout.insights.retention import program_retention, retention_section, tenure_band
from turnabout.people.models import Department, Person
from turnabout.people.services import create_person, mark_leaver, update_person
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role, StrategicDriver
from turnabout.programs.services import create_program_from_preset

START = date(2025, 1, 6)
TODAY = date(2025, 9, 1)  # six months after the start are observable, twelve are not


def _person(organisation: Organisation, employee_id: str, *, department: str, hired: date, grade: str = "G3") -> Person:
    return create_person(
        organisation=organisation,
        employee_id=employee_id,
        given_name=employee_id,
        family_name="Tester",
        email=f"{employee_id.lower()}@acme.test",
        grade=organisation.grades.get(code=grade),
        department=Department.objects.get_or_create(organisation=organisation, name=department)[0],
        hire_date=hired,
    )


def _promote(person: Person, *, on: date, to: str) -> None:
    with time_machine.travel(timezone.make_aware(datetime(on.year, on.month, on.day, 12)), tick=False):
        update_person(person=person, grade=person.organisation.grades.get(code=to))


def _program(organisation: Organisation, manager: User, participants: list[Person], *, starts_on: date = START) -> Program:
    program = create_program_from_preset(organisation=organisation, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    Program.objects.filter(pk=program.pk).update(starts_on=starts_on)
    program.refresh_from_db()
    for person in participants:
        Enrolment.objects.create(program=program, person=person, role=Role.MENTOR, status=EnrolmentStatus.APPROVED)
    return program


@pytest.fixture
def organisation_people(acme: Organisation) -> dict[str, Person]:
    """Sales, G3, one to three years' service at the start: participants P1–P6 and colleagues C1–C8.

    - P1–P6 all stayed; P1–P3 were promoted to G4 on 1 April 2025.
    - C1–C4 left on 31 March 2025; C5 was promoted on 1 May 2025.
    - U1 (Legal) is a participant without a similar colleague; C9 (Sales, 5+ years) has no participant to match.
    - LATE joined after the start and GONE left before it: neither is compared.
    """
    hired = date(2023, 3, 1)
    people = {f"P{n}": _person(acme, f"P{n}", department="Sales", hired=hired) for n in range(1, 7)}
    people |= {f"C{n}": _person(acme, f"C{n}", department="Sales", hired=hired) for n in range(1, 9)}
    people["U1"] = _person(acme, "U1", department="Legal", hired=hired)
    people["C9"] = _person(acme, "C9", department="Sales", hired=date(2015, 1, 1))
    people["LATE"] = _person(acme, "LATE", department="Sales", hired=date(2025, 3, 1))
    people["GONE"] = _person(acme, "GONE", department="Sales", hired=hired)
    mark_leaver(person=people["GONE"], end_date=date(2024, 12, 1))
    for name in ("P1", "P2", "P3"):
        _promote(people[name], on=date(2025, 4, 1), to="G4")
    for name in ("C1", "C2", "C3", "C4"):
        mark_leaver(person=people[name], end_date=date(2025, 3, 31))
    _promote(people["C5"], on=date(2025, 5, 1), to="G4")
    return people


def test_participants_retained_more_than_matched_colleagues_give_a_positive_effect(
    acme, manager, organisation_people, django_assert_num_queries
) -> None:
    # given
    participants = [organisation_people[name] for name in ("P1", "P2", "P3", "P4", "P5", "P6", "U1")]
    program = _program(acme, manager, participants)

    # when
    with django_assert_num_queries(4):
        report = program_retention(program, today=TODAY)

    # then seven participants, six matched with eight similar colleagues (C9's stratum has no participant)
    assert report is not None
    assert (report.participants, report.participants_matched, report.controls_matched, report.participants_unmatched) == (7, 6, 8, 1)
    retained = report.outcomes["retained_6m"]
    assert (retained.participants_matched, retained.controls_matched, retained.participants_unmatched) == (6, 8, 1)
    assert (retained.participant_rate, retained.control_rate) == (1.0, 0.5)
    assert retained.effect is not None
    assert retained.effect.estimate == pytest.approx(0.5)
    assert retained.effect.low < retained.effect.estimate < retained.effect.high
    promoted = report.outcomes["promoted_6m"]
    assert (promoted.participant_rate, promoted.control_rate) == (0.5, 0.125)
    assert promoted.effect is not None
    assert promoted.effect.estimate == pytest.approx(0.375)


def test_horizons_after_today_are_not_yet_observable(acme, manager, organisation_people) -> None:
    # given
    program = _program(acme, manager, [organisation_people[f"P{n}"] for n in range(1, 7)])

    # when
    report = program_retention(program, today=TODAY)
    section = retention_section(program, report, today=TODAY)

    # then the twelve-month outcomes hold nobody observed, and say when they will be
    assert report is not None
    assert section is not None
    for outcome in ("retained_12m", "promoted_12m"):
        comparison = report.outcomes[outcome]
        assert (comparison.participants_matched, comparison.participants_unobserved, comparison.effect) == (0, 6, None)
    lines = {line.key: line for line in section.lines}
    assert lines["retained_12m"].note == "not yet observable (from 6 January 2026)"
    assert (lines["retained_6m"].effect, lines["retained_6m"].participants, lines["retained_6m"].controls) == ("+50.0 points", "6", "8")
    assert section.is_reportable


def test_a_program_not_started_has_no_comparison(acme, manager, organisation_people) -> None:
    # given
    program = _program(acme, manager, [organisation_people["P1"]], starts_on=date(2025, 10, 1))

    # when / then
    assert program_retention(program, today=TODAY) is None


def test_small_groups_are_withheld(acme, manager, organisation_people) -> None:
    # given only two participants
    program = _program(acme, manager, [organisation_people["P1"], organisation_people["P2"]])

    # when
    report = program_retention(program, today=TODAY)
    section = retention_section(program, report, today=TODAY)

    # then no rate or effect, and the participants' count is hidden; the twelve colleagues are shown
    assert report is not None
    assert section is not None
    assert report.outcomes["retained_6m"].effect is None
    line = next(line for line in section.lines if line.key == "retained_6m")
    assert (line.participant_rate, line.control_rate, line.effect, line.participants, line.controls) == ("—", "—", "—", "—", "12")
    assert line.note == "withheld: fewer than 5 participants or similar colleagues to compare"
    assert not section.is_reportable


def test_tenure_bands() -> None:
    # given / when / then
    assert [tenure_band(date(2024, 1, 7), START), tenure_band(date(2024, 1, 6), START)] == ["<1y", "1-3y"]
    assert [tenure_band(date(2022, 1, 6), START), tenure_band(date(2020, 1, 6), START)] == ["3-5y", "5y+"]


def test_dashboard_shows_the_section_with_the_caution_and_flags_the_pdf(client, acme, manager, organisation_people, monkeypatch) -> None:
    # given
    program = _program(acme, manager, [organisation_people[f"P{n}"] for n in range(1, 7)])
    client.force_login(manager)
    flags = []
    monkeypatch.setattr(views, "program_report_pdf", lambda kpis, reach: flags.append(kpis.has_retention_figures) or b"%PDF")

    # when
    with time_machine.travel(timezone.make_aware(datetime(2025, 9, 1, 12)), tick=False):
        page = client.get(reverse("insights:program", args=[program.pk])).content.decode()
        client.get(reverse("insights:program_pdf", args=[program.pk]))

    # then
    assert "Retention and promotion against similar colleagues" in page
    assert CAUTION in page
    assert "+50.0 points" in page
    assert "not yet observable (from 6 January 2026)" in page
    assert "P1" not in page
    assert flags == [True]
