"""``/healthz`` for load balancers: 200 when the database answers, every migration is applied and a worker beats;
503 naming what failed otherwise. No sign-in, no personal data, cheap, and reachable over plain HTTP in production."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError
from django.urls import reverse

from turnabout.core import health
from turnabout.core.services import record_worker_heartbeat

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def migrations_not_checked_yet(monkeypatch):
    """Each test starts as a fresh process would: the migration check not yet cached."""
    monkeypatch.setattr(health, "_all_migrations_applied", False)


@pytest.fixture
def now(db):
    with time_machine.travel(NOW, tick=False):
        yield NOW


def healthz(client):
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()


def test_all_well_is_200_without_signing_in(client, now):
    # given a worker that beat two minutes ago (the timeout)
    record_worker_heartbeat(worker_id="w-1", now=now - timedelta(seconds=120))

    # when
    status, body = healthz(client)

    # then
    assert (status, body) == (200, {"database": "ok", "migrations": "ok", "worker": "ok"})


def test_no_worker_is_503(client, now):
    assert healthz(client) == (503, {"database": "ok", "migrations": "ok", "worker": "no worker running"})


def test_a_worker_past_the_timeout_is_503(client, now):
    record_worker_heartbeat(worker_id="w-1", now=now - timedelta(seconds=121))
    assert healthz(client) == (503, {"database": "ok", "migrations": "ok", "worker": "no heartbeat for 121 s"})


def test_an_unapplied_migration_is_503(client, now):
    # given a worker, and one migration the database has not applied
    record_worker_heartbeat(worker_id="w-1", now=now)
    (leaf,) = [name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "core"]
    MigrationRecorder.Migration.objects.filter(app="core", name=leaf).delete()

    # then
    assert healthz(client) == (503, {"database": "ok", "migrations": "1 unapplied", "worker": "ok"})


def test_a_database_that_does_not_answer_is_503(client, now, monkeypatch):
    # given every query fails
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # then (the test database's own teardown needs the cursor back)
    with monkeypatch.context() as patched:
        patched.setattr(connections["default"], "cursor", refuse)
        assert healthz(client) == (503, {"database": "unreachable", "migrations": "unknown", "worker": "unknown"})


def test_once_applied_the_migrations_are_not_read_again(client, now, django_assert_num_queries):
    # given a first probe found every migration applied
    record_worker_heartbeat(worker_id="w-1", now=now)
    assert healthz(client)[0] == 200

    # then the next probes cost one query: the heartbeat
    with django_assert_num_queries(1):
        assert healthz(client)[0] == 200


def test_it_answers_over_plain_http_when_everything_else_redirects_to_https(client, now, settings):
    # given production's HTTPS redirect
    settings.SECURE_SSL_REDIRECT = True
    record_worker_heartbeat(worker_id="w-1", now=now)

    # then the probe is answered, the sign-in page redirected
    assert healthz(client)[0] == 200
    assert client.get(reverse("accounts:login")).status_code == 301


def test_it_only_reads(client, now):
    assert client.post(reverse("healthz")).status_code == 405
    response = client.head(reverse("healthz"))
    assert (response.status_code, response["Cache-Control"]) == (503, "max-age=0, no-cache, no-store, must-revalidate, private")
