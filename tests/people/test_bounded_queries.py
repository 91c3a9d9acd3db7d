"""Directory search and org chart stay bounded whatever the input or the organisation's shape.

Security findings 5 (a search of thousands of words built one filter per word) and 9 (the org chart of a
flat organisation listed every root and built one SQL variable per root). The limits pinned here:
a search has at most 200 characters and 8 words; the org chart shows 50 people a page (roots and reports).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import add_person
from turnabout.people.models import Person
from turnabout.people.queries import DirectoryFilters
from turnabout.people.services import update_person

THOUSAND_WORDS = " ".join(["a"] * 1000)
NINE_WORDS = "a b c d e f g h i"
EIGHT_WORDS = "a b c d e f g h"
BEYOND_64_BITS = "-30202117316488593408"


@contextmanager
def parameter_counts() -> Iterator[list[int]]:
    """The number of SQL parameters of every query run inside the block."""
    counts: list[int] = []

    def record(execute, sql, params, many, context):
        counts.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield counts


def _like_clauses(queries: CaptureQueriesContext) -> list[int]:
    return [query["sql"].upper().count(" LIKE ") for query in queries.captured_queries]


def _q_errors(response) -> list[str]:
    return [error["msg"] for error in response.json()["detail"] if error["loc"][-1] == "q"]


def _flat_organisation(organisation, size: int, *, manager: Person | None = None) -> None:
    """``size`` people without a manager (or all reporting to ``manager``), in two queries."""
    Person.objects.bulk_create(
        Person(
            organisation=organisation,
            employee_id=f"F{number:05}",
            given_name="Flat",
            family_name=f"Person{number:05}",
            email=f"f{number:05}@{organisation.slug}.test",
            manager=manager,
            reporting_depth=manager.reporting_depth + 1 if manager else 0,
        )
        for number in range(size)
    )
    prefix = manager.reporting_path if manager else "/"
    Person.objects.filter(organisation=organisation, employee_id__startswith="F").update(
        reporting_path=Concat(Value(prefix), Cast("pk", CharField()), Value("/"))
    )


# Search: the API


def test_api_refuses_a_thousand_word_search_naming_q_without_searching(client, manager):
    # given
    client.force_login(manager)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/people/", {"q": THOUSAND_WORDS})

    # then
    assert response.status_code == 422
    assert _q_errors(response) == ["String should have at most 200 characters"]
    assert sum(_like_clauses(queries)) == 0


def test_api_refuses_a_search_of_nine_short_words_naming_the_limit(client, manager):
    client.force_login(manager)
    response = client.get("/api/people/", {"q": NINE_WORDS})
    assert response.status_code == 422
    assert _q_errors(response) == ["Use at most 8 words in a search (this one has 9)."]


def test_api_search_of_eight_words_runs_a_bounded_query(client, manager, django_assert_max_num_queries):
    # given
    client.force_login(manager)

    # when
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
        response = client.get("/api/people/", {"q": EIGHT_WORDS})

    # then: at most five LIKE clauses a word (PostgreSQL compares the employee id with `=`)
    assert response.status_code == 200
    assert 0 < max(_like_clauses(queries)) <= 8 * 5


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("grade", BEYOND_64_BITS), ("department", "18446744073709551616"), ("site", BEYOND_64_BITS), ("page", BEYOND_64_BITS)],
)
def test_api_refuses_integers_the_database_cannot_store(client, manager, parameter, value):
    client.force_login(manager)
    response = client.get("/api/people/", {parameter: value})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", parameter]]


@pytest.mark.parametrize("page", ["0", "-1"])
def test_api_refuses_a_page_number_below_one(client, manager, page):
    client.force_login(manager)
    response = client.get("/api/people/", {"page": page})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", "page"]]


# Search: the directory page and its htmx partial


def test_directory_page_shows_a_form_error_for_a_thousand_word_search_without_searching(client, manager):
    # given
    client.force_login(manager)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("people:directory"), {"q": THOUSAND_WORDS})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Search: Ensure this value has at most 200 characters (it has 1999)." in html
    assert response.context["page"].paginator.count == 0
    assert sum(_like_clauses(queries)) == 0
    assert 'maxlength="200"' in html


def test_directory_partial_shows_the_word_limit(client, manager):
    # given
    client.force_login(manager)

    # when
    response = client.get(reverse("people:directory"), {"q": NINE_WORDS}, headers={"HX-Request": "true"})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results">')
    assert "Search: Use at most 8 words in a search (this one has 9)." in html
    assert "No one matches" not in html


def test_directory_page_search_of_eight_words_runs_a_bounded_query(client, manager):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("people:directory"), {"q": EIGHT_WORDS})
    assert response.status_code == 200
    assert 0 < max(_like_clauses(queries)) <= 8 * 5


def test_directory_page_refuses_a_grade_beyond_64_bits_with_a_form_error(client, manager):
    client.force_login(manager)
    response = client.get(reverse("people:directory"), {"grade": BEYOND_64_BITS})
    assert response.status_code == 200
    assert "Grade: Select a valid choice." in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_directory_filters_refuse_an_unbounded_search():
    with pytest.raises(ValueError, match="at most 8 words"):
        DirectoryFilters(text=NINE_WORDS)


# Org chart


def test_org_chart_of_a_flat_organisation_shows_one_page_of_roots_in_bounded_queries(client, manager, acme, django_assert_max_num_queries):
    # given 1,200 people without a manager, besides Alice
    _flat_organisation(acme, 1200)
    client.force_login(manager)

    # when
    with django_assert_max_num_queries(10), parameter_counts() as counts:
        response = client.get(reverse("people:org_chart"))

    # then
    roots = response.context["roots"]
    assert response.status_code == 200
    assert (roots.paginator.count, roots.paginator.num_pages, len(roots)) == (1201, 25, 50)
    assert max(counts) <= 200
    assert "Page 1 of 25" in response.content.decode()


def test_org_chart_pages_through_the_roots(client, manager, acme):
    # given
    _flat_organisation(acme, 1200)
    client.force_login(manager)

    # when
    second = client.get(reverse("people:org_chart"), {"page": 2})
    last = client.get(reverse("people:org_chart"), {"page": 25})

    # then in family-name order, Alice Manager first
    assert [person.employee_id for person in second.context["roots"]] == [f"F{number:05}" for number in range(49, 99)]
    assert [(person.full_name, person.team_size) for person in last.context["roots"]] == [("Flat Person01199", 0)]
    assert '<a href="?page=24">Previous</a>' in last.content.decode()


def test_org_chart_pages_through_a_manager_with_many_reports(client, manager, acme, django_assert_max_num_queries):
    # given Alice leads 300 people directly
    boss = manager.person
    _flat_organisation(acme, 300, manager=boss)
    client.force_login(manager)
    reports_url = reverse("people:org_chart_reports", args=[boss.pk])

    # when
    with django_assert_max_num_queries(10), parameter_counts() as counts:
        first = client.get(reports_url, headers={"HX-Request": "true"})
    last = client.get(reports_url, {"page": 6}, headers={"HX-Request": "true"})

    # then
    assert len(first.context["page"]) == 50
    assert max(counts) <= 200
    assert f'hx-get="{reports_url}?page=2"' in first.content.decode()
    assert [person.employee_id for person in last.context["page"]] == [f"F{number:05}" for number in range(250, 300)]


def test_root_team_sizes_count_everyone_below(client, manager, acme):
    # given
    _flat_organisation(acme, 120, manager=manager.person)
    client.force_login(manager)

    # when
    response = client.get(reverse("people:org_chart"))

    # then
    assert {person.pk: person.team_size for person in response.context["roots"]} == {manager.person.pk: 120}


def test_person_page_of_a_manager_with_many_reports_runs_bounded_queries(client, manager, acme, django_assert_max_num_queries):
    # given
    _flat_organisation(acme, 300, manager=manager.person)
    client.force_login(manager)

    # when
    with django_assert_max_num_queries(12), parameter_counts() as counts:
        response = client.get(reverse("people:person", args=[manager.person.pk]))

    # then
    assert response.status_code == 200
    assert len(response.context["reports"]) == 50
    assert max(counts) <= 200


def test_team_sizes_count_active_people_at_any_depth_below_each_sibling(client, manager, acme):
    # given two roots (Cleo and Alice), and under Cleo two directors leading different teams, one with a leaver
    cleo = add_person(acme, "C1", grade="G10", department="Board")
    dora = add_person(acme, "D1", grade="G8", department="Sales", manager=cleo)
    dan = add_person(acme, "D2", grade="G8", department="Sales", manager=cleo)
    eli = add_person(acme, "E1", grade="G2", department="Sales", manager=dora)
    add_person(acme, "E2", grade="G2", department="Sales", manager=eli)
    update_person(person=add_person(acme, "E3", grade="G2", department="Sales", manager=dora), employment_status="leaver")
    add_person(acme, "E4", grade="G2", department="Sales", manager=dan)
    client.force_login(manager)

    # when
    roots = client.get(reverse("people:org_chart")).context["roots"]
    branch = client.get(reverse("people:org_chart_reports", args=[cleo.pk]), headers={"HX-Request": "true"}).context["page"]

    # then
    assert {person.employee_id: person.team_size for person in roots} == {"C1": 5, "A002": 0}
    assert {person.employee_id: person.team_size for person in branch} == {"D1": 2, "D2": 1}
