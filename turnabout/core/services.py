"""Every state change of core's background-work bookkeeping: worker heartbeats, the sweeper of abandoned tasks, the
scheduler's claim of a periodic job's period, and the pruning of old task results."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from turnabout.core.errors import WorkerStopped
from turnabout.core.hooks import queued_work_swept, task_abandoned
from turnabout.core.models import ScheduledJob, WorkerHeartbeat, heartbeat_timeout

logger = logging.getLogger("turnabout.tasks")

# A dead worker's heartbeat row is kept this long (its tasks are failed long before), then deleted by the sweeper.
DEAD_HEARTBEAT_KEPT = timedelta(days=1)


def record_worker_heartbeat(*, worker_id: str, now: datetime | None = None) -> None:
    """Move this worker's heartbeat to ``now``, creating its row on the first beat; one short write.

    Only the worker itself writes its row, so the UPDATE-then-INSERT cannot race with another writer.
    """
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, hostname=socket.gethostname()[:255], pid=os.getpid(), started_at=now, beat_at=now
        )


def remove_worker_heartbeat(*, worker_id: str) -> None:
    """Forget a worker that stops cleanly: a task it still held is then failed by the next sweep."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


@dataclass(frozen=True)
class AbandonedTask:
    id: str
    task_path: str
    worker_id: str


def fail_abandoned_tasks(*, now: datetime | None = None) -> list[AbandonedTask]:
    """Mark FAILED every RUNNING task whose worker has not beaten within the heartbeat timeout, and fire
    ``task_abandoned`` so the object it worked on (a match run, an import) fails with a plain message too; then fire
    ``queued_work_swept`` so objects queued with no task waiting for them (never enqueued) end too.

    Each task fails in its own transaction, claimed with a conditional UPDATE (still RUNNING): sweepers running at
    once fail each task once, and a handler that raises leaves that task RUNNING for the next sweep. Safe at any
    interval. A worker that comes back to a task failed under it finishes it and records what really happened.
    """
    now = now or timezone.now()
    failed = _fail_running_tasks_of_stopped_workers(now)
    try:
        queued_work_swept.fire(queued_before=now - heartbeat_timeout())
    except Exception:
        logger.exception("Could not end the work queued with no task waiting for it; the next sweep retries.")
    _prune_dead_heartbeats(now)
    return failed


def task_arguments_waiting(task_path: str) -> set[Any]:
    """The first argument (the id of the object it works on) of every task of ``task_path`` that waits for a worker
    or runs: an object said to be queued whose id is not here has no task coming for it."""
    rows = DBTaskResult.objects.filter(task_path=task_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
    waiting = set()
    for arguments in rows.values_list("args_kwargs", flat=True):
        positional, named = (arguments or {}).get("args") or [], (arguments or {}).get("kwargs") or {}
        if positional or named:
            waiting.add(positional[0] if positional else next(iter(named.values())))
    return waiting


def _fail_running_tasks_of_stopped_workers(now: datetime) -> list[AbandonedTask]:
    # The running tasks first, then the live workers: a worker that starts in between beats before it claims a task,
    # so every task read here whose worker is alive has that worker in the set read after it.
    running = list(DBTaskResult.objects.running().values("id", "task_path", "args_kwargs", "worker_ids"))
    if not running:
        return []
    alive = set(WorkerHeartbeat.objects.fresh(now=now).values_list("worker_id", flat=True))
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "beat_at"))
    failed = []
    for row in running:
        worker_id = row["worker_ids"][-1] if row["worker_ids"] else ""
        if worker_id in alive:
            continue
        last_beat = beats.get(worker_id)
        try:
            if _fail_task(row, worker_id=worker_id, last_beat=last_beat, now=now):
                failed.append(AbandonedTask(id=str(row["id"]), task_path=row["task_path"], worker_id=worker_id))
        except Exception:
            # One broken handler must not keep the other tasks running for ever; this one is retried next sweep.
            logger.exception("Could not fail abandoned task %s (%s); the next sweep retries.", row["id"], row["task_path"])
    return failed


def _fail_task(row: Mapping[str, Any], *, worker_id: str, last_beat: datetime | None, now: datetime) -> bool:
    since = f"since {last_beat:%Y-%m-%d %H:%M:%S %Z}" if last_beat else "at all"
    message = (
        f"The worker stopped while running this task: worker {worker_id or '(none)'} has not beaten {since} "
        f"(limit {settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS} s, WORKER_HEARTBEAT_TIMEOUT_SECONDS). Marked failed at "
        f"{now:%Y-%m-%d %H:%M:%S %Z}; run it again."
    )
    with transaction.atomic():
        claimed = DBTaskResult.objects.filter(pk=row["id"], status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}",
            traceback=message,
        )
        if not claimed:
            return False
        arguments = row["args_kwargs"] or {}
        task_abandoned.fire(task_path=row["task_path"], args=arguments.get("args", []), kwargs=arguments.get("kwargs", {}))
    logger.warning("Task %s (%s) failed: its worker %s stopped beating.", row["id"], row["task_path"], worker_id or "(none)")
    return True


def _prune_dead_heartbeats(now: datetime) -> None:
    WorkerHeartbeat.objects.filter(beat_at__lt=now - DEAD_HEARTBEAT_KEPT).delete()


def enqueue_if_due(*, name: str, task: Task[[], Any], every: timedelta, by: str, now: datetime | None = None) -> bool:
    """Enqueue ``task`` when the periodic job ``name`` is due (or never ran), and move its next due time ``every`` on.

    The claim is a conditional UPDATE (due_at ≤ now) in the same transaction as the enqueue (the database task
    backend writes its row there): of schedulers ticking at once, exactly one enqueues each period's job.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ScheduledJob.objects.get_or_create(name=name, defaults={"due_at": now})
        claimed = ScheduledJob.objects.filter(name=name, due_at__lte=now).update(
            due_at=now + every, last_enqueued_at=now, last_enqueued_by=by[:100]
        )
        if claimed:
            task.enqueue()
    return bool(claimed)


def prune_finished_tasks(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the results of tasks that finished (successfully or not) more than ``older_than`` ago; how many."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
