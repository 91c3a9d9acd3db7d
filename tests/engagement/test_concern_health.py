"""An open concern lowers a pair's health until the program manager resolves it; the reason never says who raised it."""

from dataclasses import replace

import time_machine

from tests.engagement.health_builders import at, held, running_program_with_cast_pair
from tests.engagement.test_health import FRESH, TODAY, _summary
from turnabout.engagement.assessment import assess_health
from turnabout.engagement.models import HealthState
from turnabout.engagement.services import raise_concern, resolve_concern
from turnabout.programs.models import Role


def test_one_open_concern_puts_a_healthy_pair_on_watch():
    assert _summary(FRESH) == ("healthy", 100, [])
    assert _summary(replace(FRESH, open_concerns=1)) == ("watch", 60, ["1 open concern raised with the program manager"])
    assert _summary(replace(FRESH, open_concerns=2))[2] == ["2 open concerns raised with the program manager"]


def test_an_open_concern_on_top_of_an_overdue_pair_puts_it_at_risk():
    overdue = replace(FRESH, meetings=())  # nothing held in the 100 days since it started, against a monthly cadence
    assert assess_health(overdue, today=TODAY).state == HealthState.AT_RISK
    late = replace(FRESH, meetings=(replace(FRESH.meetings[0], on=TODAY.replace(month=4, day=20)),))
    assert _summary(late)[0] == "watch"
    assert _summary(replace(late, open_concerns=1))[0] == "at_risk"


def test_raising_a_concern_lowers_the_stored_health_and_resolving_it_restores_it(manager, mentor, mentee, matching_program):
    # given a pair that met a week ago
    with time_machine.travel(at(2026, 3, 1), tick=False):
        pair = running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    with time_machine.travel(at(2026, 3, 8), tick=False):
        held(pair, at=at(2026, 3, 7))

        # when the mentee raises a concern
        concern = raise_concern(pair=pair, by=mentee, role=Role.MENTEE, body="My partner keeps moving our meetings.")

        # then the pair is on watch at once, with a reason that names neither the side nor the text
        pair.refresh_from_db()
        assert (pair.health_state, pair.health_score) == (HealthState.WATCH, 60)
        assert pair.health_reasons == [
            {"code": "open_concern", "params": {"count": 1}, "text": "1 open concern raised with the program manager"}
        ]

        # when the program manager resolves it
        resolve_concern(concern=concern)

    # then the pair is healthy again
    pair.refresh_from_db()
    assert (pair.health_state, pair.health_score, pair.health_reasons) == (HealthState.HEALTHY, 100, [])
