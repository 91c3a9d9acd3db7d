"""Structured logs: the formats, one line per request, the task lifecycle, audit entries and refused sign-ins.

Nothing personal reaches a log: no query string, no token in a path, no task argument, no name or address.
"""

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.tasks import task
from django.tasks.base import TaskError, TaskResult, TaskResultStatus
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from tests.conftest import PASSWORD
from turnabout.accounts.models import AuditAction, AuditEntry
from turnabout.accounts.services import record_audit_entry
from turnabout.core.logging import JsonFormatter, LogContextFilter, TextFormatter, log_task_finished, pseudonym
from turnabout.core.management.commands.worker import ResilientWorker
from turnabout.identity.models import TokenScope
from turnabout.identity.tokens import create_api_token

ROOT = Path(__file__).resolve().parents[2]
LINK_TOKEN = "Zq3xT7vK9mPw2LsR8nYb4HcJ6dFg1AeU0oIiQtWvXyZ"
BOB = "bob@acme.test"

# What the test tasks do while they run (the duration test moves the frozen clock); set per test.
while_running: list[Callable[[], None]] = []


@task
def greet(address: str) -> str:
    for step in while_running:
        step()
    return "done"


@task
def refuse(address: str) -> None:
    raise PermissionError(f"{address} may not be greeted")


def make_record(message: str = "event", *, level: int = logging.INFO, args: tuple[object, ...] = (), **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("turnabout.test", level, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def records_of(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == name]


def formatted(caplog: pytest.LogCaptureFixture) -> str:
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in caplog.records)


@pytest.fixture
def context_ids(caplog):
    """caplog's handler gets the filter the console handler has, so records carry the request and task ids."""
    context = LogContextFilter()
    caplog.handler.addFilter(context)
    yield
    caplog.handler.removeFilter(context)


# Formats


def test_the_json_formatter_writes_one_line_of_json_with_the_fields():
    # given: a message with a line break, plain fields and an object
    record = make_record("refused %s", args=("twice\nforged",), status=403, duration_ms=1.5, user_id=None, request=object())
    record.created = datetime(2026, 5, 1, 10, 0, 0, 123000, tzinfo=UTC).timestamp()

    # when
    line = JsonFormatter().format(record)

    # then
    assert "\n" not in line
    assert json.loads(line) == {
        "timestamp": "2026-05-01T10:00:00.123+00:00",
        "level": "INFO",
        "logger": "turnabout.test",
        "message": "refused twice\nforged",
        "status": 403,
        "duration_ms": 1.5,
        "user_id": None,
    }


def test_the_json_formatter_adds_the_exception():
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("turnabout.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    entry = json.loads(JsonFormatter().format(record))

    assert entry["level"] == "ERROR"
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith("ValueError: broken")


def test_the_text_formatter_writes_fields_as_key_value_and_escapes_line_breaks():
    record = make_record("request\nINFO forged", method="GET", path="/people/", status=200, note="two words")
    record.created = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC).timestamp()

    line = TextFormatter().format(record)

    assert line == (
        '2026-05-01T10:00:00.000+00:00 INFO turnabout.test request\\nINFO forged method=GET path=/people/ status=200 note="two words"'
    )


def test_a_request_path_in_another_librarys_message_is_redacted():
    # given: Django's line for a server error, which passes the request along
    request = RequestFactory().get(f"/accounts/link/{LINK_TOKEN}/")
    record = make_record("Internal Server Error: %s", level=logging.ERROR, args=(request.path,), request=request, status_code=500)

    # when
    entry = json.loads(JsonFormatter().format(record))

    # then
    assert entry["message"] == "Internal Server Error: /accounts/link/[redacted]/"
    assert entry["status_code"] == 500
    assert "request" not in entry


# Requests


def test_a_request_is_logged_once_with_method_path_status_duration_and_user_id(client, manager, caplog):
    # given
    client.force_login(manager)

    # when
    with caplog.at_level(logging.INFO):
        response = client.get("/people/", {"q": BOB})

    # then
    assert response.status_code == 200
    (record,) = records_of(caplog, "turnabout.request")
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/people/", 200, manager.pk)
    assert isinstance(record.duration_ms, float)
    assert record.duration_ms >= 0
    assert record.request_id == response["X-Request-ID"]
    assert BOB not in formatted(caplog)
    assert "q=" not in formatted(caplog)


def test_an_anonymous_request_has_no_user_id(client, db, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/accounts/login/")

    (record,) = records_of(caplog, "turnabout.request")
    assert (record.path, record.status, record.user_id) == ("/accounts/login/", 200, None)


def test_an_api_token_requests_user_id_is_logged(client, manager, caplog):
    # given
    new = create_api_token(owner=manager, name="Reports", scope=TokenScope.READ, expires_in_days=30)

    # when
    with caplog.at_level(logging.INFO):
        response = client.get("/api/programs/", headers={"Authorization": f"Bearer {new.secret}"})

    # then
    assert response.status_code == 200
    (record,) = records_of(caplog, "turnabout.request")
    assert (record.path, record.status, record.user_id) == ("/api/programs/", 200, manager.pk)
    assert new.secret not in formatted(caplog)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/accounts/link/{LINK_TOKEN}/", "/accounts/link/[redacted]/"),
        # CommonMiddleware redirects to the slashed path: the link is just as secret.
        (f"/accounts/link/{LINK_TOKEN}", "/accounts/link/[redacted]"),
        (f"/pairs/calendar/{LINK_TOKEN}.ics", "/pairs/calendar/[redacted].ics"),
        ("/pairs/pulse/12:mentor:1vXyZa:Qm9Kx2Lp7RtYw3Nb5Vc8Hd0Jf/", "/pairs/pulse/[redacted]/"),
        # No route: a token-like segment is redacted anyway; slugs and hashed file names are not.
        (f"/pairs/calendar/{LINK_TOKEN}", "/pairs/calendar/[redacted]"),
        ("/no-such-page/reverse-mentoring-2026/", "/no-such-page/reverse-mentoring-2026/"),
    ],
)
def test_secrets_in_paths_are_redacted(client, db, caplog, path, logged):
    with caplog.at_level(logging.INFO):
        client.get(path, {"email": BOB})

    (record,) = records_of(caplog, "turnabout.request")
    assert record.path == logged
    assert LINK_TOKEN not in formatted(caplog)
    assert BOB not in formatted(caplog)


def test_static_files_are_logged_at_debug_only(client, db, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/static/no-such-file.css")
    assert records_of(caplog, "turnabout.request") == []

    with caplog.at_level(logging.DEBUG, logger="turnabout.request"):
        client.get("/static/no-such-file.css")
    (record,) = records_of(caplog, "turnabout.request")
    assert (record.levelno, record.path) == (logging.DEBUG, "/static/no-such-file.css")


def test_a_sane_request_id_round_trips(client, db, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/accounts/login/", headers={"X-Request-ID": "edge-7f3a.2_b"})

    assert response["X-Request-ID"] == "edge-7f3a.2_b"
    (record,) = records_of(caplog, "turnabout.request")
    assert record.request_id == "edge-7f3a.2_b"


@pytest.mark.parametrize("incoming", ["", "two words", "x" * 65, "id\nforged", "<script>"])
def test_an_unusable_request_id_is_replaced_by_a_new_one(client, db, caplog, incoming):
    with caplog.at_level(logging.INFO):
        response = client.get("/accounts/login/", headers={"X-Request-ID": incoming})

    generated = response["X-Request-ID"]
    assert generated != incoming
    assert len(generated) == 32
    assert int(generated, 16) >= 0
    (record,) = records_of(caplog, "turnabout.request")
    assert record.request_id == generated


def test_every_request_gets_its_own_id(client, db):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert first != second


# Sign-in failures and audit entries


def test_a_sign_in_at_an_unknown_address_logs_a_pseudonym_with_the_request_id(client, db, caplog, context_ids):
    # when
    with caplog.at_level(logging.INFO):
        client.post("/accounts/login/", {"username": "nobody@acme.test", "password": "guess"}, headers={"X-Request-ID": "req-42"})

    # then
    (record,) = records_of(caplog, "turnabout.security")
    assert (record.message, record.reason, record.email_pseudonym) == ("sign-in refused", "unknown_address", pseudonym("nobody@acme.test"))
    assert record.request_id == "req-42"
    assert "nobody" not in formatted(caplog)


def test_a_wrong_password_is_logged_through_its_audit_entry_with_ids_only(client, mentee, caplog, django_capture_on_commit_callbacks):
    # when
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/login/", {"username": BOB, "password": "wrong password"})

    # then
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert records_of(caplog, "turnabout.security") == []
    (record,) = records_of(caplog, "turnabout.audit")
    assert (record.audit_id, record.action, record.organisation_id, record.actor_id, record.target_id) == (
        entry.pk,
        "sign_in_failed",
        mentee.organisation_id,
        None,
        mentee.pk,
    )
    assert "bob" not in formatted(caplog).lower()


def test_a_throttled_sign_in_is_logged_as_a_warning(client, mentee, caplog, settings, time_machine):
    # given: one free failure, then a wait
    settings.LOGIN_FAILURE_LIMIT = 1
    time_machine.move_to(datetime(2026, 5, 1, 10, 0, tzinfo=UTC), tick=False)
    client.post("/accounts/login/", {"username": BOB, "password": "wrong password"})

    # when
    with caplog.at_level(logging.INFO):
        response = client.post("/accounts/login/", {"username": BOB, "password": PASSWORD})

    # then
    assert b"Too many failed sign-in attempts" in response.content
    (record,) = records_of(caplog, "turnabout.security")
    assert (record.levelno, record.reason, record.email_pseudonym) == (logging.WARNING, "throttled", pseudonym(BOB))
    assert "bob" not in formatted(caplog).lower()


def test_an_audit_entry_logs_its_action_and_ids_without_names(admin, mentee, caplog, django_capture_on_commit_callbacks):
    # when
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        entry = record_audit_entry(
            organisation=admin.organisation,
            actor=admin,
            action=AuditAction.ROLE_CHANGED,
            target=mentee,
            summary="Ada Admin made Bob Senior (bob@acme.test) a program manager",
            details={"role": "program_manager"},
        )

    # then
    (record,) = records_of(caplog, "turnabout.audit")
    line = json.loads(JsonFormatter().format(record))
    assert datetime.fromisoformat(line.pop("timestamp")).tzinfo == UTC
    assert line == {
        "level": "INFO",
        "logger": "turnabout.audit",
        "message": "audit",
        "audit_id": entry.pk,
        "action": "role_changed",
        "organisation_id": admin.organisation_id,
        "actor_id": admin.pk,
        "target_id": mentee.pk,
    }
    assert "Ada" not in formatted(caplog)
    assert "Bob" not in formatted(caplog)


def test_an_audit_entry_rolled_back_is_not_logged(admin, caplog, django_capture_on_commit_callbacks):
    def change_that_fails() -> None:
        with transaction.atomic():
            record_audit_entry(organisation=admin.organisation, actor=admin, action=AuditAction.TOKEN_CREATED, summary="Token")
            raise RuntimeError("the change failed")

    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change_that_fails()

    assert records_of(caplog, "turnabout.audit") == []


# Tasks


def test_a_task_logs_enqueued_started_and_finished_with_its_duration_but_not_its_arguments(db, caplog, context_ids, time_machine):
    # given: a frozen clock that the task moves by 1.5 s while it runs
    time_machine.move_to(datetime(2026, 5, 1, 10, 0, tzinfo=UTC), tick=False)
    while_running.append(lambda: time_machine.shift(timedelta(seconds=1.5)))

    # when
    try:
        with caplog.at_level(logging.INFO):
            result = greet.enqueue(BOB)
    finally:
        while_running.clear()

    # then
    lines = records_of(caplog, "turnabout.tasks")
    assert [(line.message, line.status) for line in lines] == [
        ("task enqueued", "READY"),
        ("task started", "RUNNING"),
        ("task finished", "SUCCESSFUL"),
    ]
    assert {(line.task, line.task_id) for line in lines} == {("tests.core.test_logging.greet", result.id)}
    assert lines[1].queued_ms == 0.0
    assert lines[2].duration_ms == 1500.0
    assert records_of(caplog, "django.tasks") == []
    assert BOB not in formatted(caplog)


def test_a_failed_task_logs_its_exception_class_only(db, caplog):
    with caplog.at_level(logging.INFO):
        refuse.enqueue(BOB)

    finished = records_of(caplog, "turnabout.tasks")[-1]
    assert (finished.message, finished.levelno, finished.status, finished.exception) == (
        "task finished",
        logging.ERROR,
        "FAILED",
        "builtins.PermissionError",
    )
    assert finished.exc_info is None
    assert records_of(caplog, "django.tasks") == []
    assert BOB not in formatted(caplog)


def test_the_finished_line_measures_from_start_to_finish():
    # given: a result as a backend hands it over
    started = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    result = TaskResult(
        task=refuse,
        id="r1",
        status=TaskResultStatus.FAILED,
        enqueued_at=started - timedelta(seconds=3),
        started_at=started,
        last_attempted_at=started,
        finished_at=started + timedelta(milliseconds=2250),
        args=[BOB],
        kwargs={},
        backend="default",
        errors=[TaskError(exception_class_path="smtplib.SMTPRecipientsRefused", traceback=f"... {BOB} ...")],
        worker_ids=["w1"],
    )
    handler = logging.Handler()
    lines: list[logging.LogRecord] = []
    handler.emit = lines.append  # type: ignore[method-assign]
    logging.getLogger("turnabout.tasks").addHandler(handler)

    # when
    try:
        log_task_finished(sender=None, task_result=result)
    finally:
        logging.getLogger("turnabout.tasks").removeHandler(handler)

    # then
    (line,) = lines
    assert (line.duration_ms, line.exception, line.task_id) == (2250.0, "smtplib.SMTPRecipientsRefused", "r1")
    assert BOB not in JsonFormatter().format(line)


def test_the_database_worker_logs_each_task_once_with_its_id(transactional_db, settings, caplog, context_ids):
    # given: a task in the database queue
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    worker = ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w1",
        excluded_queue_names=[],
    )

    # when
    with caplog.at_level(logging.INFO):
        result = greet.using(backend="default").enqueue(BOB)
        worker.run()

    # then
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    lines = records_of(caplog, "turnabout.tasks")
    assert [(line.message, line.task_id, line.status) for line in lines] == [
        ("task enqueued", str(result.id), "READY"),
        ("task started", str(result.id), "RUNNING"),
        ("task finished", str(result.id), "SUCCESSFUL"),
    ]
    assert lines[2].duration_ms >= 0
    assert records_of(caplog, "django.tasks") == []
    assert BOB not in formatted(caplog)


# Production settings


def test_production_settings_write_json_lines_to_stderr_without_secrets(tmp_path):
    # given: the production settings module, as a server starts it, with JSON logs
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "turnabout.settings",
        "SECRET_KEY": "s" * 50,
        "ALLOWED_HOSTS": "testserver",
        "TURNABOUT_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "LOG_FORMAT": "json",
    }
    script = f"""
import django
django.setup()
from django.test import Client
client = Client()
for path in ["/accounts/link/{LINK_TOKEN}/?email={BOB}", "/pairs/calendar/{LINK_TOKEN}?q={BOB}"]:
    response = client.get(path, headers={{"X-Request-ID": "prod-1"}})
    print(response.status_code, response["X-Request-ID"])
"""

    # when: plain HTTP, so production's HTTPS redirect answers before any view or database
    completed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)

    # then
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split("\n") == ["301 prod-1", "301 prod-1", ""]
    entries = [json.loads(line) for line in completed.stderr.splitlines()]
    requests = [entry for entry in entries if entry["logger"] == "turnabout.request"]
    assert [(entry["method"], entry["path"], entry["status"], entry["user_id"], entry["request_id"]) for entry in requests] == [
        ("GET", "/accounts/link/[redacted]/", 301, None, "prod-1"),
        ("GET", "/pairs/calendar/[redacted]", 301, None, "prod-1"),
    ]
    assert LINK_TOKEN not in completed.stderr
    assert BOB not in completed.stderr
