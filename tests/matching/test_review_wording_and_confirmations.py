"""Issue 16's tour of the match pages: publishing and declining ask first, an empty run says why, plain words and plurals."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.matching.models import Match, MatchRun, MatchStatus
from turnabout.matching.presentation import unmatched_rows
from turnabout.matching.services import publish_match_run, start_match_run
from turnabout.people.services import link_user
from turnabout.programs.models import AcceptanceOrder, MatchingStyle, Program


def _run(program, by, capture) -> MatchRun:
    with capture(execute=True):
        run = start_match_run(program=program, by=by)
    run.refresh_from_db()
    return run


def _text(response) -> str:
    """The page's text with tags dropped and white space collapsed, as a reader sees it."""
    html = response.content.decode().replace("&#x27;", "'")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def one_pair_run(manager, matching_program, pool, django_capture_on_commit_callbacks) -> MatchRun:
    """A current run cut to its first pair, its summary counting one of everything (the singulars of every count)."""
    run = _run(matching_program, manager, django_capture_on_commit_callbacks)
    kept = run.proposed_pairs.order_by("pk").first()
    run.proposed_pairs.exclude(pk=kept.pk).delete()
    run.summary = {
        **run.summary,
        "pairs": 1,
        "mentees_total": 1,
        "mentees_matched": 1,
        "mentors_total": 1,
        "mentors_matched": 1,
        "blocking_pairs": 1,
        "score_histogram": [0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
        "changes": {"pairs_kept": 1, "pairs_new": 0, "pairs_dropped": 0, "joined_pool": 1, "left_pool": 0},
    }
    run.save(update_fields=["summary"])
    return run


def test_publishing_shows_what_will_happen_and_publishes_only_when_confirmed(
    client, manager, matching_program, pool, django_capture_on_commit_callbacks
):
    # given a finished run of three pairs, both sides asked at once
    run = _run(matching_program, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)
    publish_url = reverse("matching:publish", args=[run.pk])

    # when the manager follows the review page's Publish link
    review = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode()
    confirmation = client.get(publish_url)

    # then the review page links to the confirmation page instead of posting, and nothing is published or sent yet
    assert f'href="{publish_url}"' in review
    assert f'action="{publish_url}"' not in review
    assert confirmation.status_code == 200
    text = _text(confirmation)
    assert "This cannot be undone" in text
    mentor, mentee = matching_program.mentor_label, matching_program.mentee_label
    assert f"6 emails go out now, one to the {mentor} and one to the {mentee} of each pair, asking both to accept" in text
    assert "Yes, publish 3 pairs and send 6 emails" in text
    assert "1 person could not be matched: they are not emailed" in text
    assert confirmation.content.decode().count('data-testid="proposal"') == 3
    assert not Match.objects.exists()
    assert not mail.outbox

    # when they confirm, the run is published
    with django_capture_on_commit_callbacks(execute=True):
        client.post(publish_url)
    assert Match.objects.filter(run=run).count() == 3
    assert len(mail.outbox) == 6


def test_the_confirmation_names_the_side_emailed_first(client, manager, matching_program, pool, django_capture_on_commit_callbacks):
    Program.objects.filter(pk=matching_program.pk).update(acceptance_order=AcceptanceOrder.MENTEE_FIRST)
    run = _run(matching_program, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)

    text = _text(client.get(reverse("matching:publish", args=[run.pk])))

    mentor, mentee = matching_program.mentor_label, matching_program.mentee_label
    assert f"3 emails go out now, one to the {mentee} of each pair, asking them to accept" in text
    assert f"each {mentor} is emailed once their {mentee} accepts" in text
    assert "Yes, publish 3 pairs and send 3 emails" in text


def test_a_stale_or_published_run_offers_no_confirmation(client, manager, matching_program, pool, django_capture_on_commit_callbacks):
    run = _run(matching_program, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)
    publish_match_run(run=run, by=manager)

    text = _text(client.get(reverse("matching:publish", args=[run.pk])))

    assert f"Run #{run.pk} is already published" in text
    assert "Yes, publish" not in text


@pytest.fixture
def empty_run(manager, matching_program, pool, django_capture_on_commit_callbacks) -> MatchRun:
    """A run under a grade gap nobody meets (G2 mentors, G9 mentees, 9 grades asked): no pair at all."""
    Program.objects.filter(pk=matching_program.pk).update(min_grade_gap=9)
    run = _run(matching_program, manager, django_capture_on_commit_callbacks)
    assert run.summary["pairs"] == 0
    assert not run.proposed_pairs.exists()
    return run


def test_an_empty_run_says_nobody_could_be_matched_and_why_and_offers_no_publishing(client, manager, matching_program, empty_run):
    client.force_login(manager)

    review = client.get(reverse("matching:review", args=[matching_program.pk]))
    confirmation = client.get(reverse("matching:publish", args=[empty_run.pk]))

    text = _text(review)
    assert "Nobody could be matched." in text
    assert "See why each person could not be matched" in text
    # the reasons as the pages word them, from each reason's code and params
    reasons = [row.reason for row in unmatched_rows(empty_run.unmatched.all(), matching_program)]
    assert len(reasons) == 7
    assert all("at least 9 grades" in reason for reason in reasons)
    assert all(reason in text for reason in reasons)
    for claim in ("Publish 0", "optimal", "best possible", "Pairs who would both rather swap", "Fit score"):
        assert claim not in text
    assert reverse("matching:publish", args=[empty_run.pk]) not in review.content.decode()
    confirmation_text = _text(confirmation)
    assert "Nobody could be matched" in confirmation_text
    assert "Yes, publish" not in confirmation_text
    assert all(reason in confirmation_text for reason in reasons)


def test_publishing_an_empty_run_is_refused_and_changes_nothing(client, manager, empty_run):
    client.force_login(manager)

    response = client.post(reverse("matching:publish", args=[empty_run.pk]), follow=True)

    assert "Nobody could be matched in this run, so there is nothing to publish." in _text(response)
    empty_run.refresh_from_db()
    assert empty_run.published_at is None


def test_the_review_page_explains_its_figures_in_plain_words(client, manager, matching_program, pool, django_capture_on_commit_callbacks):
    _run(matching_program, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)

    response = client.get(reverse("matching:review", args=[matching_program.pk]))

    html, text = response.content.decode(), _text(response)
    for jargon in ("LP", "dual", "blocking", "greedy", "optimal", "upper bound", "lp_dual", "exact)"):
        assert jargon not in text, jargon
    assert "How close to the best possible" in text
    assert "The best possible: no other set of pairs fits better under the program's rules." in text
    assert "Pairs who would both rather swap" in text
    assert "Against a simple method" in text
    assert html.count("<details>") == 2
    summary = html[html.index('id="summary"') :]
    # the distribution is a table with a caption and a header on each column, one row per tenth of the scale
    table = summary[summary.index('data-testid="distribution"') : summary.index("</table>")]
    assert "<caption>How many pairs fall in each range of fit score" in table
    assert '<th scope="col">Fit score</th><th scope="col">Pairs</th>' in table
    assert table.count('<th scope="row">') == 10
    assert '<th scope="row">0.9–1.0</th>' in table


def test_every_count_on_the_review_and_confirmation_pages_agrees_with_its_noun(client, manager, matching_program, one_pair_run):
    client.force_login(manager)

    review = _text(client.get(reverse("matching:review", args=[matching_program.pk])))
    confirmation = _text(client.get(reverse("matching:publish", args=[one_pair_run.pk])))

    mentor, mentee = matching_program.mentor_label, matching_program.mentee_label
    assert f"1 of 1 {mentee};" in review
    assert f"1 of 1 {mentor} " in review
    assert "1 pair kept" in review
    assert "1 person joined" in review
    assert f"1 {mentor}–{mentee} pair not put together would fit both of them better" in review
    assert "Publish 1 pair…" in review
    assert "Publish 1 pair?" in confirmation
    assert "Yes, publish 1 pair and send 2 emails" in confirmation
    assert "1 pair is proposed to the two people in it." in confirmation
    for wrong in ("1 pairs", "1 people", f"1 {mentee}s", f"1 {mentor}s", "1 persons"):
        assert wrong not in review, wrong
        assert wrong not in confirmation, wrong


def test_published_message_counts_its_pairs(client, manager, one_pair_run):
    client.force_login(manager)

    response = client.post(reverse("matching:publish", args=[one_pair_run.pk]), follow=True)

    assert "Published 1 pair; the emails asking to accept are on their way." in _text(response)


def _published_with_mentee_signed_in(client, manager, program, pool, callbacks) -> Match:
    """A published run's match of S1, and S1 signed in with a login of their own."""
    run = _run(program, manager, callbacks)
    match = next(m for m in publish_match_run(run=run, by=manager) if m.mentee_id == pool["S1"].pk)
    senior = pool["S1"].person
    user = create_user(organisation=senior.organisation, email=senior.email, role=AccountRole.PARTICIPANT, password="x" * 12)
    link_user(person=senior, user=user)
    client.force_login(user)
    return match


def test_declining_asks_first_and_says_it_cannot_be_undone(client, manager, matching_program, pool, django_capture_on_commit_callbacks):
    # given a published pair and its mentee signed in
    match = _published_with_mentee_signed_in(client, manager, matching_program, pool, django_capture_on_commit_callbacks)
    url = reverse("matching:my_match", args=[match.pk])

    # when they press Decline
    response = client.post(url, {"answer": "decline", "reason": "timing"})

    # then they are asked to confirm, and nothing changes yet
    text = _text(response)
    assert response.status_code == 200
    assert "This cannot be undone" in text
    assert "The timing does not work for me now" in text
    assert 'name="confirm" value="yes"' in response.content.decode()
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED

    # when they confirm, the pair is declined with their reason
    client.post(url, {"answer": "decline", "reason": "timing", "confirm": "yes"})
    match.refresh_from_db()
    assert (match.status, match.decline_reason) == (MatchStatus.DECLINED, "timing")


def test_accepting_needs_no_confirmation(client, manager, matching_program, pool, django_capture_on_commit_callbacks):
    match = _published_with_mentee_signed_in(client, manager, matching_program, pool, django_capture_on_commit_callbacks)

    client.post(reverse("matching:my_match", args=[match.pk]), {"answer": "accept"})

    match.refresh_from_db()
    assert match.mentee_response == "accepted"


def test_a_mentor_request_asks_first_and_is_sent_only_when_confirmed(
    client, acme, matching_program, pool, django_capture_on_commit_callbacks
):
    # given a self-select program whose mentee S1 has a login
    Program.objects.filter(pk=matching_program.pk).update(matching_style=MatchingStyle.SELF_SELECT)
    senior = pool["S1"].person
    link_user(person=senior, user=create_user(organisation=acme, email=senior.email, role=AccountRole.PARTICIPANT, password="x" * 12))
    client.force_login(senior.user)
    url = reverse("matching:suggestions", args=[pool["S1"].pk])

    # when they press "Ask J1"
    response = client.post(url, {"mentor": pool["J1"].pk})

    # then they are asked to confirm, and nothing is sent yet
    assert response.status_code == 200
    text = _text(response)
    assert "This cannot be undone: you cannot withdraw the request once it is sent." in text
    assert "Yes, ask J1" in text
    assert not Match.objects.exists()

    # when they confirm, the request is made and J1 is emailed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"mentor": pool["J1"].pk, "confirm": "yes"})
    match = Match.objects.get()
    assert (match.mentor, match.mentee, match.requested_by_mentee) == (pool["J1"], pool["S1"], True)
    assert [message.to for message in mail.outbox] == [[pool["J1"].person.email]]
