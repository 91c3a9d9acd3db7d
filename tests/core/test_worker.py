"""The task worker waits out a locked database instead of exiting (django-tasks-db's db_worker exits)."""

from contextlib import contextmanager

import pytest
from django.core import mail
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from turnabout.core.management.commands.worker import ResilientWorker
from turnabout.identity.tasks import send_requested_sign_in_link
from turnabout.people.services import create_person

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    # Django's setting_changed receiver for TASKS resets the backends on the way in and out.
    settings.TASKS = DATABASE_TASKS


def test_a_locked_database_does_not_stop_the_worker(transactional_db, acme, database_tasks, monkeypatch):
    # given: a queued email, and a database that is locked the first time the worker claims a task
    create_person(organisation=acme, employee_id="E1", given_name="Frank", family_name="Field", email="frank@acme.test")
    send_requested_sign_in_link.using(backend="default").enqueue("frank@acme.test", "")
    real = db_worker.exclusive_transaction
    calls = []

    @contextmanager
    def locked_once(using=None):
        calls.append(using)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        with real(using):
            yield

    monkeypatch.setattr(db_worker, "exclusive_transaction", locked_once)
    monkeypatch.setattr("turnabout.core.management.commands.worker.time.sleep", lambda seconds: None)

    # when
    ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w1",
        excluded_queue_names=[],
    ).run()

    # then
    assert len(calls) >= 2
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert [message.to for message in mail.outbox] == [["frank@acme.test"]]


def test_other_database_errors_still_stop_the_worker(transactional_db, database_tasks, monkeypatch):
    @contextmanager
    def broken(using=None):
        raise OperationalError("no such table: django_tasks_db_dbtaskresult")
        yield

    monkeypatch.setattr(db_worker, "exclusive_transaction", broken)
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
    with pytest.raises(OperationalError, match="no such table"):
        worker.run()
