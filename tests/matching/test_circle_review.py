"""The review page of a circle program: circles as cards with each member's place, the certificate, pins and bans."""

import pytest

from tests.matching.test_circle_runs import circle_pool, circles_of, run_now
from turnabout.matching.errors import PinNotForCircles
from turnabout.matching.models import CirclePin, PairRule, PairRuleKind, ProposedCircle
from turnabout.matching.services import set_pair_rule
from turnabout.programs.models import Role

pytestmark = pytest.mark.django_db


def test_the_review_page_shows_each_circle_with_its_members_and_the_certificate(
    client, acme, manager, circle_program, django_capture_on_commit_callbacks
):
    circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)

    response = client.get(f"/matching/programs/{circle_program.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    circles = list(ProposedCircle.objects.filter(run=run).prefetch_related("members__enrolment__person"))
    assert page.count('data-testid="circle"') == len(circles) >= 1
    for circle in circles:
        for member in circle.members.all():
            assert member.enrolment.person.full_name in page
            assert f"Keep {member.enrolment.person.full_name} out of this circle" in page
    assert "Pin this circle" in page
    assert "optimal" in page or "within" in page
    assert "reporting line" in page
    for item in run.unmatched.select_related("enrolment__person"):
        assert item.enrolment.person.full_name in page


def test_a_pinned_circle_is_kept_on_the_next_run(client, acme, manager, circle_program, django_capture_on_commit_callbacks):
    circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)
    circle = ProposedCircle.objects.filter(run=run).first()
    pinned = set(circle.members.values_list("enrolment__person__employee_id", flat=True))
    client.force_login(manager)

    response = client.post(f"/matching/programs/{circle_program.pk}/circle-pin/", {"circle": circle.pk})
    assert response.status_code == 302
    assert CirclePin.objects.filter(program=circle_program).count() == 1

    again = run_now(circle_program, manager, django_capture_on_commit_callbacks)

    kept = ProposedCircle.objects.get(run=again, is_pinned=True)
    assert set(kept.members.values_list("enrolment__person__employee_id", flat=True)) == pinned
    assert again.summary["pins_broken"] == []
    assert again.summary["circles_pinned"] == 1


def test_a_ban_keeps_a_member_out_of_the_circle_on_the_next_run(client, acme, manager, circle_program, django_capture_on_commit_callbacks):
    enrolments = circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)
    circle = ProposedCircle.objects.filter(run=run).first()
    mentee = circle.members.filter(role=Role.MENTEE).select_related("enrolment").first().enrolment
    mentors = set(circle.members.filter(role=Role.MENTOR).values_list("enrolment_id", flat=True))
    client.force_login(manager)

    response = client.post(f"/matching/programs/{circle_program.pk}/circle-ban/", {"circle": circle.pk, "enrolment": mentee.pk})

    assert response.status_code == 302
    bans = PairRule.objects.filter(program=circle_program, mentee=mentee, kind=PairRuleKind.FORBID)
    assert set(bans.values_list("mentor_id", flat=True)) == mentors
    again = run_now(circle_program, manager, django_capture_on_commit_callbacks)
    banned = mentee.person.employee_id
    for sides in circles_of(again):
        if banned in sides[Role.MENTEE]:
            assert not sides[Role.MENTOR] & {e.person.employee_id for e in enrolments.values() if e.pk in mentors}


def test_a_pair_pin_is_refused_in_a_circle_program(acme, manager, circle_program, django_capture_on_commit_callbacks):
    enrolments = circle_pool(acme, manager, circle_program)

    with pytest.raises(PinNotForCircles):
        set_pair_rule(program=circle_program, mentor=enrolments["J2"], mentee=enrolments["S2"], kind=PairRuleKind.PIN, by=manager)
    assert not PairRule.objects.exists()


def test_a_ban_names_only_a_member_of_that_circle(client, acme, manager, circle_program, django_capture_on_commit_callbacks):
    circle_pool(acme, manager, circle_program)
    run = run_now(circle_program, manager, django_capture_on_commit_callbacks)
    circle = ProposedCircle.objects.filter(run=run).first()
    outsider = run.unmatched.first()
    client.force_login(manager)

    response = client.post(
        f"/matching/programs/{circle_program.pk}/circle-ban/", {"circle": circle.pk, "enrolment": outsider.enrolment_id}, follow=True
    )

    assert response.status_code == 200
    assert not PairRule.objects.exists()
    assert "is not in this circle" in response.content.decode()
