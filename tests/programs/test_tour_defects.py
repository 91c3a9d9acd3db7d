"""Defects of the programs app found in the product tour (issue 16), each reproduced as it was seen.

Each test failed on the code before its fix: "Limit 5" invited 15 (and checked eligibility after the limit), an
end date could precede the start (through the page and the API), a draft from "Use this template" could not be
deleted and its settings page said people had signed up, the list counted invitees as enrolled, and with
training switched off the tracker said "Trained and ready 0" while matching used everyone.
"""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from tests.builders import add_person
from turnabout.people.models import Department, Skill
from turnabout.programs.errors import ProgramNotDeletable, TrainingAnswerWrong
from turnabout.programs.forms import ProgramSetupForm
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.queries import ready_for_matching
from turnabout.programs.services import (
    Application,
    change_program_status,
    complete_training_module,
    decide_application,
    delete_draft_program,
    invite_people,
    submit_application,
    update_program,
)


def _application() -> Application:
    return Application(
        motivation="I want to understand how our newest colleagues work.",
        goals_text="",
        skills={Skill.objects.get(slug="linkedin-personal-branding"): 3},
        availability=[{"day": 1, "start": "09:00", "end": "11:00"}],
        timezone="Europe/London",
        interests=[],
        values=[],
        languages=["en"],
        capacity=1,
        diversity_consent=False,
        conduct_acknowledged=True,
    )


def _approve(program, person, role, manager):
    """Invite, apply and approve, without any training."""
    enrolment = invite_people(program=program, people=[person], role=role, by=manager).invited[0]
    submit_application(enrolment=enrolment, application=_application())
    return decide_application(enrolment=enrolment, approve=True, by=manager)


def _settings(program):
    return model_to_dict(Program.objects.get(pk=program.pk))


# 1. Invite by filter: eligibility first, then exactly the limit.


@pytest.fixture
def technology_only(acme, manager, program):
    """An enrolling program open to Technology only; five people outside it come first by name, fifteen inside follow."""
    for number in range(1, 6):
        add_person(acme, f"A{number:02}", grade="G2", department="Sales")
    for number in range(1, 16):
        add_person(acme, f"B{number:02}", grade="G2", department="Technology")
    technology = Department.objects.get(organisation=acme, name="Technology")
    program = update_program(program=program, changes={"eligible_departments": [technology]}, by=manager)
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


def test_invite_by_filter_invites_exactly_the_limit_of_eligible_people(client, manager, technology_only):
    # given
    client.force_login(manager)

    # when
    response = client.post(
        reverse("programs:invite", args=[technology_only.pk]),
        {"mode": "filter", "filter-role": Role.MENTOR, "filter-limit": 5},
        follow=True,
    )

    # then the first five eligible people by name, not the first five found, are invited
    invited = sorted(enrolment.person.given_name for enrolment in Enrolment.objects.select_related("person"))
    assert invited == ["B01", "B02", "B03", "B04", "B05"]
    html = response.content.decode()
    assert "Invited 5 reverse partners." in html
    assert "10 more eligible people were not invited: the limit is 5." in html


def test_invite_by_filter_says_when_fewer_than_the_limit_are_eligible(client, manager, technology_only, acme):
    # given
    client.force_login(manager)
    sales = Department.objects.get(organisation=acme, name="Sales")
    technology = Department.objects.get(organisation=acme, name="Technology")
    update_program(program=technology_only, changes={"eligible_departments": [sales]}, by=manager)

    # when
    response = client.post(
        reverse("programs:invite", args=[technology_only.pk]),
        {"mode": "filter", "filter-role": Role.MENTOR, "filter-limit": 8},
        follow=True,
    )

    # then
    assert Enrolment.objects.count() == 5
    assert not Enrolment.objects.filter(person__department=technology).exists()
    assert "Only 5 people the filter found are eligible, fewer than the limit of 8." in response.content.decode()


def test_the_service_stops_at_the_limit_and_counts_the_eligible_left_out(manager, technology_only):
    # given
    people = list(technology_only.organisation.people.filter(department__name="Technology").order_by("given_name"))

    # when
    result = invite_people(program=technology_only, people=people, role=Role.MENTOR, by=manager, limit=4)

    # then
    assert [enrolment.person for enrolment in result.invited] == people[:4]
    assert result.over_limit == 11
    assert Enrolment.objects.count() == 4


def test_one_invitation_is_said_in_the_singular(client, manager, technology_only):
    client.force_login(manager)
    response = client.post(
        reverse("programs:invite", args=[technology_only.pk]),
        {"mode": "emails", "email-role": Role.MENTOR, "email-emails": "b01@acme.test"},
        follow=True,
    )
    assert "Invited 1 reverse partner." in response.content.decode()


# 2. Dates in order, on the page, in the service and through the API.


def test_the_service_refuses_an_end_before_the_start_naming_both_dates(manager, program):
    # given
    before = _settings(program)

    # when
    with pytest.raises(ValidationError) as raised:
        update_program(program=program, changes={"ends_on": program.starts_on - timedelta(days=1)}, by=manager)

    # then
    assert set(raised.value.message_dict) == {"starts_on", "ends_on"}
    assert raised.value.message_dict["ends_on"] == [f"The end date must be after the start date ({program.starts_on.isoformat()})."]
    assert _settings(program) == before


def test_the_settings_page_refuses_an_end_before_the_start(client, manager, program):
    # given
    client.force_login(manager)
    before = _settings(program)
    form = ProgramSetupForm.bound_to_changes(program, {"ends_on": program.starts_on})
    data = {name: value for name, value in form.data.items() if value is not None}

    # when
    response = client.post(reverse("programs:edit", args=[program.pk]), data)

    # then
    assert response.status_code == 200
    assert "The end date must be after the start date" in response.content.decode()
    assert _settings(program) == before


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        (lambda p: {"ends_on": (p.starts_on - timedelta(days=30)).isoformat()}, ["ends_on", "starts_on"]),
        (lambda p: {"enrolment_closes_on": (p.starts_on + timedelta(days=1)).isoformat()}, ["enrolment_closes_on", "starts_on"]),
        (
            lambda p: {"enrolment_opens_on": (p.enrolment_closes_on + timedelta(days=1)).isoformat()},
            ["enrolment_closes_on", "enrolment_opens_on"],
        ),
        (
            lambda p: {"starts_on": p.ends_on.isoformat(), "ends_on": p.starts_on.isoformat()},
            ["ends_on", "starts_on"],
        ),
    ],
)
def test_the_api_refuses_dates_out_of_order_with_422_naming_the_fields(client, manager, program, changes, fields):
    # given
    client.force_login(manager)
    before = _settings(program)

    # when
    response = client.patch(f"/api/programs/{program.pk}", json.dumps(changes(program)), content_type="application/json")

    # then
    assert response.status_code == 422
    assert sorted({error["loc"][-1] for error in response.json()["detail"]}) == fields
    assert _settings(program) == before


def test_the_api_accepts_dates_in_order_with_enrolment_closing_the_day_the_program_starts(client, manager, program):
    client.force_login(manager)
    body = {"enrolment_closes_on": program.starts_on.isoformat()}
    response = client.patch(f"/api/programs/{program.pk}", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Program.objects.get(pk=program.pk).enrolment_closes_on == program.starts_on


# 3. A draft from a template can be deleted, after a confirmation; its settings page claims nobody signed up.


def test_a_draft_from_a_template_says_it_is_a_draft_and_offers_deletion(client, manager):
    # given
    client.force_login(manager)

    # when
    response = client.post(reverse("programs:new"), {"driver": StrategicDriver.INNOVATION}, follow=True)

    # then
    program = Program.objects.get()
    html = response.content.decode()
    assert "signed up" not in html
    assert "This program is a draft: every setting can change until enrolment opens." in html
    assert reverse("programs:delete", args=[program.pk]) in html


def test_a_manager_deletes_a_draft_after_confirming(client, manager, program, mentor):
    # given a draft with an invitation not yet sent
    client.force_login(manager)
    invite_people(program=program, people=[mentor.person], role=Role.MENTOR, by=manager)

    # when the manager asks
    confirmation = client.get(reverse("programs:delete", args=[program.pk]))

    # then the page asks first and deletes nothing
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "This cannot be undone." in html
    assert "Its 1 invitation, not yet sent, will be deleted too." in html
    assert Program.objects.filter(pk=program.pk).exists()

    # and when they confirm
    response = client.post(reverse("programs:delete", args=[program.pk]), follow=True)

    # then
    assert response.redirect_chain[-1][0] == reverse("programs:list")
    assert not Program.objects.filter(pk=program.pk).exists()
    assert not Enrolment.objects.exists()
    assert f"The draft “{program.name}” is deleted." in response.content.decode()


def test_a_program_that_enrolled_people_is_not_deleted(client, manager, program, mentee, django_capture_on_commit_callbacks):
    # given a program that opened enrolment, emailed an invitation, got an application and went back to draft
    client.force_login(manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = invite_people(program=program, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    submit_application(enrolment=enrolment, application=_application())
    program = change_program_status(program=program, to=ProgramStatus.DRAFT, by=manager)

    # when
    page = client.get(reverse("programs:delete", args=[program.pk]))
    response = client.post(reverse("programs:delete", args=[program.pk]), follow=True)

    # then
    assert "1 person was emailed an invitation" in page.content.decode()
    assert "1 person has applied" in page.content.decode()
    assert "Delete this draft</button>" not in page.content.decode()
    assert "This program cannot be deleted" in response.content.decode()
    assert Program.objects.filter(pk=program.pk).exists()
    assert Enrolment.objects.filter(pk=enrolment.pk).exists()


def test_only_drafts_are_deleted(manager, program):
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    with pytest.raises(ProgramNotDeletable, match="only drafts can be deleted, and this program is enrolling"):
        delete_draft_program(program=program, by=manager)
    assert Program.objects.filter(pk=program.pk).exists()


@pytest.mark.parametrize("user", ["sponsor", "mentor", "outsider"])
def test_others_cannot_delete_a_draft(client, program, user, request):
    client.force_login(request.getfixturevalue(user))
    response = client.post(reverse("programs:delete", args=[program.pk]))
    assert response.status_code in (403, 404)
    assert Program.objects.filter(pk=program.pk).exists()


# 4. The programs list counts the enrolled apart from the invited.


def test_the_programs_list_counts_invitees_apart_from_the_enrolled(client, manager, program, acme):
    # given one approved, one applied and two invited mentors
    program = update_program(program=program, changes={"training_required": False}, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    people = [add_person(acme, f"P{number}", grade="G2", department="Technology") for number in range(4)]
    _approve(program, people[0], Role.MENTOR, manager)
    applied = invite_people(program=program, people=[people[1]], role=Role.MENTOR, by=manager).invited[0]
    submit_application(enrolment=applied, application=_application())
    invite_people(program=program, people=people[2:], role=Role.MENTOR, by=manager)
    client.force_login(manager)

    # when
    html = client.get(reverse("programs:list")).content.decode()

    # then
    detail_url = reverse("programs:detail", args=[program.pk])
    row = re.search(rf"<tr>\s*<td><a href=\"{detail_url}\">.*?</tr>", html, re.S).group(0)
    assert "1 enrolled · 1 application to decide · 2 invited, not yet applied" in row


# 5. With training switched off, the tracker's "Ready" is the pool matching uses.


def test_without_training_the_tracker_counts_as_ready_everyone_matching_uses(client, manager, program, mentor, mentee):
    # given approved people who took no training, in a program that does not require it
    program = update_program(program=program, changes={"training_required": False}, by=manager)
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    _approve(program, mentor.person, Role.MENTOR, manager)
    _approve(program, mentee.person, Role.MENTEE, manager)
    client.force_login(manager)

    # when
    html = client.get(reverse("programs:detail", args=[program.pk])).content.decode()

    # then
    tracker = re.search(r'<section class="panel" id="tracker">.*?</section>', html, re.S).group(0)
    assert "training" not in tracker.lower()
    assert "trained" not in tracker.lower()
    headers = re.findall(r"<th>([^<]*)</th>", tracker)
    ready = headers.index("Ready") - 1  # the first header is the side's
    for side in ("Reverse partners", "Senior partners"):
        cells = re.findall(r"<td>(\d+)</td>", re.search(rf"<tr><th>{side}</th>.*?</tr>", tracker, re.S).group(0))
        assert cells[ready] == "1"
    assert ready_for_matching(program).count() == 2


def test_with_training_the_tracker_counts_only_the_trained(client, manager, program, mentee):
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    _approve(program, mentee.person, Role.MENTEE, manager)
    client.force_login(manager)
    html = client.get(reverse("programs:detail", args=[program.pk])).content.decode()
    tracker = re.search(r'<section class="panel" id="tracker">.*?</section>', html, re.S).group(0)
    assert "<th>Trained and ready</th>" in tracker
    row = re.search(r"<tr><th>Senior partners</th>.*?</tr>", tracker, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["0", "0", "1", "0", "0", "0"]
    assert ready_for_matching(program).count() == 0


# Plurals.


def test_the_training_check_names_one_question_or_several(manager, program, mentee):
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    enrolment = invite_people(program=program, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    module = next(module for module in program.training_modules.all() if module.is_for(Role.MENTEE) and len(module.check_questions) >= 3)
    right = [question["answer"] for question in module.check_questions]
    wrong = [(answer + 1) % len(question["options"]) for answer, question in zip(right, module.check_questions, strict=True)]
    with pytest.raises(TrainingAnswerWrong, match=r"^Not quite: have another look at question 2\.$"):
        complete_training_module(enrolment=enrolment, module=module, answers=[right[0], wrong[1], *right[2:]])
    with pytest.raises(TrainingAnswerWrong, match=r"^Not quite: have another look at questions 1 and 3\.$"):
        complete_training_module(enrolment=enrolment, module=module, answers=[wrong[0], right[1], wrong[2], *right[3:]])
