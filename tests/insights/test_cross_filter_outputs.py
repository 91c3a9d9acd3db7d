"""Filtered outcomes through every output: the reported subtraction attack, an attacker over every filter combination,
spreadsheet formulas in the CSV, and the organisation roll-up against the program dashboards.

Security finding 1: with 24 mentors, 3 of them at a new site, the CSV showed 24 mentors enrolled and a match rate of
0.75 (n = 24) unfiltered, and 21 and 0.7143 (n = 21) for the other site — the new site's 3 of 3 matched, by subtraction.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from dataclasses import dataclass

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engagement.health_builders import at
from tests.insights.filtered_program import Link, Member, lay_out, mentees, mentors
from tests.insights.lattice_attack import Release, linear_attack, subtraction_attack
from turnabout.engagement.models import HealthState, PairStatus
from turnabout.insights.figures import cross_filter_note
from turnabout.insights.kpis import ProgramKpis, program_kpis
from turnabout.insights.presentation import HIDDEN_NOTE
from turnabout.insights.reach import organisation_rollup
from turnabout.insights.suppression import table_pattern
from turnabout.people.models import Site
from turnabout.programs.models import Program, Role, StrategicDriver
from turnabout.programs.services import create_program_from_preset

K = 5
NOTE = cross_filter_note(K)

pytestmark = pytest.mark.usefixtures("three_months_in")


@pytest.fixture
def three_months_in():
    with time_machine.travel(at(2026, 6, 1), tick=False):
        yield


@pytest.fixture
def leeds(acme) -> Site:
    return Site.objects.create(organisation=acme, name="Leeds")


@pytest.fixture
def york(acme) -> Site:
    return Site.objects.create(organisation=acme, name="York")


def csv_rows(client, program: Program, **filters: object) -> dict[tuple[str, str], dict[str, str]]:
    response = client.get(reverse("insights:program_csv", args=[program.pk]), filters)
    assert response.status_code == 200
    return {(row["section"], row["figure"]): row for row in csv.DictReader(io.StringIO(response.content.decode()))}


def api_body(client, program: Program, **filters: object) -> dict:
    response = client.get(f"/api/insights/programs/{program.pk}/kpis", filters)
    assert response.status_code == 200
    return response.json()


def small_csv_differences(unfiltered: dict, filtered: dict) -> list[tuple[tuple[str, str], str, int]]:
    """Figures shown in both CSVs whose counts (a count, or the n of a rate or mean) differ by 1 to k − 1."""
    found = []
    for key, row in filtered.items():
        other = unfiltered.get(key)
        if other is None:
            continue
        column = "value" if key[0] != "kpi" else "n"
        if row[column] and other[column]:
            difference = int(other[column]) - int(row[column])
            if 0 < difference < K:
                found.append((key, column, difference))
    return found


def small_api_differences(unfiltered: dict, filtered: dict) -> list[tuple[str, int]]:
    """The same over the JSON: every count, every n, and the successes and failures a shown rate implies."""

    def counts(body: dict) -> dict[str, int]:
        found: dict[str, int] = {}
        for kpi in body["kpis"]:
            if kpi["n"] is not None:
                found[f"{kpi['key']}.n"] = kpi["n"]
            if kpi["unit"] == "percent" and kpi["estimate"] is not None:
                successes = round(kpi["estimate"] * kpi["n"])
                found[f"{kpi['key']}.successes"], found[f"{kpi['key']}.failures"] = successes, kpi["n"] - successes
        for section in ("enrolments", "pulse_ratings"):
            for row in body[section]["rows"]:
                for cell in [*row["cells"], row["total"]]:
                    if cell["value"] is not None:
                        found[f"{section}.{row['label']}.{cell['label']}"] = cell["value"]
        for cell in body["health"]:
            if cell["value"] is not None:
                found[f"health.{cell['label']}"] = cell["value"]
        return found

    before, after = counts(unfiltered), counts(filtered)
    return [(key, before[key] - value) for key, value in after.items() if key in before and 0 < before[key] - value < K]


# --- the report ---------------------------------------------------------------------------------------


def the_reported_program(program: Program, main: Site, new: Site) -> None:
    """24 mentors, 21 at ``main`` and 3 at ``new``; 18 mentees at ``main``, paired with 15 of the 21 and all 3."""
    matched = [*range(15), 21, 22, 23]
    lay_out(program, mentors(21, main) + mentors(3, new) + mentees(18, main), [Link(mentor, 24 + n) for n, mentor in enumerate(matched)])


def test_a_site_filter_no_longer_reveals_a_three_person_site_by_subtraction(client, matching_program, sponsor, leeds, york) -> None:
    # given the report's program: 3 of 24 mentors at the new site York, all three matched
    the_reported_program(matching_program, leeds, york)
    client.force_login(sponsor)

    # when the sponsor downloads the CSV unfiltered and for the other site, Leeds
    unfiltered = csv_rows(client, matching_program)
    at_leeds = csv_rows(client, matching_program, site=leeds.pk)

    # then the unfiltered figures are those of the report
    assert (unfiltered["kpi", "Match rate, mentor side"]["value"], unfiltered["kpi", "Match rate, mentor side"]["n"]) == ("0.7500", "24")
    assert unfiltered["enrolments", "mentor: Enrolled"]["value"] == "24"
    # and Leeds' mentor figures, which would give York's by subtraction, are withheld with the reason
    for figure in ("Match rate, mentor side", "Participation, mentor side (enrolled ÷ invited)", "Days to match (ready → pair accepted)"):
        assert (at_leeds["kpi", figure]["value"], at_leeds["kpi", figure]["n"]) == ("", ""), figure
        assert at_leeds["kpi", figure]["note"].startswith(NOTE), figure
    assert (at_leeds["enrolments", "mentor: Enrolled"]["value"], at_leeds["enrolments", "mentor: Enrolled"]["note"]) == ("", NOTE)
    assert small_csv_differences(unfiltered, at_leeds) == []
    # while the figures Leeds shares with everyone (all 18 pairs have their mentee at Leeds) are still shown
    assert (at_leeds["kpi", "Early-closure rate"]["value"], at_leeds["kpi", "Early-closure rate"]["n"]) == ("0.0000", "18")
    assert (at_leeds["kpi", "Match rate, mentee side"]["value"], at_leeds["kpi", "Match rate, mentee side"]["n"]) == ("1.0000", "18")


def test_the_api_applies_the_site_filter_and_withholds_the_same_figures(client, matching_program, sponsor, leeds, york) -> None:
    # given
    the_reported_program(matching_program, leeds, york)
    client.force_login(sponsor)

    # when
    unfiltered = api_body(client, matching_program)
    at_leeds = api_body(client, matching_program, site=leeds.pk)
    at_york = api_body(client, matching_program, site=york.pk)

    # then
    assert (unfiltered["site_id"], at_leeds["site_id"], at_leeds["cohort"]) == (None, leeds.pk, None)
    kpis = {kpi["key"]: kpi for kpi in at_leeds["kpis"]}
    assert (kpis["match_rate.mentor"]["suppressed"], kpis["match_rate.mentor"]["n"], kpis["match_rate.mentor"]["note"]) == (
        True,
        None,
        NOTE,
    )
    assert all(cell["suppressed"] for row in at_leeds["enrolments"]["rows"] for cell in [*row["cells"], row["total"]])
    assert at_leeds["table_notes"] == {"enrolments": NOTE}
    assert small_api_differences(unfiltered, at_leeds) == []
    assert small_api_differences(unfiltered, at_york) == []
    assert {kpi["key"]: kpi["n"] for kpi in unfiltered["kpis"]}["match_rate.mentor"] == 24


def test_a_cohort_filter_no_longer_reveals_a_three_person_cohort(client, matching_program, sponsor, leeds) -> None:
    # given the same program with the 3 mentors enrolled a month later instead of at another site
    matched = [*range(15), 21, 22, 23]
    members = mentors(21, leeds) + mentors(3, leeds, cohort="2026-02") + mentees(18, leeds)
    lay_out(matching_program, members, [Link(mentor, 24 + n) for n, mentor in enumerate(matched)])
    client.force_login(sponsor)

    # when
    unfiltered = csv_rows(client, matching_program)
    january = csv_rows(client, matching_program, cohort="2026-01")

    # then
    assert january["kpi", "Match rate, mentor side"]["note"] == NOTE
    assert small_csv_differences(unfiltered, january) == []


def test_a_site_with_enough_people_is_shown(client, matching_program, manager, leeds, york) -> None:
    # given 24 mentors, 10 at York; 6 of Leeds' 14 and 5 of York's 10 matched, with mentees at both sites
    members = mentors(14, leeds) + mentors(10, york) + mentees(6, leeds) + mentees(5, york)
    links = [Link(n, 24 + n) for n in range(6)] + [Link(14 + n, 30 + n) for n in range(5)]
    lay_out(matching_program, members, links)
    client.force_login(manager)

    # when
    at_york = csv_rows(client, matching_program, site=york.pk)

    # then: every group a comparison can isolate has at least 5 people of each outcome
    assert (at_york["kpi", "Match rate, mentor side"]["value"], at_york["kpi", "Match rate, mentor side"]["n"]) == ("0.5000", "10")
    assert at_york["enrolments", "mentor: Enrolled"]["value"] == "10"


def test_filters_are_parsed_once_for_the_api_and_the_pages(client, matching_program, manager, globex, leeds) -> None:
    # given a site of another organisation and malformed values
    elsewhere = Site.objects.create(organisation=globex, name="Elsewhere")
    client.force_login(manager)

    # when / then: ignored, as on the dashboard
    body = api_body(client, matching_program, site=elsewhere.pk, cohort="2026-13")
    assert (body["site_id"], body["cohort"]) == (None, None)
    assert api_body(client, matching_program, site="²")["site_id"] is None
    page = client.get(reverse("insights:program", args=[matching_program.pk]), {"site": "²", "cohort": "2026-02"})
    assert page.status_code == 200


# --- every filter combination ---------------------------------------------------------------------------

SITE_NAMES = ("A", "B", "C")
COHORTS = ("2026-01", "2026-02")


@st.composite
def laid_programs(draw: st.DrawFn) -> tuple[int, list[tuple], list[tuple]]:
    """(k, members as (role, site number or None, cohort, approved), links as (mentor, mentee, status, health, meetings, early)).

    Up to 18 people over three sites (and none) and two cohorts, up to 10 pairs: few enough for the linear attacker to try
    every group of places.
    """
    k = draw(st.sampled_from((3, 4)))
    size = draw(st.integers(min_value=4, max_value=18))
    members = [
        (
            draw(st.sampled_from((Role.MENTOR, Role.MENTEE))),
            draw(st.sampled_from((0, 1, 2, None))),
            draw(st.sampled_from(COHORTS)),
            draw(st.integers(min_value=0, max_value=4)) > 0,
        )
        for _ in range(size)
    ]
    approved_mentors = [n for n, (role, _site, _cohort, approved) in enumerate(members) if role == Role.MENTOR and approved]
    approved_mentees = [n for n, (role, _site, _cohort, approved) in enumerate(members) if role == Role.MENTEE and approved]
    candidates = list(itertools.product(approved_mentors, approved_mentees))
    chosen = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=10)) if candidates else []
    links = [
        (
            mentor,
            mentee,
            draw(st.sampled_from((PairStatus.ACTIVE, PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.CLOSED))),
            draw(st.sampled_from(list(HealthState))),
            draw(st.integers(min_value=0, max_value=2)),
            draw(st.booleans()),
        )
        for mentor, mentee in chosen
    ]
    return k, members, links


@dataclass(frozen=True, slots=True)
class Read:
    """A laid-out program read for every view: each member's place (site id, cohort), and each view's ProgramKpis."""

    members: list[Member]
    links: list[Link]
    places: list[tuple[int | None, str]]
    kpis_by_view: dict[tuple, ProgramKpis]

    @staticmethod
    def holds(view: tuple, place: tuple) -> bool:
        return view[0] in (None, place[0]) and view[1] in (None, place[1])

    @property
    def pair_places(self) -> list[tuple[tuple, tuple]]:
        return [(self.places[link.mentor], self.places[link.mentee]) for link in self.links]

    def people_of(self, view: tuple) -> frozenset:
        """The places of the people in ``view``: the attacker's keys."""
        return frozenset(place for place in self.places if self.holds(view, place))

    def pairs_of(self, view: tuple) -> frozenset:
        """A pair is in ``view`` when either partner is; its key is both partners' places."""
        return frozenset(key for key in self.pair_places if self.holds(view, key[0]) or self.holds(view, key[1]))

    def equations(self, figure: str, keys_of, *, rate: bool) -> list[Release]:
        """What the views publish of the KPI ``figure``: its n (cells 0 and 1 of a rate), and a shown rate's successes (1)."""
        releases = []
        for view, kpis in self.kpis_by_view.items():
            kpi = next((kpi for kpi in kpis.kpis if kpi.key == figure), None)
            if kpi is None or kpi.n is None:
                continue
            releases.append(Release(keys_of(view), frozenset({0, 1}) if rate else frozenset({0})))
            if rate and kpi.estimate is not None:
                releases.append(Release(keys_of(view), frozenset({1})))
        return releases

    def check_n(self, figure: str, units_in) -> None:
        """The attack is only as good as its units: every n shown is the count of the units this test gives the figure."""
        for view, kpis in self.kpis_by_view.items():
            kpi = next(kpi for kpi in kpis.kpis if kpi.key == figure)
            assert kpi.n is None or kpi.n == units_in(view), (figure, view)


def assert_no_disclosure(releases: list[Release], truth: Counter, cell_groups: list[set], k: int, figure: str) -> None:
    keys = sorted({key for key, _cell in truth}, key=repr)
    groups = [frozenset(group) for group in cell_groups]
    assert subtraction_attack(releases, truth, k=k) == [], figure
    assert linear_attack(releases, truth, keys=keys, cell_groups=groups, k=k) == [], figure


def check_people_figures(read: Read, k: int) -> None:
    """Participation and match rate per role (rates: successes and failures), days to match (a distribution's n)."""
    members, places = read.members, read.places
    matched = {link.mentor for link in read.links} | {link.mentee for link in read.links}
    for role in (Role.MENTOR, Role.MENTEE):
        enrolled = [n for n, member in enumerate(members) if member.role == role]
        ready = [n for n in enrolled if members[n].approved]
        rates = ((f"participation.{role}", enrolled, lambda n: members[n].approved), (f"match_rate.{role}", ready, matched.__contains__))
        for figure, units, succeeded in rates:
            read.check_n(figure, lambda view, units=units: sum(read.holds(view, places[n]) for n in units))
            truth = Counter((places[n], int(succeeded(n))) for n in units)
            assert_no_disclosure(read.equations(figure, read.people_of, rate=True), truth, [{0}, {1}, {0, 1}], k, figure)
    truth = Counter((places[n], 0) for n, member in enumerate(members) if member.approved and n in matched)
    assert_no_disclosure(read.equations("days_to_match", read.people_of, rate=False), truth, [{0}], k, "days_to_match")


def check_enrolment_table(read: Read, program: Program, k: int) -> None:
    """Every entry a view's enrolment table shows is an equation over (place, role × enrolled) cells."""
    label = {Role.MENTOR: program.mentor_label, Role.MENTEE: program.mentee_label}
    column = {True: "Enrolled", False: "Invited, not enrolled"}
    cells = list(itertools.product((Role.MENTOR, Role.MENTEE), (True, False)))
    entries: dict[tuple, set] = {(label[role], column[approved]): {(role, approved)} for role, approved in cells}
    entries |= {(label[role], None): {cell for cell in cells if cell[0] == role} for role in (Role.MENTOR, Role.MENTEE)}
    entries |= {(None, column[approved]): {cell for cell in cells if cell[1] == approved} for approved in (True, False)}
    entries[None, None] = set(cells)
    truth = Counter((place, (member.role, member.approved)) for place, member in zip(read.places, read.members, strict=True))
    releases = [
        Release(read.people_of(view), frozenset(entries[entry]))
        for view, kpis in read.kpis_by_view.items()
        for entry in entries
        if entry not in table_pattern(kpis.enrolments)
    ]
    assert_no_disclosure(releases, truth, list(entries.values()), k, "enrolments")


def check_pair_figures(read: Read, k: int) -> None:
    """Early closure (a rate over all pairs), pairs that met (days to first meeting, the meetings chart), health counts."""
    keys = read.pair_places
    read.check_n("early_closure", lambda view: sum(1 for key in keys if read.holds(view, key[0]) or read.holds(view, key[1])))
    truth = Counter((key, int(link.closed_early)) for key, link in zip(keys, read.links, strict=True))
    assert_no_disclosure(read.equations("early_closure", read.pairs_of, rate=True), truth, [{0}, {1}, {0, 1}], k, "early_closure")

    truth = Counter((key, 0) for key, link in zip(keys, read.links, strict=True) if link.meetings)
    releases = read.equations("days_to_first_meeting", read.pairs_of, rate=False)
    releases += [Release(read.pairs_of(view), frozenset({0})) for view, kpis in read.kpis_by_view.items() if kpis.meetings_per_month]
    assert_no_disclosure(releases, truth, [{0}], k, "pairs that met")

    states = list(HealthState)
    running = [(key, link) for key, link in zip(keys, read.links, strict=True) if link.status == PairStatus.ACTIVE]
    truth = Counter((key, states.index(link.health)) for key, link in running)
    groups = [{index} for index in range(len(states))] + [set(range(len(states)))]
    releases = [
        Release(read.pairs_of(view), frozenset(group))
        for view, kpis in read.kpis_by_view.items()
        for group, value in zip(groups, [*kpis.health.values.values(), kpis.health.total], strict=True)
        if value is not None
    ]
    assert_no_disclosure(releases, truth, groups, k, "health")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(laid_programs())
def test_no_comparison_of_filtered_figures_reveals_a_small_group(acme, manager, case) -> None:
    """Every view a viewer can ask for (site × cohort, each or both or neither) and the figures all outputs render from it
    (the page, CSV, PDF and API all render ``ProgramKpis``): no subtraction, and no linear combination, pins a group of
    1 to k − 1 people or pairs — its count, or for a rate its successes or failures.
    """
    k, drawn_members, drawn_links = case
    with transaction.atomic(), override_settings(INSIGHTS_MIN_CELL=k):
        # given
        program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
        sites = [Site.objects.create(organisation=acme, name=f"{name} {program.pk}") for name in SITE_NAMES]
        members = [Member(role, None if site is None else sites[site], cohort, approved) for role, site, cohort, approved in drawn_members]
        links = [
            Link(mentor, mentee, status=status, health=health, meetings=meetings, closed_early=early and status == PairStatus.CLOSED)
            for mentor, mentee, status, health, meetings, early in drawn_links
        ]
        lay_out(program, members, links)
        places = [(member.site.pk if member.site else None, member.cohort) for member in members]
        views = list(itertools.product([None, *(site.pk for site in sites)], [None, *COHORTS, "2026-03"]))

        # when every view is read
        read = Read(members, links, places, {view: program_kpis(program, site_id=view[0], cohort=view[1]) for view in views})

        # then
        check_people_figures(read, k)
        check_enrolment_table(read, program, k)
        check_pair_figures(read, k)
        transaction.set_rollback(True)


# --- spreadsheet formulas -----------------------------------------------------------------------------------


def test_no_csv_cell_starts_a_formula(client, matching_program, manager, leeds) -> None:
    # given a custom role label that a spreadsheet would run, and figures with negative bounds
    Program.objects.filter(pk=matching_program.pk).update(wording="custom", custom_mentor_label='=HYPERLINK("http://evil.test","x")')
    matching_program.refresh_from_db()
    lay_out(matching_program, mentors(6, leeds) + mentees(6, leeds), [Link(n, 6 + n) for n in range(6)])
    client.force_login(manager)

    # when
    response = client.get(reverse("insights:program_csv", args=[matching_program.pk]))

    # then: the label's rows start with an apostrophe; no cell starts with = + - @ tab or CR unless it is a number
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert '\'=HYPERLINK("http://evil.test","x"): Enrolled' in cells
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only a plain number such as "-0.1234" may start so


# --- the roll-up ----------------------------------------------------------------------------------------------


def test_rollup_totals_cannot_be_combined_with_a_program_dashboard(acme, manager, matching_program, leeds) -> None:
    # given a second program with 3 mentees (its row hidden), beside the first with 12 mentors and 6 mentees
    lay_out(matching_program, mentors(12, leeds) + mentees(6, leeds))
    small = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIVERSITY_INCLUSION, by=manager)
    lay_out(small, mentors(7, leeds) + mentees(3, leeds))

    # when
    rollup = organisation_rollup(acme)
    dashboard = program_kpis(matching_program)

    # then: the first program's row is what its dashboard shows, and the mentee total is hidden, since it less that 6
    # would give the small program's 3
    table = rollup.participants
    first, second = f"{matching_program.name} (#{matching_program.pk})", f"{small.name} (#{small.pk})"
    assert (table.value(first, "Mentor"), table.value(first, "Mentee"), table.row_totals[first]) == (12, 6, 18)
    assert dashboard.enrolments.value(matching_program.mentee_label, "Enrolled") == 6
    # the small program's own table hides its mentee row whole (3 enrolled beside a shown 0 invited would say that every
    # mentee invited enrolled), with the totals crossing it: its "Enrolled" total too, so the roll-up's row total
    assert (table.value(second, "Mentee"), table.row_totals[second]) == (None, None)
    assert table.column_totals == {"Mentor": None, "Mentee": None}
    assert table.grand_total is None


def test_rollup_hides_meetings_of_fewer_than_k_pairs_as_the_dashboard_does(acme, matching_program, leeds) -> None:
    # given 6 pairs of which 2 met
    lay_out(matching_program, mentors(6, leeds) + mentees(6, leeds), [Link(n, 6 + n, meetings=2 if n < 2 else 0) for n in range(6)])

    # when
    rollup = organisation_rollup(acme)

    # then
    assert [(row.pairs, row.meetings_held) for row in rollup.rows] == [(6, None)]
    assert program_kpis(matching_program).meetings_note == "withheld: fewer than 5 pairs have met"
    assert rollup.meetings_total is None


def test_a_withheld_table_says_why_on_the_page_and_in_the_csv(client, matching_program, manager, leeds, york) -> None:
    # given
    the_reported_program(matching_program, leeds, york)
    client.force_login(manager)

    # when
    rows = csv_rows(client, matching_program, site=leeds.pk)
    page = client.get(reverse("insights:program", args=[matching_program.pk]), {"site": leeds.pk}).content.decode()

    # then
    notes = {row["note"] for (section, _figure), row in rows.items() if section == "enrolments"}
    assert notes == {NOTE}
    assert HIDDEN_NOTE not in notes
    assert page.count(NOTE) >= 4  # the enrolment table, and the mentors' participation, match rate and days to match


def test_a_filtered_view_reads_a_bounded_number_of_queries(
    client, matching_program, manager, leeds, york, django_assert_max_num_queries
) -> None:
    # given
    the_reported_program(matching_program, leeds, york)
    client.force_login(manager)

    # when / then: the program-wide rows replace the filtered ones, they do not add to them
    with django_assert_max_num_queries(30):
        assert client.get(f"/api/insights/programs/{matching_program.pk}/kpis", {"site": leeds.pk, "cohort": "2026-01"}).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("insights:program", args=[matching_program.pk]), {"site": york.pk}).status_code == 200
