"""The database side of backups: the errors of backup and restore, a connection of their own to a database, and what
a database holds (its tables' row counts and applied migrations). Used by ``backup`` (the file and SQLite) and
``backup_postgres`` (PostgreSQL's client tools)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS
from django.db import Error as DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler

from turnabout.core.errors import DomainError

MIGRATIONS_TABLE = "django_migrations"
# Named, not imported: core sits below accounts. Every organisation's data hangs off this table, so a database
# with a row in it is one somebody uses, and restoring over it needs --force.
TENANT_MODEL = "accounts.Organisation"
CHUNK_BYTES = 1024 * 1024


class BackupError(DomainError):
    code = "backup_error"


class BackupDamaged(BackupError):
    code = "backup_damaged"


class BackupIncompatible(BackupError):
    code = "backup_incompatible"


class DatabaseNotEmpty(BackupError):
    code = "database_not_empty"


class DatabaseToolMissing(BackupError):
    code = "database_tool_missing"


class RestoreFailed(BackupError):
    code = "restore_failed"


@dataclass(frozen=True)
class DatabaseContents:
    """The tables of a database with their row counts, and its applied migrations."""

    table_rows: dict[str, int]
    migrations: dict[str, list[str]]

    @property
    def tables_with_rows(self) -> int:
        return sum(1 for rows in self.table_rows.values() if rows)

    @property
    def organisations(self) -> int | None:
        """None when the database has no organisation table: it is not (yet) a Turnabout database."""
        return self.table_rows.get(tenant_table())

    @property
    def holds_data(self) -> bool:
        """An organisation, or in a database that is not Turnabout's, any table with rows."""
        if self.organisations is not None:
            return self.organisations > 0
        return any(rows for table, rows in self.table_rows.items() if table != MIGRATIONS_TABLE)

    def describe(self) -> str:
        if self.organisations is None:
            return f"{counted(self.tables_with_rows, 'table')} with data and is not a Turnabout database"
        return f"{counted(self.organisations, 'organisation')} ({counted(self.tables_with_rows, 'table')} with data)"


def tenant_table() -> str:
    table: str = apps.get_model(TENANT_MODEL)._meta.db_table
    return table


@contextmanager
def connected(database: Mapping[str, Any]) -> Iterator[BaseDatabaseWrapper]:
    """A connection of its own to ``database``, closed on exit: never one of the request's connections."""
    handler = ConnectionHandler({DEFAULT_DB_ALIAS: copy.deepcopy(dict(database))})
    connection = handler[DEFAULT_DB_ALIAS]
    try:
        try:
            connection.ensure_connection()
        except DatabaseError as error:
            raise BackupError(f"Cannot connect to the database {database.get('NAME')}: {str(error).strip().splitlines()[0]}") from None
        yield connection
    finally:
        handler.close_all()


def describe(connection: BaseDatabaseWrapper) -> DatabaseContents:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        table_rows = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            table_rows[table] = cursor.fetchone()[0]
        migrations: dict[str, list[str]] = {}
        if MIGRATIONS_TABLE in table_rows:
            cursor.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE} ORDER BY app, name")
            for app, name in cursor.fetchall():
                migrations.setdefault(app, []).append(name)
    return DatabaseContents(table_rows=table_rows, migrations=migrations)


def counted(count: int, noun: str) -> str:
    """``counted(1, "table")`` is "1 table"; ``counted(1200, "row")`` is "1,200 rows"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
