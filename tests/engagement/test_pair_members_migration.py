"""Upgrading gives every relationship its members: engagement's 0006 backfills two members per pair and, on every row
written before it, the member of the row's side (ADR 0008, expand step)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.builders import signed_up_pair
from tests.conftest import PASSWORD

BEFORE = [("engagement", "0005_quotes_offered_for_the_report")]
AFTER = [("engagement", "0006_pair_members")]
WHEN = datetime(2026, 3, 3, 9, tzinfo=UTC)


def _rows_before_members(apps, pair_id: int) -> dict[str, int]:
    """One row of each per-role kind, written through the models as they were before members."""
    model = lambda name: apps.get_model("engagement", name)  # noqa: E731
    agreement = model("Agreement").objects.get(pair_id=pair_id)
    held = model("Meeting").objects.create(pair_id=pair_id, starts_at=WHEN, status="held", held_minutes=45)
    cancelled = model("Meeting").objects.create(
        pair_id=pair_id, starts_at=WHEN, status="cancelled", cancelled_by_role="mentee", cancelled_at=WHEN
    )
    scheduled = model("Meeting").objects.create(pair_id=pair_id, starts_at=WHEN, status="scheduled")
    pair = model("Pair").objects.get(pk=pair_id)
    mentor_user = pair.mentor.person.user_id
    mentee_user = pair.mentee.person.user_id
    return {
        "signature": model("AgreementSignature").objects.create(agreement=agreement, role="mentor", signed_at=WHEN).pk,
        "pulse": model("Pulse").objects.create(meeting=held, pair_id=pair_id, role="mentee", rating=4, submitted_at=WHEN).pk,
        "goal": model("Goal").objects.create(pair_id=pair_id, owner_role="mentee", title="Prompting").pk,
        "note": model("Note").objects.create(pair_id=pair_id, author_id=mentor_user, author_role="mentor", body="Went well").pk,
        "reflection": model("Reflection").objects.create(pair_id=pair_id, role="mentor", learned="Patience").pk,
        "quote": model("Quote").objects.create(pair_id=pair_id, author_id=mentee_user, author_role="mentee", text="Eye-opening").pk,
        "concern": model("Concern").objects.create(pair_id=pair_id, raised_by_id=mentee_user, raised_by_role="mentee", body="Late").pk,
        "cancelled": cancelled.pk,
        "scheduled": scheduled.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_gives_each_pair_two_members_and_each_row_the_member_of_its_side(acme, manager, matching_program):
    # given a pair, and a database from before members holding one row of each per-role kind
    _ada, _ben, pair = signed_up_pair(acme, manager, matching_program, password=PASSWORD)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    rows = _rows_before_members(executor.loader.project_state(BEFORE).apps, pair.pk)

    # when it is upgraded
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    # then the pair has its mentor and its mentee as members, joined when the pair began
    apps = executor.loader.project_state(AFTER).apps
    model = lambda name: apps.get_model("engagement", name)  # noqa: E731
    members = {member.role: member for member in model("PairMember").objects.filter(pair_id=pair.pk)}
    assert {role: member.enrolment_id for role, member in members.items()} == {"mentor": pair.mentor_id, "mentee": pair.mentee_id}
    assert {member.joined_at for member in members.values()} == {model("Pair").objects.get(pk=pair.pk).created_at}
    assert model("Pair").objects.get(pk=pair.pk).kind == "pair"
    # and every row carries the member of its side; a meeting nobody cancelled carries none
    assert model("AgreementSignature").objects.get(pk=rows["signature"]).member_id == members["mentor"].pk
    assert model("Pulse").objects.get(pk=rows["pulse"]).member_id == members["mentee"].pk
    assert model("Goal").objects.get(pk=rows["goal"]).owner_member_id == members["mentee"].pk
    assert model("Note").objects.get(pk=rows["note"]).author_member_id == members["mentor"].pk
    assert model("Reflection").objects.get(pk=rows["reflection"]).member_id == members["mentor"].pk
    assert model("Quote").objects.get(pk=rows["quote"]).author_member_id == members["mentee"].pk
    assert model("Concern").objects.get(pk=rows["concern"]).raised_by_member_id == members["mentee"].pk
    assert model("Meeting").objects.get(pk=rows["cancelled"]).cancelled_by_member_id == members["mentee"].pk
    assert model("Meeting").objects.get(pk=rows["scheduled"]).cancelled_by_member_id is None
    # and a second row of a side still written without a member is refused, as before
    held = model("Pulse").objects.get(pk=rows["pulse"]).meeting
    model("Pulse").objects.create(meeting=held, pair_id=pair.pk, role="mentor", rating=3, submitted_at=WHEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        model("Pulse").objects.create(meeting=held, pair_id=pair.pk, role="mentor", rating=5, submitted_at=WHEN)

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest schema
