from datetime import date
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from turnabout.core.api_types import DatabaseId, PageNumber, Text
from turnabout.people.queries import SEARCH_MAX_CHARACTERS, search_text_problem


def _within_search_limits(text: str) -> str:
    if problem := search_text_problem(text):
        raise PydanticCustomError("search_too_broad", problem)
    return text


class DirectoryQuery(Schema):
    """``GET /api/people/`` parameters: a search within the directory's limits, ids the database can hold, a page from 1."""

    q: Annotated[str, Text(SEARCH_MAX_CHARACTERS), AfterValidator(_within_search_limits)] = ""
    department: DatabaseId | None = None
    site: DatabaseId | None = None
    grade: DatabaseId | None = None
    include_leavers: bool = False
    page: PageNumber = 1


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
