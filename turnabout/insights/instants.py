"""Instants read as whole seconds since the Unix epoch, and turned into local dates without Django's per-row converters.

Reading thousands of aware datetimes costs more in Python than the query that returns them (on SQLite each is parsed
from text and made aware, then moved to the current time zone). The dashboards only need the local date of each, so
they read an integer from the database and convert it with :func:`local_date`.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, Func
from django.db.models.sql.compiler import SQLCompiler


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 00:00 UTC of a datetime expression (floored); ``NULL`` stays ``NULL``.

    Works on an aggregate too (``EpochSeconds(Min("starts_at"))``). SQLite and PostgreSQL only.
    """

    arity = 1
    output_field = BigIntegerField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        raise NotSupportedError(f"EpochSeconds supports SQLite and PostgreSQL; got {connection.vendor}")

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any) -> tuple[str, tuple[str | int, ...]]:
        # Django stores aware datetimes on SQLite as UTC text; strftime("%s") reads it as UTC and drops the fraction.
        return Func.as_sql(self, compiler, connection, template="CAST(STRFTIME('%%%%s', %(expressions)s) AS INTEGER)", **extra_context)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        return Func.as_sql(self, compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint", **extra_context)


def local_date(seconds: int, zone: tzinfo) -> date:
    """The date in ``zone`` of the instant ``seconds`` after the epoch (look the zone up once, not per row)."""
    return datetime.fromtimestamp(seconds, zone).date()
