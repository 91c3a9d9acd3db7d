"""``turnabout worker``: the background task worker (django-tasks-db's ``db_worker``) that survives a locked database.

On SQLite a long write elsewhere (an import, a match run being published) can hold the write lock longer than
the busy timeout. ``db_worker`` then exits with "database is locked" and emails and match runs stop until
someone restarts it; this worker logs it, waits and carries on instead.

While it lives the worker beats (``core.heartbeat``), so a task it was running when it died is failed by the sweeper
(``core.services.fail_abandoned_tasks``) instead of staying RUNNING for ever; it sweeps once itself at start-up.
"""

import logging
import time
from typing import Any

from django.db.utils import DatabaseError, OperationalError
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.utils import is_locked_database_exception

from turnabout.core.heartbeat import Heartbeat
from turnabout.core.services import fail_abandoned_tasks

logger = logging.getLogger("turnabout.worker")


class ResilientWorker(Worker):
    """A worker that beats while it runs, sweeps abandoned tasks at start-up, and whose loop restarts after a
    "database is locked" error instead of ending the process."""

    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            self._sweep()
            self._run_through_locks()
        finally:
            heartbeat.stop()

    def _sweep(self) -> None:
        try:
            fail_abandoned_tasks()  # logs each task it fails
        except DatabaseError as error:
            logger.warning("The start-up sweep of abandoned tasks failed (%s); the scheduler sweeps again.", error)

    def _run_through_locks(self) -> None:
        while self.running:
            try:
                super().run()
                return
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                logger.warning("The database is locked by another writer; the worker retries in %.0f s.", max(self.interval, 1))
                time.sleep(max(self.interval, 1))


class Command(DatabaseWorkerCommand):
    help = "Run the background task worker (emails, imports, match runs); it waits out a locked database instead of exiting."

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool, backend_name: str, startup_delay: bool,
               max_tasks: int | None, worker_id: str, exclude_queues: str, **options: Any) -> None:  # fmt: skip
        self.configure_logging(verbosity)
        worker = ResilientWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        worker.run()
