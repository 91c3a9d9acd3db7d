"""The directory as an HRIS import checks against it: names cells are matched to, and who is there, each read at once.

The import reads these twice: for its check, and again inside its write transaction, where they are the truth.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property

from django.db.models import QuerySet
from django.db.models.functions import Lower

from turnabout.accounts.models import Organisation
from turnabout.people.models import Community, Department, EmploymentStatus, Grade, Person, Site


class DirectoryNames:
    """The organisation's grade codes, departments, sites and communities, which cells are matched against."""

    def __init__(self, organisation: Organisation) -> None:
        self.grades: dict[str, int] = dict(Grade.objects.filter(organisation=organisation).values_list("code", "id"))
        self.grade_codes = {code.upper(): code for code in self.grades}
        # name.casefold() → (name as stored, id)
        self.departments = {
            name.casefold(): (name, pk) for pk, name in Department.objects.filter(organisation=organisation).values_list("id", "name")
        }
        self.sites = {name.casefold(): (name, pk) for pk, name in Site.objects.filter(organisation=organisation).values_list("id", "name")}
        self.communities = {
            name.casefold(): pk for pk, name in Community.objects.filter(organisation=organisation).values_list("id", "name")
        }


class DirectoryPeople:
    """The organisation's people as the directory checks and the reporting lines need them, read in one query."""

    def __init__(self, organisation: Organisation) -> None:
        people = people_of(organisation).annotate(email_lower=Lower("email"))
        # (id, employee id, email in lower case, manager id, employment status, reporting path, reporting depth)
        self.rows: list[tuple[int, str, str, int | None, str, str, int]] = list(
            people.values_list("id", "employee_id", "email_lower", "manager_id", "employment_status", "reporting_path", "reporting_depth")
        )

    @cached_property
    def id_of(self) -> dict[str, int]:
        return {employee_id: pk for pk, employee_id, *_ in self.rows}

    @cached_property
    def holder_of_email(self) -> dict[str, str]:
        return {email: employee_id for _, employee_id, email, *_ in self.rows}

    def managers_by_employee_id(self) -> dict[str, str | None]:
        employee_of = {pk: employee_id for pk, employee_id, *_ in self.rows}
        return {employee_id: employee_of.get(manager_id) for _, employee_id, _, manager_id, *_ in self.rows}  # type: ignore[arg-type]

    def active_missing(self, in_file: Mapping[str, int]) -> list[int]:
        """Ids of the active people whose employee id is not in ``in_file``."""
        return [pk for pk, employee_id, _, _, status, *_ in self.rows if status == EmploymentStatus.ACTIVE and employee_id not in in_file]


def people_of(organisation: Organisation) -> QuerySet[Person]:
    """The organisation's employees (guests are never the import's), unordered: Person's default ordering would make
    SQLite walk the name index."""
    return Person.objects.employees().filter(organisation=organisation).order_by()


def manager_cycles(managers: Mapping[str, str | None]) -> Iterator[list[str]]:
    """Each loop in a manager graph once, as the list of its members (walks are iterative: no recursion limit)."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    for start in managers:
        if start in state:
            continue
        walk: list[str] = []
        current: str | None = start
        while current is not None and current in managers and current not in state:
            state[current] = 1
            walk.append(current)
            current = managers[current]
        if current is not None and state.get(current) == 1:
            yield walk[walk.index(current) :]
        for member in walk:
            state[member] = 2
