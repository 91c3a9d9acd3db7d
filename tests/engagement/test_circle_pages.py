"""A circle's pages through every member (ADR 0008, package 4): the circle page, the agreement, goals, notes, access."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from tests.builders import add_person, signed_up_circle
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.engagement.certificates import recognition_text
from turnabout.engagement.models import AgreementSignature, Concern, Goal, Note, Pair, PairMember, Quote, Reflection
from turnabout.engagement.notifications import send_overdue_nudge
from turnabout.engagement.nudges import OverdueStretch
from turnabout.engagement.queries import achievements, current_agreement, pairs_of_user
from turnabout.engagement.services import check_in_on_pair
from turnabout.people.services import link_user
from turnabout.programs.models import Cadence

PASSWORD = "x" * 12


@pytest.fixture
def circle(acme, manager, circle_program) -> tuple[list, Pair]:
    """A 4+3 circle: juniors J1–J4 mentor seniors S1–S3, everyone with a login."""
    juniors, seniors, pair = signed_up_circle(acme, manager, circle_program, password=PASSWORD)
    return [*juniors, *seniors], pair


def _member(pair: Pair, person) -> PairMember:
    return pair.members.get(enrolment__person=person)


@pytest.mark.django_db
def test_every_member_opens_the_circle_page_and_sees_all_seven_names(client, circle):
    people, pair = circle
    for person in people:
        client.force_login(person.user)
        page = client.get(reverse("engagement:pair", args=[pair.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Your circle" in text
        assert [name for name in (p.full_name for p in people) if name not in text] == []
        assert page.context["member"].enrolment.person == person


@pytest.mark.django_db
def test_my_pairs_lists_the_circle_for_every_member_not_only_the_leads(circle):
    people, pair = circle
    assert [list(pairs_of_user(person.user)) for person in people] == [[pair]] * 7


@pytest.mark.django_db
def test_every_member_signs_and_the_agreement_reads_signed_by_everyone(client, circle):
    people, pair = circle
    agreement = current_agreement(pair)
    for count, person in enumerate(people, start=1):
        client.force_login(person.user)
        client.post(reverse("engagement:sign", args=[pair.pk]), {"agreement": agreement.pk})
        page = client.get(reverse("engagement:agreement", args=[pair.pk])).content.decode()
        if count == 5:
            assert "signed by 5 of 7 members" in page
    assert AgreementSignature.objects.filter(agreement=agreement).count() == 7
    assert {s.member_id for s in AgreementSignature.objects.filter(agreement=agreement)} == set(pair.members.values_list("pk", flat=True))
    assert "signed by everyone in the circle" in client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()
    again = client.post(reverse("engagement:sign", args=[pair.pk]), {"agreement": agreement.pk}, follow=True)
    assert "You have already signed this version." in again.content.decode()
    assert AgreementSignature.objects.filter(agreement=agreement).count() == 7


@pytest.mark.django_db
def test_a_personal_goal_is_refused_to_another_member_and_a_shared_goal_is_anyones(client, circle):
    people, pair = circle
    j1, j2, s1 = people[0], people[1], people[4]
    client.force_login(j1.user)
    client.post(reverse("engagement:goal_add", args=[pair.pk]), {"owner_role": "personal", "title": "Speak at the town hall"})
    client.post(reverse("engagement:goal_add", args=[pair.pk]), {"owner_role": "shared", "title": "Launch the AI pilot"})
    personal = Goal.objects.get(title="Speak at the town hall")
    shared = Goal.objects.get(title="Launch the AI pilot")
    assert (personal.owner_member, shared.owner_member) == (_member(pair, j1), None)

    # another member cannot change J1's personal goal
    client.force_login(j2.user)
    refused = client.post(reverse("engagement:goal_update", args=[personal.pk]), {"progress_percent": 50, "status": "open"}, follow=True)
    assert "Only its owner changes a personal goal" in refused.content.decode()
    personal.refresh_from_db()
    assert personal.progress_percent == 0

    # but a senior updates the shared goal, and J1 their own
    client.force_login(s1.user)
    client.post(reverse("engagement:goal_update", args=[shared.pk]), {"progress_percent": 40, "status": "open"})
    client.force_login(j1.user)
    client.post(reverse("engagement:goal_update", args=[personal.pk]), {"progress_percent": 30, "status": "open"})
    shared.refresh_from_db()
    personal.refresh_from_db()
    assert (shared.progress_percent, personal.progress_percent) == (40, 30)

    # and a shared goal achieved counts for the circle
    client.post(reverse("engagement:goal_update", args=[shared.pk]), {"progress_percent": 100, "status": "open"})
    assert achievements(pair).goals_achieved == 1


@pytest.mark.django_db
def test_a_private_note_is_unseen_by_the_others_and_a_shared_note_seen_by_all(client, circle):
    people, pair = circle
    author = people[5]
    client.force_login(author.user)
    page = client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()
    assert "Only me" in page
    assert "The whole circle" in page
    client.post(reverse("engagement:note_add", args=[pair.pk]), {"body": "My own worry about the pilot", "visibility": "private"})
    client.post(reverse("engagement:note_add", args=[pair.pk]), {"body": "Agenda ideas for all of us", "visibility": "shared"})
    assert set(Note.objects.values_list("author_member", flat=True)) == {_member(pair, author).pk}
    for person in people:
        client.force_login(person.user)
        text = client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()
        assert "Agenda ideas for all of us" in text
        assert ("My own worry about the pilot" in text) is (person == author)


@pytest.mark.django_db
def test_a_non_member_and_a_member_who_left_get_404(client, acme, circle):
    people, pair = circle
    outsider = add_person(acme, "OUT1", grade="G5", department="Finance")
    link_user(person=outsider, user=create_user(organisation=acme, email=outsider.email, role=AccountRole.PARTICIPANT, password=PASSWORD))
    client.force_login(outsider.user)
    assert client.get(reverse("engagement:pair", args=[pair.pk])).status_code == 404

    leaver = people[3]
    PairMember.objects.filter(pair=pair, enrolment__person=leaver).update(left_at=pair.created_at)
    client.force_login(leaver.user)
    assert client.get(reverse("engagement:pair", args=[pair.pk])).status_code == 404
    assert client.get(reverse("engagement:meetings", args=[pair.pk])).status_code == 404


@pytest.mark.django_db
def test_concerns_quotes_and_reflections_are_by_member_and_the_circle_completes_when_everyone_reflected(client, circle):
    people, pair = circle
    client.force_login(people[2].user)
    client.post(reverse("engagement:concern", args=[pair.pk]), {"body": "We never start on time"})
    assert Concern.objects.get(pair=pair).raised_by_member == _member(pair, people[2])
    client.post(reverse("engagement:quotes", args=[pair.pk]), {"text": "The board changed me", "attribution": "anonymous", "consent": "on"})
    assert Quote.objects.get(pair=pair).author_member == _member(pair, people[2])

    for number, person in enumerate(people, start=1):
        client.force_login(person.user)
        client.post(reverse("engagement:closure", args=[pair.pk]), {"learned": f"Lesson {number}", "continue_informally": "yes"})
        pair.refresh_from_db()
        assert pair.is_closed is (number == len(people))
    assert sorted(Reflection.objects.filter(pair=pair).values_list("member_id", flat=True)) == sorted(
        pair.members.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_members_certificate_names_them_and_the_others_of_their_circle_not_the_lead_as_partner(client, circle):
    people, pair = circle
    member = _member(pair, people[1])  # J2, not the lead mentor
    text = recognition_text(pair, member)
    assert text.startswith("served as mentor in Junior board with the members of their circle: J1 Tester, J3 Tester, J4 Tester, S1")
    assert "J2 Tester" not in text
    assert "to S1 Tester" not in text
    senior = recognition_text(pair, _member(pair, people[5]))
    assert senior.startswith("took part as mentee in Junior board with the members of their circle: J1 Tester")
    for person in (people[1], people[5]):
        client.force_login(person.user)
        response = client.get(reverse("engagement:certificate", args=[pair.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_check_in_and_overdue_emails_to_a_circle_name_your_circle_not_the_leads(circle, manager, django_capture_on_commit_callbacks):
    people, pair = circle
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        check_in_on_pair(pair=pair, by=manager)
    send_overdue_nudge(OverdueStretch(pair=pair, since=pair.started_on - timedelta(days=40), never_met=True, cadence=Cadence.MONTHLY))
    assert sorted(message.to[0] for message in mail.outbox) == sorted([person.email for person in people] * 2)
    for message in mail.outbox:
        body = " ".join(message.body.split())
        assert "your circle" in body
        assert "your circle page" in body
        assert "S1 Tester" not in body
        assert "J1 Tester" not in body
    overdue = [message for message in mail.outbox if "next meeting" in message.subject]
    assert {message.subject for message in overdue} == {"Junior board: time to book your circle's next meeting"}
    assert "Your circle started 40 days ago and has not met yet" in overdue[0].body
