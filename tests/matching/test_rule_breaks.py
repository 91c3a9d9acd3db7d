"""Stale means stale after publication too: accepting re-checks every hard rule, and an open pair a directory change
breaks is flagged to the program manager (never to its participants), the flag cleared once the pair is valid again."""

import pytest
from django.urls import reverse

from tests.matching.test_stale_pool import hris_import, hris_row, run_now
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.core.hooks import people_changed
from turnabout.engine import Participant, Rules, Window
from turnabout.matching.errors import PairNoLongerAllowed
from turnabout.matching.jobs import enqueue_recheck_open_matches
from turnabout.matching.models import Match, MatchStatus, Response
from turnabout.matching.pool import engine_rules
from turnabout.matching.rechecks import availability_break, overlap_minutes
from turnabout.matching.rule_breaks import MENTOR_IN_MENTEE_LINE, rule_break_texts
from turnabout.matching.services import flag_rule_breaks, publish_match_run, respond_to_match
from turnabout.people.services import link_user, update_person
from turnabout.programs.models import Role


def minimum_overlap(program) -> int:
    return engine_rules(program, pinned=[], forbidden=[], past=[]).min_overlap_minutes


def published_pair(program, manager, capture, *, mentee) -> Match:
    run = run_now(program, manager, capture)
    return next(match for match in publish_match_run(run=run, by=manager) if match.mentee_id == mentee.pk)


def running_pair(program, manager, capture, *, mentee) -> Match:
    match = published_pair(program, manager, capture, mentee=mentee)
    with capture(execute=True):
        respond_to_match(match=match, role=Role.MENTOR, accept=True)
        match = respond_to_match(match=match, role=Role.MENTEE, accept=True)
    assert match.status == MatchStatus.ACTIVE
    return match


def participant_client(client, enrolment):
    person = enrolment.person
    user = create_user(organisation=person.organisation, email=person.email, role=AccountRole.PARTICIPANT, password="x" * 12)
    link_user(person=person, user=user)
    client.force_login(user)
    return client


def test_an_hris_time_zone_change_between_publish_and_accept_refuses_the_acceptance(
    matching_program, directory_pool, manager, acme, django_capture_on_commit_callbacks
):
    # given a published pair J1–S1, both in London (from the directory), free on Tuesdays 09:00–12:00
    match = published_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=directory_pool["S1"])
    minimum = minimum_overlap(matching_program)

    # when the HR file moves J1 to Tokyo, where Tuesday 09:00–12:00 is London's night, then J1 accepts
    hris_import(acme, [hris_row(directory_pool["J1"].person, "Asia/Tokyo")], columns="timezone")
    with pytest.raises(PairNoLongerAllowed) as raised:
        respond_to_match(match=match, role=Role.MENTOR, accept=True)

    # then
    assert raised.value.changes == [f"J1 Tester and S1 Tester no longer share {minimum} minutes of weekly availability"]
    match.refresh_from_db()
    assert (match.status, match.mentor_response) == (MatchStatus.PROPOSED, Response.PENDING)


def test_a_decline_is_still_taken_when_the_pair_broke_a_rule(
    matching_program, directory_pool, manager, acme, django_capture_on_commit_callbacks
):
    # given a published pair whose mentor moved to Tokyo
    match = published_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=directory_pool["S1"])
    hris_import(acme, [hris_row(directory_pool["J1"].person, "Asia/Tokyo")], columns="timezone")

    # when
    match = respond_to_match(match=match, role=Role.MENTOR, accept=False, reason="timing")

    # then
    assert match.status == MatchStatus.DECLINED


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"grade": "G8"}, "J1 Tester is no longer 2 grades junior to S1 Tester"),
        ({"languages": ["fr"]}, "J1 Tester and S1 Tester no longer share a language"),
    ],
)
def test_accepting_re_checks_the_grade_gap_and_language(
    matching_program, directory_pool, manager, acme, django_capture_on_commit_callbacks, change, sentence
):
    # given a published pair J1–S1
    match = published_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=directory_pool["S1"])
    junior = directory_pool["J1"].person
    if "grade" in change:
        change = {"grade": acme.grades.get(code=change["grade"])}

    # when the directory changes J1, then J1 accepts
    update_person(person=junior, **change)
    with pytest.raises(PairNoLongerAllowed) as raised:
        respond_to_match(match=match, role=Role.MENTOR, accept=True)

    # then
    assert raised.value.changes == [sentence]


def test_an_import_that_moves_a_manager_into_the_line_flags_the_running_pair(
    client, matching_program, pool, manager, acme, django_capture_on_commit_callbacks
):
    # given a running pair J1–S1
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    junior, senior = pool["J1"].person, pool["S1"].person

    # when the HR file says J1 now reports to S1 (the import fires people_changed after commit)
    with django_capture_on_commit_callbacks(execute=True):
        hris_import(acme, [hris_row(junior, senior.employee_id)], columns="manager_employee_id")

    # then the pair is flagged with the sentence, and its program manager reads it on the review page
    match.refresh_from_db()
    assert match.rule_break_texts == ["J1 Tester now reports to S1 Tester's line"]
    assert match.rule_breaks == [{"code": MENTOR_IN_MENTEE_LINE, "params": {"mentor": "J1 Tester", "mentee": "S1 Tester"}}]
    assert match.rule_breaks_checked_at is not None
    assert match.breaks_rules
    client.force_login(manager)
    page = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode().replace("&#x27;", "'")
    assert page.count('data-testid="rule-breaks"') == 1
    assert "J1 Tester now reports to S1 Tester's line" in page


def test_the_flag_clears_once_the_pair_is_valid_again(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given a running pair flagged after J1 moved into S1's line
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    junior, senior, ceo = pool["J1"].person, pool["S1"].person, pool["J1"].person.manager
    with django_capture_on_commit_callbacks(execute=True):
        hris_import(acme, [hris_row(junior, senior.employee_id)], columns="manager_employee_id")
    match.refresh_from_db()
    assert match.rule_breaks

    # when the next file puts J1 back under the CEO
    with django_capture_on_commit_callbacks(execute=True):
        hris_import(acme, [hris_row(junior, ceo.employee_id)], columns="manager_employee_id")

    # then
    match.refresh_from_db()
    assert (match.rule_breaks, match.breaks_rules) == ([], False)


def test_participants_never_see_the_flag(client, matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given a running pair flagged by an import
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    with django_capture_on_commit_callbacks(execute=True):
        hris_import(acme, [hris_row(pool["J1"].person, pool["S1"].person.employee_id)], columns="manager_employee_id")
    match.refresh_from_db()
    assert match.rule_breaks

    # when each side opens their match
    pages = []
    for enrolment in (pool["J1"], pool["S1"]):
        pages.append(participant_client(client, enrolment).get(reverse("matching:my_match", args=[match.pk])).content.decode())
        pages.append(client.get(reverse("matching:my_matches")).content.decode())

    # then
    for page in pages:
        assert "rule-breaks" not in page
        assert "now reports to" not in page


def test_flagging_leaves_valid_and_closed_pairs_alone(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given three published pairs, one of them declined
    run = run_now(matching_program, manager, django_capture_on_commit_callbacks)
    matches = publish_match_run(run=run, by=manager)
    declined = respond_to_match(match=matches[0], role=Role.MENTOR, accept=False, reason="timing")
    Match.objects.filter(pk=declined.pk).update(rule_breaks=["an old sentence"])

    # when nothing in the directory changed
    flagged = flag_rule_breaks(organisation_id=acme.pk)

    # then nothing is flagged, and the declined pair is not rewritten
    assert flagged == []
    assert list(Match.objects.exclude(rule_breaks=[])) == [declined]
    assert not Match.objects.get(pk=declined.pk).breaks_rules
    assert Match.objects.filter(rule_breaks_checked_at__isnull=False).count() == 0


def test_the_people_changed_hook_enqueues_the_re_check(matching_program, pool, manager, acme, django_capture_on_commit_callbacks):
    # given a running pair J1–S1 whose mentor was moved into the line without an import
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    update_person(person=pool["J1"].person, manager=pool["S1"].person)

    # when the hook fires (its handler enqueues the job, which the test backend runs at once)
    people_changed.fire(organisation_id=acme.pk)
    enqueue_recheck_open_matches(organisation_id=acme.pk)

    # then
    match.refresh_from_db()
    assert match.rule_break_texts == ["J1 Tester now reports to S1 Tester's line"]


def test_overlap_counts_quarter_hours_in_each_time_zone():
    # given a London and a Paris participant free Tuesday 09:00–12:00 local (Paris is an hour ahead in January)
    rules = Rules(min_overlap_minutes=150)
    london = Participant("1", grade=2, timezone="Europe/London", availability=(Window(1, "09:00", "12:00"),))
    paris = Participant("2", grade=9, timezone="Europe/Paris", availability=(Window(1, "09:00", "12:00"),))

    # then they share two hours, short of the program's two and a half
    assert overlap_minutes(london, paris, rules) == 120
    assert rule_break_texts(availability_break(london, paris, rules, mentor_name="Ann", mentee_name="Bo")) == [
        "Ann and Bo no longer share 150 minutes of weekly availability"
    ]
    assert availability_break(london, paris, Rules(min_overlap_minutes=120), mentor_name="Ann", mentee_name="Bo") == []
    assert availability_break(london, paris, Rules(min_overlap_minutes=0), mentor_name="Ann", mentee_name="Bo") == []


def test_the_re_check_reads_each_program_in_a_fixed_number_of_queries(
    matching_program, pool, manager, acme, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # given three published pairs, all of them now breaking the reporting line
    matches = publish_match_run(run=run_now(matching_program, manager, django_capture_on_commit_callbacks), by=manager)
    for match in Match.objects.filter(pk__in=[m.pk for m in matches]).select_related("mentor__person", "mentee__person"):
        update_person(person=match.mentor.person, manager=match.mentee.person)

    # when
    with django_assert_max_num_queries(12):
        flagged = flag_rule_breaks(organisation_id=acme.pk)

    # then
    assert len(flagged) == 3
