"""Model mixins shared by every app, and the rows that keep background work alive: worker heartbeats and the
scheduler's periodic jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A worker beats this many times per timeout, and at least every HEARTBEAT_MAX_INTERVAL_SECONDS.
BEATS_PER_TIMEOUT = 6
HEARTBEAT_MAX_INTERVAL_SECONDS = 10.0


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def heartbeat_timeout() -> timedelta:
    """How long a worker may go without a beat before it counts as stopped (WORKER_HEARTBEAT_TIMEOUT_SECONDS)."""
    return timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS)


def heartbeat_interval_seconds() -> float:
    """How often a worker beats: a sixth of the timeout, at most every 10 s (so every 10 s with the default 120 s timeout)."""
    return min(HEARTBEAT_MAX_INTERVAL_SECONDS, settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS / BEATS_PER_TIMEOUT)


class WorkerHeartbeatQuerySet(models.QuerySet["WorkerHeartbeat"]):
    def fresh(self, *, now: datetime) -> WorkerHeartbeatQuerySet:
        """Workers that beat within the heartbeat timeout before ``now``: alive."""
        return self.filter(beat_at__gte=now - heartbeat_timeout())


class WorkerHeartbeat(models.Model):
    """One running task worker (``turnabout worker``): it moves ``beat_at`` every few seconds while it lives.

    A task whose worker has not beaten for ``WORKER_HEARTBEAT_TIMEOUT_SECONDS`` is failed by the sweeper
    (``core.services.fail_abandoned_tasks``); ``/healthz`` wants one fresh heartbeat. A worker that stops cleanly
    deletes its row.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Worker {self.worker_id} ({self.hostname}, pid {self.pid})"


class ScheduledJob(models.Model):
    """When a periodic job (``core.scheduler``) is next due. A scheduler claims a period by moving ``due_at`` on with
    a conditional UPDATE in the transaction that enqueues the job, so however many schedulers run, each period's
    job is enqueued once."""

    name = models.CharField(max_length=100, unique=True)
    due_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_enqueued_by = models.CharField(max_length=100, blank=True, help_text="The scheduler that enqueued it: host:pid.")

    def __str__(self) -> str:
        return f"{self.name} (due {self.due_at:%Y-%m-%d %H:%M})"


class EmailDelivery(models.Model):
    """One email that was sent, or is being sent, under a key (``core.delivery``): a unique ``key`` is the claim, so
    however often a task is delivered, and however many workers run it at once, the email goes out once.

    ``sent_at`` is empty while the send is in progress; a claim whose worker died mid-send stays, unsent, and is never
    sent again (at most once). A send that fails deletes its claim, so a retry sends it.
    """

    key = models.CharField(max_length=200, unique=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("email deliveries")

    def __str__(self) -> str:
        return self.key
