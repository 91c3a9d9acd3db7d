from datetime import date
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from turnabout.people.queries import SEARCH_MAX_CHARACTERS, search_text_problem

# Ids are BigAutoField: anything beyond a signed 64-bit integer is refused before it reaches the database.
DATABASE_ID_MAX = 2**63 - 1
DatabaseId = Annotated[int, Field(ge=1, le=DATABASE_ID_MAX)]


def _within_search_limits(text: str) -> str:
    if problem := search_text_problem(text):
        raise PydanticCustomError("search_too_broad", problem)
    return text


class DirectoryQuery(Schema):
    """``GET /api/people/`` parameters: a search within the directory's limits, ids and a page number the database can hold."""

    q: Annotated[str, AfterValidator(_within_search_limits)] = Field("", max_length=SEARCH_MAX_CHARACTERS)
    department: DatabaseId | None = None
    site: DatabaseId | None = None
    grade: DatabaseId | None = None
    include_leavers: bool = False
    page: DatabaseId = 1


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
