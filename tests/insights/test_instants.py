"""Instants read as epoch seconds in SQL and turned into local dates: the same dates as aware datetimes give."""

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Max, Min

from turnabout.accounts.models import Organisation
from turnabout.insights.instants import EpochSeconds, local_date


@pytest.mark.django_db
def test_epoch_seconds_match_the_stored_instants_floored() -> None:
    # given two organisations created at instants with and without a fraction of a second
    moments = [datetime(2026, 1, 31, 23, 30, 59, 900_000, tzinfo=UTC), datetime(2026, 3, 29, 0, 59, 0, tzinfo=UTC)]
    for number, moment in enumerate(moments):
        Organisation.objects.create(name=f"Org {number}", slug=f"org-{number}")
        Organisation.objects.filter(slug=f"org-{number}").update(created_at=moment)

    # when
    seconds = list(Organisation.objects.order_by("created_at").values_list(EpochSeconds("created_at"), flat=True))
    spans = Organisation.objects.aggregate(first=EpochSeconds(Min("created_at")), last=EpochSeconds(Max("created_at")))

    # then
    assert seconds == [math.floor(moment.timestamp()) for moment in moments]
    assert (spans["first"], spans["last"]) == (seconds[0], seconds[1])


@pytest.mark.django_db
def test_epoch_seconds_keep_null() -> None:
    # given no organisation; when the earliest creation is read
    empty = Organisation.objects.aggregate(first=EpochSeconds(Min("created_at")))

    # then
    assert empty["first"] is None


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (datetime(2026, 1, 31, 23, 30, tzinfo=UTC), ZoneInfo("Europe/Paris"), date(2026, 2, 1)),
        (datetime(2026, 2, 1, 4, 59, 59, tzinfo=UTC), ZoneInfo("America/New_York"), date(2026, 1, 31)),
        (datetime(2026, 2, 1, 5, 0, tzinfo=UTC), ZoneInfo("America/New_York"), date(2026, 2, 1)),
        (datetime(2026, 3, 28, 23, 15, tzinfo=UTC), ZoneInfo("Asia/Kathmandu"), date(2026, 3, 29)),
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), UTC, date(2026, 7, 1)),
    ],
)
def test_local_date_is_the_date_of_the_aware_instant(moment: datetime, zone: ZoneInfo, expected: date) -> None:
    assert local_date(math.floor(moment.timestamp()), zone) == moment.astimezone(zone).date() == expected
