"""The columns an HRIS import reads, described once: :data:`COLUMNS`, one :class:`Column` each.

Every other view of them is derived from that table: the order of a cleaned row (``COLUMN_NAMES``, ``COLUMN_INDEX``),
the header guess (``guess_mapping``), the mapping page's choices, the ``import-people`` command's field names, the
Person values the import compares and writes (``FIELD_COLUMNS``), the defaults of a new person and the longest value a
text cell may hold (both read from the Person model, which keeps them). A column is of one of two kinds: it fills a
Person ``field``, or it sets the person's rows of a ``relation`` (``communities``: their HRIS-sourced community
memberships); relation columns come last, so a field column's position is the same in both tables. Nothing here
touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache, cached_property
from typing import Any
from zoneinfo import available_timezones

from django.db.models import Field
from django.utils.translation import gettext_noop

from turnabout.core.email import DIRECTION_CONTROLS
from turnabout.people.errors import CellRefused
from turnabout.people.languages import language_codes, supported_language
from turnabout.people.models import EmploymentStatus, Person

# --------------------------------------------------------------------------------------------------
# Cell cleaning: each cleaner returns the stored value or raises CellRefused with the reason a person reads.

# ISO 3166-1 alpha-2, plus XK (Kosovo), which HR systems use although it is user-assigned.
COUNTRY_CODES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
    CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH
    GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG
    NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN
    SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE
    YT ZA ZM ZW""".split()  # noqa: SIM905
)
# ISO 639-1 two-letter language codes.
LANGUAGE_CODES = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et
    eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl
    km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj
    om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to
    tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()  # noqa: SIM905
)
_LANGUAGE_SEPARATORS = re.compile(r"[;|,\s]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Not a full RFC 5322 check: one @, no spaces, a dot in the domain — what HR exports get wrong in practice.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
STATUS_WORDS = {
    "active": EmploymentStatus.ACTIVE.value,
    "leaver": EmploymentStatus.LEAVER.value,
    "left": EmploymentStatus.LEAVER.value,
    "terminated": EmploymentStatus.LEAVER.value,
    "inactive": EmploymentStatus.LEAVER.value,
}
# Control characters other than tab and line breaks (a multi-line job title is fine; the PDF and emails flatten it),
# and the direction controls, which would show the text after them reversed (the marks U+200E/U+200F are text).
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DIRECTION_CONTROL = re.compile(f"[{DIRECTION_CONTROLS}]")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise CellRefused("is not an email address")
    return value.lower()


def clean_country(value: str) -> str:
    code = value.upper()
    if code == "UK":
        raise CellRefused("is not an ISO 3166 country code; the United Kingdom is GB")
    if len(code) != 2 or code not in COUNTRY_CODES:
        raise CellRefused("is not an ISO 3166-1 alpha-2 country code (two letters, e.g. GB, FR, US)")
    return code


def clean_timezone(value: str) -> str:
    if value not in _timezones():
        raise CellRefused("is not an IANA time zone (e.g. Europe/London, America/New_York; names are case-sensitive)")
    return value


def clean_date(value: str) -> date:
    if not _ISO_DATE.fullmatch(value):
        raise CellRefused("is not a date in YYYY-MM-DD form (day/month order is ambiguous, so 03/04/2024 is refused)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CellRefused("is not a real calendar date") from None


def clean_languages(value: str) -> tuple[str, ...]:
    codes: list[str] = []
    for code in _LANGUAGE_SEPARATORS.split(value.lower()):
        if not code:
            continue
        if code not in LANGUAGE_CODES:
            raise CellRefused(f"contains '{code}', which is not an ISO 639-1 language code (two letters, e.g. en, fr)")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def clean_preferred_language(value: str) -> str:
    """One of the languages Turnabout speaks (settings.LANGUAGES), or a regional variant of one (es-MX is es)."""
    code = supported_language(value)
    if code is None:
        raise CellRefused(f"is not a language Turnabout speaks: use one of {', '.join(language_codes())}")
    return code


def clean_status(value: str) -> str:
    try:
        return STATUS_WORDS[value.lower()]
    except KeyError:
        raise CellRefused("is not an employment status: use active or leaver") from None


def clean_community_names(value: str) -> tuple[str, ...]:
    """Community names separated by ``;``, each once (compared ignoring case); the import matches them to the directory."""
    names: dict[str, str] = {}
    for name in value.split(";"):
        name = name.strip()
        if name:
            names.setdefault(name.casefold(), name)
    return tuple(names.values())


def _refuse_unprintable(value: str) -> None:
    """Refuse control characters before any other check: a NUL passed the email check, then PostgreSQL refused to store it."""
    found = _CONTROL_CHARACTER.search(value)
    if found:
        raise CellRefused(f"contains a control character (U+{ord(found.group()):04X}), which cannot be stored")
    found = _DIRECTION_CONTROL.search(value)
    if found:
        code_point = f"U+{ord(found.group()):04X}"
        raise CellRefused(f"contains a direction control character ({code_point}), which would show the text after it reversed")


# --------------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Column:
    """One column an HRIS file may hold, and everything the import, its pages and its command know about it.

    ``label`` is English (``gettext_noop``), as problems, the audit trail and stored summaries keep it; pages show
    ``gettext(label)``. ``aliases`` are the headers guessed as this column, compared after ``normalise_header``.
    A cell names a person's ``field`` directly or, for a key, the related row by its ``matched_by`` field (a grade by
    its code). A column without a field fills the ``relation`` it names instead (``communities``: the cell lists the
    person's communities, and the import sets their HRIS-sourced memberships to exactly those). ``clean`` turns a cell
    into the stored value; a column without one keeps the text, refused past the model field's length.
    ``problem_code`` is the code of a cell ``clean`` refuses.
    """

    name: str
    label: str
    aliases: tuple[str, ...]
    field: str | None
    matched_by: str | None = None
    required: bool = False
    clean: Callable[[str], Any] | None = None
    problem_code: str = "too_long"
    relation: str | None = None

    def __post_init__(self) -> None:
        assert (self.field is None) != (self.relation is None), f"{self.name}: a column fills a field or a relation"

    @cached_property
    def model_field(self) -> Field[Any, Any]:
        """The Person field the column fills (a relation column has none)."""
        assert self.field is not None, f"{self.name} fills the relation {self.relation}, not a Person field"
        field = Person._meta.get_field(self.field)
        assert isinstance(field, Field)
        return field

    @cached_property
    def max_length(self) -> int | None:
        """The longest text kept, from the model (the related row's field for a key); None when ``clean`` bounds it."""
        if self.clean is not None:
            return None
        field: Any = self.model_field
        if self.matched_by is not None:
            field = field.related_model._meta.get_field(self.matched_by)
        return int(field.max_length)

    @property
    def compared(self) -> str:
        """What the import reads of an existing person to compare with the cell (``values_list`` path)."""
        assert self.field is not None, f"{self.name} fills the relation {self.relation}, not a Person field"
        return self.field if self.matched_by is None else f"{self.field}__{self.matched_by}"

    @property
    def written(self) -> str:
        """The Person column the import writes (a key as its id)."""
        return self.model_field.attname

    @cached_property
    def default(self) -> Any:
        """A new person's value when the column is not mapped, or its cell is empty: the model field's default."""
        value = self.model_field.get_default()
        if isinstance(value, list):
            return tuple(value)  # compared as a tuple, written as a list
        return value.value if isinstance(value, Enum) else value

    def parse(self, value: str) -> Any:
        """The stored value of a non-empty cell; raises CellRefused with the reason a person reads."""
        _refuse_unprintable(value)
        if self.clean is not None:
            return self.clean(value)
        limit = self.max_length
        if limit is not None and len(value) > limit:
            raise CellRefused(f"is {len(value)} characters long; at most {limit} fit")
        return value


# In the order of a cleaned row. Aliases are headers HRIS exports commonly use.
COLUMNS: tuple[Column, ...] = (
    Column("employee_id", gettext_noop("Employee id"), field="employee_id", required=True, aliases=(
        "employeeid", "employeenumber", "employeeno", "employeenum", "empid", "empno", "staffid", "staffnumber",
        "personnelnumber", "personid", "workerid", "payrollnumber", "employeecode", "id")),
    Column("given_name", gettext_noop("Given name"), field="given_name", aliases=(
        "givenname", "firstname", "forename", "legalfirstname", "first")),
    Column("family_name", gettext_noop("Family name"), field="family_name", aliases=(
        "familyname", "lastname", "surname", "legallastname", "last")),
    Column("email", gettext_noop("Email"), field="email", required=True, clean=clean_email, problem_code="bad_email", aliases=(
        "email", "emailaddress", "workemail", "workemailaddress", "businessemail", "officeemail", "primaryemail", "mail")),
    Column("job_title", gettext_noop("Job title"), field="job_title", aliases=(
        "jobtitle", "title", "position", "positiontitle", "businesstitle", "jobname", "role")),
    Column("grade", gettext_noop("Grade"), field="grade", matched_by="code", aliases=(
        "grade", "jobgrade", "gradecode", "paygrade", "salarygrade", "band", "jobband", "level", "joblevel")),
    Column("department", gettext_noop("Department"), field="department", matched_by="name", aliases=(
        "department", "departmentname", "dept", "team", "division", "businessunit", "orgunit", "organisationunit",
        "organizationunit")),
    Column("site", gettext_noop("Site"), field="site", matched_by="name", aliases=(
        "site", "sitename", "location", "worklocation", "office", "officelocation", "workplace")),
    Column("country", gettext_noop("Country"), field="country", clean=clean_country, problem_code="bad_country", aliases=(
        "country", "countrycode", "workcountry", "countryiso")),
    Column("timezone", gettext_noop("Time zone"), field="timezone", clean=clean_timezone, problem_code="unknown_timezone", aliases=(
        "timezone", "tz", "timezonename", "iana", "ianatimezone")),
    Column("manager_employee_id", gettext_noop("Manager employee id"), field="manager", matched_by="employee_id", aliases=(
        "manageremployeeid", "managerid", "manageremployeenumber", "managernumber", "managerempid", "managerno", "reportsto",
        "reportstoid", "supervisorid", "supervisoremployeeid", "linemanagerid", "linemanageremployeeid")),
    Column("hire_date", gettext_noop("Hire date"), field="hire_date", clean=clean_date, problem_code="bad_date", aliases=(
        "hiredate", "startdate", "dateofhire", "joindate", "joiningdate", "datejoined", "originalhiredate",
        "employmentstartdate", "datehired")),
    Column("end_date", gettext_noop("End date"), field="end_date", clean=clean_date, problem_code="bad_date", aliases=(
        "enddate", "terminationdate", "leavingdate", "leavedate", "exitdate", "lastworkingday", "lastdayofwork",
        "employmentenddate", "dateleft")),
    Column("languages", gettext_noop("Languages"), field="languages", clean=clean_languages, problem_code="bad_language", aliases=(
        "languages", "language", "spokenlanguages", "languagecodes")),
    Column("employment_status", gettext_noop("Employment status"), field="employment_status", clean=clean_status,
           problem_code="unknown_status", aliases=("employmentstatus", "status", "employeestatus", "workerstatus")),
    Column("preferred_language", gettext_noop("Preferred language"), field="preferred_language", clean=clean_preferred_language,
           problem_code="unknown_preferred_language", aliases=(
        "preferredlanguage", "displaylanguage", "uilanguage", "locale", "languagepreference", "communicationlanguage",
        "correspondencelanguage")),
    # Relation columns, after every field column.
    Column("communities", gettext_noop("Communities"), field=None, relation="communities", clean=clean_community_names,
           problem_code="unknown_community", aliases=(
        "communities", "community", "networks", "employeenetworks", "employeeresourcegroups", "ergs", "erg")),
)  # fmt: skip

# The columns that fill a Person field: a prefix of COLUMNS, so a cleaned row's first values are theirs, in this order.
FIELD_COLUMNS: tuple[Column, ...] = tuple(column for column in COLUMNS if column.field is not None)
assert COLUMNS[: len(FIELD_COLUMNS)] == FIELD_COLUMNS, "relation columns come after every field column"

COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
COLUMN_INDEX: dict[str, int] = {name: index for index, name in enumerate(COLUMN_NAMES)}
COLUMN_NAMED: dict[str, Column] = {column.name: column for column in COLUMNS}
_COLUMN_OF_ALIAS: dict[str, str] = {alias: column.name for column in COLUMNS for alias in column.aliases}

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def normalise_header(header: str) -> str:
    """Compare headers without case, spaces, underscores or punctuation.

    >>> normalise_header(" Work_E-mail ")
    'workemail'
    """
    return _NOT_ALPHANUMERIC.sub("", header.casefold())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Map columns to the file's headers by the columns' aliases; unknown headers stay unmapped.

    >>> mapping = guess_mapping(["Employee Number", "Work Email", "Manager ID", "Start Date", "Location", "Job Grade", "Notes"])
    >>> mapping["employee_id"], mapping["email"], mapping["site"], "Notes" in mapping.values()
    ('Employee Number', 'Work Email', 'Location', False)
    """
    mapping: dict[str, str] = {}
    for header in headers:
        name = _COLUMN_OF_ALIAS.get(normalise_header(header))
        if name is not None and name not in mapping:
            mapping[name] = header
    return mapping
