"""Explicit extension points where a lower app must let higher apps react, without importing them.

Unlike Django signals, every hook is declared here, has one documented payload, and is fired by
the lower app only after its transaction commits (see docs/adr/0004-hooks.md) — except ``task_abandoned``,
which fires inside the sweeper's transaction (below).

A higher app connects its handlers by naming them on its AppConfig, as dotted paths resolved on the first fire (so
no app imports its tasks or services while the app registry is still loading)::

    hook_handlers = {"people_left": ("turnabout.matching.jobs.enqueue_withdraw_leavers",)}
    task_hook_handlers = {"task_abandoned": {"<app>.runs.compute_match_run": "<app>.runs.fail_abandoned_match_run"}}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass
class Hook:
    """A named extension point; handlers are registered in AppConfig.ready()."""

    name: str
    handlers: list[Callable[..., None]] = field(default_factory=list)
    _declared_loaded: bool = field(default=False, repr=False)

    def register(self, handler: Callable[..., None]) -> None:
        if handler not in self.handlers:
            self.handlers.append(handler)

    def fire(self, **payload: object) -> None:
        if not self._declared_loaded:
            for config in apps.get_app_configs():
                for path in getattr(config, "hook_handlers", {}).get(self.name, ()):
                    self.register(import_string(path))
            self._declared_loaded = True
        for handler in self.handlers:
            handler(**payload)


# Fired after an HRIS import (or mark_leaver) committed newly marked leavers.
# Payload: organisation_id (int), count (int, how many newly left).
people_left = Hook("people_left")

# Fired after an HRIS import or update_person (SCIM, edits) committed changes to what matching reads about people
# (reporting lines, grades, departments, sites, languages, time zones).
# Payload: organisation_id (int).
people_changed = Hook("people_changed")

# Fired by the sweeper (core.services.fail_abandoned_tasks) at every sweep, after it failed the abandoned tasks: each
# handler finds its app's objects that say "queued" while no task waits for them (committed, but the enqueue after
# commit never happened or its task is gone; core.services.task_arguments_waiting tells) and fails them with a plain
# message, or enqueues their task again where a second delivery is harmless. Handlers write in short transactions of
# their own; one that raises is logged, and it and those after it run again at the next sweep.
# Payload: queued_before (datetime: now less the heartbeat timeout; what was queued earlier had time to be enqueued).
queued_work_swept = Hook("queued_work_swept")


@dataclass
class TaskHook:
    """An extension point about one background task at a time: each handler is registered for a task and is called
    with that task's own arguments (``compute_match_run(run_id)`` → ``handler(run_id)``)."""

    name: str
    handlers: dict[str, list[Callable[..., object]]] = field(default_factory=dict)
    _declared_loaded: bool = field(default=False, repr=False)

    def _register(self, task_path: str, handler: Callable[..., object]) -> None:
        handlers = self.handlers.setdefault(task_path, [])
        if handler not in handlers:
            handlers.append(handler)

    def fire(self, *, task_path: str, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        if not self._declared_loaded:
            for config in apps.get_app_configs():
                for declared_task, handler_path in getattr(config, "task_hook_handlers", {}).get(self.name, {}).items():
                    self._register(declared_task, import_string(handler_path))
            self._declared_loaded = True
        for handler in self.handlers.get(task_path, []):
            handler(*args, **kwargs)


# Fired by the sweeper (core.services.fail_abandoned_tasks) for a task whose worker stopped beating while it ran:
# the task is being marked FAILED. Handlers receive the task's own arguments and mark the object it was working on
# failed with a plain message. Unlike people_left it fires inside the sweeper's transaction, so the task and its
# object fail together or not at all (a handler that raises leaves both for the next sweep): handlers only write.
task_abandoned = TaskHook("task_abandoned")
