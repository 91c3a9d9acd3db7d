"""Bulk writes of people for the HRIS import: prepared statements run many times, without the ORM's per-row cost.

bulk_update's CASE expressions grow quadratically with the batch and bulk_create spends most of its time
compiling SQL, which kept 100,000 rows to a few hundred a second. Values still go through each field's
get_db_prep_save, as the ORM would; callers hold the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import CharField, Field, ForeignKey, PositiveSmallIntegerField

from turnabout.people.models import Person

WRITE_BATCH = 1000  # rows per executemany, so the statement's parameters stay small


def update_many(fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """``UPDATE person SET fields WHERE id = …`` once per row; each row holds the values, then the id."""
    if not rows:
        return
    model_fields = [_person_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(field))} = %s" for field in model_fields)
    sql = f"UPDATE {quote(Person._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    preparers = _preparers(model_fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            batch = rows[start : start + WRITE_BATCH]
            cursor.executemany(sql, [[*(prepare(value) for prepare, value in zip(preparers, row, strict=False)), row[-1]] for row in batch])


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
    preparers = _preparers(given)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            batch = rows[start : start + WRITE_BATCH]
            cursor.executemany(sql, [[*(prepare(value) for prepare, value in zip(preparers, row, strict=True)), *fixed] for row in batch])


def _person_field(name: str) -> Field[Any, Any]:
    field = Person._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(field: Field[Any, Any]) -> str:
    assert field.column is not None
    return field.column


def _preparers(model_fields: list[Field[Any, Any]]) -> list[Callable[[Any], Any]]:
    """Per field, how to turn a Python value into a database value; text and keys pass as they are."""
    return [
        _unchanged
        if isinstance(field, CharField | ForeignKey | PositiveSmallIntegerField)
        else partial(field.get_db_prep_save, connection=connection)
        for field in model_fields
    ]


def _unchanged(value: Any) -> Any:
    return value
