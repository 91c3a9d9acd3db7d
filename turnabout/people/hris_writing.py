"""Bulk writes of people for the HRIS import: prepared statements run many times, without the ORM's per-row cost.

bulk_update's CASE expressions grow quadratically with the batch and bulk_create spends most of its time
compiling SQL, which kept 100,000 rows to a few hundred a second. Values still go through each field's
get_db_prep_save, as the ORM would; callers hold the transaction. New people get their ids first
(``reserve_person_ids``), so an INSERT can carry the reporting path, which contains the person's own id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import CharField, Field, ForeignKey, IntegerField

from turnabout.people.models import Person

WRITE_BATCH = 1000  # rows per executemany, so the statement's parameters stay small
IMPORT_PAGE_CACHE_KIB = 256 * 1024  # SQLite's default is 2 MiB; 100,000 people and their indexes take about 60 MB


@contextmanager
def larger_page_cache() -> Iterator[None]:
    """On SQLite, let this connection cache up to ``IMPORT_PAGE_CACHE_KIB`` of pages meanwhile, then restore its setting.

    With the default cache, each INSERT and UPDATE into a 100,000-person directory rereads index pages; in the
    benchmark the bigger cache cut the write transaction of a first import by a fifth and of a re-import by half.
    The cache grows only as pages are read. Elsewhere (PostgreSQL) this does nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def update_many(fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """``UPDATE person SET fields WHERE id = …`` once per row; each row holds the values, then the id."""
    if not rows:
        return
    model_fields = [_person_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(field))} = %s" for field in model_fields)
    sql = f"UPDATE {quote(Person._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    prepare = _row_preparer(model_fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(sql, [prepare(row) for row in rows[start : start + WRITE_BATCH]])  # the id stays last


def reserve_person_ids(count: int) -> list[int]:
    """``count`` unused primary keys for new people, for INSERTs that give their own ids.

    Call inside the write transaction. SQLite's write lock is then held (``transaction_mode: IMMEDIATE``), so the
    ids above the highest ever used are free, and AUTOINCREMENT moves past the ones inserted; on PostgreSQL they
    come from the table's sequence. Ids of a transaction rolled back are simply never used.
    """
    if count == 0:
        return []
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cursor.fetchall()]
        # settings.database_from_url accepts only SQLite and PostgreSQL: this is SQLite.
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        start = max(highest, sequence[0] if sequence else 0) + 1
    return list(range(start, start + count))


def insert_many(fields: tuple[str, ...], rows: list[tuple[Any, ...]], *, constants: dict[str, Any]) -> None:
    """``INSERT`` one person per row (values of ``fields``); other columns get ``constants`` or their model default."""
    if not rows:
        return
    given = [_person_field(name) for name in fields]
    named = {_person_field(name).attname: value for name, value in constants.items()}
    rest = [field for field in Person._meta.concrete_fields if not field.primary_key and field not in given]
    fixed = [field.get_db_prep_save(named[field.attname] if field.attname in named else field.get_default(), connection) for field in rest]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(field)) for field in [*given, *rest])
    sql = f"INSERT INTO {quote(Person._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * (len(given) + len(rest)))})"
    prepare = _row_preparer(given, then=fixed)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(sql, [prepare(row) for row in rows[start : start + WRITE_BATCH]])


def _person_field(name: str) -> Field[Any, Any]:
    field = Person._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(field: Field[Any, Any]) -> str:
    assert field.column is not None
    return field.column


def _row_preparer(model_fields: list[Field[Any, Any]], *, then: list[Any] | None = None) -> Callable[[tuple[Any, ...]], list[Any]]:
    """How to turn a row of Python values for ``model_fields`` into database values (followed by ``then``).

    Text, numbers and keys pass as they are; other fields go through ``get_db_prep_save``, once per distinct value
    (dates and language lists repeat across thousands of rows), with the connection itself rather than its proxy.
    """
    database = connections[DEFAULT_DB_ALIAS]
    converted = [
        (position, _memoised(partial(field.get_db_prep_save, connection=database)))
        for position, field in enumerate(model_fields)
        if not isinstance(field, CharField | ForeignKey | IntegerField)
    ]
    tail = then or []

    def prepare(row: tuple[Any, ...]) -> list[Any]:
        values = list(row)
        for position, convert in converted:
            values[position] = convert(values[position])
        values.extend(tail)
        return values

    return prepare


def _memoised(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    cache: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        key = tuple(value) if isinstance(value, list) else value
        try:
            return cache[key]
        except KeyError:
            cache[key] = result = convert(value)
            return result

    return converted
