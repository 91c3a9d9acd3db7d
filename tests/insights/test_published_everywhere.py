"""One publication per program across every output: the dashboard page and its chart data, the CSV, the PDF, the API and
the organisation roll-up show the same figures, and no combination of what they show together gives a hidden one away.

The tour of issue 16 found three leaks across outputs, each reproduced here: a month of 1 meeting on the chart beside the
roll-up's total; "Ideas adopted by seniors: 1" beside a withheld share of pairs with an idea; and a pulse-rating row of
zeros around one hidden cell, which told the only rating given.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
import time_machine
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.optimize import linprog

from tests.engagement.health_builders import at
from tests.insights.filtered_program import Link, lay_out, mentees, mentors
from turnabout.accounts.models import User
from turnabout.engagement.models import Insight, Meeting, Pulse
from turnabout.insights.kpis import program_kpis
from turnabout.insights.presentation import HIDDEN
from turnabout.people.models import Site
from turnabout.programs.models import Program, Role, StrategicDriver
from turnabout.programs.services import create_program_from_preset

K = 5
# The counts some KPI notes give: pairs that have not met (of all pairs), people still waiting (of those ready).
NOTE_COUNTS = {
    "days_to_first_meeting": re.compile(r"(?<![a-z] )\b(?P<count>[0-9]+) pairs without a meeting yet"),
    "days_to_match": re.compile(r"\b(?P<count>[0-9]+) still waiting"),
}
IDEA_KEYS = ("insights_adopted", "insights_per_pair", "pairs_with_insight")
RATINGS = ("1", "2", "3", "4", "5")
UNIT_RANGES = {
    "percent": (0.0, 1.0),
    "score": (1.0, 5.0),
    "points": (-100.0, 100.0),
    "count": (0.0, math.inf),
    "per_month": (0.0, math.inf),
    "ratio": (0.0, math.inf),
    "days": (0.0, math.inf),
}

pytestmark = pytest.mark.usefixtures("three_months_in")


@pytest.fixture
def three_months_in():
    with time_machine.travel(at(2026, 6, 1), tick=False):
        yield


# --- reading every output ------------------------------------------------------------------------------------


def outputs(client: Client, program: Program, query: str = "") -> dict[str, object]:
    """What each output publishes for ``program`` (cut by the filter ``query``, "site=3", if any): CSV rows, the API
    body, the roll-up body (never filtered), the page's context."""
    cut = f"?{query}" if query else ""
    response = client.get(reverse("insights:program_csv", args=[program.pk]) + cut)
    assert response.status_code == 200
    rows = {(row["section"], row["figure"]): row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    api = client.get(f"/api/insights/programs/{program.pk}/kpis{cut}").json()
    rollup = client.get("/api/insights/rollup").json()
    page = client.get(reverse("insights:program", args=[program.pk]) + cut)
    assert page.status_code == 200
    report = client.get(reverse("insights:program_pdf", args=[program.pk]) + cut)
    assert report.status_code == 200
    return {"csv": rows, "api": api, "rollup": rollup, "page": page.context}


def rollup_row(body: dict, program: Program) -> dict:
    return next(row for row in body["rows"] if row["program_id"] == program.pk)


def csv_count(rows: dict, section: str, figure: str) -> int | None:
    value = rows[section, figure]["value"]
    return None if value == "" else int(value)


def page_count(text: str) -> int | None:
    return None if text == HIDDEN else int(text)


def publication(client: Client, program: Program, query: str = "") -> dict[tuple, int | float | None]:
    """Every count each output shows of ``program`` (cut by ``query``), by figure, after checking that the outputs agree
    on each; and the KPI figures that count other units than the tables: the satisfaction means (over answers), the
    pairs without a meeting (pairs), the people still waiting (people)."""
    read = outputs(client, program, query)
    rows, api, rollup, page = read["csv"], read["api"], read["rollup"], read["page"]
    published: dict[tuple, int | float | None] = {}

    def record(key: tuple, *values: int | float | None) -> None:
        assert len(set(values)) == 1, (key, values)  # one decision, whatever the output
        published[key] = values[0]

    # meetings per month: the CSV, the API, the chart data and the table beside it; the roll-up's total
    api_months = {month["month"]: month["meetings_held"] for month in api["meetings_per_month"]}
    chart = page["charts"]["meetings"]
    chart_months = dict(zip(chart["labels"], chart["values"], strict=True))
    table_months = {month: page_count(count) for month, count in page["meeting_months"]}
    csv_months = {figure: csv_count(rows, section, figure) for section, figure in rows if section == "meetings held per month"}
    csv_months.pop("all months", None)
    assert api_months == chart_months == table_months == csv_months
    for month, count in api_months.items():
        record(("meetings", month), count)
    if not query:  # the roll-up is never filtered
        record(("meetings", "total"), rollup_row(rollup, program)["meetings_held"]["value"])
    # pulse ratings: the CSV and the page show the cells, the API the cells and the totals
    for row in api["pulse_ratings"]["rows"]:
        page_row = next(item for item in page["pulse_rows"] if item["label"] == row["label"])
        for cell, shown in zip(row["cells"], page_row["cells"], strict=True):
            record(
                ("pulse", row["label"], cell["label"]),
                cell["value"],
                csv_count(rows, "pulse ratings", f"{row['label']}: rated {cell['label']}"),
                page_count(shown),
            )
        record(("pulse", row["label"], None), row["total"]["value"])
    for total in api["pulse_ratings"]["column_totals"]:
        record(("pulse", None, total["label"]), total["value"])
    record(("pulse", None, None), api["pulse_ratings"]["grand_total"]["value"])
    # enrolments: the page, the CSV and the API; the roll-up shows the "Enrolled" column and its total
    roll = rollup_row(rollup, program)
    for row in api["enrolments"]["rows"]:
        page_row = next(item for item in page["enrolment_rows"] if item["label"] == row["label"])
        for cell, shown in zip(row["cells"], page_row["cells"], strict=True):
            values = [cell["value"], csv_count(rows, "enrolments", f"{row['label']}: {cell['label']}"), page_count(shown)]
            if cell["label"] == "Enrolled" and not query:
                role = Role.MENTOR if row["label"] == program.mentor_label else Role.MENTEE
                values.append(next(item["value"] for item in roll["participants"] if item["label"] == role.label))
            record(("enrolments", row["label"], cell["label"]), *values)
        record(
            ("enrolments", row["label"], None),
            row["total"]["value"],
            csv_count(rows, "enrolments", f"{row['label']}: total"),
            page_count(page_row["total"]),
        )
    for kpi in api["kpis"]:
        if kpi["key"].startswith("participation."):
            row_label = program.mentor_label if kpi["key"] == f"participation.{Role.MENTOR}" else program.mentee_label
            # the rate's n is its role's row total, and a shown rate gives the row's cells: the table's decision
            assert kpi["n"] == published["enrolments", row_label, None], kpi["key"]
            if kpi["estimate"] is not None:
                assert None not in (
                    published["enrolments", row_label, "Enrolled"],
                    published["enrolments", row_label, "Invited, not enrolled"],
                )
    enrolled_total = next(item["value"] for item in api["enrolments"]["column_totals"] if item["label"] == "Enrolled")
    record(("enrolments", None, "Enrolled"), enrolled_total, *([] if query else [roll["participants_total"]["value"]]))
    # running pairs by health: the page's table and chart data, the CSV and the API
    health_chart = dict(zip(page["charts"]["health"]["labels"], page["charts"]["health"]["values"], strict=True))
    for item in api["health"]:
        shown_on_page = page_count(dict(page["health"])[item["label"]])
        record(
            ("health", item["label"]),
            item["value"],
            csv_count(rows, "pairs by health", item["label"]),
            shown_on_page,
            health_chart[item["label"]],
        )
    record(("health", "total"), csv_count(rows, "pairs by health", "total"))
    # the ideas figures: the CSV, the API and the page's lines
    for kpi in api["kpis"]:
        if kpi["key"] in IDEA_KEYS:
            line = next(line for line in page["lines"] if line.key == kpi["key"])
            csv_value = rows["kpi", kpi["label"]]["value"]
            assert (csv_value == "") == (kpi["estimate"] is None) == (line.value == HIDDEN), kpi["key"]
            record(("kpi", kpi["key"]), kpi["estimate"])
            record(("kpi n", kpi["key"]), kpi["n"])
    # figures in other units: each as the CSV and the API give it
    for kpi in api["kpis"]:
        csv_row = rows["kpi", kpi["label"]]
        if kpi["key"].startswith("satisfaction."):
            estimate = None if csv_row["value"] == "" else float(csv_row["value"])
            assert (estimate is None) == (kpi["estimate"] is None), kpi["key"]
            record(("mean", kpi["key"].removeprefix("satisfaction.")), kpi["estimate"])
        for key, pattern in NOTE_COUNTS.items():
            if kpi["key"] == key:
                assert csv_row["note"] == kpi["note"]
                found = pattern.search(kpi["note"])
                record(("note count", key), int(found["count"]) if found else None)
    record(("pairs", "all"), rollup_row(rollup, program)["pairs"]["value"] if not query else None)
    return published


def homogeneous_lines(published: dict[tuple, int | float | None], labels: list[str]) -> list[tuple]:
    """Rows or columns of the pulse table whose one hidden cell sits among shown zeros: its count is all in that cell."""
    lines = [[("pulse", label, rating) for rating in RATINGS] for label in labels]
    lines += [[("pulse", label, rating) for label in labels] for rating in RATINGS]
    return [
        tuple(line)
        for line in lines
        if sum(published[key] is None for key in line) == 1 and all(published[key] in (None, 0) for key in line)
    ]


def equations(published: dict[tuple, int | float | None], labels: list[str]) -> list[tuple[list[tuple], tuple]]:
    """The additive relations between the published figures: (parts, total)."""
    months = [key for key in published if key[0] == "meetings" and key[1] != "total"]
    found: list[tuple[list[tuple], tuple]] = [(months, ("meetings", "total"))] if months else []
    for label in labels:
        found.append(([("pulse", label, rating) for rating in RATINGS], ("pulse", label, None)))
    for rating in RATINGS:
        found.append(([("pulse", label, rating) for label in labels], ("pulse", None, rating)))
    found.append(([("pulse", label, None) for label in labels], ("pulse", None, None)))
    found.append(([("pulse", None, rating) for rating in RATINGS], ("pulse", None, None)))
    enrolment_rows = sorted({key[1] for key in published if key[0] == "enrolments" and key[1] is not None})
    for row in enrolment_rows:
        cells = [key for key in published if key[0] == "enrolments" and key[1] == row and key[2] is not None]
        found.append((cells, ("enrolments", row, None)))
    if enrolment_rows:
        found.append(([("enrolments", row, "Enrolled") for row in enrolment_rows], ("enrolments", None, "Enrolled")))
    health = [key for key in published if key[0] == "health" and key[1] != "total"]
    if health:
        found.append((health, ("health", "total")))
    return found


def unit_relations(published: dict[tuple, int | float | None], labels: list[str], roles: list[str]) -> list[dict[tuple, float]]:
    """The relations between figures of different units, each as ``Σ coefficient · figure = 0``: a side's mean rating
    ties its row of the pulse table (``Σ (r − mean) · cell(r) = 0``), and the pairs without a meeting and the pairs that
    met (``("pairs", "met")``, never published) make all pairs."""
    found = []
    for label, role in zip(labels, roles, strict=True):
        mean = published.get(("mean", role))
        if mean is not None:
            found.append({("pulse", label, rating): int(rating) - float(mean) for rating in RATINGS})
    found.append({("pairs", "met"): 1.0, ("note count", "days_to_first_meeting"): 1.0, ("pairs", "all"): -1.0})
    return found


def as_weighted(relations: list[tuple[list[tuple], tuple]]) -> list[dict[tuple, float]]:
    weighted = []
    for parts, total in relations:
        coefficients: dict[tuple, float] = Counter()
        for part in parts:
            coefficients[part] += 1.0
        coefficients[total] -= 1.0
        weighted.append(dict(coefficients))
    return weighted


def weighted_system(
    published: dict[tuple, int | float | None], relations: list[dict[tuple, float]]
) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """The unknown figures (hidden, or never published) and ``A · unknown = b`` from the weighted relations."""
    keys = {key for relation in relations for key in relation}
    unknown = sorted((key for key in keys if published.get(key) is None and key[0] not in ("kpi", "kpi n", "mean")), key=repr)
    return unknown, *linear_system(published, relations, unknown)


def linear_system(
    published: dict[tuple, int | float | None], relations: list[dict[tuple, float]], unknown: list[tuple]
) -> tuple[np.ndarray, np.ndarray]:
    """``A · unknown = b`` from the weighted relations, the published figures moved to the right."""
    position = {key: number for number, key in enumerate(unknown)}
    rows, targets = [], []
    for relation in relations:
        coefficients = np.zeros(len(unknown))
        constant = 0.0
        for key, weight in relation.items():
            if key in position:
                coefficients[position[key]] += weight
            else:
                constant -= weight * float(published[key] or 0)
        if coefficients.any():
            rows.append(coefficients)
            targets.append(constant)
    return np.array(rows).reshape(len(rows), len(unknown)), np.array(targets)


def weighted_solved(published: dict[tuple, int | float | None], relations: list[dict[tuple, float]]) -> list[tuple]:
    """Unknown figures that a linear combination of the weighted relations fixes, or that non-negative counts pin."""
    unknown, matrix, targets = weighted_system(published, relations)
    if not unknown or not len(matrix):
        return []
    kernel = null_space(matrix)
    solved = {key for number, key in enumerate(unknown) if np.allclose(kernel[number], 0, atol=1e-9)}
    for number, key in enumerate(unknown):
        objective = np.zeros(len(unknown))
        objective[number] = 1
        low = linprog(objective, A_eq=matrix, b_eq=targets, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=targets, bounds=(0, None), method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 1 - 1e-6:
            solved.add(key)
    return sorted(solved, key=repr)


def subtraction_attack(published: dict[tuple, int | float | None], relations: list[tuple[list[tuple], tuple]]) -> dict[tuple, int]:
    """Iterated subtraction over the union of outputs: any relation with one unknown gives it; repeat until none does."""
    known = {key: value for key, value in published.items() if value is not None}
    recovered: dict[tuple, int] = {}
    progress = True
    while progress:
        progress = False
        for parts, total in relations:
            unknown = [key for key in [*parts, total] if key not in known]
            if len(unknown) != 1:
                continue
            (key,) = unknown
            value = sum(known[part] for part in parts) if key == total else known[total] - sum(known[part] for part in parts if part != key)
            known[key] = recovered[key] = int(value)
            progress = True
    return recovered


def unknowns_and_system(
    published: dict[tuple, int | float | None], relations: list[tuple[list[tuple], tuple]]
) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """The hidden figures, and the relations as ``A · hidden = b`` once the published figures are moved to the right."""
    hidden = sorted((key for key, value in published.items() if value is None and key[0] != "kpi" and key[0] != "kpi n"), key=repr)
    weighted: list[dict[tuple, float]] = []
    for parts, total in relations:
        relation: dict[tuple, float] = {}
        for key, sign in [*((part, 1.0) for part in parts), (total, -1.0)]:
            relation[key] = relation.get(key, 0.0) + sign
        weighted.append(relation)
    return hidden, *linear_system(published, weighted, hidden)


def exactly_solved(published: dict[tuple, int | float | None], relations: list[tuple[list[tuple], tuple]]) -> list[tuple]:
    """Hidden figures that any linear combination of the relations fixes (the null-space test of test_suppression)."""
    hidden, matrix, _targets = unknowns_and_system(published, relations)
    if not hidden or not len(matrix):
        return []
    kernel = null_space(matrix)
    return [key for number, key in enumerate(hidden) if np.allclose(kernel[number], 0, atol=1e-9)]


def pinned_by_bounds(published: dict[tuple, int | float | None], relations: list[tuple[list[tuple], tuple]]) -> list[tuple]:
    """Hidden figures whose smallest and largest values, knowing counts are not negative, are less than 1 apart."""
    hidden, matrix, targets = unknowns_and_system(published, relations)
    if not hidden or not len(matrix):
        return []
    pinned = []
    for number, key in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[number] = 1
        low = linprog(objective, A_eq=matrix, b_eq=targets, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=targets, bounds=(0, None), method="highs")
        assert low.status == 0
        if high.status == 0 and -high.fun - low.fun < 1 - 1e-6:
            pinned.append(key)
    return pinned


# --- the three leaks of the tour -----------------------------------------------------------------------------


def test_a_month_of_one_meeting_is_hidden_everywhere_and_not_given_by_the_rollup_total(client, matching_program, manager) -> None:
    # given 6 pairs: five met once in March, the sixth weekly from 9 March to 6 April — so April holds 1 meeting,
    # and the roll-up shows the program's 10 meetings (before the fix the chart showed April's 1 beside it)
    lay_out(matching_program, mentors(6, None) + mentees(6, None), [Link(n, 6 + n, meetings=5 if n == 5 else 1) for n in range(6)])
    client.force_login(manager)

    # when
    published = publication(client, matching_program)

    # then: April's 1 is hidden in every output, March with it, and the roll-up's total gives neither
    assert published["meetings", "total"] == 10
    assert (published["meetings", "2026-03"], published["meetings", "2026-04"]) == (None, None)
    assert subtraction_attack(published, equations(published, [])) == {}
    assert program_kpis(matching_program).meetings_per_month == [("2026-03", None), ("2026-04", None)]


def test_one_idea_adopted_is_not_shown_when_the_pairs_with_an_idea_are_withheld(client, matching_program, manager) -> None:
    # given 6 pairs, one of which adopted one idea: before the fix, "Ideas adopted by seniors: 1" (and 0.17 per pair)
    # was shown beside a withheld "Pairs with at least one idea adopted", whose 1 it gave away
    laid = lay_out(matching_program, mentors(6, None) + mentees(6, None), [Link(n, 6 + n, meetings=1) for n in range(6)])
    Insight.objects.create(pair=laid.pairs[0], description="Idea", owner="Senior", adopted_on=date(2026, 4, 1))
    client.force_login(manager)

    # when
    published = publication(client, matching_program)

    # then: the three figures are withheld together, in every output
    assert [published["kpi", key] for key in IDEA_KEYS] == [None, None, None]


def test_ideas_are_shown_together_once_enough_pairs_have_one(client, matching_program, manager) -> None:
    # given 10 pairs, five of which adopted ideas (7 in all)
    laid = lay_out(matching_program, mentors(10, None) + mentees(10, None), [Link(n, 10 + n, meetings=1) for n in range(10)])
    for number, pair in enumerate(laid.pairs[:5]):
        for idea in range(2 if number < 2 else 1):
            Insight.objects.create(pair=pair, description=f"Idea {idea}", owner="Senior", adopted_on=date(2026, 4, 1))
    client.force_login(manager)

    # when
    kpis = program_kpis(matching_program)

    # then: 7 ideas, 0.7 per pair with an exact Poisson interval inside [0, ∞), half the pairs
    adopted, per_pair, share = (kpis.kpi(key) for key in IDEA_KEYS)
    assert (adopted.estimate, per_pair.estimate, share.estimate) == (7, pytest.approx(0.7), 0.5)
    assert 0 < per_pair.low < 0.7 < per_pair.high


def test_a_pulse_row_of_zeros_around_one_hidden_cell_is_hidden_whole(client, matching_program, manager) -> None:
    # given mentors who rated 5 three times and nothing else, and mentees with spread ratings: before the fix the CSV
    # showed the mentors' row as 0, 0, 0, 0, hidden — the only rating given was readable
    laid = lay_out(matching_program, mentors(6, None) + mentees(6, None), [Link(n, 6 + n, meetings=3) for n in range(6)])
    meetings = list(Meeting.objects.filter(pair__in=laid.pairs).order_by("pk"))
    for number, meeting in enumerate(meetings):
        submitted = meeting.starts_at + timedelta(hours=1)
        Pulse.objects.create(meeting=meeting, pair_id=meeting.pair_id, role=Role.MENTEE, rating=4 + number % 2, submitted_at=submitted)
        if number < 3:
            Pulse.objects.create(meeting=meeting, pair_id=meeting.pair_id, role=Role.MENTOR, rating=5, submitted_at=submitted)
    client.force_login(manager)

    # when
    published = publication(client, matching_program)

    # then: the mentors' row is hidden whole, zeros too, in every output; no line says where its count is
    label = matching_program.mentor_label
    assert [published["pulse", label, rating] for rating in RATINGS] == [None] * 5
    labels = [matching_program.mentor_label, matching_program.mentee_label]
    assert homogeneous_lines(published, labels) == []
    assert subtraction_attack(published, equations(published, labels)) == {}


# --- the union of outputs under the attackers ----------------------------------------------------------------


@st.composite
def programs(draw: st.DrawFn) -> tuple[int, tuple[int, int], list[int], list[int], list[list[tuple[int | None, int | None]]]]:
    """(k, mentors and mentees invited but not enrolled, meetings per pair, ideas per pair, per pair and meeting the
    (mentor, mentee) ratings, None for no answer)."""
    k = draw(st.sampled_from((3, 4, 5)))
    invited = (draw(st.integers(min_value=0, max_value=7)), draw(st.integers(min_value=0, max_value=7)))
    pairs = draw(st.integers(min_value=1, max_value=9))
    meetings = draw(st.lists(st.integers(min_value=0, max_value=6), min_size=pairs, max_size=pairs))
    ideas = draw(st.lists(st.sampled_from((0, 0, 0, 1, 2)), min_size=pairs, max_size=pairs))
    rating = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
    ratings = [draw(st.lists(st.tuples(rating, rating), min_size=held, max_size=held)) for held in meetings]
    return k, invited, meetings, ideas, ratings


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(programs())
def test_no_hidden_figure_is_derivable_from_all_outputs_together(acme, manager: User, case) -> None:
    """Whatever a program holds, its dashboard (page and chart data), CSV, API and roll-up row agree figure by figure
    (the PDF is rendered from the same figures, and only checked to render), show no count from 1 to k − 1, and
    together give no hidden figure away: not by iterated subtraction, not by any linear combination, and no hidden
    figure's range under non-negative counts is narrower than 1 — also with the KPI figures that count other units
    (a side's mean rating over its answers ties its row of the pulse table; the pairs without a meeting, with all
    pairs, tell how many met, never a number from 1 to k − 1). No line of the pulse table tells where its count
    is, the ideas figures are shown or withheld together, and every interval lies within its figure's range.
    """
    k, invited, meetings, ideas, ratings = case
    with transaction.atomic(), override_settings(INSIGHTS_MIN_CELL=k):
        # given
        program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
        count = len(meetings)
        members = mentors(count, None) + mentees(count, None)
        members += mentors(invited[0], None, approved=False) + mentees(invited[1], None, approved=False)
        laid = lay_out(program, members, [Link(n, count + n, meetings=held) for n, held in enumerate(meetings)])
        for pair, pair_ideas in zip(laid.pairs, ideas, strict=True):
            for number in range(pair_ideas):
                Insight.objects.create(pair=pair, description=f"Idea {number}", owner="Senior", adopted_on=date(2026, 4, 1))
        truth: Counter[tuple] = Counter()
        for pair, answers in zip(laid.pairs, ratings, strict=True):
            for meeting, (mentor_rating, mentee_rating) in zip(
                Meeting.objects.filter(pair=pair).order_by("starts_at"), answers, strict=True
            ):
                for role, value in ((Role.MENTOR, mentor_rating), (Role.MENTEE, mentee_rating)):
                    if value is not None:
                        Pulse.objects.create(
                            meeting=meeting, pair=pair, role=role, rating=value, submitted_at=meeting.starts_at + timedelta(hours=1)
                        )
                        truth["pulse", role, str(value)] += 1
        client = Client()
        client.force_login(manager)

        # when every output is read
        published = publication(client, program)

        # then
        labels = [program.mentor_label, program.mentee_label]
        for key, value in published.items():
            if key[0] in ("meetings", "pulse", "enrolments", "health") and value is not None:
                assert value == 0 or value >= k, (key, value)
        relations = equations(published, labels)
        assert subtraction_attack(published, relations) == {}
        assert exactly_solved(published, relations) == []
        assert pinned_by_bounds(published, relations) == []
        assert homogeneous_lines(published, labels) == []
        # with the figures that count other units: the means over answers, the pairs without a meeting over pairs
        solved = weighted_solved(published, as_weighted(relations) + unit_relations(published, labels, [Role.MENTOR, Role.MENTEE]))
        assert [key for key in solved if key[0] == "pulse"] == []
        pairs_met = sum(1 for held in meetings if held)
        assert ("pairs", "met") not in solved or not 0 < pairs_met < k, pairs_met
        for kpi in program_kpis(program).kpis:
            lowest, highest = UNIT_RANGES[kpi.unit]
            if kpi.estimate is None:
                assert (kpi.low, kpi.high) == (None, None), kpi.key
            elif kpi.low is not None and kpi.high is not None:
                assert lowest <= kpi.low <= kpi.estimate <= kpi.high <= highest, kpi
        shown_ideas = {published["kpi", key] is None for key in IDEA_KEYS}
        assert len(shown_ideas) == 1
        if published["kpi", "pairs_with_insight"] is not None:
            with_ideas = sum(1 for value in ideas if value)
            assert with_ideas == 0 or with_ideas >= k
            assert published["kpi", "insights_adopted"] == sum(ideas)
        transaction.set_rollback(True)


def test_the_three_outputs_of_a_program_list_the_same_months(client, matching_program, manager) -> None:
    # given 6 pairs that met weekly five times from 9 March: March 24 meetings, April 6
    lay_out(matching_program, mentors(6, None) + mentees(6, None), [Link(n, 6 + n, meetings=5) for n in range(6)])
    client.force_login(manager)

    # when
    published = publication(client, matching_program)

    # then
    months = {key[1]: value for key, value in published.items() if key[0] == "meetings"}
    assert months == {"2026-03": 24, "2026-04": 6, "total": 30}


def test_a_site_filter_of_the_meetings_chart_gives_no_small_month_by_difference(client, matching_program, manager, acme) -> None:
    # given 6 pairs at Leeds, each met once in March; 7 at York: five met once in March, one weekly to 6 April, one
    # on 9 and 16 March
    leeds, york = (Site.objects.create(organisation=acme, name=name) for name in ("Leeds", "York"))
    members = mentors(6, leeds) + mentees(6, leeds) + mentors(7, york) + mentees(7, york)
    links = [Link(n, 6 + n, meetings=1) for n in range(6)]
    links += [Link(12 + n, 19 + n, meetings=5 if n == 5 else 2 if n == 6 else 1) for n in range(7)]
    lay_out(matching_program, members, links)
    client.force_login(manager)

    # when every view is read
    views = {site: program_kpis(matching_program, site_id=site) for site in (None, leeds.pk, york.pk)}

    # then: no month shown in two views differs by 1 to k − 1 meetings, and none shown is a small count
    months = {site: dict(kpis.meetings_per_month) for site, kpis in views.items()}
    for site, shown in months.items():
        assert all(count is None or count == 0 or count >= K for count in shown.values()), (site, shown)
        for other in months.values():
            for month, count in shown.items():
                if count is not None and other.get(month) is not None:
                    assert not 0 < abs(other[month] - count) < K, (site, month)
    # York's April 1 hides York's and the program's months; Leeds (6 in March) is shown, its months being the program's
    assert months == {
        None: {"2026-03": None, "2026-04": None},
        leeds.pk: {"2026-03": 6, "2026-04": 0},
        york.pk: {"2026-03": None, "2026-04": None},
    }


def test_participation_shows_no_more_of_a_role_than_the_enrolment_table(client, matching_program, manager) -> None:
    # given 7 mentors enrolled and 2 only invited, 6 mentees enrolled: the table hides the mentors' 2 and, with it, their
    # 7 and their total; the participation rate of mentors (withheld for its 2) showed its n of 9, the hidden total
    lay_out(matching_program, mentors(7, None) + mentors(2, None, approved=False) + mentees(6, None))
    client.force_login(manager)

    # when
    published = publication(client, matching_program)
    kpis = program_kpis(matching_program)

    # then
    assert published["enrolments", matching_program.mentor_label, None] is None
    assert kpis.kpi(f"participation.{Role.MENTOR}").n is None


# --- figures that count other units: answers, pairs, people ----------------------------------------------------


def test_a_mean_rating_does_not_give_away_the_hidden_cells_of_its_row(client, matching_program, manager) -> None:
    # given mentors who rated 4 twice and 5 seven times, and mentees with spread ratings: the pulse table hides the
    # mentors' 2, and a mean of 4.78 would tie the row's hidden cells (Σ (r − 4.78) · cell(r) = 0, with the totals)
    laid = lay_out(matching_program, mentors(6, None) + mentees(6, None), [Link(n, 6 + n, meetings=3) for n in range(6)])
    meetings = list(Meeting.objects.filter(pair__in=laid.pairs).order_by("pk"))
    for number, meeting in enumerate(meetings):
        submitted = meeting.starts_at + timedelta(hours=1)
        Pulse.objects.create(meeting=meeting, pair_id=meeting.pair_id, role=Role.MENTEE, rating=3 + number % 3, submitted_at=submitted)
        if number % 2 == 0:  # 9 answers from all 6 pairs
            mentor_rating = 4 if number < 4 else 5
            Pulse.objects.create(meeting=meeting, pair_id=meeting.pair_id, role=Role.MENTOR, rating=mentor_rating, submitted_at=submitted)
    client.force_login(manager)

    # when
    published = publication(client, matching_program)

    # then: no hidden cell is fixed by the tables and the means shown (a side's mean only beside its whole row)
    labels = [matching_program.mentor_label, matching_program.mentee_label]
    assert published["pulse", labels[0], "4"] is None
    assert published["mean", Role.MENTOR] is None  # withheld with its row, whose cells it would tie together
    relations = as_weighted(equations(published, labels)) + unit_relations(published, labels, [Role.MENTOR, Role.MENTEE])
    assert [key for key in weighted_solved(published, relations) if key[0] == "pulse"] == []


def test_the_pairs_without_a_meeting_do_not_tell_a_small_number_that_met(client, matching_program, manager) -> None:
    # given 7 pairs of which 2 have met: "5 pairs without a meeting yet" beside the roll-up's 7 pairs told the 2
    lay_out(matching_program, mentors(7, None) + mentees(7, None), [Link(n, 7 + n, meetings=2 if n < 2 else 0) for n in range(7)])
    client.force_login(manager)

    # when
    published = publication(client, matching_program)

    # then
    assert published["pairs", "all"] == 7
    assert published["note count", "days_to_first_meeting"] is None
    relations = unit_relations(published, [], [])
    assert ("pairs", "met") not in weighted_solved(published, relations)


def test_the_people_still_waiting_do_not_tell_a_small_number_matched(client, matching_program, manager) -> None:
    # given 8 mentors and 8 mentees ready, 2 pairs: 12 still waiting beside the 16 ready told the 4 matched
    lay_out(matching_program, mentors(8, None) + mentees(8, None), [Link(n, 8 + n, meetings=1) for n in range(2)])
    client.force_login(manager)

    # when
    kpis = program_kpis(matching_program)

    # then: the match rates' n's are shown (16 ready), so the number waiting is not
    ready = sum(kpis.kpi(f"match_rate.{role}").n or 0 for role in (Role.MENTOR, Role.MENTEE))
    assert ready == 16
    assert NOTE_COUNTS["days_to_match"].search(kpis.kpi("days_to_match").note) is None


# --- filtered outputs: a dashboard cut by a site, with its CSV and API, beside the others ---------------------------


def view_equations(published: dict[tuple, int | float | None], labels: list[str], view: str) -> list[tuple[list[tuple], tuple]]:
    """The additive relations of one view's figures, each key prefixed by the view."""
    own = {key[1:]: value for key, value in published.items() if key[0] == view}
    # a filtered view publishes no meetings total (the roll-up's is the program's): its months relate to nothing
    return [([(view, *part) for part in parts], (view, *total)) for parts, total in equations(own, labels) if total in own]


def pinned_values(published: dict[tuple, int | float | None], relations: list[tuple[list[tuple], tuple]]) -> dict[tuple, float]:
    """Each hidden figure whose smallest and largest values under the relations and non-negative counts are less than 1
    apart, with that value."""
    hidden, matrix, targets = unknowns_and_system(published, relations)
    if not hidden or not len(matrix):
        return {}
    pinned = {}
    for number, key in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[number] = 1
        low = linprog(objective, A_eq=matrix, b_eq=targets, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=targets, bounds=(0, None), method="highs")
        assert low.status == 0
        if high.status == 0 and -high.fun - low.fun < 1 - 1e-6:
            pinned[key] = low.fun
    return pinned


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.sampled_from((3, 4, 5)),
    st.lists(st.tuples(st.sampled_from((0, 1)), st.integers(min_value=0, max_value=5), st.integers(0, 3)), min_size=2, max_size=12).filter(
        lambda layout: {site for site, _held, _rating in layout} == {0, 1}
    ),
)
def test_no_hidden_figure_is_derivable_from_filtered_and_unfiltered_outputs_together(acme, manager: User, k, layout) -> None:
    """Two sites, every pair within one site: each site's dashboard, CSV and API, with the unfiltered ones and the
    roll-up, single out no group of 1 to k − 1 — within a view, nor across views by the site figures adding up to the
    program's: no hidden figure that subtraction or bounds under non-negative counts fix is from 1 to k − 1 (the cross-
    filter contract of docs/insights.md; a zero that a published zero forces is no group), and no count shown in any
    view is from 1 to k − 1.
    """
    with transaction.atomic(), override_settings(INSIGHTS_MIN_CELL=k):
        # given pairs at Leeds (0) or York (1), each with its meetings and its (mentor, mentee) rating per meeting
        program = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
        sites = [Site.objects.create(organisation=acme, name=f"{name} {program.pk}") for name in ("Leeds", "York")]
        count = len(layout)
        members = [mentors(1, sites[site])[0] for site, _held, _rating in layout]
        members += [mentees(1, sites[site])[0] for site, _held, _rating in layout]
        laid = lay_out(program, members, [Link(n, count + n, meetings=held) for n, (_site, held, _rating) in enumerate(layout)])
        for pair, (_site, _held, rating) in zip(laid.pairs, layout, strict=True):
            for meeting in Meeting.objects.filter(pair=pair):
                submitted = meeting.starts_at + timedelta(hours=1)
                Pulse.objects.create(meeting=meeting, pair=pair, role=Role.MENTOR, rating=2 + rating, submitted_at=submitted)
                Pulse.objects.create(meeting=meeting, pair=pair, role=Role.MENTEE, rating=5 - rating, submitted_at=submitted)
        client = Client()
        client.force_login(manager)

        # when every view is read
        views = {"all": "", "leeds": f"site={sites[0].pk}", "york": f"site={sites[1].pk}"}
        published: dict[tuple, int | float | None] = {}
        for view, query in views.items():
            for key, value in publication(client, program, query).items():
                published[(view, *key)] = value

        # then
        labels = [program.mentor_label, program.mentee_label]
        for key, value in published.items():
            if key[1] in ("meetings", "pulse", "enrolments", "health") and value is not None:
                assert value == 0 or value >= k, (key, value)
        relations = [relation for view in views for relation in view_equations(published, labels, view)]
        # the sites partition the program: every count of both sites adds up to the program's
        for key in published:
            if key[0] == "all" and key[1] in ("meetings", "pulse", "enrolments", "health") and key[2] != "total":
                parts = [("leeds", *key[1:]), ("york", *key[1:])]
                if all(part in published for part in parts):
                    relations.append((parts, key))
        small = range(1, k)
        assert {key: value for key, value in subtraction_attack(published, relations).items() if value in small} == {}
        assert {key: value for key, value in pinned_values(published, relations).items() if 1 - 1e-6 < value < k - 1e-6} == {}
        transaction.set_rollback(True)
