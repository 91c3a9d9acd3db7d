"""``turnabout worker``: the background task worker (django-tasks-db's ``db_worker``) that survives a locked database.

On SQLite a long write elsewhere (an import, a match run being published) can hold the write lock longer than
the busy timeout. ``db_worker`` then exits with "database is locked" and emails and match runs stop until
someone restarts it; this worker logs it, waits and carries on instead.
"""

import logging
import time
from typing import Any

from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.utils import is_locked_database_exception

logger = logging.getLogger("turnabout.worker")


class ResilientWorker(Worker):
    """A worker whose loop restarts after a "database is locked" error instead of ending the process."""

    def run(self) -> None:
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
