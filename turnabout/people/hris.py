"""HRIS import: check a whole file against the directory, then upsert it by employee id, all or nothing.

The file is streamed twice — once to check every row and count what would change, once (only when the
check found no problem) to write — so memory holds a few strings per employee, never the rows themselves.
``preview_people_import`` and ``apply_people_import`` are the entry points; the UI and the
``import-people`` command both call them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone

from turnabout.accounts.models import Organisation
from turnabout.core.hooks import people_left
from turnabout.people.errors import ImportRejected
from turnabout.people.hris_reading import (
    CLEANERS,
    FIELD_INDEX,
    FIELD_LABELS,
    FIELDS,
    REQUIRED_FIELDS,
    ImportFile,
    iter_rows,
    read_headers,
)
from turnabout.people.hris_writing import insert_many, update_many
from turnabout.people.models import Department, EmploymentStatus, Grade, GradeChange, Person, Site
from turnabout.people.reporting import compute_reporting_paths
from turnabout.people.services import rebuild_reporting_paths

CHUNK_ROWS = 1000
MAX_PROBLEMS = 5000  # kept in full; beyond it only counted, so a wholly wrong 100k-row file stays cheap
SAMPLE_CHANGES = 20

# Person columns read for comparison, index-aligned with FIELDS, then the primary key.
_EXISTING_COLUMNS = (
    "employee_id", "given_name", "family_name", "email", "job_title", "grade__code", "department__name", "site__name",
    "country", "timezone", "manager__employee_id", "hire_date", "end_date", "languages", "employment_status", "id",
)  # fmt: skip
_DEFAULTS: tuple[Any, ...] = ("", "", "", "", "", None, None, None, "", "UTC", None, None, None, (), EmploymentStatus.ACTIVE.value)
_PROBLEM_CODES = {
    "email": "bad_email",
    "country": "bad_country",
    "timezone": "unknown_timezone",
    "hire_date": "bad_date",
    "end_date": "bad_date",
    "languages": "bad_language",
    "employment_status": "unknown_status",
}
# Person fields an import writes, in the order of _ImportRun._model_values (the manager is written once everyone exists).
_WRITTEN_FIELDS = (
    "employee_id", "given_name", "family_name", "email", "job_title", "grade_id", "department_id", "site_id",
    "country", "timezone", "hire_date", "end_date", "languages", "employment_status",
)  # fmt: skip

EMPLOYEE_ID, EMAIL, GRADE, DEPARTMENT, SITE = (FIELD_INDEX[name] for name in ("employee_id", "email", "grade", "department", "site"))
MANAGER, HIRE_DATE, END_DATE, LANGUAGES, STATUS, TIMEZONE = (
    FIELD_INDEX[name] for name in ("manager_employee_id", "hire_date", "end_date", "languages", "employment_status", "timezone")
)
_BLANK_WHEN_EMPTY = tuple(FIELD_INDEX[name] for name in ("given_name", "family_name", "job_title", "country"))


class _UnknownGrade(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with the file, where the user can find it: ``row`` 1 is the header row."""

    row: int
    column: str
    value: str
    reason: str
    code: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}, value '{self.value}': {self.reason}"


@dataclass
class ImportResult:
    """What an import did (or, for a preview, would do). ``problems`` non-empty means nothing was or will be written."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    leavers_marked: int = 0
    missing_marked: int = 0
    departments_created: list[str] = field(default_factory=list)
    sites_created: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0
    applied: bool = False

    @property
    def has_problems(self) -> bool:
        return self.problem_count > 0

    def summary_line(self) -> str:
        line = f"{self.rows} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
        line += f"{self.leavers_marked} newly marked as leavers"
        if self.missing_marked:
            line += f", {self.missing_marked} missing from the file marked as leavers"
        return line + "."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe copy, stored on ImportJob.summary."""
        return {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "leavers_marked": self.leavers_marked, "missing_marked": self.missing_marked,
            "departments_created": self.departments_created, "sites_created": self.sites_created,
            "changes": self.changes, "problem_count": self.problem_count, "applied": self.applied,
            "problems": [{"row": p.row, "column": p.column, "value": p.value, "reason": p.reason, "code": p.code} for p in self.problems],
        }  # fmt: skip


def preview_people_import(
    *, organisation: Organisation, file: ImportFile, mapping: Mapping[str, str] | None = None, mark_missing_as_leavers: bool = False
) -> ImportResult:
    """Check ``file`` against the current directory and count what applying it would change; writes nothing.

    ``mapping`` maps target fields to the file's headers (guessed from the headers when None). Every problem
    found is in ``result.problems``; raises ImportFileUnreadable only when the file cannot be read at all.
    """
    run = _ImportRun(organisation=organisation, file=file, mapping=mapping, mark_missing_as_leavers=mark_missing_as_leavers)
    run.check()
    return run.result


def apply_people_import(
    *, organisation: Organisation, file: ImportFile, mapping: Mapping[str, str] | None = None, mark_missing_as_leavers: bool = False
) -> ImportResult:
    """Check ``file`` again and, only when there is no problem at all, upsert every row by employee id.

    One transaction, holding the organisation's row lock so two imports never interleave. Raises ImportRejected
    (nothing written) on any problem. Idempotent: applying the same file twice changes nothing the second time.
    Leavers are marked, never deleted; people missing from the file are left alone unless
    ``mark_missing_as_leavers``. Reporting paths are rebuilt once at the end.
    An existing person whose grade the file changes gets a GradeChange dated the import's day.
    """
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        run = _ImportRun(organisation=organisation, file=file, mapping=mapping, mark_missing_as_leavers=mark_missing_as_leavers)
        run.check()
        if run.result.has_problems:
            raise ImportRejected(
                f"The file has {run.result.problem_count} problem(s); nothing was imported.",
                problems=run.result.problems,
                problem_count=run.result.problem_count,
            )
        run.write()
        newly_left = run.result.leavers_marked + run.result.missing_marked
        if newly_left:
            transaction.on_commit(lambda: people_left.fire(organisation_id=organisation.pk, count=newly_left))
    return run.result


class _ImportRun:
    """One check (and possibly one write) of one file for one organisation."""

    def __init__(
        self, *, organisation: Organisation, file: ImportFile, mapping: Mapping[str, str] | None, mark_missing_as_leavers: bool
    ) -> None:
        from turnabout.people.hris_reading import guess_mapping

        self.organisation = organisation
        self.file = file
        self.headers = read_headers(file)
        self.mapping = dict(guess_mapping(self.headers) if mapping is None else {k: v for k, v in mapping.items() if v})
        self.mark_missing_as_leavers = mark_missing_as_leavers
        self.today = timezone.localdate()
        self.result = ImportResult()
        # (field index, column index, header) for each mapped field
        self.columns: list[tuple[int, int, str]] = []
        self.mapped = frozenset(self.mapping)
        # Status and end date are decided together: either column makes both "mapped".
        self.status_mapped = bool(self.mapped & {"employment_status", "end_date"})
        self.grades = dict(Grade.objects.filter(organisation=organisation).values_list("code", "id"))
        self.grade_codes = {code.upper(): code for code in self.grades}
        self.departments = {
            name.casefold(): (name, pk) for pk, name in Department.objects.filter(organisation=organisation).values_list("id", "name")
        }
        self.sites = {name.casefold(): (name, pk) for pk, name in Site.objects.filter(organisation=organisation).values_list("id", "name")}
        self.new_departments: dict[str, str] = {}
        self.new_sites: dict[str, str] = {}
        # Per employee of the file: its row, and its manager's employee id when managers are mapped.
        self.row_of: dict[str, int] = {}
        self.manager_of: dict[str, str | None] = {}
        self.row_of_email: dict[str, int] = {}
        self.email_holders: list[tuple[int, str, str, str]] = []  # (row, header, email, employee id holding it in the directory)
        self.email_movers: set[str] = set()  # people of the file whose current email goes to someone else of the file

    # ---------------------------------------------------------------------------------------------- checking

    def problem(self, row: int, column: str, value: str, reason: str, code: str) -> None:
        self.result.problem_count += 1
        if len(self.result.problems) < MAX_PROBLEMS:
            self.result.problems.append(ImportProblem(row=row, column=column, value=value, reason=reason, code=code))

    def check(self) -> None:
        self._check_mapping()
        if self.result.has_problems:
            return
        for chunk in self._chunks():
            self._check_uniqueness(chunk)
            for row_number, final, existing in self._diff(chunk):
                self._count(row_number, final, existing)
        self._check_email_holders()
        if "manager_employee_id" in self.mapped:
            self._check_managers()
        if self.mark_missing_as_leavers:
            self.result.missing_marked = sum(1 for employee_id in self._active_missing())
        self.result.departments_created = sorted(self.new_departments.values())
        self.result.sites_created = sorted(self.new_sites.values())
        self.result.problems.sort(key=lambda p: (p.row, self.headers.index(p.column) if p.column in self.headers else -1))

    def _check_mapping(self) -> None:
        for name in sorted(REQUIRED_FIELDS - self.mapped, key=FIELDS.index):
            self.problem(1, FIELD_LABELS[name], "", f"no column is mapped to {FIELD_LABELS[name]}, which is required", "unmapped_required")
        for name, header in self.mapping.items():
            if name not in FIELD_INDEX:
                self.problem(1, header, header, f"'{name}' is not a field that can be imported", "unknown_field")
            elif self.headers.count(header) == 0:
                self.problem(
                    1, header, header, f"the file has no column headed '{header}' (mapped to {FIELD_LABELS[name]})", "unknown_header"
                )
            elif self.headers.count(header) > 1:
                self.problem(1, header, header, f"two columns are headed '{header}'; rename one so it can be mapped", "duplicate_header")
            else:
                self.columns.append((FIELD_INDEX[name], self.headers.index(header), header))

    def _chunks(self) -> Iterator[list[tuple[int, list[Any]]]]:
        """Clean rows, yielding lists of ``(row, cleaned values)`` for the rows without problems."""
        chunk: list[tuple[int, list[Any]]] = []
        for row_number, values in iter_rows(self.file):
            self.result.rows += 1
            cleaned = self._clean(row_number, values)
            if cleaned is not None:
                chunk.append((row_number, cleaned))
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _clean(self, row_number: int, values: list[str]) -> list[Any] | None:
        cleaned: list[Any] = [None] * len(FIELDS)
        ok = True
        width = len(values)
        for index, column, header in self.columns:
            raw = values[column] if column < width else ""
            name = FIELDS[index]
            if not raw:
                if name in REQUIRED_FIELDS:
                    self.problem(row_number, header, raw, f"{FIELD_LABELS[name]} is required", "missing_value")
                    ok = False
                continue
            try:
                value = CLEANERS[name](raw)
                if index == GRADE:
                    value = self._grade(raw)
                elif index == DEPARTMENT:
                    value = self.departments.get(raw.casefold(), (None,))[0] or self.new_departments.setdefault(raw.casefold(), raw)
                elif index == SITE:
                    value = self.sites.get(raw.casefold(), (None,))[0] or self.new_sites.setdefault(raw.casefold(), raw)
            except ValueError as error:
                code = "unknown_grade" if isinstance(error, _UnknownGrade) else _PROBLEM_CODES.get(name, "too_long")
                self.problem(row_number, header, raw, f"'{raw}' {error}", code)
                ok = False
                continue
            cleaned[index] = value
        # Register the row's keys even when a cell failed, so later rows are not blamed for it (their manager exists).
        checked = self._check_row(row_number, cleaned)
        return checked if ok else None

    def _grade(self, raw: str) -> str:
        try:
            return self.grade_codes[raw.upper()]
        except KeyError:
            ladder = ", ".join(self.grades) or "none defined"
            raise _UnknownGrade(f"is not a grade of this organisation's ladder ({ladder})") from None

    def _header(self, name: str) -> str:
        return self.mapping.get(name, FIELD_LABELS[name])

    def _check_row(self, row_number: int, cleaned: list[Any]) -> list[Any] | None:
        employee_id, email, manager = cleaned[EMPLOYEE_ID], cleaned[EMAIL], cleaned[MANAGER]
        if employee_id is None:
            return None
        ok = True
        is_first = (first_row := self.row_of.setdefault(employee_id, row_number)) == row_number
        if not is_first:
            self.problem(
                row_number,
                self._header("employee_id"),
                employee_id,
                f"employee id '{employee_id}' is also on row {first_row}",
                "duplicate_employee_id",
            )
            ok = False
        if email is not None and (email_row := self.row_of_email.setdefault(email, row_number)) != row_number:
            self.problem(row_number, self._header("email"), email, f"email '{email}' is also on row {email_row}", "duplicate_email")
            ok = False
        if manager is not None and manager == employee_id:
            self.problem(row_number, self._header("manager_employee_id"), manager, "a person cannot be their own manager", "own_manager")
            ok = False
        hire, end = cleaned[HIRE_DATE], cleaned[END_DATE]
        if hire and end and end < hire:
            self.problem(
                row_number,
                self._header("end_date"),
                end.isoformat(),
                f"the end date is before the hire date {hire.isoformat()}",
                "end_before_hire",
            )
            ok = False
        if "manager_employee_id" in self.mapped and is_first:
            self.manager_of[employee_id] = manager if manager != employee_id else None
        return cleaned if ok else None

    def _check_uniqueness(self, chunk: list[tuple[int, list[Any]]]) -> None:
        """Emails already used in the directory by someone with another employee id (resolved at the end)."""
        employee_of_email = {cleaned[EMAIL]: (row_number, cleaned[EMPLOYEE_ID]) for row_number, cleaned in chunk}
        holders = (
            _people(self.organisation)
            .annotate(email_lower=Lower("email"))
            .filter(email_lower__in=list(employee_of_email))
            .values_list("email_lower", "employee_id")
        )
        for email, holder in holders:
            row_number, employee_id = employee_of_email[email]
            if holder != employee_id:
                self.email_holders.append((row_number, self._header("email"), email, holder))

    def _check_email_holders(self) -> None:
        for row_number, header, email, holder in self.email_holders:
            # A holder who is in the file gets the file's email, so the address is free (a swap).
            if holder in self.row_of:
                self.email_movers.add(holder)
            else:
                self.problem(row_number, header, email, f"email '{email}' belongs to employee '{holder}' in the directory", "email_taken")

    def _check_managers(self) -> None:
        directory = list(_people(self.organisation).values_list("id", "employee_id", "manager_id"))
        employee_of = {pk: employee_id for pk, employee_id, _ in directory}
        managers: dict[str, str | None] = {employee_id: employee_of.get(manager_id) for _, employee_id, manager_id in directory}
        header = self._header("manager_employee_id")
        for employee_id, manager in self.manager_of.items():
            if manager is not None and manager not in self.row_of and manager not in managers:
                self.problem(
                    self.row_of[employee_id],
                    header,
                    manager,
                    f"no one has employee id '{manager}', in this file or in the directory",
                    "unknown_manager",
                )
        managers.update(self.manager_of)
        for loop in _cycles(managers):
            rows = sorted((self.row_of[member], member) for member in loop if member in self.row_of)
            if not rows:
                continue
            row_number, member = rows[0]
            start = loop.index(member)
            loop = loop[start:] + loop[:start]  # name the loop from its first row in the file
            chain = " → ".join([*loop, loop[0]])
            where = ", ".join(f"row {row}" for row, _ in rows)
            self.problem(
                row_number, header, managers[member] or "", f"reporting lines form a cycle: {chain} (see {where})", "manager_cycle"
            )

    def _active_missing(self) -> Iterator[int]:
        active = _people(self.organisation).filter(employment_status=EmploymentStatus.ACTIVE).values_list("id", "employee_id")
        return (pk for pk, employee_id in active.iterator(chunk_size=5000) if employee_id not in self.row_of)

    # ---------------------------------------------------------------------------------------------- comparing

    def _diff(self, chunk: list[tuple[int, list[Any]]]) -> Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...] | None]]:
        """For each cleaned row: its complete final values and the existing person's values (None when new)."""
        ids = [cleaned[EMPLOYEE_ID] for _, cleaned in chunk]
        existing_rows = _people(self.organisation).filter(employee_id__in=ids).values_list(*_EXISTING_COLUMNS)
        existing_by_id = {row[EMPLOYEE_ID]: row for row in existing_rows}
        for row_number, cleaned in chunk:
            existing = existing_by_id.get(cleaned[EMPLOYEE_ID])
            yield row_number, self._final(cleaned, existing), existing

    def _final(self, cleaned: list[Any], existing: tuple[Any, ...] | None) -> tuple[Any, ...]:
        base = _DEFAULTS if existing is None else existing
        final: list[Any] = [
            cleaned[index] if name in self.mapped else (tuple(base[index]) if index == LANGUAGES else base[index])
            for index, name in enumerate(FIELDS)
        ]
        if "timezone" in self.mapped and final[TIMEZONE] is None:
            final[TIMEZONE] = "UTC"
        for index in _BLANK_WHEN_EMPTY:
            if final[index] is None:
                final[index] = ""
        if "languages" in self.mapped and final[LANGUAGES] is None:
            final[LANGUAGES] = ()
        if self.status_mapped:
            status = cleaned[STATUS] if "employment_status" in self.mapped else None
            end: date | None = final[END_DATE]
            if end is not None and end < self.today:
                status = EmploymentStatus.LEAVER.value  # an end date in the past means they left, whatever the status says
            status = status or EmploymentStatus.ACTIVE.value
            if status == EmploymentStatus.LEAVER and end is None:
                # Keep the recorded leaving date on re-import; a first-time leaver without one left today.
                end = (existing[END_DATE] if existing is not None else None) or self.today
            final[STATUS], final[END_DATE] = status, end
        final[EMPLOYEE_ID] = cleaned[EMPLOYEE_ID]
        return tuple(final)

    def _count(self, row_number: int, final: tuple[Any, ...], existing: tuple[Any, ...] | None) -> None:
        result = self.result
        if existing is None:
            result.created += 1
            if len(result.changes) < SAMPLE_CHANGES:
                result.changes.append({"row": row_number, "employee_id": final[EMPLOYEE_ID], "action": "create", "fields": []})
            return
        changed = _changed_fields(final, existing)
        if not changed:
            result.unchanged += 1
            return
        result.updated += 1
        if existing[STATUS] != final[STATUS] and final[STATUS] == EmploymentStatus.LEAVER:
            result.leavers_marked += 1
        if len(result.changes) < SAMPLE_CHANGES:
            result.changes.append(
                {
                    "row": row_number,
                    "employee_id": final[EMPLOYEE_ID],
                    "action": "update",
                    "fields": [
                        {"field": FIELD_LABELS[FIELDS[i]], "old": _display(existing[i]), "new": _display(final[i])} for i in changed
                    ],
                }
            )

    # ---------------------------------------------------------------------------------------------- writing

    def write(self) -> None:
        """Write a checked file; call inside the transaction that ran ``check`` and only when it found no problem."""
        organisation = self.organisation
        for department in Department.objects.bulk_create(
            [Department(organisation=organisation, name=name) for name in self.new_departments.values()]
        ):
            self.departments[department.name.casefold()] = (department.name, department.pk)
        for site in Site.objects.bulk_create([Site(organisation=organisation, name=name) for name in self.new_sites.values()]):
            self.sites[site.name.casefold()] = (site.name, site.pk)
        if self.email_movers:
            # Free the addresses that change hands first: the case-insensitive unique index checks each row as it is written.
            temporary_email = Concat(Value("moving-"), Cast("id", CharField()), Value("@import.invalid"))
            Person.objects.filter(organisation=organisation, employee_id__in=self.email_movers).update(email=temporary_email)
        now = timezone.now()
        rows, problem_count = self.result.rows, self.result.problem_count
        # Managers already saved get linked as their reports are inserted: setting manager_id later costs an update
        # each, and SQLite's check of the self-referencing key makes those ten times dearer than the insert.
        id_of: dict[str, int] = {}
        if self.manager_of:
            id_of = dict(_people(organisation).values_list("employee_id", "id"))
        for chunk in self._chunks():
            creates: list[tuple[Any, ...]] = []
            updates: list[tuple[Any, ...]] = []
            grade_changes: list[GradeChange] = []  # promotion history: existing people whose grade the file changes
            for _, final, existing in self._diff(chunk):
                values = self._model_values(final)
                if existing is None:
                    manager = self.manager_of.get(final[EMPLOYEE_ID])
                    creates.append((*values, id_of.get(manager) if manager is not None else None))
                elif any(index != MANAGER for index in _changed_fields(final, existing)):
                    updates.append((*values[1:], now, existing[-1]))  # every column but the key: the row is rewritten whole
                    if final[GRADE] is not None and final[GRADE] != existing[GRADE]:
                        grade_changes.append(
                            GradeChange(
                                person_id=existing[-1],
                                from_grade_id=self.grades[existing[GRADE]] if existing[GRADE] else None,
                                to_grade_id=self.grades[final[GRADE]],
                                changed_on=self.today,
                                recorded_at=now,
                            )
                        )
            insert_many(
                (*_WRITTEN_FIELDS, "manager"), creates, constants={"organisation": organisation.pk, "created_at": now, "updated_at": now}
            )
            update_many([*_WRITTEN_FIELDS[1:], "updated_at"], updates)
            GradeChange.objects.bulk_create(grade_changes, batch_size=CHUNK_ROWS)
            if self.manager_of and creates:
                id_of.update(_people(organisation).filter(employee_id__in=[row[0] for row in creates]).values_list("employee_id", "id"))
        if self.result.problem_count != problem_count:
            # The file changed on disk between the check and the write: refuse rather than write a half-checked file.
            raise ImportRejected(
                "The file changed while it was being imported; nothing was imported.",
                problems=self.result.problems,
                problem_count=self.result.problem_count,
            )
        self.result.rows = rows
        if self.mark_missing_as_leavers:
            leaving = [(EmploymentStatus.LEAVER.value, self.today, now, pk) for pk in self._active_missing()]
            update_many(["employment_status", "end_date", "updated_at"], leaving)
        self._write_reporting_lines(now)
        # Already right after _write_reporting_lines, so this writes nothing; it stays the one authority on paths.
        rebuild_reporting_paths(organisation=organisation)
        self.result.applied = True

    def _model_values(self, final: tuple[Any, ...]) -> tuple[Any, ...]:
        """The values of _WRITTEN_FIELDS, foreign keys as ids."""
        grade, department, site = final[GRADE], final[DEPARTMENT], final[SITE]
        return (
            *(final[FIELD_INDEX[name]] for name in _WRITTEN_FIELDS[:5]),
            self.grades[grade] if grade else None,
            self.departments[department.casefold()][1] if department else None,
            self.sites[site.casefold()][1] if site else None,
            *(final[FIELD_INDEX[name]] for name in _WRITTEN_FIELDS[8:12]),
            list(final[LANGUAGES]),
            final[STATUS],
        )

    def _write_reporting_lines(self, now: Any) -> None:
        """Point each person of the file at their manager, now that everyone exists, and store every changed path.

        Paths come from compute_reporting_paths over the whole organisation, in memory; only changed rows are written.
        """
        people = _people(self.organisation).values_list("id", "employee_id", "manager_id", "reporting_path", "reporting_depth")
        rows = list(people)
        id_of = {employee_id: pk for pk, employee_id, _, _, _ in rows}
        managers: dict[int, int | None] = {pk: manager_id for pk, _, manager_id, _, _ in rows}
        for employee_id, manager in self.manager_of.items():
            managers[id_of[employee_id]] = id_of[manager] if manager is not None else None
        paths = compute_reporting_paths(managers)
        moved, repathed = [], []
        for pk, _, manager_id, path, depth in rows:
            new_path, new_depth = paths[pk]
            if managers[pk] != manager_id:
                moved.append((managers[pk], new_path, new_depth, now, pk))
            elif (new_path, new_depth) != (path, depth):
                repathed.append((new_path, new_depth, pk))
        update_many(["manager", "reporting_path", "reporting_depth", "updated_at"], moved)
        update_many(["reporting_path", "reporting_depth"], repathed)


def _people(organisation: Organisation) -> QuerySet[Person]:
    """The organisation's people, unordered: Person's default ordering would make SQLite walk the name index."""
    return Person.objects.filter(organisation=organisation).order_by()


def _changed_fields(final: tuple[Any, ...], existing: tuple[Any, ...]) -> list[int]:
    return [index for index in range(len(FIELDS)) if (tuple(existing[index]) if index == LANGUAGES else existing[index]) != final[index]]


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(value)
    return str(value)


def _cycles(managers: Mapping[str, str | None]) -> Iterator[list[str]]:
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
