"""Explicit extension points where a lower app must let higher apps react, without importing them.

Unlike Django signals, every hook is declared here, has one documented payload, and is fired by
the lower app only after its transaction commits (see docs/adr/0004-hooks.md) — except ``task_abandoned``,
which fires inside the sweeper's transaction (below).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.tasks import Task


@dataclass
class Hook:
    """A named extension point; handlers are registered in AppConfig.ready()."""

    name: str
    handlers: list[Callable[..., None]] = field(default_factory=list)

    def register(self, handler: Callable[..., None]) -> None:
        if handler not in self.handlers:
            self.handlers.append(handler)

    def fire(self, **payload: object) -> None:
        for handler in self.handlers:
            handler(**payload)


# Fired after an HRIS import (or mark_leaver) committed newly marked leavers.
# Payload: organisation_id (int), count (int, how many newly left).
people_left = Hook("people_left")


@dataclass
class TaskHook:
    """An extension point about one background task at a time: each handler is registered for a task and is called
    with that task's own arguments (``compute_match_run(run_id)`` → ``handler(run_id)``)."""

    name: str
    handlers: dict[str, list[Callable[..., object]]] = field(default_factory=dict)

    def register_for(self, task: Task[..., Any], handler: Callable[..., object]) -> None:
        handlers = self.handlers.setdefault(task.module_path, [])
        if handler not in handlers:
            handlers.append(handler)

    def fire(self, *, task_path: str, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        for handler in self.handlers.get(task_path, []):
            handler(*args, **kwargs)


# Fired by the sweeper (core.services.fail_abandoned_tasks) for a task whose worker stopped beating while it ran:
# the task is being marked FAILED. Handlers receive the task's own arguments and mark the object it was working on
# failed with a plain message. Unlike people_left it fires inside the sweeper's transaction, so the task and its
# object fail together or not at all (a handler that raises leaves both for the next sweep): handlers only write.
task_abandoned = TaskHook("task_abandoned")
