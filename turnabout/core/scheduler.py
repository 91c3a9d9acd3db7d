"""Periodic jobs without cron: a registry the apps fill, and the scheduler (``turnabout scheduler``) that enqueues
each job at its cadence and sweeps abandoned tasks.

The registry: each app declares its periodic jobs on its AppConfig as ``periodic_jobs = (("send-nudges",
"turnabout.engagement.jobs.send_nudges_job", timedelta(minutes=15)), ...)`` — core never imports the apps above it,
and resolves the dotted paths only when the jobs are listed. ``name`` is the cron command's name, the task takes no
argument and calls the same service as that command. ``register_periodic_job`` adds one at run time (tests);
``periodic_jobs()`` lists them all.

The scheduler ticks every ``interval`` seconds: it fails the tasks of stopped workers and ends the work queued with
no task coming for it (``fail_abandoned_tasks``), then, for each job, claims the period and enqueues the job in one
transaction (``enqueue_if_due``). Any number of schedulers may run (one per ``turnabout serve``, on several hosts):
the claim is a conditional UPDATE of the job's ``ScheduledJob`` row, so only one of them acts for each period and each
job is enqueued once per period. A job is first due at the first tick after it is registered; after that, ``every``
after the tick that enqueued it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import DatabaseError, close_old_connections
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from turnabout.core.services import AbandonedTask, enqueue_if_due, fail_abandoned_tasks

logger = logging.getLogger("turnabout.scheduler")

DEFAULT_TICK_SECONDS = 30.0


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Task[[], Any]
    every: timedelta


_JOBS: dict[str, PeriodicJob] = {}


def register_periodic_job(*, name: str, task: Task[[], Any], every: timedelta) -> None:
    """Add a periodic job at run time, beside those the apps declare. Registering a name again replaces it."""
    if every <= timedelta(0):
        raise ValueError(f"Periodic job {name!r}: every must be positive, got {every}")
    _JOBS[name] = PeriodicJob(name=name, task=task, every=every)


def periodic_jobs() -> list[PeriodicJob]:
    """The periodic jobs the apps declare (``AppConfig.periodic_jobs``) and those registered at run time, by name."""
    jobs = {
        name: PeriodicJob(name=name, task=import_string(task_path), every=every)
        for config in apps.get_app_configs()
        for name, task_path, every in getattr(config, "periodic_jobs", ())
    }
    return sorted({**jobs, **_JOBS}.values(), key=lambda job: job.name)


@dataclass(frozen=True)
class Tick:
    """What one tick did: the jobs it enqueued and the abandoned tasks it failed."""

    enqueued: list[str] = field(default_factory=list)
    abandoned: list[AbandonedTask] = field(default_factory=list)

    def __str__(self) -> str:
        enqueued = ", ".join(self.enqueued) if self.enqueued else "no job (none due)"
        return f"Enqueued {enqueued}; failed {len(self.abandoned)} task(s) abandoned by stopped workers."


class Scheduler:
    """Ticks until stopped. ``holder`` names it in ``ScheduledJob.last_enqueued_by`` (default host:pid)."""

    def __init__(self, *, interval: float = DEFAULT_TICK_SECONDS, holder: str | None = None) -> None:
        self.interval = interval
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self._stopping = threading.Event()

    def tick(self, *, now: datetime | None = None) -> Tick:
        now = now or timezone.now()
        abandoned = fail_abandoned_tasks(now=now)
        enqueued = [
            job.name for job in periodic_jobs() if enqueue_if_due(name=job.name, task=job.task, every=job.every, by=self.holder, now=now)
        ]
        return Tick(enqueued=enqueued, abandoned=abandoned)

    def run(self) -> None:
        """Tick now and every ``interval`` seconds until ``stop()``; a database error is logged and the next tick retries."""
        logger.info("Scheduler %s started: %s, ticking every %.0f s.", self.holder, _describe(periodic_jobs()), self.interval)
        while not self._stopping.is_set():
            close_old_connections()
            try:
                tick = self.tick()
            except DatabaseError as error:
                logger.warning("Scheduler tick failed (%s); the next tick retries in %.0f s.", error, self.interval)
            else:
                if tick.enqueued:
                    logger.info("Scheduler %s enqueued %s.", self.holder, ", ".join(tick.enqueued))
            self._stopping.wait(self.interval)
        close_old_connections()
        logger.info("Scheduler %s stopped.", self.holder)

    def stop(self) -> None:
        self._stopping.set()


def _describe(jobs: list[PeriodicJob]) -> str:
    return ", ".join(f"{job.name} every {_duration(job.every)}" for job in jobs) or "no periodic job registered"


def _duration(every: timedelta) -> str:
    """
    >>> _duration(timedelta(minutes=15)), _duration(timedelta(hours=1)), _duration(timedelta(days=1)), _duration(timedelta(seconds=90))
    ('15 min', '1 h', '1 day', '90 s')
    """
    seconds = int(every.total_seconds())
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day" + ("s" if days > 1 else "")
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
