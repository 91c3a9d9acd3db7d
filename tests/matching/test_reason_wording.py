"""Engine reasons on pages and in emails: worded by code with the program's own words for each side; the emails in
the second person (issues 16 and 17)."""

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from tests.engine.test_reasons import _emitted
from turnabout.engine import REASON_CODES, RULE_CODES, Reason
from turnabout.matching.models import Match, MatchRun, ProposedPair, RunStatus
from turnabout.matching.pool import GENERIC_DIVERSITY_REASON, participant_safe_reasons
from turnabout.matching.presentation import REASON_MESSAGES, RULE_PHRASES, reason_text
from turnabout.matching.queries import ReviewedPair
from turnabout.matching.services import end_matches_of_withdrawn, publish_match_run, respond_to_match, start_match_run
from turnabout.people.services import mark_leaver
from turnabout.programs.models import Program, Role, Wording
from turnabout.programs.services import withdraw_leavers

GUIDE, LEARNER = "digital guide", "executive learner"


def _text(response) -> str:
    html = response.content.decode().replace("&#x27;", "'")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def custom_program(matching_program, pool) -> Program:
    Program.objects.filter(pk=matching_program.pk).update(wording=Wording.CUSTOM, custom_mentor_label=GUIDE, custom_mentee_label=LEARNER)
    matching_program.refresh_from_db()
    return matching_program


def _run(program, by, capture) -> MatchRun:
    with capture(execute=True):
        run = start_match_run(program=program, by=by)
    run.refresh_from_db()
    return run


def test_the_web_table_words_every_code_and_rule_the_engine_has():
    # a new engine code or rule without an entry here fails this test
    assert set(REASON_MESSAGES) >= REASON_CODES
    assert set(RULE_PHRASES) >= RULE_CODES


def test_every_reason_the_engine_emits_is_worded_with_the_programs_words(custom_program):
    for reason in _emitted():
        stored = {"code": reason.code, "text": reason.text, "params": dict(reason.params)}
        text = reason_text(stored, custom_program)
        assert text, reason.code
        assert "%(" not in text, (reason.code, text)
        assert not re.search(r"\bment(or|ee)s?\b", text), (reason.code, text)


def test_unmatched_reasons_on_the_review_and_publish_pages_use_the_programs_words(
    client, manager, custom_program, django_capture_on_commit_callbacks
):
    # given a run under a grade gap nobody meets
    Program.objects.filter(pk=custom_program.pk).update(min_grade_gap=9)
    run = _run(custom_program, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)

    review = _text(client.get(reverse("matching:review", args=[custom_program.pk])))
    confirmation = _text(client.get(reverse("matching:publish", args=[run.pk])))

    # then each reason names the other side in the program's words, from its code and params
    assert f"S1 Tester ({LEARNER}): No {GUIDE} meets this rule: at least 9 grades junior." in review
    assert f"J1 Tester ({GUIDE}): No {LEARNER} meets this rule: at least 9 grades senior." in review
    assert f"No {GUIDE} meets this rule: at least 9 grades junior." in confirmation
    # while the engine's English text, stored beside the code, says "mentor"
    assert run.unmatched.filter(reason__contains="No mentor").exists()
    assert "No mentor" not in review
    assert "No mentee" not in confirmation


def test_a_reason_is_made_generic_by_its_code_not_by_its_words():
    diversity = Reason("diversity", "They bring different perspectives (gender), as the program asks.", {"attributes": ["gender"]})
    # a reason of another code that happens to open with the same words keeps its text and params
    lookalike = Reason("common_ground", "They bring different perspectives to chess.", {"interests": ["chess"], "values": []})

    stored = participant_safe_reasons([diversity, lookalike])

    assert stored == [
        {"code": "diversity", "text": GENERIC_DIVERSITY_REASON, "params": {}},
        {"code": "common_ground", "text": lookalike.text, "params": {"interests": ["chess"], "values": []}},
    ]


def test_the_review_puts_the_diversity_reason_last_by_its_code(custom_program, pool):
    run = MatchRun.objects.create(program=custom_program, status=RunStatus.SUCCEEDED, progress=1.0, summary={}, pool={})
    generic = {"code": "diversity", "text": "any words", "params": {}}
    goals = {"code": "goals", "text": "J1 can help S1.", "params": {"mentor": "J1", "mentee": "S1", "skills": []}}
    proposal = ProposedPair.objects.create(
        run=run, mentor=pool["J1"], mentee=pool["S1"], score=0.7, components={"diversity": 0.1, "goals": 0.6}, reasons=[generic, goals]
    )

    reviewed = ReviewedPair.of(proposal)

    assert [reason["code"] for reason in reviewed.reasons] == ["goals", "diversity"]
    assert reason_text(reviewed.reasons[1], custom_program) == "They bring different perspectives, as the program asks."


def test_match_emails_speak_to_the_reader_in_the_programs_words(manager, custom_program, pool, acme, django_capture_on_commit_callbacks):
    # given a published run
    run = _run(custom_program, manager, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        matches = publish_match_run(run=run, by=manager)
    match = next(m for m in matches if m.mentee_id == pool["S1"].pk)
    asked = {message.to[0]: message for message in mail.outbox}

    # then each side is told, in the second person, who they were matched with and as what
    to_learner = asked[match.mentee.person.email]
    assert to_learner.subject == f"{custom_program.name}: you have been matched with J1 Tester, your proposed {GUIDE}"
    assert "You have been matched with J1 Tester" in to_learner.body
    assert f"you would take part as {LEARNER}, and J1 Tester would be your {GUIDE}." in to_learner.body
    to_guide = asked[match.mentor.person.email]
    assert f"you would take part as {GUIDE}, and S1 Tester would be your {LEARNER}." in to_guide.body
    for message in (to_learner, to_guide):
        assert not re.search(r"\bment(or|ee)s?\b", message.subject + message.body), message.body

    # when both accept, each is told their partner in the program's words
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        respond_to_match(match=match, role=Role.MENTOR, accept=True)
        respond_to_match(match=Match.objects.get(pk=match.pk), role=Role.MENTEE, accept=True)
    told = {message.to[0]: message.body for message in mail.outbox}
    assert f"J1 Tester is now your {GUIDE}." in told[match.mentee.person.email]
    assert f"S1 Tester is now your {LEARNER}." in told[match.mentor.person.email]

    # and when the learner leaves, the guide hears that their partner has withdrawn
    mark_leaver(person=pool["S1"].person, end_date=date(2026, 11, 20))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_leavers(organisation=acme)
        end_matches_of_withdrawn(organisation_id=acme.pk)
    (withdrawn,) = mail.outbox
    assert withdrawn.subject == f"{custom_program.name}: your {LEARNER} has withdrawn"
    assert withdrawn.body.startswith(f"Hello J1,\n\nYour {LEARNER}, S1 Tester, has withdrawn")
