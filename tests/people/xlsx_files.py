"""Hand-built XLSX files for the reading limits: a workbook is a zip of a few XML parts, so a test can craft one exactly."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
    '<sheets><sheet name="People" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def shared_strings(strings: list[str]) -> bytes:
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}">{items}</sst>'.encode()


def sheet(rows: dict[int, dict[int, int]]) -> bytes:
    """A worksheet whose cells point into the shared strings: ``{row number: {column number: string index}}``."""
    body = "".join(
        f'<row r="{row}">'
        + "".join(f'<c r="{column_letters(column)}{row}" t="s"><v>{index}</v></c>' for column, index in sorted(cells.items()))
        + "</row>"
        for row, cells in sorted(rows.items())
    )
    prolog = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    return f'{prolog}<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'.encode()


def people_sheet(strings: list[list[str]]) -> dict[str, bytes]:
    """The parts of a one-sheet workbook holding ``strings`` row by row, every cell a shared string."""
    table: list[str] = []
    rows: dict[int, dict[int, int]] = {}
    for row_number, values in enumerate(strings, start=1):
        rows[row_number] = {}
        for column, value in enumerate(values, start=1):
            rows[row_number][column] = len(table)
            table.append(value)
    return parts(sheet(rows), shared_strings(table))


def parts(worksheet: bytes, strings: bytes) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": CONTENT_TYPES.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.xml": WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.encode(),
        "xl/worksheets/sheet1.xml": worksheet,
        "xl/sharedStrings.xml": strings,
    }


def zipped(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression, compresslevel=9 if compression == zipfile.ZIP_DEFLATED else None) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def header_bomb(header_chars: int = 10 * 2**20) -> bytes:
    """The reported attack: a 12 KB upload whose shared-strings table holds a 10 MB header for column A."""
    return zipped(people_sheet([["x" * header_chars, "Work Email"], ["E1", "e1@acme.test"]]))


def declaring(content: bytes, member: str, declared_size: int) -> bytes:
    """``content`` (a zip) with ``member``'s uncompressed size rewritten to ``declared_size`` in both its headers: a lying zip."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(member)
    assert data[info.header_offset : info.header_offset + 4] == b"PK\x03\x04"
    data[info.header_offset + 22 : info.header_offset + 26] = declared_size.to_bytes(4, "little")
    end = data.rindex(b"PK\x05\x06")
    entry = int.from_bytes(data[end + 16 : end + 20], "little")  # the central directory's offset
    while data[entry : entry + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (int.from_bytes(data[entry + at : entry + at + 2], "little") for at in (28, 30, 32))
        if bytes(data[entry + 46 : entry + 46 + name_length]) == member.encode():
            data[entry + 24 : entry + 28] = declared_size.to_bytes(4, "little")
            return bytes(data)
        entry += 46 + name_length + extra_length + comment_length
    raise AssertionError(f"{member} is not in the zip")
