"""What an HRIS import reports: its problems, its result (also a preview's), and its progress while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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
    memberships_added: int = 0  # HRIS-sourced community memberships, when the communities column is mapped
    memberships_removed: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0
    applied: bool = False

    @property
    def has_problems(self) -> bool:
        return self.problem_count > 0

    def summary_line(self) -> str:
        """The outcome in one English line, for the audit trail and the command's output (pages show the figures)."""
        rows = f"{self.rows} {'row' if self.rows == 1 else 'rows'}"
        line = f"{rows}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
        line += f"{self.leavers_marked} newly marked as leavers"
        if self.missing_marked:
            line += f", {self.missing_marked} missing from the file marked as leavers"
        if self.memberships_added or self.memberships_removed:
            line += f"; community memberships: {self.memberships_added} added, {self.memberships_removed} removed"
        return line + "."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe copy, stored on ImportJob.summary."""
        return {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "leavers_marked": self.leavers_marked, "missing_marked": self.missing_marked,
            "departments_created": self.departments_created, "sites_created": self.sites_created,
            "memberships_added": self.memberships_added, "memberships_removed": self.memberships_removed,
            "changes": self.changes, "problem_count": self.problem_count, "applied": self.applied,
            "summary_line": self.summary_line(),
            "problems": [{"row": p.row, "column": p.column, "value": p.value, "reason": p.reason, "code": p.code} for p in self.problems],
        }  # fmt: skip


class ImportProgress(Protocol):
    """What a running import reports, for the UI's job to record; the command passes none."""

    def checked(self, rows: int) -> None:
        """``rows`` rows of the file are read and checked (called every chunk, outside any transaction)."""

    def writing(self) -> None:
        """The file passed its check; the write transaction is about to start."""

    def applied(self, result: ImportResult) -> None:
        """Everything is written: called inside the write transaction, so what it saves commits with the import."""
