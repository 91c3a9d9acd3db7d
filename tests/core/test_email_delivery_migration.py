"""Upgrading keeps what was sent sent: core's migration 0002 carries every SentNudge key over to EmailDelivery."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0001_worker_heartbeats_and_scheduled_jobs")]
AFTER = [("core", "0002_email_delivery")]
# The last engagement migration with SentNudge: the next one removes it once core's 0002 has copied its rows.
LAST_WITH_SENT_NUDGE = ("engagement", "0003_pulse_pair")


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_carries_every_sent_nudge_over_so_nothing_is_sent_again():
    # given a database from before the send-once keys, with a reminder and a meeting invitation already sent
    executor = MigrationExecutor(connection)
    executor.migrate([*BEFORE, LAST_WITH_SENT_NUDGE])
    old = executor.loader.project_state([*BEFORE, LAST_WITH_SENT_NUDGE]).apps
    sent_at = datetime(2026, 2, 12, 9, tzinfo=UTC)
    old.get_model("engagement", "SentNudge").objects.bulk_create(
        [
            old.get_model("engagement", "SentNudge")(key=key, sent_at=sent_at)
            for key in ("reminder:7:2026-02-13T09:00:00+00:00", "invite:7:0:mentor")
        ]
    )

    # when it is upgraded
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    # then both keys are claimed and sent, at the time they were sent
    new = executor.loader.project_state(AFTER).apps
    rows = new.get_model("core", "EmailDelivery").objects.order_by("key").values_list("key", "claimed_at", "sent_at")
    assert list(rows) == [
        ("invite:7:0:mentor", sent_at, sent_at),
        ("reminder:7:2026-02-13T09:00:00+00:00", sent_at, sent_at),
    ]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest schema, without SentNudge
