"""Log formats and the task lifecycle lines (docs/operations.md#logs).

Every line is an event name (the message) plus structured fields passed as ``extra``: ``TextFormatter`` writes
``timestamp level logger message key=value …`` and ``JsonFormatter`` (``LOG_FORMAT=json``) one JSON object per
line with ``timestamp``, ``level``, ``logger``, ``message`` and the fields, which ``LogContextFilter`` completes
with the ``request_id``/``task_id`` of the request or task being handled. Only fields whose values are strings,
numbers, booleans or null are written, so an object passed along (Django passes the request) never reaches a log
as its text; a request path inside another library's message (Django's "Internal Server Error: /path") is
redacted as the request log redacts it.

The task worker's ``task_enqueued``/``task_started``/``task_finished`` signals give one line each on logger
``turnabout.tasks``: the task's path and id, its status, the time it queued and ran, and on failure the exception
class. Never its arguments, nor the exception's message or traceback: both may hold personal data, and the
traceback stays with the task result in the database. They replace Django's own ``django.tasks`` lines.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.tasks import signals as task_signals
from django.tasks.base import TaskResult, TaskResultStatus
from django.utils.crypto import salted_hmac

from turnabout.core.request_log import current_request_id, loggable_path

task_logger = logging.getLogger("turnabout.tasks")

task_id_var: ContextVar[str | None] = ContextVar("turnabout_task_id", default=None)
_task_contexts: dict[str, Token[str | None]] = {}

# Attributes every LogRecord has: anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_FIELD_TYPES = (str, int, float, bool, type(None))


def pseudonym(value: str) -> str:
    """A stable 16-hex-digit stand-in for an email address (or any identifier) in logs, keyed by SECRET_KEY.

    The same address always gives the same pseudonym, so repeated failures for one address can be counted,
    but it cannot be reversed by hashing a list of guessed addresses without the key.
    """
    return salted_hmac("turnabout.core.logging.pseudonym", value.strip().lower(), algorithm="sha256").hexdigest()[:16]


class LogContextFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` of the request or task being handled to each record a handler emits.

    A handler's filters run in the thread that logs, so the ids are those of the request or task that logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        task_id = task_id_var.get()
        if task_id is not None and not hasattr(record, "task_id"):
            record.task_id = task_id
        return True


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields of ``record``: its ``extra`` values (and those LogContextFilter added) of plain types."""
    return {
        name: value
        for name, value in record.__dict__.items()
        if name not in _RECORD_ATTRIBUTES and not name.startswith("_") and isinstance(value, _FIELD_TYPES)
    }


def record_message(record: logging.LogRecord) -> str:
    """The record's message, with the path of a request passed along (``extra={"request": …}``) redacted."""
    message = record.getMessage()
    request = record.__dict__.get("request")
    if isinstance(request, HttpRequest) and request.path in message:
        message = message.replace(request.path, loggable_path(request))
    return message


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


def _text_value(value: Any) -> str:
    if isinstance(value, str) and value and not any(character.isspace() or character in '"=' for character in value):
        return value
    return json.dumps(value)


class TextFormatter(logging.Formatter):
    """``2026-05-01T10:00:00.123+00:00 INFO turnabout.request request method=GET path=/people/ status=200 …``.

    Line breaks inside a message are written as ``\\n``, so a request cannot forge a line; only a traceback spans
    several lines.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record_message(record).replace("\r", "\\r").replace("\n", "\\n")
        line = " ".join(
            [_timestamp(record), record.levelname, record.name, message]
            + [f"{name}={_text_value(value)}" for name, value in record_fields(record).items()]
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, the structured fields, and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record_message(record),
        }
        for name, value in record_fields(record).items():
            entry.setdefault(name, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry)


def _milliseconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() * 1000, 1)


def _task_fields(task_result: TaskResult[..., Any]) -> dict[str, Any]:
    return {"task": task_result.task.module_path, "task_id": str(task_result.id), "status": str(task_result.status)}


def log_task_enqueued(sender: object, task_result: TaskResult[..., Any], **kwargs: object) -> None:
    task_logger.info("task enqueued", extra={**_task_fields(task_result), "queue": task_result.task.queue_name})


def log_task_started(sender: object, task_result: TaskResult[..., Any], **kwargs: object) -> None:
    _task_contexts[str(task_result.id)] = task_id_var.set(str(task_result.id))
    task_logger.info(
        "task started", extra={**_task_fields(task_result), "queued_ms": _milliseconds(task_result.enqueued_at, task_result.started_at)}
    )


def log_task_finished(sender: object, task_result: TaskResult[..., Any], **kwargs: object) -> None:
    failed = task_result.status == TaskResultStatus.FAILED
    fields = {**_task_fields(task_result), "duration_ms": _milliseconds(task_result.started_at, task_result.finished_at)}
    if failed and task_result.errors:
        fields["exception"] = task_result.errors[-1].exception_class_path
    task_logger.log(logging.ERROR if failed else logging.INFO, "task finished", extra=fields)
    context = _task_contexts.pop(str(task_result.id), None)
    if context is not None:
        task_id_var.reset(context)


def connect_task_log() -> None:
    """Log the task lifecycle on ``turnabout.tasks`` instead of Django's ``django.tasks`` lines (CoreConfig.ready).

    Django's own receivers are disconnected rather than silenced by level: the worker command sets the level of
    ``django.tasks`` from its verbosity, and they would log each task twice, the failure with its traceback.
    """
    task_signals.task_enqueued.disconnect(task_signals.log_task_enqueued)
    task_signals.task_started.disconnect(task_signals.log_task_started)
    task_signals.task_finished.disconnect(task_signals.log_task_finished)
    task_signals.task_enqueued.connect(log_task_enqueued, dispatch_uid="turnabout.core.logging.task_enqueued")
    task_signals.task_started.connect(log_task_started, dispatch_uid="turnabout.core.logging.task_started")
    task_signals.task_finished.connect(log_task_finished, dispatch_uid="turnabout.core.logging.task_finished")
