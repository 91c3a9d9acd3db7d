import pytest
from django.core import mail

from tests.programs.sign_in_links import sign_in_link_in
from turnabout.people.models import Skill
from turnabout.people.services import mark_leaver
from turnabout.programs.errors import EnrolmentStateError, TrainingAnswerWrong
from turnabout.programs.models import Enrolment, EnrolmentStatus, ProgramStatus, Role, TrainingCompletion
from turnabout.programs.queries import program_roster, ready_for_matching
from turnabout.programs.services import (
    Application,
    change_program_status,
    complete_training_module,
    decide_application,
    invite_people,
    submit_application,
    update_program,
    withdraw_leavers,
)


def _application(**overrides):
    values = {
        "motivation": "I want to understand how our newest colleagues work.",
        "goals_text": "",
        "skills": {Skill.objects.get(slug="linkedin-personal-branding"): 3},
        "availability": [{"day": 1, "start": "09:00", "end": "11:00"}],
        "timezone": "Europe/London",
        "interests": ["running"],
        "values": ["curiosity"],
        "languages": ["en"],
        "capacity": 1,
        "diversity_consent": False,
        "conduct_acknowledged": True,
    }
    return Application(**{**values, **overrides})


@pytest.fixture
def enrolling(program, manager):
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


def test_inviting_emails_each_person_after_commit(enrolling, manager, mentee, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager)

    # then
    assert [e.person for e in result.invited] == [mentee.person]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@acme.test"]
    assert "senior partner" in mail.outbox[0].subject
    _path, link = sign_in_link_in(mail.outbox[0])
    assert (link.person, link.next_path, link.used_at) == (mentee.person, f"/programs/enrolments/{result.invited[0].pk}/apply/", None)


def test_inviting_twice_enrols_once(enrolling, manager, mentee):
    invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager)
    result = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager)
    assert result.invited == []
    assert result.already_enrolled == 1
    assert Enrolment.objects.filter(program=enrolling).count() == 1


def test_ineligible_people_are_reported_not_invited(enrolling, manager, mentor, acme):
    # given: mentees must be at least G8; Charlie is G2
    enrolling = update_program(program=enrolling, changes={"mentee_min_grade": acme.grades.get(code="G8")}, by=manager)

    # when
    result = invite_people(program=enrolling, people=[mentor.person], role=Role.MENTEE, by=manager)

    # then
    assert result.not_eligible == {"Charlie Junior": ["grade is below G8"]}
    assert not Enrolment.objects.exists()


def test_application_then_approval_then_training_makes_a_person_ready(enrolling, manager, mentee):
    # given
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]

    # when
    submit_application(enrolment=enrolment, application=_application())
    decide_application(enrolment=enrolment, approve=True, by=manager)
    assert list(ready_for_matching(enrolling)) == []
    for module in enrolling.training_modules.all():
        if module.is_for(Role.MENTEE):
            complete_training_module(enrolment=enrolment, module=module, answers=[q["answer"] for q in module.check_questions])

    # then
    assert list(ready_for_matching(enrolling)) == [enrolment]
    assert program_roster(enrolling).progress[Role.MENTEE].ready == 1
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.APPROVED
    assert enrolment.conduct_acknowledged_at is not None
    assert [(s.skill.slug, s.strength) for s in enrolment.skills.all()] == [("linkedin-personal-branding", 3)]


def test_a_wrong_training_answer_records_nothing(enrolling, manager, mentee):
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    module = enrolling.training_modules.first()
    wrong = [(q["answer"] + 1) % len(q["options"]) for q in module.check_questions]
    with pytest.raises(TrainingAnswerWrong, match=r"questions? 1"):
        complete_training_module(enrolment=enrolment, module=module, answers=wrong)
    assert not TrainingCompletion.objects.exists()


def test_the_code_of_conduct_must_be_acknowledged(enrolling, manager, mentee):
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    with pytest.raises(EnrolmentStateError, match="code of conduct"):
        submit_application(enrolment=enrolment, application=_application(conduct_acknowledged=False))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.INVITED


def test_applications_close_with_enrolment(enrolling, manager, mentee):
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    change_program_status(program=enrolling, to=ProgramStatus.MATCHING, by=manager)
    with pytest.raises(EnrolmentStateError, match="only while the program is enrolling"):
        submit_application(enrolment=enrolment, application=_application())


def test_only_applications_can_be_decided(enrolling, manager, mentee):
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    with pytest.raises(EnrolmentStateError, match="is invited"):
        decide_application(enrolment=enrolment, approve=True, by=manager)


def test_leavers_are_withdrawn(enrolling, manager, mentee, acme):
    from datetime import date

    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    mark_leaver(person=mentee.person, end_date=date(2026, 11, 1))
    assert withdraw_leavers(organisation=acme) == [enrolment]
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.withdrawn_reason) == (EnrolmentStatus.WITHDRAWN, "Left the organisation")


def test_people_invited_to_a_draft_are_emailed_once_when_enrolment_opens(program, manager, mentee, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        invite_people(program=program, people=[mentee.person], role=Role.MENTEE, by=manager)
    assert mail.outbox == []

    # when enrolment opens, closes again and re-opens
    with django_capture_on_commit_callbacks(execute=True):
        program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
        program = change_program_status(program=program, to=ProgramStatus.DRAFT, by=manager)
        change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)

    # then
    assert [message.to for message in mail.outbox] == [["bob@acme.test"]]


def test_inviting_many_people_reads_eligibility_once(enrolling, manager, acme, django_assert_max_num_queries):
    # given 30 people at an eligible site
    from tests.builders import add_person
    from turnabout.people.models import Site

    london = Site.objects.create(organisation=acme, name="London")
    enrolling = update_program(program=enrolling, changes={"eligible_sites": [london]}, by=manager)
    people = [add_person(acme, f"P{n:02}", grade="G3", department="Technology") for n in range(30)]
    from turnabout.people.models import Person

    Person.objects.filter(pk__in=[p.pk for p in people]).update(site=london)
    people = list(Person.objects.filter(pk__in=[p.pk for p in people]).select_related("grade"))

    # when / then the query count does not grow with the number of people
    with django_assert_max_num_queries(12):
        result = invite_people(program=enrolling, people=people, role=Role.MENTOR, by=manager)
    assert len(result.invited) == 30
