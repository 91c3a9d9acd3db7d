"""Reading HRIS exports: CSV or XLSX files streamed row by row (the columns and their cells are ``hris_columns``).

Nothing here touches the database. Rows are yielded as ``(row_number, values)`` where row numbers are
what a spreadsheet shows (the header is row 1, so the first data row is row 2; a quoted multi-line cell
stays one row) and ``values`` is a list of stripped strings, one per column of the file. Every read is
bounded by the limits of ``hris_limits`` (header and cell lengths, columns, rows, an XLSX's unpacked size).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

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
