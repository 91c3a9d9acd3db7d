"""A pair's rule breaks are stored as codes and params and worded when read: a program manager reads them in their own
language whatever language the worker checked in; a break stored as a bare sentence reads as it was stored."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.matching.test_rule_breaks import published_pair, running_pair
from tests.matching.test_stale_pool import hris_import, hris_row, run_now
from turnabout.matching.errors import PairNoLongerAllowed, StalePool
from turnabout.matching.models import Match, MatchRun
from turnabout.matching.rule_breaks import (
    FORBIDDEN_PAIR,
    GRADE_GAP,
    MENTEE_IN_MENTOR_LINE,
    MENTOR_IN_MENTEE_LINE,
    NO_SHARED_AVAILABILITY,
    NO_SHARED_LANGUAGE,
    SAME_DEPARTMENT,
    RuleBreak,
    describe_rule_break,
)
from turnabout.matching.services import flag_rule_breaks, publish_match_run, respond_to_match, start_match_run
from turnabout.people.models import Person
from turnabout.people.services import update_person
from turnabout.personal_data.services import choose_language
from turnabout.programs.models import Role

NAMES = {"mentor": "Ann", "mentee": "Bo"}
ENGLISH = "J1 Tester now reports to S1 Tester's line"
SPANISH = "J1 Tester ahora depende de la línea jerárquica de S1 Tester"


def test_every_code_is_worded_in_the_active_language():
    # given one break of each code
    breaks = [
        RuleBreak(MENTEE_IN_MENTOR_LINE, NAMES),
        RuleBreak(MENTOR_IN_MENTEE_LINE, NAMES),
        RuleBreak(GRADE_GAP, {**NAMES, "gap": 1}),
        RuleBreak(NO_SHARED_LANGUAGE, NAMES),
        RuleBreak(SAME_DEPARTMENT, NAMES),
        RuleBreak(FORBIDDEN_PAIR, NAMES),
        RuleBreak(NO_SHARED_AVAILABILITY, {**NAMES, "minutes": 60}),
    ]

    # when each is worded in English, and in Spanish
    with translation.override("en"):
        english = [describe_rule_break(rule_break) for rule_break in breaks]
    with translation.override("es"):
        spanish = [describe_rule_break(rule_break.stored()) for rule_break in breaks[:6]]

    # then
    assert english == [
        "Bo now reports to Ann's line",
        "Ann now reports to Bo's line",
        "Ann is no longer 1 grade junior to Bo",
        "Ann and Bo no longer share a language",
        "Ann and Bo are now in the same department",
        "Ann and Bo are now forbidden as a pair",
        "Ann and Bo no longer share 60 minutes of weekly availability",
    ]
    assert spanish == [
        "Bo ahora depende de la línea jerárquica de Ann",
        "Ann ahora depende de la línea jerárquica de Bo",
        "Ann ya no está 1 nivel por debajo de Bo",
        "Ann y Bo ya no comparten ningún idioma",
        "Ann y Bo ahora están en el mismo departamento",
        "Ann y Bo ahora están vetados como pareja",
    ]


def test_a_sentence_stored_before_breaks_had_codes_reads_as_stored():
    with translation.override("es"):
        assert describe_rule_break("an old sentence") == "an old sentence"


def test_an_unknown_code_is_refused():
    with pytest.raises(KeyError):
        describe_rule_break({"code": "unknown", "params": NAMES})


def test_a_break_flagged_in_english_reads_in_spanish_on_the_review_page(
    client, matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    # given a running pair J1–S1, flagged by a worker running in English after J1 moved into S1's line
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    update_person(person=pool["J1"].person, manager=pool["S1"].person)
    with translation.override("en"):
        flag_rule_breaks(organisation_id=acme.pk)
    match.refresh_from_db()
    assert match.rule_breaks == [{"code": MENTOR_IN_MENTEE_LINE, "params": {"mentor": "J1 Tester", "mentee": "S1 Tester"}}]

    # when a program manager who chose Spanish opens the review page
    choose_language(person=Person.objects.get(user=manager), language="es")
    client.force_login(manager)
    page = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode().replace("&#x27;", "'")

    # then the break reads in Spanish, and in English for an English reader
    assert page.count('data-testid="rule-breaks"') == 1
    assert SPANISH in page
    assert ENGLISH not in page
    with translation.override("en"):
        assert Match.objects.get(pk=match.pk).rule_break_texts == [ENGLISH]


def test_a_break_stored_as_a_sentence_still_shows_on_the_review_page(
    client, matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    # given a running pair whose break was stored as a sentence
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    Match.objects.filter(pk=match.pk).update(rule_breaks=["J1 Tester moved, as worded before"])

    # when its program manager opens the review page
    client.force_login(manager)
    page = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode()

    # then
    assert "J1 Tester moved, as worded before" in page


def test_an_acceptance_refused_in_spanish_names_the_break_in_spanish(
    matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    # given a published pair J1–S1, and J1 since moved into S1's line
    match = published_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    update_person(person=pool["J1"].person, manager=pool["S1"].person)

    # when J1 accepts in Spanish
    with translation.override("es"), pytest.raises(PairNoLongerAllowed) as raised:
        respond_to_match(match=match, role=Role.MENTOR, accept=True)

    # then
    assert raised.value.changes == [SPANISH]
    assert SPANISH in raised.value.message


def test_a_publish_refused_in_spanish_names_the_break_in_spanish(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given a run pairing J1 with S1, and J1 since moved into S1's line by the HR file
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    junior, senior = pool["J1"].person, pool["S1"].person
    hris_import(acme, [hris_row(junior, senior.employee_id)], columns="manager_employee_id")

    # when the manager publishes in Spanish
    with translation.override("es"), pytest.raises(StalePool) as raised:
        publish_match_run(run=run, by=manager)

    # then
    assert SPANISH in raised.value.changes


@pytest.mark.parametrize("mode", ["score", "coverage", "fair"])
def test_a_run_and_the_review_page_default_to_the_programs_mode(
    client, matching_program, pool, manager, django_capture_on_commit_callbacks, mode
):
    # given a program whose rules choose the mode
    matching_program.match_rules = {**matching_program.match_rules, "mode": mode}
    matching_program.save(update_fields=["match_rules"])

    # when a run starts without a mode, and the manager opens the review page
    with django_capture_on_commit_callbacks(execute=False):
        run = start_match_run(program=matching_program, by=manager)
    client.force_login(manager)
    page = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode()

    # then both follow the program's mode
    assert MatchRun.objects.get(pk=run.pk).mode == mode
    assert f'<option value="{mode}" selected>' in page
    assert page.count(" selected>") == 1
