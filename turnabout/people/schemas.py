from datetime import date

from ninja import Schema


class NamedRef(Schema):
    id: int
    name: str


class PersonSummaryOut(Schema):
    id: int
    employee_id: str
    full_name: str
    email: str
    job_title: str
    grade: str | None
    department: str | None
    site: str | None
    country: str


class PersonDetailOut(PersonSummaryOut):
    timezone: str
    languages: list[str]
    manager_id: int | None
    reporting_chain: list[NamedRef]
    skills: list[NamedRef]
    hire_date: date | None = None
    employment_status: str | None = None
    end_date: date | None = None


class PersonPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PersonSummaryOut]
