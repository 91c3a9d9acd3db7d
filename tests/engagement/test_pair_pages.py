"""Agreement, goals, notes, insights, concerns and closure, through the pages, with the named cast."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.builders import signed_up_pair
from turnabout.engagement.models import AgreementSignature, Concern, Goal, GoalStatus, Note, Pair, PairStatus, Reflection
from turnabout.engagement.queries import current_agreement
from turnabout.programs.models import Role


@pytest.fixture
def pair(acme, manager, matching_program) -> Pair:
    """Ada (junior, mentor) and Ben (senior, mentee), both with logins, in an active pair."""
    return signed_up_pair(acme, manager, matching_program, password="x" * 12)[2]


def login(client, pair, role):
    user = pair.enrolment_for(role).person.user
    client.force_login(user)
    return user


def test_both_sign_the_agreement_and_a_revision_needs_both_again(client, pair):
    # given
    agreement = current_agreement(pair)
    for role in (Role.MENTOR, Role.MENTEE):
        login(client, pair, role)
        client.post(reverse("engagement:sign", args=[pair.pk]), {"agreement": agreement.pk})
    assert {s.role for s in AgreementSignature.objects.filter(agreement=agreement)} == {"mentor", "mentee"}

    # when the mentee revises it
    page = client.get(reverse("engagement:agreement", args=[pair.pk]))
    data = {
        **page.context["form"].initial,
        "mentee_goals": "Post on LinkedIn about our strategy",
        "mentor_goals": "Present to the executive team",
    }
    client.post(reverse("engagement:agreement", args=[pair.pk]), data)

    # then version 2 exists, unsigned, and version 1 keeps its signatures
    latest = current_agreement(pair)
    assert (latest.version, latest.mentee_goals, latest.signatures.count()) == (2, "Post on LinkedIn about our strategy", 0)
    assert AgreementSignature.objects.filter(agreement=agreement).count() == 2
    assert latest.not_for_performance_management is True
    stale = client.post(reverse("engagement:sign", args=[pair.pk]), {"agreement": agreement.pk}, follow=True)
    assert "A newer version exists" in stale.content.decode()


def test_goals_on_both_sides_with_milestones(client, pair):
    login(client, pair, Role.MENTEE)
    client.post(reverse("engagement:goal_add", args=[pair.pk]), {"owner_role": "mentee", "title": "Share our strategy on LinkedIn"})
    login(client, pair, Role.MENTOR)
    client.post(reverse("engagement:goal_add", args=[pair.pk]), {"owner_role": "mentor", "title": "Present to the executive team"})
    goal = Goal.objects.get(owner_role="mentor")
    client.post(reverse("engagement:milestone_add", args=[goal.pk]), {"title": "Draft the deck"})
    client.post(reverse("engagement:milestone_add", args=[goal.pk]), {"title": "Rehearse"})
    client.post(reverse("engagement:milestone_done", args=[goal.milestones.first().pk]))
    goal.refresh_from_db()
    assert goal.progress_percent == 50
    client.post(reverse("engagement:goal_update", args=[goal.pk]), {"status": "done"})
    goal.refresh_from_db()
    assert (goal.status, goal.completed_at is not None) == (GoalStatus.DONE, True)
    page = client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()
    assert "Share our strategy on LinkedIn" in page
    assert "Present to the executive team" in page


def test_a_private_note_is_seen_by_its_author_only(client, pair, manager, sponsor):
    # given
    login(client, pair, Role.MENTEE)
    client.post(reverse("engagement:note_add", args=[pair.pk]), {"body": "I felt out of my depth on TikTok", "visibility": "private"})
    client.post(reverse("engagement:note_add", args=[pair.pk]), {"body": "Next time: Copilot in Excel", "visibility": "shared"})
    assert "I felt out of my depth" in client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()

    # then the partner sees only the shared note
    login(client, pair, Role.MENTOR)
    partner_page = client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()
    assert "Next time: Copilot in Excel" in partner_page
    assert "I felt out of my depth" not in partner_page

    # and the program manager and the sponsor cannot open the pair at all
    for user in (manager, sponsor):
        client.force_login(user)
        assert client.get(reverse("engagement:pair", args=[pair.pk])).status_code == 404


def test_people_outside_the_pair_see_and_change_nothing(client, pair, manager, sponsor, outsider, mentor, mentee):
    goal = Goal.objects.create(pair=pair, owner_role="mentee", title="Learn prompting")
    urls_get = [
        reverse(name, args=[pair.pk])
        for name in ("engagement:pair", "engagement:agreement", "engagement:closure", "engagement:certificate", "engagement:concern")
    ]
    posts = [
        (reverse("engagement:note_add", args=[pair.pk]), {"body": "x", "visibility": "shared"}),
        (reverse("engagement:goal_add", args=[pair.pk]), {"owner_role": "mentee", "title": "x"}),
        (reverse("engagement:goal_update", args=[goal.pk]), {"progress_percent": 90, "status": "open"}),
        (reverse("engagement:sign", args=[pair.pk]), {"agreement": current_agreement(pair).pk}),
        (reverse("engagement:concern", args=[pair.pk]), {"body": "x"}),
        (reverse("engagement:closure", args=[pair.pk]), {"learned": "x", "continue_informally": "no"}),
    ]
    for user in (manager, sponsor, outsider, mentor, mentee):
        client.force_login(user)
        for url in urls_get:
            assert client.get(url).status_code == 404, (user, url)
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (user, url)
    goal.refresh_from_db()
    assert goal.progress_percent == 0
    assert (Note.objects.count(), Concern.objects.count(), Reflection.objects.count(), AgreementSignature.objects.count()) == (0, 0, 0, 0)
    assert Goal.objects.count() == 1


def test_a_concern_reaches_the_program_manager_only(client, pair, manager, django_capture_on_commit_callbacks):
    login(client, pair, Role.MENTOR)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("engagement:concern", args=[pair.pk]), {"body": "My partner keeps cancelling."})
    assert [message.to for message in mail.outbox] == [[manager.email]]
    assert "keeps cancelling" not in mail.outbox[0].body
    client.force_login(manager)
    page = client.get(reverse("engagement:concerns", args=[pair.program_id])).content.decode()
    assert "My partner keeps cancelling." in page


def test_closure_needs_both_reflections_then_the_certificate_is_a_pdf(client, pair):
    Goal.objects.create(pair=pair, owner_role="mentee", title="Post weekly", status=GoalStatus.DONE, progress_percent=100)
    login(client, pair, Role.MENTOR)
    client.post(reverse("engagement:closure", args=[pair.pk]), {"learned": "How a board decides", "continue_informally": "yes"})
    pair.refresh_from_db()
    assert pair.status == PairStatus.ACTIVE
    login(client, pair, Role.MENTEE)
    page = client.get(reverse("engagement:closure", args=[pair.pk])).content.decode()
    assert "1 learning goal" in page
    client.post(reverse("engagement:closure", args=[pair.pk]), {"learned": "Prompting", "continue_informally": "yes"})
    pair.refresh_from_db()
    assert (pair.status, pair.close_reason, pair.continue_informally) == (PairStatus.CLOSED, "completed", True)
    response = client.get(reverse("engagement:certificate", args=[pair.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_topic_guides_are_suggested_from_the_pairs_skills(client, pair):
    login(client, pair, Role.MENTOR)
    page = client.get(reverse("engagement:pair", args=[pair.pk]))
    assert any("generative-ai-prompting" in guide["skill_slugs"] for guide in page.context["guides"])
    guide = page.context["guides"][0]
    assert guide["title"] in client.get(reverse("engagement:guide", args=[guide["slug"]])).content.decode()


def test_accepting_a_match_on_both_sides_starts_the_pair(matching_program, pool, manager, django_capture_on_commit_callbacks):
    from turnabout.matching.services import publish_match_run, respond_to_match, start_match_run

    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(program=matching_program, by=manager)
    run.refresh_from_db()
    match = publish_match_run(run=run, by=manager)[0]
    respond_to_match(match=match, role=Role.MENTOR, accept=True)
    assert not Pair.objects.exists()
    respond_to_match(match=match, role=Role.MENTEE, accept=True)
    created = Pair.objects.get()
    assert (created.mentor_id, created.mentee_id, created.status) == (match.mentor_id, match.mentee_id, PairStatus.ACTIVE)
    # the first agreement is the program's template, line for line, with the pair's names written in
    body, template = current_agreement(created).body, matching_program.agreement_template
    assert len(body.splitlines()) == len(template.splitlines())
    assert "[name]" in template
    assert "[name]" not in body
    assert created.mentor.person.full_name in body
    assert created.mentee.person.full_name in body


def test_every_id_on_the_pair_page_is_unique(client, pair):
    # given both sides of the pair, each on the page with all its forms
    for role in (Role.MENTOR, Role.MENTEE):
        login(client, pair, role)

        # when
        html = client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()

        # then no two elements share an id, so each label names its own field
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
