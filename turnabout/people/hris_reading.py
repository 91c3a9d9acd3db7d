"""Reading HRIS exports: CSV or XLSX files streamed row by row, header mapping, and per-cell cleaning.

Nothing here touches the database. Rows are yielded as ``(row_number, values)`` where row numbers are
what a spreadsheet shows (the header is row 1, so the first data row is row 2; a quoted multi-line cell
stays one row) and ``values`` is a list of stripped strings, one per column of the file. Every read is
bounded by the limits of ``hris_limits`` (header and cell lengths, columns, rows, an XLSX's unpacked size).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any
from zoneinfo import available_timezones

from django.utils.translation import gettext_noop

from turnabout.core.email import DIRECTION_CONTROLS
from turnabout.people.errors import ImportFileUnreadable
from turnabout.people.hris_limits import (
    MAX_CELL_CHARS,
    LimitedLines,
    check_cells,
    check_headers,
    check_row_counts,
    check_xlsx_archive,
    within_columns,
)
from turnabout.people.languages import language_codes, supported_language

# The target fields, in the order every cleaned row tuple uses.
FIELDS: tuple[str, ...] = (
    "employee_id",
    "given_name",
    "family_name",
    "email",
    "job_title",
    "grade",
    "department",
    "site",
    "country",
    "timezone",
    "manager_employee_id",
    "hire_date",
    "end_date",
    "languages",
    "employment_status",
    "preferred_language",
)
FIELD_INDEX: dict[str, int] = {name: index for index, name in enumerate(FIELDS)}
REQUIRED_FIELDS: frozenset[str] = frozenset({"employee_id", "email"})
# English, as the audit trail and stored summaries keep them; pages show gettext(label).
FIELD_LABELS: dict[str, str] = {
    "employee_id": gettext_noop("Employee id"),
    "given_name": gettext_noop("Given name"),
    "family_name": gettext_noop("Family name"),
    "email": gettext_noop("Email"),
    "job_title": gettext_noop("Job title"),
    "grade": gettext_noop("Grade"),
    "department": gettext_noop("Department"),
    "site": gettext_noop("Site"),
    "country": gettext_noop("Country"),
    "timezone": gettext_noop("Time zone"),
    "manager_employee_id": gettext_noop("Manager employee id"),
    "hire_date": gettext_noop("Hire date"),
    "end_date": gettext_noop("End date"),
    "languages": gettext_noop("Languages"),
    "employment_status": gettext_noop("Employment status"),
    "preferred_language": gettext_noop("Preferred language"),
}

# Header names HRIS exports commonly use, compared after normalise_header().
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "employee_id": ("employeeid", "employeenumber", "employeeno", "employeenum", "empid", "empno", "staffid", "staffnumber",
                    "personnelnumber", "personid", "workerid", "payrollnumber", "employeecode", "id"),
    "given_name": ("givenname", "firstname", "forename", "legalfirstname", "first"),
    "family_name": ("familyname", "lastname", "surname", "legallastname", "last"),
    "email": ("email", "emailaddress", "workemail", "workemailaddress", "businessemail", "officeemail", "primaryemail", "mail"),
    "job_title": ("jobtitle", "title", "position", "positiontitle", "businesstitle", "jobname", "role"),
    "grade": ("grade", "jobgrade", "gradecode", "paygrade", "salarygrade", "band", "jobband", "level", "joblevel"),
    "department": ("department", "departmentname", "dept", "team", "division", "businessunit", "orgunit", "organisationunit",
                   "organizationunit"),
    "site": ("site", "sitename", "location", "worklocation", "office", "officelocation", "workplace"),
    "country": ("country", "countrycode", "workcountry", "countryiso"),
    "timezone": ("timezone", "tz", "timezonename", "iana", "ianatimezone"),
    "manager_employee_id": ("manageremployeeid", "managerid", "manageremployeenumber", "managernumber", "managerempid", "managerno",
                            "reportsto", "reportstoid", "supervisorid", "supervisoremployeeid", "linemanagerid", "linemanageremployeeid"),
    "hire_date": ("hiredate", "startdate", "dateofhire", "joindate", "joiningdate", "datejoined", "originalhiredate",
                  "employmentstartdate", "datehired"),
    "end_date": ("enddate", "terminationdate", "leavingdate", "leavedate", "exitdate", "lastworkingday", "lastdayofwork",
                 "employmentenddate", "dateleft"),
    "languages": ("languages", "language", "spokenlanguages", "languagecodes"),
    "employment_status": ("employmentstatus", "status", "employeestatus", "workerstatus"),
    "preferred_language": ("preferredlanguage", "displaylanguage", "uilanguage", "locale", "languagepreference",
                           "communicationlanguage", "correspondencelanguage"),
}  # fmt: skip

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def normalise_header(header: str) -> str:
    """Compare headers without case, spaces, underscores or punctuation.

    >>> normalise_header(" Work_E-mail ")
    'workemail'
    """
    return _NOT_ALPHANUMERIC.sub("", header.casefold())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Map target fields to the file's headers by name and common HRIS synonyms; unknown headers stay unmapped.

    >>> mapping = guess_mapping(["Employee Number", "Work Email", "Manager ID", "Start Date", "Location", "Job Grade", "Notes"])
    >>> mapping["employee_id"], mapping["email"], mapping["site"], "Notes" in mapping.values()
    ('Employee Number', 'Work Email', 'Location', False)
    """
    field_for = {synonym: field for field, synonyms in HEADER_SYNONYMS.items() for synonym in synonyms}
    mapping: dict[str, str] = {}
    for header in headers:
        field = field_for.get(normalise_header(header))
        if field is not None and field not in mapping:
            mapping[field] = header
    return mapping


# --------------------------------------------------------------------------------------------------
# Files


@dataclass(frozen=True)
class ImportFile:
    """An uploaded or on-disk file, re-openable so the importer can stream it twice (check, then write)."""

    name: str
    path: Path | None = None
    content: bytes | None = None

    @classmethod
    def from_path(cls, path: Path | str) -> ImportFile:
        path = Path(path)
        return cls(name=path.name, path=path)

    @classmethod
    def from_bytes(cls, name: str, content: bytes) -> ImportFile:
        return cls(name=name, content=content)

    def open(self) -> IO[bytes]:
        if self.content is not None:
            return io.BytesIO(self.content)
        assert self.path is not None
        try:
            return self.path.open("rb")
        except OSError as error:
            raise ImportFileUnreadable(f"Cannot open {self.name}: {error.strerror}.") from None

    @property
    def kind(self) -> str:
        """``"xlsx"`` or ``"csv"``, decided by the content, not the name; refuses other spreadsheet formats."""
        with self.open() as stream:
            start = stream.read(8)
        if start.startswith(b"PK\x03\x04"):
            return "xlsx"
        if start.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportFileUnreadable("This is an old Excel .xls file. Save it as .xlsx or as CSV UTF-8 and upload it again.")
        if start.startswith(b"%PDF"):
            raise ImportFileUnreadable("This is a PDF. Export the people list from your HR system as CSV or XLSX.")
        return "csv"


ACCEPTED_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")


def read_headers(file: ImportFile) -> list[str]:
    """The file's header row (row 1), stripped; raises ImportFileUnreadable when there is none or it breaks a limit."""
    rows = iter_rows(file, include_header=True)
    try:
        _, headers = next(rows)
    except StopIteration:
        raise ImportFileUnreadable("The file is empty: row 1 should hold the column headers.") from None
    finally:
        rows.close()  # type: ignore[attr-defined]
    if not any(headers):
        raise ImportFileUnreadable("Row 1 is blank: it should hold the column headers.")
    return [header or f"Column {position}" for position, header in enumerate(headers, start=1)]


def iter_rows(file: ImportFile, *, include_header: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(row_number, values)`` for each non-blank row, streaming: memory does not grow with the file.

    Raises ImportFileUnreadable, naming the limit and the value found, at the first header, cell, column count or
    row count past its limit (``hris_limits``): a file is refused as soon as it is known to be too big.
    """
    rows = _iter_xlsx(file) if file.kind == "xlsx" else _iter_csv(file)
    people_rows = 0
    for row_number, cells in rows:
        values = within_columns(row_number, cells, empty="")
        if row_number == 1:
            check_headers(values)
            if include_header:
                yield row_number, values
            continue
        if not any(values):
            check_row_counts(row_number, people_rows)
            continue
        check_cells(row_number, values)
        people_rows += 1
        check_row_counts(row_number, people_rows)
        yield row_number, values


def _iter_csv(file: ImportFile) -> Iterator[tuple[int, list[str]]]:
    with file.open() as binary:
        # utf-8-sig drops a byte order mark; newline="" lets the csv module keep quoted newlines.
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
        row_number = 0
        try:
            sample = text.read(64 * 1024)
            text.seek(0)
            lines = LimitedLines(text)
            reader = csv.reader(lines, delimiter=_sniff_delimiter(sample), strict=True)
            for row_number, values in enumerate(reader, start=1):
                yield row_number, [value.strip() for value in values]
        except UnicodeDecodeError:
            raise ImportFileUnreadable(
                "The file is not UTF-8 text. In your spreadsheet choose “CSV UTF-8” (or save as XLSX) and upload it again."
            ) from None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise ImportFileUnreadable(
                    f"row {row_number + 1:,}: a cell is more than {csv.field_size_limit():,} characters long; at most {MAX_CELL_CHARS:,}."
                ) from None
            raise ImportFileUnreadable(f"The CSV is malformed near line {lines.line_number}: {error}.") from None


def _sniff_delimiter(sample: str) -> str:
    """The delimiter of the header line: the most frequent of tab, ';' and ',' (',' when there is none)."""
    header_line = sample.split("\n", 1)[0]
    counts = {delimiter: header_line.count(delimiter) for delimiter in ("\t", ";", ",")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _iter_xlsx(file: ImportFile) -> Iterator[tuple[int, list[str]]]:
    with file.open() as binary:
        check_xlsx_archive(binary)
        unreadable = (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, EOFError)
        try:
            workbook, sheet = _open_first_sheet(binary)
        except unreadable as error:
            raise ImportFileUnreadable(f"The XLSX file cannot be read ({error}). Open and save it again in Excel, or export CSV.") from None
        try:
            for row_number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                # Trimmed before each cell is converted: a row may reach column 16,384 with a single cell.
                yield row_number, [_cell_text(cell) for cell in within_columns(row_number, list(cells), empty=None)]
        except unreadable as error:
            raise ImportFileUnreadable(f"The XLSX file cannot be read ({error}). Open and save it again in Excel, or export CSV.") from None
        finally:
            workbook.close()


def _open_first_sheet(binary: IO[bytes]) -> tuple[Any, Any]:
    """The workbook and its first worksheet, read-only, opened as ``openpyxl.load_workbook`` does but without two costs.

    ``load_workbook`` opens every sheet, and opening one without a ``<dimension>`` element (openpyxl's own write-only
    output has none) parses the whole sheet just to size it: a 100,000-row upload took 27 s before its header was
    read. Here only the first worksheet is opened, unsized, so rows are read to their real end.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(binary, read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)  # the date formats, so date cells arrive as dates
    for sheet, relation in reader.parser.find_sheets():
        if relation.target in reader.valid_files and "chartsheet" not in relation.Type:
            return reader.wb, _unsized_sheet_class()(reader.wb, sheet.name, relation.target, reader.shared_strings)
    reader.wb.close()
    raise ImportFileUnreadable("The XLSX file has no worksheet. Export the people list as CSV or XLSX again.")


@cache
def _unsized_sheet_class() -> type:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            """Left unsized: rows are read to the real end (some writers also store a wrong used range)."""

    return UnsizedSheet


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numeric employee ids arrive as 1001.0
    return str(value).strip()


# --------------------------------------------------------------------------------------------------
# Cell cleaning: each cleaner returns the stored value or raises ValueError with the reason a person reads.

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
STATUS_WORDS = {"active": "active", "leaver": "leaver", "left": "leaver", "terminated": "leaver", "inactive": "leaver"}


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _limited(maximum: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        if len(value) > maximum:
            raise ValueError(f"is {len(value)} characters long; at most {maximum} fit")
        return value

    return clean


def clean_email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError("is not an email address")
    return value.lower()


def clean_country(value: str) -> str:
    code = value.upper()
    if code == "UK":
        raise ValueError("is not an ISO 3166 country code; the United Kingdom is GB")
    if len(code) != 2 or code not in COUNTRY_CODES:
        raise ValueError("is not an ISO 3166-1 alpha-2 country code (two letters, e.g. GB, FR, US)")
    return code


def clean_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError("is not an IANA time zone (e.g. Europe/London, America/New_York; names are case-sensitive)")
    return value


def clean_date(value: str) -> date:
    if not _ISO_DATE.fullmatch(value):
        raise ValueError("is not a date in YYYY-MM-DD form (day/month order is ambiguous, so 03/04/2024 is refused)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a real calendar date") from None


def clean_languages(value: str) -> tuple[str, ...]:
    codes: list[str] = []
    for code in _LANGUAGE_SEPARATORS.split(value.lower()):
        if not code:
            continue
        if code not in LANGUAGE_CODES:
            raise ValueError(f"contains '{code}', which is not an ISO 639-1 language code (two letters, e.g. en, fr)")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def clean_preferred_language(value: str) -> str:
    """One of the languages Turnabout speaks (settings.LANGUAGES), or a regional variant of one (es-MX is es)."""
    code = supported_language(value)
    if code is None:
        raise ValueError(f"is not a language Turnabout speaks: use one of {', '.join(language_codes())}")
    return code


def clean_status(value: str) -> str:
    try:
        return STATUS_WORDS[value.lower()]
    except KeyError:
        raise ValueError("is not an employment status: use active or leaver") from None


# Control characters other than tab and line breaks (a multi-line job title is fine; the PDF and emails flatten it),
# and the direction controls, which would show the text after them reversed (the marks U+200E/U+200F are text).
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DIRECTION_CONTROL = re.compile(f"[{DIRECTION_CONTROLS}]")


def _printable(clean: Callable[[str], Any]) -> Callable[[str], Any]:
    """``clean``, after refusing control characters: a NUL passed the email check, then PostgreSQL refused to store it."""

    def checked(value: str) -> Any:
        found = _CONTROL_CHARACTER.search(value)
        if found:
            raise ValueError(f"contains a control character (U+{ord(found.group()):04X}), which cannot be stored")
        found = _DIRECTION_CONTROL.search(value)
        if found:
            code_point = f"U+{ord(found.group()):04X}"
            raise ValueError(f"contains a direction control character ({code_point}), which would show the text after it reversed")
        return clean(value)

    return checked


_FIELD_CLEANERS: Mapping[str, Callable[[str], Any]] = {
    "employee_id": _limited(64),
    "given_name": _limited(100),
    "family_name": _limited(100),
    "email": clean_email,
    "job_title": _limited(200),
    "grade": _limited(30),
    "department": _limited(150),
    "site": _limited(150),
    "country": clean_country,
    "timezone": clean_timezone,
    "manager_employee_id": _limited(64),
    "hire_date": clean_date,
    "end_date": clean_date,
    "languages": clean_languages,
    "employment_status": clean_status,
    "preferred_language": clean_preferred_language,
}
CLEANERS: Mapping[str, Callable[[str], Any]] = {name: _printable(clean) for name, clean in _FIELD_CLEANERS.items()}
