"""Guests from outside: a program manager invites them by name, and the program's rules treat them as guests.

A guest is a person of kind guest (no grade, department, site or manager), invited on the mentor side only, until
the last day of their access; an invitation that cannot go ahead for one row writes nothing for any row.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone

from tests.builders import add_person
from tests.programs.sign_in_links import sign_in_link_in
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.people.models import Department, Person, PersonKind
from turnabout.people.services import create_guest
from turnabout.programs.errors import (
    GuestAccessEndInvalid,
    GuestGradeMissing,
    GuestIsEmployee,
    GuestLoginElsewhere,
    GuestNotEligible,
    GuestOrganisationMissing,
)
from turnabout.programs.forms import GuestInvitationForm
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, ProgramStatus, Role
from turnabout.programs.rules import eligibility_problems
from turnabout.programs.services import GuestInvitation, change_program_status, invite_guests, update_program

MIAMI = "University of Miami"


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def guest_row(given_name: str, email: str, *, until: date | None = None, organisation: str = MIAMI) -> GuestInvitation:
    return GuestInvitation(
        given_name=given_name, family_name="Student", email=email, guest_organisation=organisation, access_ends_on=until or in_days(120)
    )


def three_guests(until: date | None = None) -> list[GuestInvitation]:
    return [guest_row(name, f"{name.lower()}@miami.test", until=until) for name in ("Gabriela", "Hugo", "Ines")]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the task enqueues) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def guest_program(acme, manager, program) -> Program:
    """The cast's program, enrolling, with guests standing at G2 on its grade ladder (its grade gap is 3)."""
    program = update_program(program=program, changes={"guest_grade": acme.grades.get(code="G2")}, by=manager)
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


def nothing_written(program: Program) -> tuple[int, int]:
    return Person.objects.guests().count(), Enrolment.objects.filter(program=program).count()


def test_inviting_three_guests_creates_them_enrols_them_and_emails_each_a_sign_in_link(acme, manager, guest_program, committed):
    # given
    until = in_days(120)

    # when
    with committed():
        result = invite_guests(program=guest_program, guests=three_guests(until), by=manager)

    # then
    guests = list(Person.objects.guests().order_by("given_name"))
    assert [guest.email for guest in guests] == ["gabriela@miami.test", "hugo@miami.test", "ines@miami.test"]
    assert [enrolment.person for enrolment in result.invited] == guests
    for guest in guests:
        assert guest.kind == PersonKind.GUEST
        assert guest.employee_id.startswith("guest-")
        assert (guest.grade, guest.department, guest.site, guest.manager) == (None, None, None, None)
        assert (guest.timezone, guest.languages) == ("UTC", [])
        assert (guest.guest_organisation, guest.access_ends_on) == (MIAMI, until)
    assert len({guest.employee_id for guest in guests}) == 3
    enrolments = Enrolment.objects.filter(program=guest_program).order_by("person__given_name")
    assert [(enrolment.role, enrolment.status) for enrolment in enrolments] == [(Role.MENTOR, EnrolmentStatus.INVITED)] * 3
    assert sorted(message.to[0] for message in mail.outbox) == [guest.email for guest in guests]
    for message in mail.outbox:
        (guest,) = [guest for guest in guests if message.to == [guest.email]]
        assert f"Acme invites you to join {guest_program.name} as a guest {guest_program.mentor_label}" == message.subject
        assert (
            f"Acme invites you to take part in {guest_program.name} as a {guest_program.mentor_label}, as a guest from {MIAMI}, "
            f"until {formats.date_format(until, 'j F Y')}."
        ) in message.body
        _path, link = sign_in_link_in(message)
        assert link.person == guest


def test_an_employees_address_refuses_the_whole_list(acme, manager, mentee, guest_program):
    # given Bob, an employee, among two guests
    rows = [guest_row("Gabriela", "gabriela@miami.test"), guest_row("Bob", "BOB@acme.test"), guest_row("Hugo", "hugo@miami.test")]
    before = nothing_written(guest_program)

    # when
    with pytest.raises(GuestIsEmployee) as refused:
        invite_guests(program=guest_program, guests=rows, by=manager)

    # then
    assert refused.value.message == "bob@acme.test is in the directory as Bob Senior, an employee: invite them as an employee instead."
    assert nothing_written(guest_program) == before == (0, 0)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("eve@globex.test", "eve@globex.test already has a Turnabout login in another organisation."),
        ("scim@acme.tokens.invalid", "scim@acme.tokens.invalid is reserved for a Turnabout API or SCIM token, not a person's login."),
    ],
    ids=["another-organisations-login", "service-login"],
)
def test_a_login_elsewhere_or_a_service_address_is_refused(acme, manager, outsider, guest_program, email, message):
    # when
    with pytest.raises(GuestLoginElsewhere) as refused:
        invite_guests(program=guest_program, guests=[guest_row("Gabriela", "gabriela@miami.test"), guest_row("Eve", email)], by=manager)

    # then
    assert refused.value.message == message
    assert nothing_written(guest_program) == (0, 0)


def test_a_login_of_the_organisation_without_a_directory_record_is_never_made_a_guest(acme, manager, guest_program):
    # given an administrator of Acme whose login has no directory person
    admin = create_user(organisation=acme, email="root@acme.test", role=AccountRole.ADMIN, password="x" * 12)

    # when a program manager invites that address as a guest
    with pytest.raises(GuestLoginElsewhere) as refused:
        invite_guests(program=guest_program, guests=[guest_row("Root", admin.email)], by=manager)

    # then it is refused, the login keeps its role and no guest is bound to it
    assert (
        refused.value.message
        == "root@acme.test already signs in to Turnabout here as administrator: a login of the organisation is never a guest's."
    )
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == (AccountRole.ADMIN, True)
    assert nothing_written(guest_program) == (0, 0)


@pytest.mark.parametrize("days", [0, -1], ids=["today", "yesterday"])
def test_an_access_that_does_not_end_after_today_is_refused(manager, guest_program, days):
    # when
    with pytest.raises(GuestAccessEndInvalid) as refused:
        invite_guests(program=guest_program, guests=three_guests(in_days(days)), by=manager)

    # then
    assert refused.value.message == (
        f"The access of gabriela@miami.test must end after today, not on {formats.date_format(in_days(days))}."
    )
    assert nothing_written(guest_program) == (0, 0)


def test_an_access_of_more_than_two_years_is_refused(manager, guest_program):
    # when
    with pytest.raises(GuestAccessEndInvalid) as refused:
        invite_guests(program=guest_program, guests=three_guests(in_days(2 * 366 + 1)), by=manager)

    # then
    assert refused.value.message.startswith("A guest's access lasts at most two years: end the access of gabriela@miami.test by ")
    assert nothing_written(guest_program) == (0, 0)


def test_a_blank_organisation_name_is_refused(manager, guest_program):
    # when
    with pytest.raises(GuestOrganisationMissing):
        invite_guests(program=guest_program, guests=[guest_row("Gabriela", "gabriela@miami.test", organisation="  ")], by=manager)

    # then
    assert nothing_written(guest_program) == (0, 0)


def test_inviting_a_guest_again_reuses_them_and_moves_their_access_later_only(manager, guest_program, committed):
    # given
    with committed():
        invite_guests(program=guest_program, guests=[guest_row("Gabriela", "gabriela@miami.test", until=in_days(60))], by=manager)

    # when invited again with a later end and a new organisation name, then with an earlier end
    herbert = "University of Miami Herbert"
    later = guest_row("Gabi", "Gabriela@Miami.test", until=in_days(200), organisation=herbert)
    earlier = guest_row("Gabriela", "gabriela@miami.test", until=in_days(30), organisation=herbert)
    again = invite_guests(program=guest_program, guests=[later], by=manager)
    invite_guests(program=guest_program, guests=[earlier], by=manager)

    # then
    (guest,) = Person.objects.guests()
    assert (guest.given_name, guest.guest_organisation, guest.access_ends_on) == ("Gabriela", herbert, in_days(200))
    assert (again.invited, again.already_enrolled) == ([], 1)
    assert Enrolment.objects.filter(program=guest_program, person=guest).count() == 1


def test_a_program_with_grade_rules_must_say_where_guests_stand(manager, program):
    # given the cast's program: a grade gap of 3 and no guest grade
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    assert program.min_grade_gap == 3
    assert program.guest_grade is None

    # when
    with pytest.raises(GuestGradeMissing) as refused:
        invite_guests(program=program, guests=three_guests(), by=manager)

    # then
    assert refused.value.message == "Say where guests stand on the grade ladder (the program's settings) before inviting guests."
    assert nothing_written(program) == (0, 0)


def test_a_program_without_grade_rules_beyond_the_least_gap_invites_guests_without_a_guest_grade(manager, program):
    # given a program whose mentors need only be junior to their mentees (the least gap, 1), with no grade limits
    program = update_program(program=program, changes={"min_grade_gap": 1}, by=manager)

    # when
    result = invite_guests(program=program, guests=three_guests(), by=manager)

    # then: a draft invites now and emails when enrolment opens
    assert len(result.invited) == 3
    assert mail.outbox == []


def test_a_guest_is_not_held_to_the_rules_of_a_place_in_the_organisation(acme, manager, guest_program):
    # given a program open to one department, after a year's tenure, for mentors up to G3; guests stand at G2
    department = Department.objects.create(organisation=acme, name="Technology")
    program = update_program(program=guest_program, changes={"eligible_departments": [department], "min_tenure_months": 12,
                                                             "mentor_max_grade": acme.grades.get(code="G3")}, by=manager)  # fmt: skip
    guest = create_guest(organisation=acme, email="gabriela@miami.test", given_name="Gabriela", family_name="Student",
                         guest_organisation=MIAMI, access_ends_on=in_days(90), by=manager)  # fmt: skip
    newcomer = add_person(acme, "NEW", grade="G2", department="Finance")
    today = timezone.localdate()

    # when / then
    assert eligibility_problems(program, guest, Role.MENTOR, today=today) == []
    assert eligibility_problems(program, newcomer, Role.MENTOR, today=today) == [
        "has been with us less than 12 months",
        "works in a department outside the program",
    ]


def test_guests_join_as_mentors_under_the_programs_guest_grade_while_their_access_lasts(acme, manager, guest_program):
    # given guests standing at G5, above the mentors' limit of G3
    program = update_program(
        program=guest_program,
        changes={"guest_grade": acme.grades.get(code="G5"), "mentor_max_grade": acme.grades.get(code="G3")},
        by=manager,
    )
    guest = create_guest(organisation=acme, email="gabriela@miami.test", given_name="Gabriela", family_name="Student",
                         guest_organisation=MIAMI, access_ends_on=in_days(1), by=manager)  # fmt: skip
    today = timezone.localdate()

    # when / then
    assert eligibility_problems(program, guest, Role.MENTOR, today=today) == ["grade is above G3"]
    assert eligibility_problems(program, guest, Role.MENTEE, today=today) == [
        f"is a guest, and guests take part as {program.plural_for(Role.MENTOR)}"
    ]
    assert eligibility_problems(program, guest, Role.MENTOR, today=in_days(2)) == ["their guest access has ended", "grade is above G3"]


def test_a_guest_refused_by_the_rules_refuses_the_list(acme, manager, guest_program):
    # given guests standing above the mentors' limit
    program = update_program(program=guest_program, changes={"mentor_max_grade": acme.grades.get(code="G1")}, by=manager)

    # when
    with pytest.raises(GuestNotEligible) as refused:
        invite_guests(program=program, guests=three_guests(), by=manager)

    # then
    assert refused.value.message == "gabriela@miami.test cannot be invited: grade is above G1."
    assert nothing_written(program) == (0, 0)


def test_the_form_names_each_lines_problem_by_its_number():
    # when
    form = GuestInvitationForm(
        {
            "guest-guests": "\n".join(
                [
                    "Gabriela, Student, gabriela@miami.test",
                    "Bob, Builder, bob@",
                    "Hugo Student hugo@miami.test",
                    "Gabi, S, GABRIELA@miami.test",
                ]
            ),
            "guest-guest_organisation": MIAMI,
            "guest-access_ends_on": in_days(30).isoformat(),
        }
    )

    # then
    assert not form.is_valid()
    assert form.errors["guests"] == [
        "Line 2: “bob@” is not an email address.",
        "Line 3: give the given name, family name and email, separated by commas.",
        "Line 4: gabriela@miami.test is on line 1 too.",
    ]


def test_the_program_page_invites_guests_and_lists_them(client, manager, guest_program):
    # given
    client.force_login(manager)
    data = {
        "guest-guests": "Gabriela, Student, gabriela@miami.test\n\nHugo, Student, hugo@miami.test\n",
        "guest-guest_organisation": MIAMI,
        "guest-access_ends_on": in_days(30).isoformat(),
    }

    # when
    response = client.post(reverse("programs:invite_guests", args=[guest_program.pk]), data)
    page = client.get(reverse("programs:detail", args=[guest_program.pk]))

    # then
    assert response.status_code == 302
    assert sorted(Person.objects.guests().values_list("email", flat=True)) == ["gabriela@miami.test", "hugo@miami.test"]
    content = page.content.decode()
    assert "Guests from outside" in content
    assert "gabriela@miami.test" in content
    assert MIAMI in content


def test_the_program_page_shows_a_refusal_and_keeps_what_was_typed(client, manager, mentee, guest_program):
    # given
    client.force_login(manager)
    data = {
        "guest-guests": "Gabriela, Student, gabriela@miami.test\nBob, Senior, bob@acme.test",
        "guest-guest_organisation": MIAMI,
        "guest-access_ends_on": in_days(30).isoformat(),
    }

    # when
    response = client.post(reverse("programs:invite_guests", args=[guest_program.pk]), data)

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "bob@acme.test is in the directory as Bob Senior, an employee: invite them as an employee instead." in content
    assert "Gabriela, Student, gabriela@miami.test" in content
    assert nothing_written(guest_program) == (0, 0)
