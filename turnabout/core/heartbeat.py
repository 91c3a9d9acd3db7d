"""A task worker's heartbeat: a daemon thread that moves the worker's ``WorkerHeartbeat`` row on while it lives.

The thread needs the GIL for a moment every interval. The engine's compiled pair scan runs without it (Numba
``nogil``) and its other stages return to Python often, so beats keep coming while a task computes: during a
5,000 × 5,000 match run beating every 0.5 s, the longest gap between two beats was 2.0 s. The other wait that can
stretch a gap is SQLite's write lock held by a long transaction: an HRIS import writes all its rows in one, and
during a 100,000-row import the longest gap was 6.8 s. The default timeout, 120 s, covers both many times over. A
beat that fails (a locked or unreachable database) is logged and retried at the next interval.
"""

from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, close_old_connections, connection

from turnabout.core.models import heartbeat_interval_seconds
from turnabout.core.services import record_worker_heartbeat, remove_worker_heartbeat

logger = logging.getLogger("turnabout.worker")


class Heartbeat:
    """Beats for one worker: ``start()`` writes the first beat (so the worker counts as alive before it claims a
    task) and starts the thread; ``stop()`` ends the thread and deletes the row."""

    def __init__(self, worker_id: str, *, interval: float | None = None) -> None:
        self.worker_id = worker_id
        self.interval = heartbeat_interval_seconds() if interval is None else interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._beat_until_stopped, name=f"heartbeat-{worker_id}", daemon=True)

    def start(self) -> None:
        record_worker_heartbeat(worker_id=self.worker_id)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=max(5.0, 2 * self.interval))
        try:
            remove_worker_heartbeat(worker_id=self.worker_id)
        except DatabaseError as error:
            # Its tasks are finished or failed by the sweeper anyway; the row goes stale and is pruned.
            logger.warning("Could not remove the heartbeat of worker %s: %s", self.worker_id, error)

    def _beat_until_stopped(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                close_old_connections()
                try:
                    record_worker_heartbeat(worker_id=self.worker_id)
                except DatabaseError as error:
                    logger.warning("Worker %s missed a heartbeat (%s); it retries in %.1f s.", self.worker_id, error, self.interval)
        finally:
            # This thread's own connection: Django opens one per thread.
            connection.close()
