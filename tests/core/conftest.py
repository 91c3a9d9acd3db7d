"""Fixtures of the background-work tests: the database task backend (the test settings run tasks immediately), and
the task worker run in this process."""

from collections.abc import Callable

import pytest

from turnabout.core.management.commands.worker import ResilientWorker

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    """Tasks go to the database queue, as in production; Django's setting_changed receiver resets the backends."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def run_worker(database_tasks) -> Callable[[str], None]:
    """Run the task worker ``turnabout worker`` runs until the queue is empty (``--batch``), as worker ``worker_id``."""

    def run(worker_id: str) -> None:
        ResilientWorker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        ).run()

    return run
