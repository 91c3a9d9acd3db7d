"""A circle is one unit in the outcome figures (ADR 8): counted once however many members it has, withheld under k
circles like pairs under k pairs, kept in a filtered view through any one member, with its people counted each, and
worded "circles" in every output (dashboard, CSV, PDF, API)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.builders import add_person, make_ready
from tests.engagement.health_builders import at, running_program_with_cast_pair
from turnabout.engagement.models import Pair
from turnabout.engagement.services import start_circle
from turnabout.insights.breakdowns import GuestSplit
from turnabout.insights.exports import report_pdf
from turnabout.insights.kpis import ProgramKpis, program_kpis
from turnabout.insights.presentation import HIDDEN
from turnabout.insights.reach import diversity_reach
from turnabout.people.models import Person, PersonKind, Site
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, ProgramStatus, Role
from turnabout.programs.services import change_program_status

SKILL = {"generative-ai-prompting": 4}
SECTION = "employees and guests"
TEXT_SHOWN = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\) Tj")
_numbers = itertools.count(1)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def on_a_fixed_day():
    with time_machine.travel(at(2026, 6, 1), tick=False):
        yield


def _guest(program: Program, role: str) -> Enrolment:
    number = next(_numbers)
    guest = Person.objects.create(
        organisation=program.organisation,
        kind=PersonKind.GUEST,
        employee_id=f"circle-guest-{number}",
        given_name="Guest",
        family_name=f"Student {number}",
        email=f"circle-guest-{number}@college.test",
        guest_organisation="A college",
    )
    return Enrolment.objects.create(
        program=program, person=guest, role=role, status=EnrolmentStatus.APPROVED, decided_at=datetime(2026, 3, 1, 9, tzinfo=UTC)
    )


def running_circles(program: Program, manager, count: int, *, site: Site | None = None, guest_in: int = 0) -> list[Pair]:
    """``count`` active circles of 4 junior mentors and 3 senior mentees, every one a person of their own; with
    ``site``, only the last mentee of each circle (never its lead) works there; the first ``guest_in`` circles have a
    guest from outside as their last mentor."""
    ceo = add_person(program.organisation, f"BOSS{next(_numbers)}", grade="G10", department="Board")
    sides = []
    for circle in range(count):
        juniors = []
        for number in range(4):
            if number == 3 and circle < guest_in:
                juniors.append(_guest(program, Role.MENTOR))
                continue
            person = add_person(program.organisation, f"C{circle}J{number}", grade="G2", department="Technology", manager=ceo)
            juniors.append(make_ready(program, person, Role.MENTOR, manager, skills=SKILL))
        seniors = []
        for number in range(3):
            person = add_person(program.organisation, f"C{circle}S{number}", grade="G9", department=f"Division {number}", manager=ceo)
            if site is not None and number == 2:
                Person.objects.filter(pk=person.pk).update(site=site)
            seniors.append(make_ready(program, person, Role.MENTEE, manager, skills={"generative-ai-prompting": 2}))
        sides.append((juniors, seniors))
    change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)
    return [start_circle(program=program, mentors=juniors, mentees=seniors) for juniors, seniors in sides]


def pdf_text(kpis: ProgramKpis, program: Program) -> str:
    pdf = report_pdf(kpis, diversity_reach(program))
    pdf.set_compression(False)
    lines = [re.sub(rb"\\(.)", rb"\1", match["text"]).decode("latin-1") for match in TEXT_SHOWN.finditer(bytes(pdf.output()))]
    return " ".join(lines)


def csv_rows(client, program: Program) -> dict[tuple[str, str], dict[str, str]]:
    response = client.get(reverse("insights:program_csv", args=[program.pk]))
    assert response.status_code == 200
    return {(row["section"], row["figure"]): row for row in csv.DictReader(io.StringIO(response.content.decode()))}


def test_two_circles_are_withheld_under_k_while_their_14_people_are_counted(client, manager, circle_program):
    # given 2 circles of 4 mentors and 3 mentees (k = 5): 14 people, but only 2 units
    running_circles(circle_program, manager, 2)

    # when
    kpis = program_kpis(circle_program)

    # then
    assert kpis.k == 5
    assert kpis.enrolments.value(circle_program.mentor_label, "Enrolled") == 8
    assert kpis.enrolments.value(circle_program.mentee_label, "Enrolled") == 6
    by_key = {split.key: split for split in kpis.guest_splits}
    assert by_key["pairs_running"] == GuestSplit("pairs_running", None, None, None)
    assert (by_key[f"enrolled.{Role.MENTOR}"].total, by_key[f"enrolled.{Role.MENTEE}"].total) == (8, 6)
    assert kpis.health.total is None
    assert kpis.kpi("meetings_per_month").label == "Meetings per circle per month"
    assert kpis.kpi("meetings_per_month").is_withheld
    assert kpis.meetings_note == "withheld: fewer than 5 circles have met"
    client.force_login(manager)
    page = client.get(reverse("insights:program", args=[circle_program.pk])).content.decode()
    assert f"Circles running: {HIDDEN} (of which {HIDDEN} with a guest from outside)" in page
    assert "Pairs running" not in page


def test_five_circles_count_as_five_units_not_as_sixty_pairs_in_every_output(client, manager, circle_program):
    # given 5 circles of 4 + 3, the first one with a guest from outside among its mentors
    running_circles(circle_program, manager, 5, guest_in=1)
    client.force_login(manager)

    # when
    kpis = program_kpis(circle_program)
    page = client.get(reverse("insights:program", args=[circle_program.pk])).content.decode()
    rows = csv_rows(client, circle_program)
    body = client.get(f"/api/insights/programs/{circle_program.pk}/kpis").json()
    pdf = pdf_text(kpis, circle_program)

    # then: 5 running, each circle once; the guest split counts the circle with a guest (1 is below k: hidden)
    assert kpis.health.total == 5
    running = {split.key: split for split in kpis.guest_splits}["pairs_running"]
    assert (running.total, running.employees, running.guests) == (5, None, None)
    assert kpis.enrolments.value(circle_program.mentor_label, "Enrolled") == 20
    assert kpis.kpi(f"match_rate.{Role.MENTEE}").estimate == 1.0
    sentence = f"Circles running: 5 (of which {HIDDEN} with a guest from outside)"
    assert sentence in page
    assert sentence.replace(HIDDEN, "-") in pdf  # the PDF's core fonts write the dash as "-"
    assert "Active circles by health" in page
    assert kpis.kpi("active_pair_rate").label == "Active-circle rate (met within 1.5 × cadence)"
    assert "Active circles by health" in pdf
    assert rows[SECTION, "Circles running: total"]["value"] == "5"
    split = next(split for split in body["guest_splits"] if split["key"] == "pairs_running")
    assert (split["label"], split["total"]["value"]) == ("Circles running", 5)
    for text in (page, pdf, str(rows)):
        assert "Pairs running" not in text


def test_a_site_view_keeps_each_circle_through_one_member_who_is_not_its_lead(manager, acme, circle_program):
    # given 5 circles, in each of which only the last senior (never the lead mentee) works in Lisbon
    lisbon = Site.objects.create(organisation=acme, name="Lisbon")
    circles = running_circles(circle_program, manager, 5, site=lisbon)
    assert all(circle.mentee.person.site_id is None for circle in circles)

    # when
    in_lisbon = program_kpis(circle_program, site_id=lisbon.pk)

    # then: the 5 people of Lisbon are the view's, and every circle runs in it
    assert in_lisbon.enrolments.value(circle_program.mentee_label, "Enrolled") == 5
    assert in_lisbon.health.total == 5
    assert {split.key: split for split in in_lisbon.guest_splits}["pairs_running"].total == 5


def test_a_pairs_program_still_says_pairs(client, manager, mentor, mentee, matching_program):
    running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee, extra_mentors=2, extra_mentees=2)
    client.force_login(manager)

    page = client.get(reverse("insights:program", args=[matching_program.pk])).content.decode()

    assert "Pairs running: 5" in page
    assert "Active pairs by health" in page
    assert "ircle" not in page
