"""Files in and out: participants from CSV, rules and weights from TOML, pairs to CSV.

Every error names the file, the row (line) and the field, and nothing is written unless the whole
run succeeds: output goes to a temporary file that is renamed into place.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from turnabout.engine._problem import COMPONENTS, Mode, Participant, Problem, ProblemError, Rules, Taxonomy, Weights, Window, coerce_pairs
from turnabout.engine._result import MatchResult

__all__ = ["InputError", "Settings", "load_problem", "load_rules", "read_participants", "write_pairs", "write_unmatched"]

LIST_SEPARATOR = ";"
DIVERSITY_PREFIX = "diversity:"
COLUMNS = (
    "id",
    "name",
    "grade",
    "department",
    "site",
    "timezone",
    "languages",
    "ancestors",
    "skills",
    "goals",
    "interests",
    "values",
    "availability",
    "capacity",
)
REQUIRED = ("id", "grade")


class InputError(ValueError):
    """A file that cannot be used, naming the file, the row (1 is the header) and the field.

    Examples
    --------
    >>> str(InputError("mentors.csv", 4, "grade", "'senior' is not a whole number"))
    "mentors.csv, row 4, field 'grade': 'senior' is not a whole number"
    """

    def __init__(self, path: str | os.PathLike[str], row: int | None, field: str | None, message: str) -> None:
        self.path = str(path)
        self.row = row
        self.field = field
        self.message = message
        where = self.path
        if row is not None:
            where += f", row {row}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _levels(text: str, *, field: str) -> dict[str, int]:
    levels: dict[str, int] = {}
    for part in _split(text):
        name, separator, value = part.rpartition(":")
        if not separator or not name.strip():
            raise ProblemError(f"{part!r} is not like 'python:4'", field=field)
        try:
            levels[name.strip()] = int(value)
        except ValueError:
            raise ProblemError(f"{part!r}: {value!r} is not a whole number", field=field) from None
    return levels


def _whole(text: str, *, field: str, default: int | None = None) -> int:
    if not text.strip() and default is not None:
        return default
    try:
        return int(text.strip())
    except ValueError:
        raise ProblemError(f"{text!r} is not a whole number", field=field) from None


def participant_from_row(row: Mapping[str, str]) -> Participant:
    """Build a participant from one CSV row (column name → text), or raise naming the column."""
    diversity = {
        key[len(DIVERSITY_PREFIX) :]: value.strip() for key, value in row.items() if key.startswith(DIVERSITY_PREFIX) and value.strip()
    }
    return Participant(
        id=row.get("id", "").strip(),
        name=row.get("name", "").strip(),
        grade=_whole(row.get("grade", ""), field="grade"),
        department=row.get("department", ""),
        site=row.get("site", ""),
        timezone=row.get("timezone", "").strip() or "UTC",
        languages=_split(row.get("languages", "")),
        ancestors=tuple(_split(row.get("ancestors", ""))),
        skills=_levels(row.get("skills", ""), field="skills"),
        goals=_levels(row.get("goals", ""), field="goals"),
        interests=_split(row.get("interests", "")),
        values=_split(row.get("values", "")),
        availability=tuple(Window.parse(part) for part in _split(row.get("availability", ""))),
        diversity=diversity,
        capacity=_whole(row.get("capacity", ""), field="capacity", default=1),
    )


def read_participants(path: str | os.PathLike[str]) -> tuple[tuple[Participant, ...], dict[str, int]]:
    """Read participants from a CSV file; returns them and the row number of each id.

    Raises
    ------
    InputError
        For an unreadable file, a missing or unknown column, a bad value or a duplicate id.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames
            if not header:
                raise InputError(path, 1, None, "the file is empty; the first row must name the columns")
            cleaned = [name.strip() for name in header]
            for name in cleaned:
                if name not in COLUMNS and not (name.startswith(DIVERSITY_PREFIX) and len(name) > len(DIVERSITY_PREFIX)):
                    raise InputError(path, 1, name, f"unknown column; expected some of {', '.join(COLUMNS)} or 'diversity:<attribute>'")
            if len(set(cleaned)) != len(cleaned):
                duplicate = next(name for name in cleaned if cleaned.count(name) > 1)
                raise InputError(path, 1, duplicate, "the column appears twice")
            for name in REQUIRED:
                if name not in cleaned:
                    raise InputError(path, 1, name, "required column is missing")
            people: list[Participant] = []
            rows: dict[str, int] = {}
            line = 1
            for record in reader:
                line = reader.line_num
                if None in record:
                    raise InputError(path, line, None, f"more values than the {len(cleaned)} columns")
                values = {name.strip(): (value or "") for name, value in record.items() if name is not None}
                if not any(value.strip() for value in values.values()):
                    continue
                try:
                    person = participant_from_row(values)
                except ProblemError as error:
                    raise InputError(path, line, error.field, error.message) from None
                if person.id in rows:
                    raise InputError(path, line, "id", f"duplicate id {person.id!r} (first on row {rows[person.id]})")
                rows[person.id] = line
                people.append(person)
    except OSError as error:
        raise InputError(path, None, None, f"cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InputError(path, None, None, "the file is not UTF-8 text") from None
    except csv.Error as error:
        raise InputError(path, None, None, f"not valid CSV: {error}") from None
    return tuple(people), rows


@dataclass(frozen=True)
class Settings:
    """Everything a rules file sets: rules, weights, taxonomy and the default mode."""

    rules: Rules
    weights: Weights
    taxonomy: Taxonomy
    mode: Mode


_SECTIONS = {"rules", "weights", "taxonomy", "match"}


def _line_of(text: str, section: str, key: str | None) -> int | None:
    lines = text.splitlines()
    in_section = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[]").strip()
            in_section = name == section or name.startswith(section + ".")
            if in_section and key is None:
                return number
            if key is not None and name == f"{section}.{key}":
                return number
            continue
        if in_section and key is not None and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return None


def load_rules(path: str | os.PathLike[str]) -> Settings:
    """Read a TOML rules file with optional ``[rules]``, ``[weights]``, ``[taxonomy.*]`` and ``[match]`` tables.

    Raises
    ------
    InputError
        Naming the file, the line and the key for a syntax error, an unknown key or a bad value.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(path, None, None, f"cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InputError(path, None, None, "the file is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        raise InputError(path, int(match.group(1)) if match else None, None, f"not valid TOML: {error}") from None
    unknown = set(data) - _SECTIONS
    if unknown:
        name = sorted(unknown)[0]
        raise InputError(
            path, _line_of(text, name, None) or _line_of_key(text, name), name, f"unknown table; expected {', '.join(sorted(_SECTIONS))}"
        )

    def build(section: str, factory: type[Any], allowed: Iterable[str], convert: Mapping[str, Any]) -> Any:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise InputError(path, _line_of_key(text, section), section, "must be a table")
        for key in table:
            if key not in allowed:
                raise InputError(
                    path, _line_of(text, section, key), f"{section}.{key}", f"unknown key; expected one of {', '.join(sorted(allowed))}"
                )
        arguments = {}
        for key, value in table.items():
            try:
                arguments[key] = convert[key](value, key) if key in convert else value
            except ProblemError as error:
                raise InputError(path, _line_of(text, section, key), f"{section}.{key}", error.message) from None
        try:
            return factory(**arguments)
        except ProblemError as error:
            key = error.field.split(".")[0].split("[")[0]
            raise InputError(path, _line_of(text, section, key), f"{section}.{error.field}", error.message) from None
        except TypeError as error:
            raise InputError(path, _line_of(text, section, None), section, str(error)) from None

    def pairs(value: Any, key: str) -> frozenset[tuple[str, str]]:
        return coerce_pairs(value, field_name=key)

    def date(value: Any, key: str) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        raise ProblemError(f"{value!r} is not a date like 2025-01-06", field=key)

    def strings(value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ProblemError("must be a list of strings", field=key)
        return tuple(value)

    rule_fields = [field.name for field in fields(Rules)]
    weight_fields = [field.name for field in fields(Weights)]
    rules = build(
        "rules",
        Rules,
        rule_fields,
        {"pinned": pairs, "forbidden": pairs, "past_pairs": pairs, "reference_monday": date, "diversity_attributes": strings},
    )
    weights = build("weights", Weights, weight_fields, {})
    taxonomy_table = data.get("taxonomy", {})
    try:
        if not isinstance(taxonomy_table, dict):
            raise ProblemError("must be a table of skills", field="taxonomy")
        taxonomy = Taxonomy.from_mapping(taxonomy_table)
    except ProblemError as error:
        skill = error.field.split(".")[1] if error.field.count(".") >= 1 else None
        line = _line_of(text, f"taxonomy.{skill}", None) if skill else _line_of_key(text, "taxonomy")
        raise InputError(path, line, error.field, error.message) from None
    match_table = data.get("match", {})
    mode_text = match_table.get("mode", "score") if isinstance(match_table, dict) else "score"
    unknown_match = set(match_table) - {"mode"} if isinstance(match_table, dict) else {"match"}
    if unknown_match:
        key = sorted(unknown_match)[0]
        raise InputError(path, _line_of(text, "match", key), f"match.{key}", "unknown key; expected mode")
    try:
        mode = Mode(mode_text)
    except ValueError:
        raise InputError(
            path, _line_of(text, "match", "mode"), "match.mode", f"{mode_text!r} is not one of score, coverage, fair"
        ) from None
    return Settings(rules=rules, weights=weights, taxonomy=taxonomy, mode=mode)


def rule_line(path: str | os.PathLike[str] | None, field: str) -> int | None:
    """The line of ``field`` in the ``[rules]`` table of the TOML file at ``path``, if it can be found."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return _line_of(text, "rules", field.split(".")[0].split("[")[0])


def _line_of_key(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*\[?\s*{re.escape(key)}\b", line):
            return number
    return None


def load_problem(
    mentors_path: str | os.PathLike[str],
    mentees_path: str | os.PathLike[str],
    *,
    taxonomy: Taxonomy | None = None,
    rules: Rules | None = None,
    rules_path: str | os.PathLike[str] | None = None,
) -> Problem:
    """Read mentors and mentees from CSV into a :class:`Problem`.

    With ``rules``, pinned, forbidden and past pairs and mentee capacities are checked against
    the participants, and an error names ``rules_path``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "mentors.csv").write_text("id,grade,skills\\nM1,2,python:4\\n")
    >>> _ = (folder / "mentees.csv").write_text("id,grade,goals\\nE1,7,python:5\\n")
    >>> problem = load_problem(folder / "mentors.csv", folder / "mentees.csv")
    >>> problem.mentors[0].skills["python"], problem.mentees[0].goals["python"]
    (4, 5)
    """
    mentors, _mentor_rows = read_participants(mentors_path)
    mentees, mentee_rows = read_participants(mentees_path)
    problem = Problem(mentors=mentors, mentees=mentees, taxonomy=taxonomy or Taxonomy())
    if rules is not None:
        try:
            problem.check_rules(rules)
        except ProblemError as error:
            if error.participant_id and error.participant_id in mentee_rows:
                raise InputError(mentees_path, mentee_rows[error.participant_id], "capacity", error.message) from None
            raise InputError(rules_path or "rules", None, f"rules.{error.field}", error.message) from None
    return problem


def _atomic_write(path: str | os.PathLike[str], header: list[str], rows: Iterable[list[str]]) -> None:
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with open(descriptor, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual mode
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_pairs(result: MatchResult, path: str | os.PathLike[str]) -> None:
    """Write pairs to CSV: ids, score, each component's contribution, pinned flag and reasons.

    The file appears only when complete (written to a temporary file, then renamed).
    """
    header = ["mentor_id", "mentee_id", "score", *COMPONENTS, "pinned", "reasons"]
    rows = (
        [
            pair.mentor_id,
            pair.mentee_id,
            f"{pair.score:.6f}",
            *(f"{pair.components[name]:.6f}" for name in COMPONENTS),
            "yes" if pair.pinned else "no",
            " ".join(pair.reasons),
        ]
        for pair in result.pairs
    )
    _atomic_write(path, header, rows)


def write_unmatched(result: MatchResult, path: str | os.PathLike[str]) -> None:
    """Write unmatched participants to CSV: id, role and reason (atomically)."""
    _atomic_write(path, ["id", "role", "reason"], ([item.id, item.role, item.reason] for item in result.unmatched))
