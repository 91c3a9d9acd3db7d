"""A relationship has members (ADR 0008): a pair has two, a circle one per person, and every row the services write
carries the member who wrote it beside the side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.builders import signed_up_circle
from tests.conftest import PASSWORD
from tests.engagement.health_builders import meeting
from tests.surveys.conftest import ENDS_ON, STARTS_ON, in_wave, opened
from turnabout.engagement.erasure import erase_engagement_content, open_pair_count
from turnabout.engagement.errors import AlreadyInCircle, InvalidCircle
from turnabout.engagement.models import (
    AgreementSignature,
    MeetingStatus,
    NoteVisibility,
    Pair,
    PairKind,
    PairMember,
    Pulse,
    QuoteAttribution,
)
from turnabout.engagement.services import (
    add_goal,
    cancel_meeting,
    offer_quote,
    raise_concern,
    sign_agreement,
    start_circle,
    start_pair,
    submit_pulse,
    write_note,
    write_reflection,
)
from turnabout.personal_data.export import personal_data_document
from turnabout.programs.models import Program, Role, StrategicDriver
from turnabout.programs.services import create_program_from_preset
from turnabout.surveys.models import WaveKind
from turnabout.surveys.services import schedule_waves

YESTERDAY = datetime.now(UTC) - timedelta(days=1)


def _user(pair: Pair, role: Role):
    return pair.enrolment_for(role).person.user


@pytest.mark.django_db
def test_starting_a_pair_makes_its_mentor_and_mentee_its_two_members(active_pair):
    # then
    members = list(active_pair.members.values_list("enrolment_id", "role", "left_at"))
    assert members == [(active_pair.mentor_id, Role.MENTOR, None), (active_pair.mentee_id, Role.MENTEE, None)]
    assert active_pair.kind == PairKind.PAIR
    assert not active_pair.is_circle
    assert active_pair.sole_member(Role.MENTEE).enrolment_id == active_pair.mentee_id
    assert active_pair.member_for_user(_user(active_pair, Role.MENTOR).pk).role == Role.MENTOR
    # and starting it again opens nothing new
    assert start_pair(program=active_pair.program, mentor=active_pair.mentor, mentee=active_pair.mentee) == active_pair
    assert PairMember.objects.count() == 2


@pytest.mark.django_db
def test_a_circle_of_four_mentors_and_three_mentees_has_seven_members_and_its_first_of_each_side_as_leads(acme, manager, matching_program):
    # when
    juniors, seniors, circle = signed_up_circle(acme, manager, matching_program, password=PASSWORD)

    # then
    assert circle.is_circle
    assert circle.agreements.count() == 1
    assert [member.enrolment.person for member in circle.members.current().mentors()] == juniors
    assert [member.enrolment.person for member in circle.members.current().mentees()] == seniors
    assert (circle.mentor.person, circle.mentee.person) == (juniors[0], seniors[0])
    assert circle.member_for_user(seniors[2].user.pk).enrolment.person == seniors[2]
    assert circle.member_for_user(manager.pk) is None
    with pytest.raises(PairMember.MultipleObjectsReturned):
        circle.sole_member(Role.MENTEE)


@pytest.mark.django_db
def test_someone_already_in_an_open_relationship_cannot_join_a_circle(acme, manager, matching_program):
    # given a circle
    _juniors, _seniors, circle = signed_up_circle(acme, manager, matching_program, password=PASSWORD)
    members = circle.members.current()

    # when two of its members are asked into another circle, then it is refused and nothing is opened
    with pytest.raises(AlreadyInCircle, match=r"^J2 Tester is already in an open pair or circle\.$"):
        start_circle(program=matching_program, mentors=[members.mentors()[1].enrolment], mentees=[members.mentees()[1].enrolment])
    assert Pair.objects.count() == 1
    assert PairMember.objects.count() == 7


@pytest.mark.django_db
def test_a_circle_needs_both_sides_each_person_on_their_own_side_and_in_the_program(acme, manager, matching_program, active_pair):
    mentor, mentee = active_pair.mentor, active_pair.mentee
    active_pair.status = "closed"
    active_pair.save()
    with pytest.raises(InvalidCircle, match="at least one mentor and one mentee"):
        start_circle(program=matching_program, mentors=[mentor], mentees=[])
    with pytest.raises(InvalidCircle, match="Ben Tester is enrolled as a"):
        start_circle(program=matching_program, mentors=[mentee], mentees=[mentor])
    other = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    with pytest.raises(InvalidCircle, match="Ada Tester is not enrolled in this program"):
        start_circle(program=other, mentors=[mentor], mentees=[mentee])
    assert Pair.objects.count() == 1


@pytest.mark.django_db
def test_every_row_the_services_write_for_a_pair_carries_the_member_of_its_side(active_pair):
    # given
    pair = active_pair
    mentor, mentee = pair.sole_member(Role.MENTOR), pair.sole_member(Role.MENTEE)
    held = meeting(pair, at=YESTERDAY, status=MeetingStatus.HELD)
    upcoming = meeting(pair, at=timezone.now() + timedelta(days=3))

    # when each side writes
    signature = sign_agreement(agreement=pair.agreements.get(), role=Role.MENTOR, by=_user(pair, Role.MENTOR))
    pulse = submit_pulse(meeting=held, role=Role.MENTEE, rating=4, learned="")
    goal = add_goal(pair=pair, owner_role=Role.MENTEE, title="Prompting")
    note = write_note(pair=pair, author=_user(pair, Role.MENTOR), role=Role.MENTOR, body="Good", visibility=NoteVisibility.PRIVATE)
    concern = raise_concern(pair=pair, by=_user(pair, Role.MENTEE), role=Role.MENTEE, body="Often late")
    reflection = write_reflection(pair=pair, role=Role.MENTOR, learned="Patience")
    quote = offer_quote(
        pair=pair,
        author=_user(pair, Role.MENTEE),
        role=Role.MENTEE,
        text="It changed how I work.",
        attribution=QuoteAttribution.NAMED,
        consent=True,
    )
    cancelled = cancel_meeting(meeting=upcoming, by_role=Role.MENTEE)

    # then
    assert (signature.member, pulse.member, goal.owner_member, note.author_member) == (mentor, mentee, mentee, mentor)
    assert (concern.raised_by_member, reflection.member, quote.author_member) == (mentee, mentor, mentee)
    cancelled.refresh_from_db()
    assert cancelled.cancelled_by_member == mentee
    # and the second pulse of the same side updates the first
    assert submit_pulse(meeting=held, role=Role.MENTEE, rating=2, learned="").pk == pulse.pk
    assert AgreementSignature.objects.filter(member=mentor).count() == 1


@pytest.mark.django_db
def test_two_mentees_of_a_circle_each_pulse_a_meeting_once(acme, manager, matching_program):
    # given a circle's held meeting
    _juniors, _seniors, circle = signed_up_circle(acme, manager, matching_program, password=PASSWORD)
    held = meeting(circle, at=YESTERDAY, status=MeetingStatus.HELD)
    first, second = circle.members.mentees()[:2]

    def pulse(member: PairMember, rating: int) -> Pulse:
        return Pulse.objects.create(meeting=held, pair=circle, role=member.role, member=member, rating=rating, submitted_at=YESTERDAY)

    # when both mentees pulse
    pulse(first, 4)
    pulse(second, 5)

    # then both are kept, and a second pulse of one of them is refused
    assert Pulse.objects.filter(meeting=held, role=Role.MENTEE).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        pulse(second, 3)


@pytest.mark.django_db
def test_a_circle_members_own_pulse_is_in_their_export_and_emptied_by_their_erasure_and_nobody_elses(acme, manager, matching_program):
    # given two mentees of a circle, beyond its lead members, who each pulsed a held meeting
    _juniors, seniors, circle = signed_up_circle(acme, manager, matching_program, password=PASSWORD)
    held = meeting(circle, at=YESTERDAY, status=MeetingStatus.HELD)
    for person, words in ((seniors[1], "Mine"), (seniors[2], "Theirs")):
        member = circle.member_for_user(person.user.pk)
        Pulse.objects.create(meeting=held, pair=circle, role=member.role, member=member, rating=4, learned=words, submitted_at=YESTERDAY)

    # when the second mentee asks for their data, then the circle and only their own pulse are in it
    (document_pair,) = personal_data_document(seniors[1])["pairs"]
    assert [pulse["learned"] for pulse in document_pair["your_pulses"]] == ["Mine"]
    assert document_pair["joined_at"] is not None
    assert open_pair_count(seniors[1]) == 1

    # when they are erased, then only their words go
    erase_engagement_content(person=seniors[1], user=seniors[1].user)
    assert sorted(Pulse.objects.values_list("learned", flat=True)) == ["", "Theirs"]


@pytest.mark.django_db
def test_every_member_of_a_circle_is_asked_the_midpoint_survey(acme, manager, matching_program, django_capture_on_commit_callbacks):
    # given a circle in a program with its waves scheduled
    _juniors, _seniors, circle = signed_up_circle(acme, manager, matching_program, password=PASSWORD)
    Program.objects.filter(pk=matching_program.pk).update(starts_on=STARTS_ON, ends_on=ENDS_ON)  # as the surveys tests do
    matching_program.refresh_from_db()
    schedule_waves(program=matching_program)

    # when the midpoint wave opens
    with in_wave(WaveKind.MIDPOINT):
        wave = opened(matching_program, WaveKind.MIDPOINT, django_capture_on_commit_callbacks)

    # then each of its seven members is asked, not only its lead members
    assert set(wave.assignments.values_list("enrolment_id", flat=True)) == set(circle.members.values_list("enrolment_id", flat=True))
    assert wave.assignments.count() == 7
