"""What ``/healthz`` reports to a load balancer: the database answers, every migration is applied, a worker beats.

Cheap enough to probe every few seconds: two small queries, and the migration check (which reads every app's
migration modules) only until it has once found everything applied — a process that saw that keeps it. Nothing
in the report names a person, a worker or a host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from turnabout.core.models import WorkerHeartbeat

OK = "ok"
UNKNOWN = "unknown"

_all_migrations_applied = False


@dataclass(frozen=True)
class Health:
    database: str
    migrations: str
    worker: str

    @property
    def is_healthy(self) -> bool:
        return self.database == self.migrations == self.worker == OK

    def as_dict(self) -> dict[str, str]:
        return {"database": self.database, "migrations": self.migrations, "worker": self.worker}


def check_health(*, now: datetime | None = None) -> Health:
    """The three checks; a database that does not answer makes the other two unknown."""
    now = now or timezone.now()
    try:
        migrations = _migrations()
        worker = _worker(now)
    except DatabaseError:
        return Health(database="unreachable", migrations=UNKNOWN, worker=UNKNOWN)
    return Health(database=OK, migrations=migrations, worker=worker)


def _migrations() -> str:
    global _all_migrations_applied
    if _all_migrations_applied:
        return OK
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    if pending:
        return f"{pending} unapplied"
    _all_migrations_applied = True
    return OK


def _worker(now: datetime) -> str:
    if WorkerHeartbeat.objects.fresh(now=now).exists():
        return OK
    latest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if latest is None:
        return "no worker running"
    return f"no heartbeat for {int((now - latest).total_seconds())} s"
