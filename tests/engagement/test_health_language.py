"""Health reasons are stored as codes and params and worded when read: in the reader's language with the program's
current labels, whatever language the refresh ran in; rows stored before reasons had params show their stored text."""

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.engagement.health_builders import at, held, meeting, running_program_with_cast_pair
from turnabout.engagement import notifications
from turnabout.engagement.assessment import describe_reason
from turnabout.engagement.health import refresh_pair_health, refresh_program_health
from turnabout.engagement.models import HealthState, MeetingStatus, Pair
from turnabout.engagement.queries import program_health
from turnabout.engagement.services import add_goal
from turnabout.people.models import Person
from turnabout.personal_data.services import choose_language
from turnabout.programs.models import Role

ENGLISH = [
    "no meeting held for 58 days against a monthly cadence",
    "the mentee cancelled the last meeting",
    "no goal updated for 63 days",
]
LABELS = {"mentor_label": "mentor", "mentee_label": "mentee"}


@pytest.fixture
def pair(manager, mentor, mentee, matching_program) -> Pair:
    """Started on Monday 5 January 2026 (monthly), met on 10 January, the mentee cancelled on 5 March; its goal is idle."""
    with time_machine.travel(at(2026, 1, 5), tick=False):
        pair = running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)
        add_goal(pair=pair, owner_role=Role.MENTEE, title="Post on LinkedIn weekly")
    held(pair, at=at(2026, 1, 10), ratings=(5, 5))
    meeting(pair, at=at(2026, 3, 5), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
    return pair


def _refresh_in(language: str, pair: Pair) -> None:
    with time_machine.travel(at(2026, 3, 9, 8), tick=False), translation.override(language):
        refresh_pair_health(pair=pair)


def _spanish(pair: Pair) -> list[str]:
    with translation.override("es"):
        label = pair.program.mentee_label
        return [
            "ninguna reunión en 58 días, frente a una frecuencia mensual",
            f"la persona {label} canceló la última reunión",
            "ningún objetivo actualizado en 63 días",
        ]


def test_reasons_are_stored_with_codes_and_params_in_no_language(pair):
    _refresh_in("en", pair)

    pair.refresh_from_db()
    assert pair.health_reasons == [
        {"code": "overdue", "params": {"variant": "since_last", "days": 58, "cadence": "monthly"}, "text": ENGLISH[0]},
        {"code": "cancellations", "params": {"variant": "by_mentee", "count": 1, "senior": 1}, "text": ENGLISH[1]},
        {"code": "goals", "params": {"variant": "idle", "days": 63}, "text": ENGLISH[2]},
    ]


def test_reasons_refreshed_in_english_read_in_spanish(pair):
    # given reasons stored by a refresh in English
    _refresh_in("en", pair)

    # when a Spanish reader reads them
    with translation.override("es"):
        row = program_health(pair.program).at_risk[0]
        reasons = row.reasons

    # then they are in Spanish, with the program's Spanish label, and in English for an English reader
    assert reasons == _spanish(pair)
    with translation.override("en"):
        assert row.reasons == ENGLISH


def test_the_health_page_shows_reasons_in_the_managers_language(client, pair, manager):
    # given reasons stored in English and a manager who chose Spanish
    _refresh_in("en", pair)
    choose_language(person=Person.objects.get(user=manager), language="es")
    client.force_login(manager)

    # when
    with time_machine.travel(at(2026, 3, 9, 9), tick=False):
        page = client.get(reverse("engagement:health", args=[pair.program_id])).content.decode()

    # then
    for reason in _spanish(pair):
        assert reason[0].upper() + reason[1:] in page
    for reason in ENGLISH:
        assert reason[0].upper() + reason[1:] not in page


def test_the_weekly_digest_shows_reasons_in_the_recipients_language(pair, manager):
    # given a manager who chose Spanish; the digest's refresh runs in the worker's language
    choose_language(person=Person.objects.get(user=manager), language="es")
    mail.outbox.clear()

    # when the digest for the week of 2 to 8 March goes out
    with time_machine.travel(at(2026, 3, 9, 8), tick=False), translation.override("en"):
        notifications.send_weekly_digest(pair.program, week="2026-W11")

    # then its reasons are in Spanish, while the stored text is the refresh's English
    (digest,) = mail.outbox
    assert "; ".join(_spanish(pair)) in digest.body
    assert not any(reason in digest.body for reason in ENGLISH)
    pair.refresh_from_db()
    assert [reason["text"] for reason in pair.health_reasons] == ENGLISH


def test_a_refresh_in_another_language_writes_nothing(pair):
    # given reasons stored by a refresh in English
    _refresh_in("en", pair)
    pair.refresh_from_db()
    stored = (pair.health_checked_at, pair.health_reasons)

    # when refreshed again in Spanish, pair by pair and by program
    with (
        time_machine.travel(at(2026, 3, 9, 9), tick=False),
        translation.override("es"),
        CaptureQueriesContext(connection) as queries,
    ):
        refresh_pair_health(pair=pair)
        result = refresh_program_health(program=pair.program)

    # then nothing was written: the stored text stays English
    assert result.changed == 0
    assert not [query for query in queries.captured_queries if query["sql"].startswith("UPDATE")]
    pair.refresh_from_db()
    assert (pair.health_checked_at, pair.health_reasons) == stored


def test_a_reason_stored_without_params_shows_its_stored_text_until_the_next_refresh(pair):
    # given a row stored before reasons had params
    _refresh_in("en", pair)
    old = [{"code": "overdue", "text": "no meeting held for 58 days against a monthly cadence"}, {"code": "goals", "text": "old words"}]
    Pair.objects.filter(pk=pair.pk).update(health_reasons=old, health_state=HealthState.AT_RISK, health_score=15)

    # then it reads as stored, in any language
    with translation.override("es"):
        assert program_health(pair.program).at_risk[0].reasons == [old[0]["text"], "old words"]

    # and the next refresh, which finds the same assessment, stores the params
    pair.refresh_from_db()
    _refresh_in("en", pair)
    pair.refresh_from_db()
    assert all("params" in reason for reason in pair.health_reasons)
    with translation.override("es"):
        assert program_health(pair.program).at_risk[0].reasons == _spanish(pair)


def test_describe_reason_words_every_code_in_the_active_language():
    with translation.override("es"):
        assert describe_reason("pulse", {"before": 4.7, "recent": 2.7}, **LABELS) == "las valoraciones del pulso bajaron de 4,7 a 2,7"
        assert describe_reason("overdue", {"variant": "never_met", "days": 18, "cadence": "every_2_weeks"}, **LABELS).endswith(
            "frecuencia quincenal"
        )
        assert describe_reason("open_concern", {"count": 2}, **LABELS) == ("2 inquietudes abiertas planteadas al responsable del programa")
    with translation.override("en"):
        assert describe_reason("pulse", {"before": 4.7, "recent": 2.7}, **LABELS) == "pulse ratings fell from 4.7 to 2.7"
        params = {"variant": "both_sides", "count": 3, "senior": 2}
        both = describe_reason("cancellations", params, mentor_label="guide", mentee_label="learner")
        assert both == "the last 3 meetings were cancelled, 2 by the learner"
        assert describe_reason("goals", {"variant": "none_set", "days": 1}, **LABELS) == "no goal set in the 1 day since the pair started"
    with pytest.raises(KeyError):
        describe_reason("unknown", {}, **LABELS)
