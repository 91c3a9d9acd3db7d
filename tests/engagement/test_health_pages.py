"""The managers' pair-health page and its actions, with the named cast."""

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests.engagement.health_builders import at, held, meeting, running_program_with_cast_pair
from turnabout.core.models import EmailDelivery
from turnabout.engagement.health import refresh_program_health
from turnabout.engagement.models import CloseReason, ManagerAction, MeetingStatus, Note, Pair, PairStatus
from turnabout.engagement.services import add_goal, pause_pair
from turnabout.programs.models import Role

ACTIONS = [
    "engagement:health_check_in",
    "engagement:health_pause",
    "engagement:health_resume",
    "engagement:health_close",
    "matching:rematch",
]


@pytest.fixture
def pair(manager, mentor, mentee, matching_program) -> Pair:
    """Charlie and Bob, started 5 January 2026, at risk on 10 March: never met, the senior cancelled, no goals."""
    with time_machine.travel(at(2026, 1, 5), tick=False):
        pair = running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    meeting(pair, at=at(2026, 3, 2), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
    with time_machine.travel(at(2026, 3, 10), tick=False):
        refresh_program_health(program=pair.program)
    pair.refresh_from_db()
    return pair


def snapshot(pair: Pair) -> tuple:
    pair.refresh_from_db()
    return (
        pair.status,
        pair.close_reason,
        pair.health_state,
        pair.health_score,
        ManagerAction.objects.count(),
        EmailDelivery.objects.count(),
        len(mail.outbox),
    )


def test_manager_sees_at_risk_pairs_with_reasons_and_actions(client, manager, pair, mentor):
    # given private content the manager must never see
    add_goal(pair=pair, owner_role=Role.MENTEE, title="Secret goal title")
    Note.objects.create(pair=pair, author=mentor, author_role=Role.MENTOR, body="Private note text")
    client.force_login(manager)

    # when
    page = client.get(reverse("engagement:health", args=[pair.program_id])).content.decode()

    # then
    assert 'data-testid="count-at_risk">1<' in page
    assert 'data-testid="count-healthy">0<' in page
    assert page.count('data-testid="health-pair"') == 1
    assert "Charlie Junior" in page
    assert "Bob Senior" in page
    assert "No meeting held in the 64 days since the pair started, against a monthly cadence" in page
    assert "The mentee cancelled the last meeting" in page
    assert "None yet" in page  # last meeting
    assert "Monthly" in page  # cadence
    for button in ("Check in", "Pause", "Close without fault", "Rematch"):
        assert f">{button}</button>" in page
    assert f'action="{reverse("matching:rematch", args=[pair.pk])}"' in page
    assert reverse("engagement:concerns", args=[pair.program_id]) in page
    for private in ("Secret goal title", "Private note text"):
        assert private not in page


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("sponsor", 403), ("mentor", 403), ("mentee", 403), ("outsider", 404)])
def test_only_managers_of_the_organisation_see_the_health_page(client, pair, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("engagement:health", args=[pair.program_id])).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, pair):
    response = client.get(reverse("engagement:health", args=[pair.program_id]))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("who", "status"), [("sponsor", 403), ("mentor", 403), ("mentee", 403), ("outsider", 404)])
def test_a_denied_action_changes_nothing(client, pair, request, django_capture_on_commit_callbacks, action, who, status):
    # given
    if action == "engagement:health_resume":
        pause_pair(pair=pair, by=request.getfixturevalue("manager"))
    before = snapshot(pair)
    client.force_login(request.getfixturevalue(who))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(action, args=[pair.pk]))

    # then
    assert response.status_code == status
    assert snapshot(pair) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_need_a_post(client, manager, pair, action):
    before = snapshot(pair)
    client.force_login(manager)
    assert client.get(reverse(action, args=[pair.pk])).status_code == 405
    assert snapshot(pair) == before


def test_check_in_emails_both_people_a_content_free_note_and_records_it(client, manager, pair, django_capture_on_commit_callbacks):
    # given
    client.force_login(manager)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("engagement:health_check_in", args=[pair.pk]))

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("engagement:health", args=[pair.program_id])
    action = ManagerAction.objects.get(kind="check_in")
    assert (action.pair_id, action.taken_by_id, action.message) == (pair.pk, manager.pk, "")
    assert [message.to for message in mail.outbox] == [["charlie@acme.test"], ["bob@acme.test"]]
    body = mail.outbox[0].body
    assert "Alice Manager, who runs" in body
    assert "is checking in on how things are going for you and your mentee, Bob Senior." in body
    for word in ("risk", "score", "cancel", "health"):
        assert word not in body.lower()
    page = client.get(reverse("engagement:health", args=[pair.program_id])).content.decode()
    assert "Checked in" in page


def test_pause_then_resume(client, manager, pair):
    # given
    client.force_login(manager)

    # when paused
    client.post(reverse("engagement:health_pause", args=[pair.pk]))

    # then it leaves the at-risk list for the paused one
    pair.refresh_from_db()
    assert pair.status == PairStatus.PAUSED
    page = client.get(reverse("engagement:health", args=[pair.program_id])).content.decode()
    assert (page.count('data-testid="health-pair"'), page.count('data-testid="paused-pair"')) == (0, 1)
    assert ">Resume</button>" in page

    # when resumed
    client.post(reverse("engagement:health_resume", args=[pair.pk]))

    # then
    pair.refresh_from_db()
    assert pair.status == PairStatus.ACTIVE
    assert list(ManagerAction.objects.order_by("taken_at", "pk").values_list("kind", flat=True)) == ["pause", "resume"]


def test_resuming_an_active_pair_changes_nothing(client, manager, pair):
    before = snapshot(pair)
    client.force_login(manager)
    client.post(reverse("engagement:health_resume", args=[pair.pk]))
    assert snapshot(pair) == before


def test_close_without_fault(client, manager, pair):
    # given
    client.force_login(manager)

    # when, from the confirmation page
    client.post(reverse("engagement:health_close", args=[pair.pk]), {"confirm": "yes"})

    # then
    pair.refresh_from_db()
    assert (pair.status, pair.close_reason) == (PairStatus.CLOSED, CloseReason.NO_FAULT)
    assert ManagerAction.objects.get().kind == "close:no_fault"
    page = client.get(reverse("engagement:health", args=[pair.program_id])).content.decode()
    assert (page.count('data-testid="health-pair"'), page.count('data-testid="paused-pair"')) == (0, 0)


def test_rematch_from_the_health_page(client, manager, pair):
    # given
    client.force_login(manager)

    # when the Rematch form posts to matching, from the confirmation page
    client.post(reverse("matching:rematch", args=[pair.pk]), {"confirm": "yes"})

    # then
    pair.refresh_from_db()
    assert (pair.status, pair.close_reason) == (PairStatus.CLOSED, CloseReason.REMATCHED)


@pytest.mark.parametrize(
    ("action", "button"),
    [("engagement:health_close", "Yes, close without fault"), ("matching:rematch", "Yes, close and rematch")],
)
def test_closing_and_rematching_ask_first_and_change_nothing_until_confirmed(client, manager, pair, action, button):
    # given
    client.force_login(manager)
    before = snapshot(pair)

    # when the health page's button posts without the confirmation
    response = client.post(reverse(action, args=[pair.pk]))

    # then a page says it cannot be undone and offers the confirming button, and the pair is as it was
    page = response.content.decode()
    assert response.status_code == 200
    assert "This cannot be undone:" in page
    assert f'<button type="submit">{button}</button>' in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert f'action="{reverse(action, args=[pair.pk])}"' in page
    assert snapshot(pair) == before
    assert not ManagerAction.objects.exists()


def test_the_program_page_links_to_pair_health_while_running(client, manager, pair):
    client.force_login(manager)
    page = client.get(reverse("programs:detail", args=[pair.program_id])).content.decode()
    assert f'href="{reverse("engagement:health", args=[pair.program_id])}">Pair health</a>' in page


def test_the_page_renders_31_pairs_in_a_bounded_number_of_queries(
    client, manager, mentor, mentee, matching_program, django_assert_max_num_queries
):
    # given 31 pairs with meetings, mixed health and one paused
    with time_machine.travel(at(2026, 1, 5), tick=False):
        cast_pair = running_program_with_cast_pair(
            matching_program, manager=manager, mentor=mentor, mentee=mentee, extra_mentors=5, extra_mentees=6
        )
    pairs = list(Pair.objects.filter(program=matching_program))
    for number, item in enumerate(pairs):
        if number % 2:
            held(item, at=at(2026, 3, 1), ratings=(4, 5))
        if number % 3 == 0:
            meeting(item, at=at(2026, 3, 5), status=MeetingStatus.CANCELLED, cancelled_by=Role.MENTEE)
    pause_pair(pair=cast_pair, by=manager)
    with time_machine.travel(at(2026, 3, 10), tick=False), django_assert_max_num_queries(10):
        refresh_program_health(program=matching_program)
    client.force_login(manager)

    # when
    with django_assert_max_num_queries(10):
        page = client.get(reverse("engagement:health", args=[matching_program.pk])).content.decode()

    # then
    assert len(pairs) == 31
    listed = page.count('data-testid="health-pair"') + page.count('data-testid="paused-pair"')
    healthy = int(page.split('data-testid="count-healthy">')[1].split("<")[0])
    assert listed + healthy == 31
    assert page.count('data-testid="paused-pair"') == 1
