"""Reads of the people directory, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from turnabout.accounts.models import Organisation
from turnabout.people.models import Department, EmploymentStatus, Grade, Person, Site

DIRECTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class DirectoryFilters:
    text: str = ""
    department_id: int | None = None
    site_id: int | None = None
    grade_id: int | None = None
    include_leavers: bool = False


def directory_people(organisation: Organisation, filters: DirectoryFilters) -> QuerySet[Person]:
    people = Person.objects.filter(organisation=organisation).select_related("grade", "department", "site")
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


def directory_page(organisation: Organisation, filters: DirectoryFilters, page_number: str | int | None) -> Page[Person]:
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
    by_id = Person.objects.select_related("grade").in_bulk(ancestor_ids)
    return [by_id[ancestor_id] for ancestor_id in ancestor_ids if ancestor_id in by_id]


def descendants(person: Person) -> QuerySet[Person]:
    """Everyone who reports to ``person`` at any depth: one indexed prefix match."""
    return Person.objects.filter(organisation_id=person.organisation_id, reporting_path__startswith=person.reporting_path).exclude(
        pk=person.pk
    )


def ancestor_ids_by_person(organisation: Organisation) -> dict[int, list[int]]:
    """Every person's ancestors' ids, for callers (matching) that check reporting lines in bulk."""
    return {
        person_id: [int(part) for part in path.strip("/").split("/")][:-1]
        for person_id, path in Person.objects.filter(organisation=organisation).values_list("id", "reporting_path")
    }


def direct_reports(person: Person) -> list[Person]:
    """Direct reports with how many people each leads in total (for org-chart navigation)."""
    reports = list(person.direct_reports.select_related("grade", "department").filter(employment_status=EmploymentStatus.ACTIVE))
    _attach_team_sizes(reports)
    return reports


def top_of_organisation(organisation: Organisation) -> list[Person]:
    """People with no manager: the roots of the org chart."""
    roots = list(
        Person.objects.filter(organisation=organisation, manager__isnull=True, employment_status=EmploymentStatus.ACTIVE).select_related(
            "grade", "department"
        )
    )
    _attach_team_sizes(roots)
    return roots


def _attach_team_sizes(people: list[Person]) -> None:
    """Set ``team_size`` (active people below, any depth) on each, in one query for all."""
    if not people:
        return
    counts = Person.objects.filter(organisation_id=people[0].organisation_id, employment_status=EmploymentStatus.ACTIVE).aggregate(
        **{str(p.pk): Count("pk", filter=Q(reporting_path__startswith=p.reporting_path) & ~Q(pk=p.pk)) for p in people}
    )
    for p in people:
        p.team_size = counts[str(p.pk)]  # type: ignore[attr-defined]
