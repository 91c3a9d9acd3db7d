"""Reading limits of the HRIS import: a crafted or oversized file is refused early, naming the limit and the value found."""

import io
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from turnabout.people import hris_limits
from turnabout.people.errors import ImportFileUnreadable
from turnabout.people.hris import preview_people_import
from turnabout.people.hris_reading import ImportFile, iter_rows, read_headers
from turnabout.people.models import Person

from .test_hris_import import snapshot
from .xlsx_files import declaring, header_bomb, parts, people_sheet, shared_strings, sheet, zipped


def xlsx(content: bytes) -> ImportFile:
    return ImportFile.from_bytes("people.xlsx", content)


# ------------------------------------------------------------------------------------------------- the reported XLSX bomb


def test_a_shared_strings_bomb_is_refused_on_its_header_without_keeping_it():
    # given the reported file: about 12 KB, whose shared-strings table holds a 10 MB header
    bomb = header_bomb()
    assert len(bomb) < 15_000

    # when / then
    with pytest.raises(ImportFileUnreadable) as refused:
        read_headers(xlsx(bomb))
    assert refused.value.message.startswith("row 1, column 1: header is 10,485,760 characters; at most 200.")


def test_the_command_dry_run_refuses_the_bomb_and_writes_nothing(acme, tmp_path):
    # given
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(header_bomb())
    before = snapshot(acme)

    # when / then
    with pytest.raises(CommandError, match=r"row 1, column 1: header is 10,485,760 characters; at most 200\."):
        call_command("import_people", str(path), "--dry-run", stdout=StringIO(), stderr=StringIO())
    assert snapshot(acme) == before


def test_a_header_of_exactly_the_limit_is_read():
    headers = read_headers(xlsx(zipped(people_sheet([["x" * 200, "Work Email"]]))))

    assert [len(header) for header in headers] == [200, 10]


def test_a_part_that_inflates_past_its_declared_size_is_refused():
    # given a zip whose shared-strings part says 1,000 bytes but inflates to 10 MB
    honest = zipped(people_sheet([["Employee ID", "Work Email"], ["E1", "e" * 10 * 2**20]]))
    lying = declaring(honest, "xl/sharedStrings.xml", 1_000)
    assert len(lying) < 50_000

    # when / then
    with pytest.raises(ImportFileUnreadable) as refused:
        read_headers(xlsx(lying))
    assert refused.value.message.startswith(
        "xl/sharedStrings.xml unpacks to more than the 1,000 bytes its header declares: the file is damaged or was made to exhaust"
    )


def test_the_command_dry_run_refuses_a_lying_zip(acme, tmp_path):
    path = tmp_path / "lying.xlsx"
    path.write_bytes(declaring(zipped(people_sheet([["Employee ID", "Work Email"], ["E1", "e" * 2**20]])), "xl/sharedStrings.xml", 100))

    with pytest.raises(CommandError, match="unpacks to more than the 100 bytes its header declares"):
        call_command("import_people", str(path), "--dry-run", stdout=StringIO(), stderr=StringIO())


def test_a_shared_strings_table_over_its_limit_is_refused_before_it_is_unpacked():
    # given a table of 65 MiB (it compresses to about 64 KB)
    table = shared_strings(["Employee ID", "Work Email", "x" * (65 * 2**20)])
    content = zipped(parts(sheet({1: {1: 0, 2: 1}}), table))

    with pytest.raises(ImportFileUnreadable) as refused:
        read_headers(xlsx(content))

    assert refused.value.message.startswith(
        f"xl/sharedStrings.xml unpacks to {len(table):,} bytes ({len(table) / 2**20:.1f} MiB); at most 67,108,864 bytes (64 MiB)."
    )


def test_an_xlsx_over_the_unpacked_limit_is_refused(monkeypatch):
    monkeypatch.setattr(hris_limits, "MAX_XLSX_UNPACKED_BYTES", 4096)
    content = zipped(people_sheet([["Employee ID", "Work Email"], ["E1", "e" * 5000]]))

    with pytest.raises(ImportFileUnreadable, match=r"The XLSX file unpacks to [\d,]+ bytes \(.+\); at most 4,096 bytes \(0.0 MiB\)\."):
        read_headers(xlsx(content))


def test_an_xlsx_with_too_many_parts_is_refused(monkeypatch):
    # given a cap of 6 parts and a workbook of 6 parts plus 5 more
    monkeypatch.setattr(hris_limits, "MAX_XLSX_PARTS", 6)
    members = {**people_sheet([["Employee ID", "Work Email"]]), **{f"xl/media/image{n}.png": b"" for n in range(5)}}

    with pytest.raises(ImportFileUnreadable, match=r"^The XLSX file holds 11 parts; at most 6\."):
        read_headers(xlsx(zipped(members)))


def test_a_compression_method_excel_does_not_use_is_refused():
    content = zipped(people_sheet([["Employee ID", "Work Email"]]), compression=zipfile.ZIP_BZIP2)

    with pytest.raises(ImportFileUnreadable, match=r"is compressed with method 12; only the deflate Excel writes is read"):
        read_headers(xlsx(content))


def test_a_document_type_declaration_is_refused():
    members = people_sheet([["Employee ID", "Work Email"]])
    members["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaa">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&a;</t></si><si><t>Email</t></si></sst>'
    )

    with pytest.raises(ImportFileUnreadable, match=r"xl/sharedStrings\.xml holds an XML document type declaration"):
        read_headers(xlsx(zipped(members)))


def test_an_openpyxl_workbook_still_reads_with_its_dates_and_numbers():
    from datetime import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Employee ID", "Start Date"])
    workbook.active.append([1001, datetime(2001, 2, 3)])
    workbook.create_sheet("Second")["A1"] = "ignored"
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert list(iter_rows(xlsx(buffer.getvalue()), include_header=True)) == [
        (1, ["Employee ID", "Start Date"]),
        (2, ["1001", "2001-02-03"]),
    ]


# ------------------------------------------------------------------------------------------------- rows, columns and cells


def test_a_file_over_the_row_limit_is_refused_naming_it():
    # given 100,001 people rows: one more than the largest import supported
    text = "employee_id,email\n" + "".join(f"E{n},e{n}@acme.test\n" for n in range(100_001))

    with pytest.raises(ImportFileUnreadable) as refused:
        for _ in iter_rows(ImportFile.from_bytes("people.csv", text.encode())):
            pass

    assert refused.value.message == (
        "row 100,002: the file has more than 100,000 rows of people; at most 100,000 can be imported at once. Split it into several files."
    )


def test_exactly_the_row_limit_is_read(monkeypatch):
    monkeypatch.setattr(hris_limits, "MAX_ROWS", 3)
    text = "employee_id,email\nE1,a@acme.test\n\nE2,b@acme.test\nE3,c@acme.test\n"

    assert [row for row, _ in iter_rows(ImportFile.from_bytes("people.csv", text.encode()))] == [2, 4, 5]


def test_the_command_dry_run_refuses_a_file_over_the_row_limit(acme, tmp_path, monkeypatch):
    # given
    monkeypatch.setattr(hris_limits, "MAX_ROWS", 2)
    path = tmp_path / "people.csv"
    path.write_text("employee_id,email\nE1,a@acme.test\nE2,b@acme.test\nE3,c@acme.test\n")
    before = snapshot(acme)

    # when / then
    with pytest.raises(CommandError, match=r"^row 4: the file has more than 2 rows of people; at most 2 can be imported at once\."):
        call_command("import_people", str(path), "--dry-run", stdout=StringIO(), stderr=StringIO())
    assert snapshot(acme) == before


def test_a_sheet_that_jumps_to_row_five_million_stops_at_the_sheet_limit(monkeypatch):
    # given a tiny workbook whose second row is numbered 5,000,000: openpyxl fills the gap with blank rows
    monkeypatch.setattr(hris_limits, "MAX_SHEET_ROWS", 1_000)
    content = zipped(parts(sheet({1: {1: 0, 2: 1}, 5_000_000: {1: 2, 2: 3}}), shared_strings(["employee_id", "email", "E1", "a@x.test"])))

    with pytest.raises(ImportFileUnreadable, match=r"^row 1,001: the file goes on past row 1,000, the most a spreadsheet holds\.$"):
        list(iter_rows(xlsx(content)))


def test_a_cell_over_the_limit_is_refused_even_in_a_column_not_imported(acme):
    text = "employee_id,email,notes\nE1,a@acme.test,short\nE2,b@acme.test," + "n" * 10_001 + "\n"

    with pytest.raises(ImportFileUnreadable, match=r"^row 3, column 3: cell is 10,001 characters; at most 10,000\.$"):
        preview_people_import(organisation=acme, file=ImportFile.from_bytes("people.csv", text.encode()))


def test_a_csv_cell_beyond_the_csv_modules_limit_is_refused_clearly():
    text = 'employee_id,email\nE1,"' + "n" * 200_000 + '"\n'

    with pytest.raises(ImportFileUnreadable, match=r"^row 2: a cell is more than 131,072 characters long; at most 10,000\.$"):
        list(iter_rows(ImportFile.from_bytes("people.csv", text.encode())))


def test_a_csv_line_over_the_limit_is_refused_before_it_is_split(monkeypatch):
    monkeypatch.setattr(hris_limits, "MAX_CSV_LINE_CHARS", 1_000)
    text = "employee_id,email\n" + "," * 5_000 + "\n"

    with pytest.raises(ImportFileUnreadable, match=r"^line 2 is more than 1,000 characters long; at most 1,000\.$"):
        list(iter_rows(ImportFile.from_bytes("people.csv", text.encode())))


def test_a_value_beyond_the_column_limit_is_refused():
    content = zipped(
        parts(sheet({1: {1: 0, 2: 1}, 2: {1: 2, 2: 3, 16_384: 4}}), shared_strings(["employee_id", "email", "E1", "a", "far"]))
    )

    with pytest.raises(ImportFileUnreadable, match=r"^row 2 has a value in column 16,384; at most 500 columns are read\.$"):
        list(iter_rows(xlsx(content)))


def test_empty_cells_beyond_the_column_limit_are_ignored():
    text = "employee_id,email" + "," * 600 + "\nE1,a@acme.test" + "," * 700 + "\n"

    rows = list(iter_rows(ImportFile.from_bytes("people.csv", text.encode()), include_header=True))

    assert [len(values) for _, values in rows] == [500, 500]
    assert rows[1][1][:2] == ["E1", "a@acme.test"]


def test_a_long_value_is_shown_shortened_in_its_problem(acme):
    text = "employee_id,email,job_title\nE1,a@acme.test," + "t" * 5_000 + "\n"

    result = preview_people_import(organisation=acme, file=ImportFile.from_bytes("people.csv", text.encode()))

    [problem] = result.problems
    assert (problem.code, len(problem.value), problem.value[-1]) == ("too_long", 101, "…")
    assert problem.reason == "'" + "t" * 100 + "…' is 5000 characters long; at most 200 fit"


@pytest.mark.parametrize("column", ["email", "given_name", "employee_id"])
def test_a_control_character_in_a_cell_is_refused_naming_it(acme, column):
    # given: a NUL passed the email check, then PostgreSQL raised an unhandled DataError
    values = {"employee_id": "E1", "given_name": "Ann", "family_name": "Lee", "email": "ann@acme.example"}
    values[column] = values[column][:2] + "\x00" + values[column][2:]
    header = ",".join(values)
    file = ImportFile(name="staff.csv", content=f"{header}\n{','.join(values.values())}\n".encode())

    # when
    result = preview_people_import(organisation=acme, file=file)

    # then
    assert result.problem_count == 1
    assert "contains a control character (U+0000), which cannot be stored" in str(result.problems[0])
    assert not Person.objects.filter(organisation=acme).exists()
