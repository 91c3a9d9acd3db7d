"""A circle proposed or running that a directory change breaks is flagged to the program manager on the review page,
the flag cleared once every pair inside the circle is valid again."""

import pytest
from django.urls import reverse

from tests.matching.test_circle_acceptance import answer, published
from turnabout.core.hooks import people_changed
from turnabout.matching.jobs import enqueue_recheck_open_matches
from turnabout.matching.models import CircleMatch, MatchStatus
from turnabout.matching.services import flag_rule_breaks
from turnabout.people.services import update_person
from turnabout.programs.models import Role

pytestmark = pytest.mark.django_db


def sides(match):
    members = list(match.members.select_related("enrolment__person", "enrolment__person__manager").order_by("pk"))
    return [member for member in members if member.role == Role.MENTOR], [member for member in members if member.role == Role.MENTEE]


def test_a_proposed_circle_broken_by_a_directory_change_is_flagged_and_shown_to_the_manager(
    acme, manager, circle_program, client, django_capture_on_commit_callbacks
):
    # given a published circle, then one of its juniors moved into one of its seniors' line
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    mentors, mentees = sides(match)
    junior, senior = mentors[0].enrolment.person, mentees[0].enrolment.person
    former_manager = junior.manager
    update_person(person=junior, manager=senior)

    # when the directory change is re-checked
    flagged = flag_rule_breaks(organisation_id=acme.pk)

    # then the circle is flagged with what broke, and the review page says so
    match.refresh_from_db()
    assert flagged == [match]
    assert match.rule_breaks_checked_at is not None
    assert match.rule_break_texts == [f"{junior.full_name} now reports to {senior.full_name}'s line"]
    client.force_login(manager)
    page = client.get(reverse("matching:review", args=[circle_program.pk])).content.decode()
    assert "Since a directory change, this circle breaks the program's rules:" in page
    assert f"{junior.full_name} now reports to {senior.full_name}&#x27;s line" in page

    # when the change is undone and re-checked
    update_person(person=junior, manager=former_manager)
    assert flag_rule_breaks(organisation_id=acme.pk) == []

    # then the flag is gone
    match.refresh_from_db()
    assert match.rule_breaks == []
    page = client.get(reverse("matching:review", args=[circle_program.pk])).content.decode()
    assert 'data-testid="rule-breaks"' not in page


def test_the_people_changed_hook_flags_a_running_circle_and_leaves_a_declined_one_alone(
    acme, manager, circle_program, django_capture_on_commit_callbacks
):
    # given a running circle
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    mentors, mentees = sides(match)
    for member in [*mentors, *mentees]:
        match = answer(match, member.enrolment, django_capture_on_commit_callbacks)
    assert match.status == MatchStatus.ACTIVE
    declined = CircleMatch.objects.create(program=circle_program, status=MatchStatus.DECLINED, rule_breaks=["an old sentence"])

    # when a junior moves into a senior's line and the hook fires (the test backend runs the job at once)
    junior, senior = mentors[-1].enrolment.person, mentees[-1].enrolment.person
    update_person(person=junior, manager=senior)
    people_changed.fire(organisation_id=acme.pk)
    enqueue_recheck_open_matches(organisation_id=acme.pk)

    # then the running circle is flagged, and the declined one is not rewritten
    match.refresh_from_db()
    assert match.rule_break_texts == [f"{junior.full_name} now reports to {senior.full_name}'s line"]
    declined.refresh_from_db()
    assert declined.rule_breaks == ["an old sentence"]
    assert declined.rule_breaks_checked_at is None


def test_a_member_who_declined_is_no_longer_checked(acme, manager, circle_program, django_capture_on_commit_callbacks):
    # given a circle where a senior declined, then a junior moved into that senior's line
    _run, match = published(acme, manager, circle_program, django_capture_on_commit_callbacks)
    mentors, mentees = sides(match)
    assert len(mentees) > circle_program.circle_min_mentees
    match = answer(match, mentees[0].enrolment, django_capture_on_commit_callbacks, accept=False, reason="workload")
    update_person(person=mentors[0].enrolment.person, manager=mentees[0].enrolment.person)

    # when
    flagged = flag_rule_breaks(organisation_id=acme.pk)

    # then the circle still standing breaks nothing
    assert flagged == []
    match.refresh_from_db()
    assert match.rule_breaks == []
