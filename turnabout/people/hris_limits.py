"""Limits on what an HRIS file may hold, enforced while it is read, so a crafted or broken file is refused cheaply.

Each limit is far above what a real export needs (``docs/hris-import.md``, *Limits*) and each refusal names the
limit and the value found. An XLSX is inspected before openpyxl opens it: the zip's directory, the sizes its
parts declare, and then every part inflated with a byte budget of its declared size, so a part that lies about
its size is caught however far it would inflate. Nothing here touches the database.

>>> check_headers(["Employee ID", "Work Email"])
>>> check_headers(["Employee ID", "x" * 201])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
turnabout.people.errors.ImportFileUnreadable: row 1, column 2: header is 201 characters; at most 200. ...
"""

from __future__ import annotations

import zipfile
import zlib
from typing import IO
from xml.etree import ElementTree

from turnabout.people.errors import ImportFileUnreadable

MAX_ROWS = 100_000
"""People rows (non-blank rows after the header) in one file: the largest directory ``bench/import_people.py`` measures."""
MAX_SHEET_ROWS = 1_048_576
"""Rows read in all, blank ones included: Excel's own limit. Bounds the blank rows a sheet can make openpyxl invent."""
MAX_COLUMNS = 500
"""Columns with a value; empty cells beyond the last one are ignored."""
MAX_HEADER_CHARS = 200
MAX_CELL_CHARS = 10_000
"""Any cell, mapped or not (the longest field kept is 254 characters)."""
MAX_CSV_LINE_CHARS = 1_000_000
"""One physical CSV line, checked before the csv module splits it into cells (a 50 MB line of commas is 25 million cells)."""
MAX_XLSX_PARTS = 1_000
"""Files inside the zip (Excel writes about a dozen); checked from the zip's end record, before Python lists them."""
MAX_XLSX_UNPACKED_BYTES = 512 * 2**20
"""All parts together, unpacked. 100,000 rows × 14 columns unpack to 78 MB."""
MAX_XLSX_PART_BYTES = 64 * 2**20
"""Any part openpyxl reads whole into memory — the shared-strings table above all. Worksheets are streamed and only
count towards ``MAX_XLSX_UNPACKED_BYTES``."""

_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_MAX_BYTES = 2**20
# A document type declaration is how XML entity bombs start; no spreadsheet part needs one.
_DOCTYPE_MARKERS = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_INFLATE_STEP = 2**20  # bytes read, and at most inflated, per step: a part is never held whole


def check_headers(headers: list[str]) -> None:
    """Refuse a header row holding a cell longer than ``MAX_HEADER_CHARS``."""
    for column, header in enumerate(headers, start=1):
        if len(header) > MAX_HEADER_CHARS:
            raise ImportFileUnreadable(
                f"row 1, column {column}: header is {len(header):,} characters; at most {MAX_HEADER_CHARS}. "
                "Row 1 should hold short column names such as “Employee ID”."
            )


def check_cells(row_number: int, values: list[str]) -> None:
    """Refuse a row holding a cell longer than ``MAX_CELL_CHARS``."""
    if max(map(len, values), default=0) <= MAX_CELL_CHARS:
        return
    column, value = next((column, value) for column, value in enumerate(values, start=1) if len(value) > MAX_CELL_CHARS)
    raise ImportFileUnreadable(f"row {row_number:,}, column {column}: cell is {len(value):,} characters; at most {MAX_CELL_CHARS:,}.")


def within_columns[Cell](row_number: int, values: list[Cell], *, empty: Cell) -> list[Cell]:
    """``values`` without the empty cells beyond ``MAX_COLUMNS``; refuses a row with a value beyond it."""
    if len(values) <= MAX_COLUMNS:
        return values
    beyond = values[MAX_COLUMNS:]
    if beyond.count(empty) != len(beyond):  # list.count runs in C: a 16,384-cell row costs microseconds
        last = max(index for index, value in enumerate(values, start=1) if value != empty)
        raise ImportFileUnreadable(f"row {row_number:,} has a value in column {last:,}; at most {MAX_COLUMNS} columns are read.")
    return values[:MAX_COLUMNS]


def check_row_counts(row_number: int, people_rows: int) -> None:
    """Refuse a file past ``MAX_SHEET_ROWS`` rows in all or ``MAX_ROWS`` rows of people."""
    if row_number > MAX_SHEET_ROWS:
        raise ImportFileUnreadable(f"row {row_number:,}: the file goes on past row {MAX_SHEET_ROWS:,}, the most a spreadsheet holds.")
    if people_rows > MAX_ROWS:
        raise ImportFileUnreadable(
            f"row {row_number:,}: the file has more than {MAX_ROWS:,} rows of people; at most {MAX_ROWS:,} can be imported at once. "
            "Split it into several files."
        )


class LimitedLines:
    """The lines of a text stream for the csv module, each read with ``readline(limit)``: a line longer than
    ``MAX_CSV_LINE_CHARS`` is refused before it is held whole."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.line_number = 0

    def __iter__(self) -> LimitedLines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_CSV_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        self.line_number += 1
        if len(line) > MAX_CSV_LINE_CHARS:
            raise ImportFileUnreadable(
                f"line {self.line_number:,} is more than {MAX_CSV_LINE_CHARS:,} characters long; at most {MAX_CSV_LINE_CHARS:,}."
            )
        return line


# --------------------------------------------------------------------------------------------------
# XLSX archives


def check_xlsx_archive(binary: IO[bytes]) -> None:
    """Refuse an XLSX whose parts would cost more to unpack than the limits allow; leaves ``binary`` at its start.

    In order: the number of parts (from the zip's end record, before the directory is parsed), their compression,
    the sizes they declare (together, and each part read whole), then every part inflated with a budget of its
    declared size — so a part that inflates further than it declares is refused once it passes that size.
    """
    parts = _zip_entry_count(binary)
    if parts is not None and parts > MAX_XLSX_PARTS:
        raise _too_many_parts(parts)
    binary.seek(0)
    try:
        archive = zipfile.ZipFile(binary)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _broken(error) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_XLSX_PARTS:
            raise _too_many_parts(len(infos))
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ImportFileUnreadable(
                    f"{info.filename} is compressed with method {info.compress_type}; only the deflate Excel writes is read. "
                    "Save the file again in Excel, or export CSV."
                )
        total = sum(info.file_size for info in infos)
        if total > MAX_XLSX_UNPACKED_BYTES:
            raise ImportFileUnreadable(
                f"The XLSX file unpacks to {_size(total)}; at most {_size(MAX_XLSX_UNPACKED_BYTES)}. Export CSV, or split the file."
            )
        worksheets = _worksheet_parts(archive, binary)
        for info in infos:
            if info.filename not in worksheets and info.file_size > MAX_XLSX_PART_BYTES:
                raise ImportFileUnreadable(
                    f"{info.filename} unpacks to {_size(info.file_size)}; at most {_size(MAX_XLSX_PART_BYTES)}. "
                    "Export CSV, or remove what the sheet does not need."
                )
        for info in infos:
            _inflate_within_declared_size(binary, info)
    binary.seek(0)


def _worksheet_parts(archive: zipfile.ZipFile, binary: IO[bytes]) -> frozenset[str]:
    """Parts that [Content_Types].xml declares as worksheets only: openpyxl streams those; everything else it reads whole."""
    try:
        info = archive.getinfo(_CONTENT_TYPES)
    except KeyError:
        return frozenset()  # openpyxl refuses the file itself
    if info.file_size > _CONTENT_TYPES_MAX_BYTES:
        raise ImportFileUnreadable(f"{_CONTENT_TYPES} unpacks to {_size(info.file_size)}; at most {_size(_CONTENT_TYPES_MAX_BYTES)}.")
    _inflate_within_declared_size(binary, info)
    try:
        root = ElementTree.fromstring(archive.read(info))
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError, ValueError) as error:
        raise _broken(error) from None
    types: dict[str, set[str]] = {}
    for override in root:
        if override.tag.endswith("}Override") and (name := override.get("PartName")):
            types.setdefault(name.lstrip("/"), set()).add(override.get("ContentType", ""))
    return frozenset(name for name, kinds in types.items() if kinds == {_WORKSHEET_TYPE})


def _inflate_within_declared_size(binary: IO[bytes], info: zipfile.ZipInfo) -> None:
    """Inflate one part from its raw bytes, stopping as soon as it passes the size its header declares."""
    binary.seek(info.header_offset)
    local = binary.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _broken(f"no local header for {info.filename}")
    binary.seek(info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little"))
    budget, produced, left = info.file_size, 0, info.compress_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    scanned = info.filename.endswith((".xml", ".rels"))  # the parts openpyxl parses as XML
    carry = b""

    def next_raw() -> bytes:
        nonlocal left
        if left <= 0:
            return b""
        raw = binary.read(min(left, _INFLATE_STEP))
        if not raw:
            raise _broken(f"{info.filename} is cut short")
        left -= len(raw)
        return raw

    while True:
        if inflater is None:
            out = next_raw()
            if not out:
                break
        else:
            if inflater.eof:
                break
            data = inflater.unconsumed_tail or next_raw()
            try:
                out = inflater.decompress(data, min(budget - produced + 1, _INFLATE_STEP))
            except zlib.error as error:
                raise _broken(f"{info.filename}: {error}") from None
            if not out and not data:
                break
        produced += len(out)
        if produced > budget:
            raise ImportFileUnreadable(
                f"{info.filename} unpacks to more than the {budget:,} bytes its header declares: the file is damaged or was "
                "made to exhaust the server, so it is refused. Open and save it again in Excel, or export CSV."
            )
        if scanned:
            window = carry + out
            if any(marker in window for marker in _DOCTYPE_MARKERS):
                raise ImportFileUnreadable(
                    f"{info.filename} holds an XML document type declaration, which no spreadsheet needs; the file is refused. "
                    "Open and save it again in Excel, or export CSV."
                )
            carry = window[-32:]
    if produced != budget:
        raise _broken(f"{info.filename} unpacks to {produced:,} bytes, not the {budget:,} its header declares")


def _zip_entry_count(binary: IO[bytes]) -> int | None:
    """The number of entries the zip's end record states, or None when there is no end record (zipfile then refuses)."""
    binary.seek(0, 2)
    size = binary.tell()
    start = max(0, size - (22 + 0xFFFF))
    binary.seek(start)
    tail = binary.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    if entries != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
        return entries
    # ZIP64: the locator before the end record points at the ZIP64 end record, which holds the real count.
    binary.seek(int.from_bytes(tail[at - 12 : at - 4], "little"))
    record = binary.read(56)
    if len(record) < 56 or record[:4] != b"PK\x06\x06":
        return None
    return int.from_bytes(record[32:40], "little")


def _too_many_parts(parts: int) -> ImportFileUnreadable:
    return ImportFileUnreadable(f"The XLSX file holds {parts:,} parts; at most {MAX_XLSX_PARTS:,}. Save it again in Excel, or export CSV.")


def _broken(error: object) -> ImportFileUnreadable:
    return ImportFileUnreadable(f"The XLSX file cannot be read ({error}). Open and save it again in Excel, or export CSV.")


def _size(byte_count: int) -> str:
    """``67,108,864 bytes (64 MiB)``: exact, and readable.

    >>> _size(10 * 2**20 + 1)
    '10,485,761 bytes (10.0 MiB)'
    """
    mebibytes = byte_count / 2**20
    return f"{byte_count:,} bytes ({mebibytes:.0f} MiB)" if mebibytes == int(mebibytes) else f"{byte_count:,} bytes ({mebibytes:.1f} MiB)"
