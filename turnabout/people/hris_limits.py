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
from decimal import Decimal
from typing import IO
from xml.etree import ElementTree

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
                ngettext(
                    "row 1, column %(column)s: header is %(length)s character; at most %(limit)s. "
                    "Row 1 should hold short column names such as “Employee ID”.",
                    "row 1, column %(column)s: header is %(length)s characters; at most %(limit)s. "
                    "Row 1 should hold short column names such as “Employee ID”.",
                    len(header),
                )
                % {"column": column, "length": _number(len(header)), "limit": MAX_HEADER_CHARS}
            )


def check_cells(row_number: int, values: list[str]) -> None:
    """Refuse a row holding a cell longer than ``MAX_CELL_CHARS``."""
    if max(map(len, values), default=0) <= MAX_CELL_CHARS:
        return
    column, value = next((column, value) for column, value in enumerate(values, start=1) if len(value) > MAX_CELL_CHARS)
    raise ImportFileUnreadable(
        ngettext(
            "row %(row)s, column %(column)s: cell is %(length)s character; at most %(limit)s.",
            "row %(row)s, column %(column)s: cell is %(length)s characters; at most %(limit)s.",
            len(value),
        )
        % {"row": _number(row_number), "column": column, "length": _number(len(value)), "limit": _number(MAX_CELL_CHARS)}
    )


def within_columns[Cell](row_number: int, values: list[Cell], *, empty: Cell) -> list[Cell]:
    """``values`` without the empty cells beyond ``MAX_COLUMNS``; refuses a row with a value beyond it."""
    if len(values) <= MAX_COLUMNS:
        return values
    beyond = values[MAX_COLUMNS:]
    if beyond.count(empty) != len(beyond):  # list.count runs in C: a 16,384-cell row costs microseconds
        last = max(index for index, value in enumerate(values, start=1) if value != empty)
        raise ImportFileUnreadable(
            _("row %(row)s has a value in column %(column)s; at most %(limit)s columns are read.")
            % {"row": _number(row_number), "column": _number(last), "limit": MAX_COLUMNS}
        )
    return values[:MAX_COLUMNS]


def check_row_counts(row_number: int, people_rows: int) -> None:
    """Refuse a file past ``MAX_SHEET_ROWS`` rows in all or ``MAX_ROWS`` rows of people."""
    if row_number > MAX_SHEET_ROWS:
        raise ImportFileUnreadable(
            _("row %(row)s: the file goes on past row %(limit)s, the most a spreadsheet holds.")
            % {"row": _number(row_number), "limit": _number(MAX_SHEET_ROWS)}
        )
    if people_rows > MAX_ROWS:
        raise ImportFileUnreadable(
            ngettext(
                "row %(row)s: the file has more than %(limit)s row of people; at most %(limit)s can be imported at once. "
                "Split it into several files.",
                "row %(row)s: the file has more than %(limit)s rows of people; at most %(limit)s can be imported at once. "
                "Split it into several files.",
                MAX_ROWS,
            )
            % {"row": _number(row_number), "limit": _number(MAX_ROWS)}
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
                ngettext(
                    "line %(line)s is more than %(limit)s character long; at most %(limit)s.",
                    "line %(line)s is more than %(limit)s characters long; at most %(limit)s.",
                    MAX_CSV_LINE_CHARS,
                )
                % {"line": _number(self.line_number), "limit": _number(MAX_CSV_LINE_CHARS)}
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
                    _(
                        "%(part)s is compressed with method %(method)s; only the deflate Excel writes is read. "
                        "Save the file again in Excel, or export CSV."
                    )
                    % {"part": info.filename, "method": info.compress_type}
                )
        total = sum(info.file_size for info in infos)
        if total > MAX_XLSX_UNPACKED_BYTES:
            raise ImportFileUnreadable(
                _("The XLSX file unpacks to %(size)s; at most %(limit)s. Export CSV, or split the file.")
                % {"size": _size(total), "limit": _size(MAX_XLSX_UNPACKED_BYTES)}
            )
        worksheets = _worksheet_parts(archive, binary)
        for info in infos:
            if info.filename not in worksheets and info.file_size > MAX_XLSX_PART_BYTES:
                raise ImportFileUnreadable(
                    _("%(part)s unpacks to %(size)s; at most %(limit)s. Export CSV, or remove what the sheet does not need.")
                    % {"part": info.filename, "size": _size(info.file_size), "limit": _size(MAX_XLSX_PART_BYTES)}
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
        raise ImportFileUnreadable(
            _("%(part)s unpacks to %(size)s; at most %(limit)s.")
            % {"part": _CONTENT_TYPES, "size": _size(info.file_size), "limit": _size(_CONTENT_TYPES_MAX_BYTES)}
        )
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
        raise _broken(_("no local header for %(part)s") % {"part": info.filename})
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
            raise _broken(_("%(part)s is cut short") % {"part": info.filename})
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
                ngettext(
                    "%(part)s unpacks to more than the %(size)s byte its header declares: the file is damaged or was "
                    "made to exhaust the server, so it is refused. Open and save it again in Excel, or export CSV.",
                    "%(part)s unpacks to more than the %(size)s bytes its header declares: the file is damaged or was "
                    "made to exhaust the server, so it is refused. Open and save it again in Excel, or export CSV.",
                    budget,
                )
                % {"part": info.filename, "size": _number(budget)}
            )
        if scanned:
            window = carry + out
            if any(marker in window for marker in _DOCTYPE_MARKERS):
                raise ImportFileUnreadable(
                    _(
                        "%(part)s holds an XML document type declaration, which no spreadsheet needs; the file is refused. "
                        "Open and save it again in Excel, or export CSV."
                    )
                    % {"part": info.filename}
                )
            carry = window[-32:]
    if produced != budget:
        raise _broken(
            ngettext(
                "%(part)s unpacks to %(size)s byte, not the %(declared)s its header declares",
                "%(part)s unpacks to %(size)s bytes, not the %(declared)s its header declares",
                produced,
            )
            % {"part": info.filename, "size": _number(produced), "declared": _number(budget)}
        )


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
    return ImportFileUnreadable(
        ngettext(
            "The XLSX file holds %(count)s part; at most %(limit)s. Save it again in Excel, or export CSV.",
            "The XLSX file holds %(count)s parts; at most %(limit)s. Save it again in Excel, or export CSV.",
            parts,
        )
        % {"count": _number(parts), "limit": _number(MAX_XLSX_PARTS)}
    )


def _broken(error: object) -> ImportFileUnreadable:
    return ImportFileUnreadable(
        _("The XLSX file cannot be read (%(error)s). Open and save it again in Excel, or export CSV.") % {"error": error}
    )


def _number(value: int) -> str:
    """``1,048,576``: grouped in the active language's way."""
    return number_format(value, force_grouping=True)


def _size(byte_count: int) -> str:
    """``67,108,864 bytes (64 MiB)``: exact, and readable.

    >>> _size(10 * 2**20 + 1)
    '10,485,761 bytes (10.0 MiB)'
    """
    mebibytes = byte_count / 2**20
    shown = number_format(Decimal(f"{mebibytes:.0f}" if mebibytes == int(mebibytes) else f"{mebibytes:.1f}"))
    return ngettext("%(count)s byte (%(mebibytes)s MiB)", "%(count)s bytes (%(mebibytes)s MiB)", byte_count) % {
        "count": _number(byte_count),
        "mebibytes": shown,
    }
