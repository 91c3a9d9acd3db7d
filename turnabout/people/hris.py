"""HRIS import: check a whole file against the directory, then upsert it by employee id, all or nothing.

The file is streamed once, outside any transaction, to check every row and count what would change; memory
holds a few strings per employee, never the rows. To apply, the cleaned rows also go to a temporary spool, and
one short transaction checks the directory again as it is then and writes from the spool, parsing nothing, so
the database's write lock is held for the write alone. ``preview_people_import`` and ``apply_people_import``
are the entry points; the UI (through a background task) and the ``import-people`` command both call them.

The file describes employees only. Guests from outside (``Person.is_guest``), whom a program manager invited, are
never touched: a row with a guest's email or employee id is a problem, no row names a guest as manager, and a full
import (``mark_missing_as_leavers``) never marks a guest as having left.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from turnabout.accounts.models import Organisation, User
from turnabout.core.hooks import people_changed, people_left
from turnabout.people.communities import HrisMembershipPlan, apply_hris_memberships, plan_hris_memberships
from turnabout.people.errors import CellRefused, ImportRejected
from turnabout.people.hris_columns import COLUMN_INDEX, COLUMN_NAMED, COLUMNS, FIELD_COLUMNS, guess_mapping
from turnabout.people.hris_directory import DirectoryNames, DirectoryPeople, manager_cycles, people_of
from turnabout.people.hris_reading import ImportFile, iter_rows, read_headers
from turnabout.people.hris_results import ImportProblem, ImportProgress, ImportResult
from turnabout.people.hris_writing import insert_many, larger_page_cache, reserve_person_ids, update_many
from turnabout.people.models import Department, EmploymentStatus, GradeChange, Person, Site
from turnabout.people.reporting import compute_reporting_paths
from turnabout.people.services import end_leavers_sign_in, record_import_applied

__all__ = ["ImportProblem", "ImportProgress", "ImportResult", "apply_people_import", "preview_people_import"]

CHUNK_ROWS = 1000
MAX_PROBLEMS = 5000  # kept in full; beyond it only counted, so a wholly wrong 100k-row file stays cheap
SAMPLE_CHANGES = 20
SHOWN_VALUE_CHARS = 100  # a cell may hold 10,000 characters; a problem shows the start of it

# What the import reads of each person to compare, in the order of FIELD_COLUMNS (the first values of a cleaned row),
# then the primary key; a new person's values. The relation columns (communities) are written apart.
_EXISTING_COLUMNS = (*(column.compared for column in FIELD_COLUMNS), "id")
_DEFAULTS: tuple[Any, ...] = tuple(column.default for column in FIELD_COLUMNS)
_REQUIRED = tuple(column for column in COLUMNS if column.required)

EMPLOYEE_ID, EMAIL, GRADE, DEPARTMENT, SITE = (COLUMN_INDEX[name] for name in ("employee_id", "email", "grade", "department", "site"))
MANAGER, HIRE_DATE, END_DATE, LANGUAGES, STATUS = (
    COLUMN_INDEX[name] for name in ("manager_employee_id", "hire_date", "end_date", "languages", "employment_status")
)
COMMUNITIES = COLUMN_INDEX["communities"]
# Person fields an import writes, in the order of FIELD_COLUMNS: every field column but the manager, whom the reporting
# line (manager, path, depth) that follows carries.
_WRITTEN = tuple(index for index in range(len(FIELD_COLUMNS)) if index != MANAGER)
_WRITTEN_FIELDS = tuple(COLUMNS[index].written for index in _WRITTEN)
_REPORTING_LINE = ("manager", "reporting_path", "reporting_depth")

# Why a file that passed its check is refused after all, keyed on the number of problems.
DIRECTORY_CHANGED = ngettext_lazy(
    "The directory changed while the file was checked: %(count)d problem; nothing was imported.",
    "The directory changed while the file was checked: %(count)d problems; nothing was imported.",
    "count",
)


class _UnknownGrade(CellRefused):
    pass


def preview_people_import(
    *,
    organisation: Organisation,
    file: ImportFile,
    mapping: Mapping[str, str] | None = None,
    mark_missing_as_leavers: bool = False,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Check ``file`` against the current directory and count what applying it would change; writes nothing.

    ``mapping`` maps target fields to the file's headers (guessed from the headers when None). Every problem
    found is in ``result.problems``; raises ImportFileUnreadable only when the file cannot be read at all or breaks
    one of the limits of ``hris_limits``. Runs no transaction: nothing is locked while the file is read.
    """
    run = _ImportRun(
        organisation=organisation, file=file, mapping=mapping, mark_missing_as_leavers=mark_missing_as_leavers, progress=progress
    )
    run.check()
    return run.result


def apply_people_import(
    *,
    organisation: Organisation,
    file: ImportFile,
    mapping: Mapping[str, str] | None = None,
    mark_missing_as_leavers: bool = False,
    progress: ImportProgress | None = None,
    by: User | None = None,
) -> ImportResult:
    """Check ``file`` again and, only when there is no problem at all, upsert every row by employee id.

    The file is read and checked first, outside any transaction (call this outside one, or the caller's lock covers
    the reading too), its cleaned rows kept in a temporary spool. Then one transaction, holding the organisation's row
    lock so two imports never interleave, checks the directory again as it is at that moment and writes from the
    spool: it parses nothing, so it stays short (``bench/import_people.py`` prints how long).
    Raises ImportRejected (nothing written) on any problem, found by either check. Idempotent: applying the same
    file twice changes nothing the second time. Leavers are marked, never deleted; people missing from the file are
    left alone unless ``mark_missing_as_leavers``. Reporting paths are computed once, for the whole organisation.
    An existing person whose grade the file changes gets a GradeChange dated the import's day. The write is audited
    in the same transaction, with ``by`` as who applied it (None: the system, e.g. the ``import-people`` command).
    """
    with tempfile.TemporaryFile(prefix="turnabout-import-") as spool:
        run = _ImportRun(
            organisation=organisation,
            file=file,
            mapping=mapping,
            mark_missing_as_leavers=mark_missing_as_leavers,
            progress=progress,
            spool=spool,
        )
        run.check()
        run.reject_problems(
            ngettext_lazy(
                "The file has %(count)d problem; nothing was imported.", "The file has %(count)d problems; nothing was imported.", "count"
            )
        )
        if progress is not None:
            progress.writing()
        with larger_page_cache(), transaction.atomic():
            Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
            people = run.recheck()
            run.reject_problems(DIRECTORY_CHANGED)
            run.write(people)
            run.reject_problems(DIRECTORY_CHANGED)
            newly_left = run.result.leavers_marked + run.result.missing_marked
            if newly_left:
                end_leavers_sign_in(organisation=organisation)
                transaction.on_commit(lambda: people_left.fire(organisation_id=organisation.pk, count=newly_left))
            if run.result.updated:
                transaction.on_commit(lambda: people_changed.fire(organisation_id=organisation.pk))
            record_import_applied(organisation=organisation, by=by, file_name=file.name, result=run.result)
            if progress is not None:
                progress.applied(run.result)
    return run.result


class _ImportRun:
    """One check of one file for one organisation, and for an apply the re-check and the write that follow it."""

    def __init__(
        self,
        *,
        organisation: Organisation,
        file: ImportFile,
        mapping: Mapping[str, str] | None,
        mark_missing_as_leavers: bool,
        progress: ImportProgress | None = None,
        spool: IO[bytes] | None = None,
    ) -> None:
        self.organisation = organisation
        self.file = file
        self.progress = progress
        self.spool = spool  # the cleaned rows, pickled a chunk at a time, for the write
        self.headers = read_headers(file)
        self.mapping = dict(guess_mapping(self.headers) if mapping is None else {k: v for k, v in mapping.items() if v})
        self.mark_missing_as_leavers = mark_missing_as_leavers
        self.today = timezone.localdate()
        self.result = ImportResult()
        # (field index, column index, header) for each mapped field
        self.columns: list[tuple[int, int, str]] = []
        self.mapped = frozenset(self.mapping)
        self.mapped_columns = tuple(column.name in self.mapped for column in FIELD_COLUMNS)
        # Status and end date are decided together: either column makes both "mapped".
        self.status_mapped = bool(self.mapped & {"employment_status", "end_date"})
        self.names = DirectoryNames(organisation)
        # What the file says, gathered by the one pass over it; the directory checks and the write rely on it.
        self.row_of: dict[str, int] = {}  # employee id → its (first) row
        self.manager_of: dict[str, str | None] = {}  # employee id → manager's employee id, when managers are mapped
        self.row_of_email: dict[str, int] = {}
        self.email_owner: dict[str, tuple[int, str]] = {}  # email → (row, employee id), for the rows without problems
        self.departments_used: dict[str, str] = {}  # casefold → the spelling first seen; new departments get it
        self.sites_used: dict[str, str] = {}
        self.email_movers: set[str] = set()  # people of the file whose current email goes to someone else of the file
        # Employee id → the communities its row lists (as the file spells them), when the communities column is mapped.
        self.communities_mapped = "communities" in self.mapped
        self.listed_communities: dict[str, tuple[str, ...]] = {}
        self.membership_plan = HrisMembershipPlan()

    def problem(self, row: int, column: str, value: str, reason: str, code: str) -> None:
        self.result.problem_count += 1
        if len(self.result.problems) < MAX_PROBLEMS:
            self.result.problems.append(ImportProblem(row=row, column=column, value=_shown(value), reason=reason, code=code))

    def reject_problems(self, message: Any) -> None:
        """Raise ImportRejected (``message``, an ``ngettext_lazy`` keyed on ``count``) when the run found any problem."""
        if self.result.has_problems:
            raise ImportRejected(
                message % {"count": self.result.problem_count}, problems=self.result.problems, problem_count=self.result.problem_count
            )

    # ---------------------------------------------------------------------------------------------- checking

    def check(self) -> None:
        """Read the file once, checking every row and counting what would change, then check it against the directory."""
        self._check_mapping()
        if self.result.has_problems:
            return
        for chunk in self._file_chunks():
            for row_number, final, existing in self._diff(chunk):
                self._count(row_number, final, existing)
        self._check_directory(DirectoryPeople(self.organisation))
        self._finish()

    def recheck(self) -> DirectoryPeople:
        """Check the spooled rows against the directory as it is now; call inside the write transaction, after ``check``.

        Counts are made again by ``write``, which reads the spool once; the file-level checks (cells, duplicates) stand.
        """
        result = self.result
        result.created = result.updated = result.unchanged = result.leavers_marked = result.missing_marked = 0
        result.memberships_added = result.memberships_removed = 0
        result.changes = []
        self.names = DirectoryNames(self.organisation)
        people = DirectoryPeople(self.organisation)
        self._check_directory(people)
        self._finish()
        return people

    def _finish(self) -> None:
        if self.communities_mapped:
            self._plan_memberships()
        self.result.departments_created = sorted(n for key, n in self.departments_used.items() if key not in self.names.departments)
        self.result.sites_created = sorted(n for key, n in self.sites_used.items() if key not in self.names.sites)
        self.result.problems.sort(key=lambda p: (p.row, self.headers.index(p.column) if p.column in self.headers else -1))

    def _plan_memberships(self) -> None:
        """Match each row's communities against the directory as it is now, and count the memberships to add and remove.

        A name the check accepted but the directory no longer has (the community was deleted since) is a problem.
        """
        header = self._header("communities")
        listed: dict[str, frozenset[int]] = {}
        for employee_id, names in self.listed_communities.items():
            ids: set[int] = set()
            for name in names:
                community_id = self.names.communities.get(name.casefold())
                if community_id is None:
                    self.problem(self.row_of[employee_id], header, name, _unknown_community(name), "unknown_community")
                else:
                    ids.add(community_id)
            listed[employee_id] = frozenset(ids)
        self.membership_plan = plan_hris_memberships(self.organisation, listed)
        self.result.memberships_added = len(self.membership_plan.added)
        self.result.memberships_removed = len(self.membership_plan.removed)

    def _check_mapping(self) -> None:
        for column in _REQUIRED:
            if column.name not in self.mapped:
                label = column.label
                self.problem(1, label, "", f"no column is mapped to {label}, which is required", "unmapped_required")
        for name, header in self.mapping.items():
            if name not in COLUMN_INDEX:
                self.problem(1, header, header, f"'{name}' is not a field that can be imported", "unknown_field")
            elif self.headers.count(header) == 0:
                self.problem(
                    1, header, header, f"the file has no column headed '{header}' (mapped to {COLUMN_NAMED[name].label})", "unknown_header"
                )
            elif self.headers.count(header) > 1:
                self.problem(1, header, header, f"two columns are headed '{header}'; rename one so it can be mapped", "duplicate_header")
            else:
                self.columns.append((COLUMN_INDEX[name], self.headers.index(header), header))

    def _file_chunks(self) -> Iterator[list[tuple[int, list[Any]]]]:
        """Clean the file's rows, yielding lists of ``(row, values)`` for the rows without problems.

        The values come with grade, department and site as the directory spells them; the spool gets them as the
        file spells them, so the write can resolve them again against the directory as it is then.
        """
        chunk: list[tuple[int, list[Any]]] = []
        spooled: list[tuple[int, list[Any]]] = []
        for row_number, values in iter_rows(self.file):
            self.result.rows += 1
            cleaned = self._clean(row_number, values)
            resolved = None if cleaned is None else self._resolve(row_number, cleaned)
            if cleaned is None or resolved is None:
                continue
            self.email_owner[resolved[EMAIL]] = (row_number, resolved[EMPLOYEE_ID])
            if self.communities_mapped:
                self.listed_communities[resolved[EMPLOYEE_ID]] = cleaned[COMMUNITIES] or ()
            chunk.append((row_number, resolved))
            spooled.append((row_number, cleaned))
            if len(chunk) >= CHUNK_ROWS:
                self._spool(spooled)
                yield chunk
                chunk, spooled = [], []
                if self.progress is not None:
                    self.progress.checked(self.result.rows)
        if chunk:
            self._spool(spooled)
            yield chunk
        if self.progress is not None:
            self.progress.checked(self.result.rows)

    def _spool(self, chunk: list[tuple[int, list[Any]]]) -> None:
        if self.spool is not None and not self.result.has_problems:  # a file with problems is never written
            pickle.dump(chunk, self.spool, protocol=pickle.HIGHEST_PROTOCOL)

    def _spooled_chunks(self) -> Iterator[list[tuple[int, list[Any]]]]:
        assert self.spool is not None
        self.spool.seek(0)
        while True:
            try:
                yield pickle.load(self.spool)  # our own temporary file, written by _spool
            except EOFError:
                return

    def _clean(self, row_number: int, values: list[str]) -> list[Any] | None:
        cleaned: list[Any] = [None] * len(COLUMNS)
        ok = True
        width = len(values)
        for index, column, header in self.columns:
            raw = values[column] if column < width else ""
            target = COLUMNS[index]
            if not raw:
                if target.required:
                    self.problem(row_number, header, raw, f"{target.label} is required", "missing_value")
                    ok = False
                continue
            try:
                value = target.parse(raw)
                if index == GRADE:
                    self._grade(raw)  # checked here so a row reports every fault; resolved by _resolve
            except CellRefused as error:
                code = "unknown_grade" if isinstance(error, _UnknownGrade) else target.problem_code
                self.problem(row_number, header, raw, f"'{_shown(raw)}' {error}", code)
                ok = False
                continue
            if index == COMMUNITIES:
                unknown = [name for name in value if name.casefold() not in self.names.communities]
                for name in unknown:
                    self.problem(row_number, header, name, _unknown_community(name), target.problem_code)
                if unknown:
                    ok = False
                    continue
            if index == DEPARTMENT:
                self.departments_used.setdefault(value.casefold(), value)
            elif index == SITE:
                self.sites_used.setdefault(value.casefold(), value)
            cleaned[index] = value
        # Register the row's keys even when a cell failed, so later rows are not blamed for it (their manager exists).
        checked = self._check_row(row_number, cleaned)
        return checked if ok else None

    def _resolve(self, row_number: int, cleaned: list[Any]) -> list[Any] | None:
        """``cleaned`` with grade, department and site as the directory spells them (a new one as the file first does)."""
        grade, department, site = cleaned[GRADE], cleaned[DEPARTMENT], cleaned[SITE]
        if grade is None and department is None and site is None:
            return cleaned
        resolved = cleaned.copy()
        if grade is not None:
            try:
                resolved[GRADE] = self._grade(grade)
            except _UnknownGrade as error:  # only when the ladder changed since the check
                self.problem(row_number, self._header("grade"), grade, f"'{grade}' {error}", "unknown_grade")
                return None
        if department is not None:
            key = department.casefold()
            resolved[DEPARTMENT] = self.names.departments[key][0] if key in self.names.departments else self.departments_used[key]
        if site is not None:
            key = site.casefold()
            resolved[SITE] = self.names.sites[key][0] if key in self.names.sites else self.sites_used[key]
        return resolved

    def _grade(self, raw: str) -> str:
        try:
            return self.names.grade_codes[raw.upper()]
        except KeyError:
            ladder = ", ".join(self.names.grades) or "none defined"
            raise _UnknownGrade(f"is not a grade of this organisation's ladder ({ladder})") from None

    def _header(self, name: str) -> str:
        return self.mapping.get(name, COLUMN_NAMED[name].label)

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

    def _check_directory(self, people: DirectoryPeople) -> None:
        """The checks that depend on who is in the directory now: emails taken, managers, reporting loops, people missing."""
        self.email_movers = set()
        guests = _guests_of(self.organisation)
        header = self._header("email")
        holder_of_email = people.holder_of_email
        for employee_id, row_number in self.row_of.items():
            if employee_id in guests.organisation_of_employee_id:
                organisation = guests.organisation_of_employee_id[employee_id]
                self.problem(
                    row_number,
                    self._header("employee_id"),
                    employee_id,
                    f"employee id '{employee_id}' belongs to a guest from {organisation}; a guest is not an employee",
                    "guest_employee_id",
                )
        for email, (row_number, employee_id) in self.email_owner.items():
            if email in guests.organisation_of_email:
                self.problem(
                    row_number,
                    header,
                    email,
                    f"{email} belongs to a guest from {guests.organisation_of_email[email]}; a guest is not an employee",
                    "guest_email",
                )
                continue
            holder = holder_of_email.get(email)
            if holder is None or holder == employee_id:
                continue
            # A holder who is in the file gets the file's email, so the address is free (a swap).
            if holder in self.row_of:
                self.email_movers.add(holder)
            else:
                self.problem(row_number, header, email, f"email '{email}' belongs to employee '{holder}' in the directory", "email_taken")
        if "manager_employee_id" in self.mapped:
            self._check_managers(people)
        if self.mark_missing_as_leavers:
            self.result.missing_marked = len(people.active_missing(self.row_of))

    def _check_managers(self, people: DirectoryPeople) -> None:
        managers = people.managers_by_employee_id()
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
        for loop in manager_cycles(managers):
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

    # ---------------------------------------------------------------------------------------------- comparing

    def _diff(
        self, chunk: list[tuple[int, list[Any]]], everyone: Mapping[str, tuple[Any, ...]] | None = None
    ) -> Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...] | None]]:
        """For each cleaned row: its complete final values and the existing person's values (None when new).

        The existing people are read for the chunk, unless ``everyone`` (every person, by employee id) is given.
        """
        existing_by_id = everyone
        if existing_by_id is None:
            ids = [cleaned[EMPLOYEE_ID] for _, cleaned in chunk]
            existing_by_id = self._existing(people_of(self.organisation).filter(employee_id__in=ids))
        for row_number, cleaned in chunk:
            existing = existing_by_id.get(cleaned[EMPLOYEE_ID])
            yield row_number, self._final(cleaned, existing), existing

    @staticmethod
    def _existing(people: QuerySet[Person]) -> dict[str, tuple[Any, ...]]:
        return {row[EMPLOYEE_ID]: row for row in people.values_list(*_EXISTING_COLUMNS)}

    def _final(self, cleaned: list[Any], existing: tuple[Any, ...] | None) -> tuple[Any, ...]:
        base = _DEFAULTS if existing is None else existing
        # A mapped column's empty cell stands for the field's default (a blank name, UTC, no languages).
        final: list[Any] = [
            (_DEFAULTS[index] if cleaned[index] is None else cleaned[index])
            if mapped
            else (tuple(base[index]) if index == LANGUAGES else base[index])
            for index, mapped in enumerate(self.mapped_columns)
        ]
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
                    "fields": [{"field": COLUMNS[i].label, "old": _display(existing[i]), "new": _display(final[i])} for i in changed],
                }
            )

    # ---------------------------------------------------------------------------------------------- writing

    def write(self, people: DirectoryPeople) -> None:
        """Write the spooled rows; call inside the transaction that ran ``recheck`` and only when it found no problem.

        Every new person gets an id before anything is written, so each INSERT and UPDATE carries its final manager and
        reporting path: no row is written twice. Problems (a grade gone from the ladder since the check) leave the
        transaction for the caller to roll back.
        """
        organisation = self.organisation
        now = timezone.now()
        self._create_departments_and_sites()
        if self.email_movers:
            # Free the addresses that change hands first: the case-insensitive unique index checks each row as it is written.
            temporary_email = Concat(Value("moving-"), Cast("id", CharField()), Value("@import.invalid"))
            Person.objects.filter(organisation=organisation, employee_id__in=self.email_movers).update(email=temporary_email)
        id_of = dict(people.id_of)
        new_people = [employee_id for employee_id in self.row_of if employee_id not in id_of]
        id_of.update(zip(new_people, reserve_person_ids(len(new_people)), strict=True))
        managers: dict[int, int | None] = {pk: manager_id for pk, _, _, manager_id, *_ in people.rows}
        managers.update((id_of[employee_id], None) for employee_id in new_people)
        for employee_id, manager in self.manager_of.items():
            managers[id_of[employee_id]] = None if manager is None else id_of[manager]
        paths = compute_reporting_paths(managers)
        # One read of everyone beats a read per chunk unless the file holds few of the organisation's people.
        everyone = self._existing(people_of(organisation)) if len(people.rows) <= 2 * len(self.row_of) else None
        rewritten: set[int] = set()
        for spooled in self._spooled_chunks():
            chunk = [(row_number, resolved) for row_number, cleaned in spooled if (resolved := self._resolve(row_number, cleaned))]
            creates: list[tuple[Any, ...]] = []
            updates: list[tuple[Any, ...]] = []
            grade_changes: list[GradeChange] = []  # promotion history: existing people whose grade the file changes
            for row_number, final, existing in self._diff(chunk, everyone):
                self._count(row_number, final, existing)
                pk = id_of[final[EMPLOYEE_ID]]
                line = (managers[pk], *paths[pk])
                if existing is None:
                    creates.append((pk, *self._model_values(final), *line))
                elif _changed_fields(final, existing):
                    updates.append((*self._model_values(final)[1:], *line, now, pk))  # every column but the key: the row is rewritten whole
                    rewritten.add(pk)
                    if final[GRADE] is not None and final[GRADE] != existing[GRADE]:
                        grade_changes.append(
                            GradeChange(
                                person_id=pk,
                                from_grade_id=self.names.grades[existing[GRADE]] if existing[GRADE] else None,
                                to_grade_id=self.names.grades[final[GRADE]],
                                changed_on=self.today,
                                recorded_at=now,
                            )
                        )
            insert_many(
                ("id", *_WRITTEN_FIELDS, *_REPORTING_LINE),
                creates,
                constants={"organisation": organisation.pk, "created_at": now, "updated_at": now},
            )
            update_many([*_WRITTEN_FIELDS[1:], *_REPORTING_LINE, "updated_at"], updates)
            GradeChange.objects.bulk_create(grade_changes, batch_size=CHUNK_ROWS)
        if self.result.has_problems:
            return
        # People the file does not rewrite whose path changes because someone above them moved.
        repathed = [(*paths[pk], pk) for pk, _, _, _, _, path, depth in people.rows if pk not in rewritten and paths[pk] != (path, depth)]
        update_many(["reporting_path", "reporting_depth"], repathed)
        apply_hris_memberships(self.membership_plan, id_of)
        if self.mark_missing_as_leavers:
            leaving = [(EmploymentStatus.LEAVER.value, self.today, now, pk) for pk in people.active_missing(self.row_of)]
            update_many(["employment_status", "end_date", "updated_at"], leaving)
        self.result.applied = True

    def _create_departments_and_sites(self) -> None:
        organisation, names = self.organisation, self.names
        new_departments = [name for key, name in self.departments_used.items() if key not in names.departments]
        for department in Department.objects.bulk_create([Department(organisation=organisation, name=name) for name in new_departments]):
            names.departments[department.name.casefold()] = (department.name, department.pk)
        new_sites = [name for key, name in self.sites_used.items() if key not in names.sites]
        for site in Site.objects.bulk_create([Site(organisation=organisation, name=name) for name in new_sites]):
            names.sites[site.name.casefold()] = (site.name, site.pk)

    def _model_values(self, final: tuple[Any, ...]) -> tuple[Any, ...]:
        """The values of _WRITTEN_FIELDS, foreign keys as ids."""
        grade, department, site = final[GRADE], final[DEPARTMENT], final[SITE]
        names = self.names
        stored = {
            GRADE: names.grades[grade] if grade else None,
            DEPARTMENT: names.departments[department.casefold()][1] if department else None,
            SITE: names.sites[site.casefold()][1] if site else None,
            LANGUAGES: list(final[LANGUAGES]),
        }
        return tuple(stored[index] if index in stored else final[index] for index in _WRITTEN)


@dataclass(frozen=True, slots=True)
class _Guests:
    """The organisation's guests from outside, which an import never touches (``people_of`` leaves them out, so neither
    the directory checks nor a full import see them): their own organisation's name by employee id and by email (lower
    case), to refuse a row that names one."""

    organisation_of_employee_id: Mapping[str, str]
    organisation_of_email: Mapping[str, str]


def _guests_of(organisation: Organisation) -> _Guests:
    """The organisation's guests, in one query."""
    guests = Person.objects.guests().filter(organisation=organisation).order_by()
    rows = list(guests.values_list("employee_id", Lower("email"), "guest_organisation"))
    return _Guests(
        organisation_of_employee_id={employee_id: name for employee_id, _, name in rows},
        organisation_of_email={email: name for _, email, name in rows},
    )


def _changed_fields(final: tuple[Any, ...], existing: tuple[Any, ...]) -> list[int]:
    return [
        index for index in range(len(FIELD_COLUMNS)) if (tuple(existing[index]) if index == LANGUAGES else existing[index]) != final[index]
    ]


def _unknown_community(name: str) -> str:
    return f"'{_shown(name)}' is not a community of this organisation; create it first"


def _shown(value: str) -> str:
    """A cell's value as a problem shows it: the start of a long one."""
    return value if len(value) <= SHOWN_VALUE_CHARS else value[:SHOWN_VALUE_CHARS] + "…"


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(value)
    return str(value)
