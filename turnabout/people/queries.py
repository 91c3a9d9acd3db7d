"""Reads of the people directory, each in a fixed number of queries.

The directory is the organisation's employees (``Person.objects.employees()``): guests from outside, whom a program
manager invited to a program, are never listed, searched, nor placed in the org chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Left, StrIndex, Substr
from django.utils.translation import gettext

from turnabout.accounts.models import Organisation
from turnabout.people.models import Department, EmploymentStatus, Grade, Person, Site

DIRECTORY_PAGE_SIZE = 50
ORG_CHART_PAGE_SIZE = 50
# Each search word adds five LIKE clauses: the limits keep the query small (security finding 5).
SEARCH_MAX_CHARACTERS = 200
SEARCH_MAX_WORDS = 8


def search_text_problem(text: str) -> str | None:
    """Why ``text`` is refused as a directory search, naming the limit; None when it is within both limits."""
    if len(text) > SEARCH_MAX_CHARACTERS:
        return gettext("Use at most %(limit)d characters in a search (this one has %(count)d).") % {
            "limit": SEARCH_MAX_CHARACTERS,
            "count": len(text),
        }
    if (words := len(text.split())) > SEARCH_MAX_WORDS:
        return gettext("Use at most %(limit)d words in a search (this one has %(count)d).") % {"limit": SEARCH_MAX_WORDS, "count": words}
    return None


@dataclass(frozen=True)
class DirectoryFilters:
    """A directory search; ``text`` within the search limits, or ``ValueError`` (forms and schemas check first)."""

    text: str = ""
    department_id: int | None = None
    site_id: int | None = None
    grade_id: int | None = None
    include_leavers: bool = False

    def __post_init__(self) -> None:
        if problem := search_text_problem(self.text):
            raise ValueError(problem)


def directory_people(organisation: Organisation, filters: DirectoryFilters | None) -> QuerySet[Person]:
    """The people matching ``filters``, in directory order; nobody for ``None`` (a refused search)."""
    if filters is None:
        return Person.objects.none()
    people = Person.objects.employees().filter(organisation=organisation).select_related("grade", "department", "site")
    if not filters.include_leavers:
        people = people.filter(employment_status=EmploymentStatus.ACTIVE)
    for word in filters.text.split():
        people = people.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(email__icontains=word)
            | Q(employee_id__iexact=word)
            | Q(job_title__icontains=word)
        )
    if filters.department_id:
        people = people.filter(department_id=filters.department_id)
    if filters.site_id:
        people = people.filter(site_id=filters.site_id)
    if filters.grade_id:
        people = people.filter(grade_id=filters.grade_id)
    return people.order_by("family_name", "given_name", "employee_id")


def directory_page(organisation: Organisation, filters: DirectoryFilters | None, page_number: str | int | None) -> Page[Person]:
    """One page of ``directory_people``; any page number gives a page (the first or the last), never an error."""
    return Paginator(directory_people(organisation, filters), DIRECTORY_PAGE_SIZE).get_page(page_number)


@dataclass(frozen=True)
class DirectoryChoices:
    departments: list[Department]
    sites: list[Site]
    grades: list[Grade]


def directory_choices(organisation: Organisation) -> DirectoryChoices:
    return DirectoryChoices(
        departments=list(Department.objects.filter(organisation=organisation)),
        sites=list(Site.objects.filter(organisation=organisation)),
        grades=list(Grade.objects.filter(organisation=organisation)),
    )


def reporting_chain(person: Person) -> list[Person]:
    """The person's managers from the top of the organisation down, in one query."""
    ancestor_ids = person.ancestor_ids
    by_id = Person.objects.employees().select_related("grade").in_bulk(ancestor_ids)
    return [by_id[ancestor_id] for ancestor_id in ancestor_ids if ancestor_id in by_id]


def descendants(person: Person) -> QuerySet[Person]:
    """Everyone who reports to ``person`` at any depth: one indexed prefix match."""
    return (
        Person.objects.employees()
        .filter(organisation_id=person.organisation_id, reporting_path__startswith=person.reporting_path)
        .exclude(pk=person.pk)
    )


def direct_reports(person: Person, page_number: str | int | None = 1) -> Page[Person]:
    """One page of the active direct reports, each with how many people they lead in total (org-chart navigation).

    At most three queries, whatever the number of reports; any page number gives a page, never an error.
    """
    reports = (
        Person.objects.employees().filter(manager=person, employment_status=EmploymentStatus.ACTIVE).select_related("grade", "department")
    )
    return _siblings_page(reports, page_number, parent_path=person.reporting_path)


def top_of_organisation(organisation: Organisation, page_number: str | int | None = 1) -> Page[Person]:
    """One page of the active people with no manager (the roots of the org chart), with team sizes.

    At most three queries, however flat the organisation (security finding 9); any page number gives a page.
    """
    roots = Person.objects.employees().filter(organisation=organisation, manager__isnull=True, employment_status=EmploymentStatus.ACTIVE)
    return _siblings_page(roots.select_related("grade", "department"), page_number, parent_path="/")


def _siblings_page(people: QuerySet[Person], page_number: str | int | None, *, parent_path: str) -> Page[Person]:
    """A page of people who share the manager whose path is ``parent_path`` ("/" for the roots), with team sizes."""
    page = Paginator(people.order_by("family_name", "given_name", "employee_id"), ORG_CHART_PAGE_SIZE).get_page(page_number)
    page.object_list = siblings = list(page.object_list)
    if siblings:
        _attach_team_sizes(siblings, parent_path=parent_path)
    return page


def _attach_team_sizes(siblings: list[Person], *, parent_path: str) -> None:
    """Set ``team_size`` (active people below, any depth) on each of ``siblings``, in one query.

    Everyone below a sibling has a path "<parent_path><sibling id>/…": one pass over the parent's subtree
    groups it by that id, instead of one prefix match per sibling and row. One SQL parameter a sibling:
    callers pass one page, never an unbounded list.
    """
    below_parent = Substr("reporting_path", len(parent_path) + 1)
    sibling_id = Left(below_parent, StrIndex(below_parent, Value("/")) - 1)
    counts = dict(
        Person.objects.employees()
        .filter(
            organisation_id=siblings[0].organisation_id,
            employment_status=EmploymentStatus.ACTIVE,
            reporting_path__startswith=parent_path,
            reporting_depth__gt=siblings[0].reporting_depth,
        )
        .annotate(sibling_id=sibling_id)
        .filter(sibling_id__in=[str(sibling.pk) for sibling in siblings])
        .order_by()
        .values("sibling_id")
        .annotate(team_size=Count("pk"))
        .values_list("sibling_id", "team_size")
    )
    for sibling in siblings:
        sibling.team_size = counts.get(str(sibling.pk), 0)  # type: ignore[attr-defined]
