from ninja import Path, Query, Router

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.api_types import DatabaseId, refusals
from turnabout.people.access import access_directory, access_person, sees_employment_details
from turnabout.people.models import Person
from turnabout.people.queries import DirectoryFilters, directory_page, reporting_chain
from turnabout.people.schemas import DirectoryQuery, NamedRef, PersonDetailOut, PersonPageOut, PersonSummaryOut

router = Router(tags=["people"])


def _summary(person: Person) -> PersonSummaryOut:
    return PersonSummaryOut(
        id=person.pk,
        employee_id=person.employee_id,
        full_name=person.full_name,
        email=person.email,
        job_title=person.job_title,
        grade=person.grade.code if person.grade else None,
        department=person.department.name if person.department else None,
        site=person.site.name if person.site else None,
        country=person.country,
    )


@router.get("", response={200: PersonPageOut, **refusals(401, 403, 422)}, summary="Search the directory")
def list_people(request: AuthenticatedRequest, query: Query[DirectoryQuery]) -> PersonPageOut:
    organisation = access_directory(request.user)
    filters = DirectoryFilters(
        text=query.q, department_id=query.department, site_id=query.site, grade_id=query.grade, include_leavers=query.include_leavers
    )
    page = directory_page(organisation, filters, query.page)
    return PersonPageOut(
        count=page.paginator.count, page=page.number, pages=page.paginator.num_pages, results=[_summary(p) for p in page.object_list]
    )


@router.get(
    "/{person_id}", response={200: PersonDetailOut, **refusals(401, 403, 404, 422)}, summary="One person with their reporting chain"
)
def get_person(request: AuthenticatedRequest, person_id: Path[DatabaseId]) -> PersonDetailOut:
    person = access_person(request.user, person_id)
    detail = PersonDetailOut(
        **_summary(person).dict(),
        timezone=person.timezone,
        languages=person.languages,
        manager_id=person.manager_id,
        reporting_chain=[NamedRef(id=m.pk, name=m.full_name) for m in reporting_chain(person)],
        skills=[NamedRef(id=level.skill_id, name=level.skill.name) for level in person.skill_levels.select_related("skill")],
    )
    if sees_employment_details(request.user):
        detail.hire_date, detail.employment_status, detail.end_date = person.hire_date, person.employment_status, person.end_date
    return detail
