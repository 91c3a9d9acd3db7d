"""Publishing circles and every member's answer: all accept → one engagement circle; a decline leaves the circle standing
while it still reaches the program's minimum sizes, else everyone returns to the pool."""

import pytest
from django.core import mail

from tests.matching.test_circle_runs import circle_pool, run_now
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.engagement.models import Pair, PairKind
from turnabout.matching.errors import AlreadyPublished, DeclineReasonRequired, NotYourTurn, RunNotReady, StalePool
from turnabout.matching.models import CircleMatch, DeclineReason, MatchStatus, ProposedCircle
from turnabout.matching.pool import available_enrolments
from turnabout.matching.services import end_matches_of_withdrawn, publish_circle_run, publish_match_run, respond_to_circle_match
from turnabout.people.services import link_user, update_person
from turnabout.programs.models import Enrolment, EnrolmentStatus, Role

pytestmark = pytest.mark.django_db


def published(acme, manager, circle_program, capture):
    circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, capture)
    with capture(execute=True):
        (match,) = publish_circle_run(run=run, by=manager)
    return run, match


def answer(match, enrolment, capture, *, accept=True, reason=""):
    with capture(execute=True):
        return respond_to_circle_match(match=match, enrolment=enrolment, accept=accept, reason=reason)


def test_publishing_proposes_each_circle_and_emails_every_member_once(acme, manager, circle_program, django_capture_on_commit_callbacks):
    run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)

    proposed = ProposedCircle.objects.get(run=run)
    assert match.status == MatchStatus.PROPOSED
    assert set(match.members.values_list("enrolment_id", flat=True)) == set(proposed.members.values_list("enrolment_id", flat=True))
    assert sorted(message.to[0] for message in mail.outbox) == sorted(member.enrolment.person.email for member in match.members.all())
    assert all("Why you are in this circle:" in message.body for message in mail.outbox)
    with pytest.raises(AlreadyPublished):
        publish_circle_run(run=run, by=manager)


def test_every_member_accepting_starts_one_circle_with_all_of_them(acme, manager, circle_program, django_capture_on_commit_callbacks):
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    members = list(match.members.select_related("enrolment"))
    mail.outbox.clear()

    for member in members:
        match = answer(match, member.enrolment, django_capture_on_commit_callbacks)

    assert match.status == MatchStatus.ACTIVE
    pair = Pair.objects.get(pk=match.pair_id)
    assert pair.kind == PairKind.CIRCLE
    assert set(pair.members.values_list("enrolment_id", flat=True)) == {member.enrolment_id for member in members}
    assert len(mail.outbox) == len(members), "one outcome email per member"


def test_a_decline_above_the_minimum_keeps_the_circle(acme, manager, circle_program, django_capture_on_commit_callbacks):
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    members = list(match.members.select_related("enrolment"))
    mentees = [member for member in members if member.role == Role.MENTEE]
    assert len(mentees) > circle_program.circle_min_mentees
    leaving = mentees[0]

    match = answer(match, leaving.enrolment, django_capture_on_commit_callbacks, accept=False, reason=DeclineReason.WORKLOAD)
    assert match.status == MatchStatus.PROPOSED
    assert leaving.enrolment in available_enrolments(circle_program), "the member who declined is back in the pool"
    for member in members:
        if member.pk != leaving.pk:
            match = answer(match, member.enrolment, django_capture_on_commit_callbacks)

    assert match.status == MatchStatus.ACTIVE
    started = set(Pair.objects.get(pk=match.pair_id).members.values_list("enrolment_id", flat=True))
    assert started == {member.enrolment_id for member in members} - {leaving.enrolment_id}


def test_a_decline_below_the_minimum_returns_everyone_to_the_pool(acme, manager, circle_program, django_capture_on_commit_callbacks):
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    members = list(match.members.select_related("enrolment"))
    mentors = [member for member in members if member.role == Role.MENTOR]
    keep = circle_program.circle_min_mentors - 1

    for count, member in enumerate(mentors[keep:], start=1):
        match = answer(match, member.enrolment, django_capture_on_commit_callbacks, accept=False, reason=DeclineReason.TIMING)
        remaining = len(mentors) - count
        assert match.status == (MatchStatus.PROPOSED if remaining >= circle_program.circle_min_mentors else MatchStatus.DECLINED)

    assert match.status == MatchStatus.DECLINED
    assert match.pair_id is None
    pool = set(available_enrolments(circle_program))
    assert {member.enrolment for member in members} <= pool
    assert not Pair.objects.filter(kind=PairKind.CIRCLE).exists()


def test_a_member_answers_once_and_a_decline_needs_a_reason(acme, manager, circle_program, django_capture_on_commit_callbacks):
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    first = match.members.select_related("enrolment").first()

    with pytest.raises(DeclineReasonRequired):
        answer(match, first.enrolment, django_capture_on_commit_callbacks, accept=False, reason="")
    answer(match, first.enrolment, django_capture_on_commit_callbacks)
    with pytest.raises(NotYourTurn):
        answer(match, first.enrolment, django_capture_on_commit_callbacks)


def test_a_stale_run_is_not_published(acme, manager, circle_program, django_capture_on_commit_callbacks):
    circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)
    # a junior of the circle now reports to another member of it
    circle = ProposedCircle.objects.get(run=run)
    junior = circle.members.filter(role=Role.MENTOR).select_related("enrolment__person").first().enrolment.person
    senior = circle.members.filter(role=Role.MENTEE).select_related("enrolment__person").first().enrolment.person
    update_person(person=junior, manager=senior)

    with pytest.raises(StalePool):
        publish_circle_run(run=run, by=manager)
    assert not CircleMatch.objects.exists()


def test_a_member_sees_the_circle_and_answers_on_their_page(client, acme, manager, circle_program, django_capture_on_commit_callbacks):
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    member = match.members.select_related("enrolment__person").first()
    person = member.enrolment.person
    user = create_user(organisation=acme, email=person.email, role=AccountRole.PARTICIPANT, password="a long pass phrase 42")
    link_user(person=person, user=user)
    client.force_login(user)

    page = client.get(f"/matching/mine/circles/{match.pk}/").content.decode()

    assert "Why you are in this circle" in page
    for other in match.members.select_related("enrolment__person"):
        if other.pk != member.pk:
            assert other.enrolment.person.full_name in page
    assert f"/matching/mine/circles/{match.pk}/" in client.get("/matching/mine/").content.decode()
    confirm = client.post(f"/matching/mine/circles/{match.pk}/", {"answer": "decline", "reason": "timing"})
    assert confirm.status_code == 200
    assert "Decline this circle?" in confirm.content.decode()
    member.refresh_from_db()
    assert member.is_pending
    client.post(f"/matching/mine/circles/{match.pk}/", {"answer": "accept"})
    member.refresh_from_db()
    assert member.has_accepted


@pytest.mark.parametrize("role", [AccountRole.PARTICIPANT, AccountRole.GUEST])
def test_only_members_open_a_circle_proposal(client, acme, manager, circle_program, django_capture_on_commit_callbacks, role):
    run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    member = match.members.select_related("enrolment__person").first().enrolment.person
    outsider = run.unmatched.select_related("enrolment__person").first().enrolment.person
    users = {}
    for person in (member, outsider):
        users[person.pk] = create_user(organisation=acme, email=person.email, role=role, password="a long pass phrase 42")
        link_user(person=person, user=users[person.pk])

    client.force_login(users[member.pk])
    assert client.get(f"/matching/mine/circles/{match.pk}/").status_code == 200
    client.force_login(users[outsider.pk])
    assert client.get(f"/matching/mine/circles/{match.pk}/").status_code == 404
    client.force_login(manager)
    assert client.get(f"/matching/mine/circles/{match.pk}/").status_code == 404


def test_a_withdrawn_member_leaves_a_circle_proposal_as_a_decline_would(acme, manager, circle_program, django_capture_on_commit_callbacks):
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    mentors = list(match.members.filter(role=Role.MENTOR).select_related("enrolment"))
    leaving = mentors[: len(mentors) - circle_program.circle_min_mentors + 1]
    Enrolment.objects.filter(pk__in=[member.enrolment_id for member in leaving]).update(status=EnrolmentStatus.WITHDRAWN)

    with django_capture_on_commit_callbacks(execute=True):
        end_matches_of_withdrawn(program=circle_program)

    match.refresh_from_db()
    assert match.status == MatchStatus.DECLINED
    assert all(member.has_declined for member in match.members.filter(enrolment__in=[m.enrolment for m in leaving]))


def test_a_circle_run_is_never_published_as_pairs(acme, manager, circle_program, django_capture_on_commit_callbacks):
    circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)

    with pytest.raises(RunNotReady):
        publish_match_run(run=run, by=manager)
    run.refresh_from_db()
    assert run.published_at is None
