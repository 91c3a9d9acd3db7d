import pytest
from django.urls import reverse

from turnabout.people.models import Skill
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.services import change_program_status, invite_people


@pytest.fixture
def enrolling(program, manager):
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


def test_manager_creates_a_program_from_a_template(client, manager):
    client.force_login(manager)
    response = client.post(reverse("programs:new"), {"driver": StrategicDriver.DIGITAL_TRANSFORMATION})
    program = Program.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:edit", args=[program.pk])
    assert program.strategic_driver == StrategicDriver.DIGITAL_TRANSFORMATION


def test_unknown_template_creates_nothing(client, manager):
    client.force_login(manager)
    client.post(reverse("programs:new"), {"driver": "astrology"})
    assert not Program.objects.exists()


def test_program_page_uses_the_programs_own_wording(client, manager, program, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("programs:detail", args=[program.pk]))
    html = response.content.decode()
    assert "Reverse partners" in html
    assert "senior partner" in html
    assert ">Mentor<" not in html


def test_manager_invites_by_email_and_the_roster_shows_them(client, manager, enrolling, mentee):
    client.force_login(manager)
    client.post(
        reverse("programs:invite", args=[enrolling.pk]), {"mode": "emails", "email-role": Role.MENTEE, "email-emails": "BOB@acme.test"}
    )
    assert Enrolment.objects.get().person == mentee.person


def test_inviting_an_unknown_email_invites_nobody(client, manager, enrolling, mentee):
    client.force_login(manager)
    response = client.post(
        reverse("programs:invite", args=[enrolling.pk]),
        {"mode": "emails", "email-role": Role.MENTEE, "email-emails": "bob@acme.test, ghost@acme.test"},
        follow=True,
    )
    assert "ghost@acme.test" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_manager_invites_by_filter(client, manager, enrolling, mentee, mentor, acme):
    client.force_login(manager)
    response = client.post(
        reverse("programs:invite", args=[enrolling.pk]),
        {"mode": "filter", "filter-role": Role.MENTOR, "filter-grade": acme.grades.get(code="G2").pk, "filter-limit": 10},
        follow=True,
    )
    assert [e.person for e in Enrolment.objects.all()] == [mentor.person]
    assert "Invited 1 reverse partner. Only 1 person the filter found is eligible, fewer than the limit of 10." in response.content.decode()


def test_setup_form_shows_dates_as_iso_for_date_inputs(client, manager, program):
    client.force_login(manager)
    html = client.get(reverse("programs:edit", args=[program.pk])).content.decode()
    assert f'type="date" name="starts_on" value="{program.starts_on.isoformat()}"' in html


def test_participant_applies_through_the_form(client, manager, enrolling, mentee):
    # given
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    client.force_login(mentee)
    skill = Skill.objects.get(slug="linkedin-personal-branding")

    # when
    response = client.post(
        reverse("programs:apply", args=[enrolment.pk]),
        {
            "motivation": "Learn how my team uses social media.",
            "main_skills": [skill.pk],
            "timezone": "Europe/London",
            "languages": "en, fr",
            "capacity": "1",
            "day_0": "2",
            "start_0": "09:00",
            "end_0": "10:30",
            "conduct_acknowledged": "on",
            "diversity_consent": "on",
        },
    )

    # then
    assert response.status_code == 302, response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.APPLIED
    assert enrolment.availability == [{"day": 2, "start": "09:00", "end": "10:30"}]
    assert enrolment.languages == ["en", "fr"]
    assert enrolment.diversity_consent is True


def test_a_bad_availability_row_is_named_and_nothing_is_saved(client, manager, enrolling, mentee):
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    client.force_login(mentee)
    skill = Skill.objects.get(slug="linkedin-personal-branding")
    response = client.post(
        reverse("programs:apply", args=[enrolment.pk]),
        {"motivation": "x", "main_skills": [skill.pk], "timezone": "Europe/London", "languages": "en", "capacity": "1",
         "day_0": "2", "start_0": "11:00", "end_0": "10:00", "conduct_acknowledged": "on"},
    )  # fmt: skip
    assert "Availability row 1: the end must be after the start." in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.INVITED


@pytest.mark.parametrize("name", ["programs:detail", "programs:edit"])
def test_participants_and_sponsors_cannot_manage_programs(client, program, mentor, sponsor, name):
    for user in (mentor, sponsor):
        client.force_login(user)
        assert client.get(reverse(name, args=[program.pk])).status_code == 403


def test_outsider_sees_nothing_of_the_program(client, program, outsider):
    client.force_login(outsider)
    assert client.get(reverse("programs:detail", args=[program.pk])).status_code == 404
    response = client.post(reverse("programs:status", args=[program.pk]), {"status": ProgramStatus.ENROLLING})
    assert response.status_code == 404
    program.refresh_from_db()
    assert program.status == ProgramStatus.DRAFT


def test_a_participant_cannot_open_someone_elses_enrolment(client, manager, enrolling, mentee, mentor):
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    client.force_login(mentor)
    assert client.get(reverse("programs:apply", args=[enrolment.pk])).status_code == 404
    assert client.post(reverse("programs:decide", args=[enrolment.pk]), {"decision": "approve"}).status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.INVITED


def test_participant_takes_a_training_module(client, manager, enrolling, mentee):
    enrolment = invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    module = next(m for m in enrolling.training_modules.all() if m.is_for(Role.MENTEE))
    client.force_login(mentee)
    page = client.get(reverse("programs:training", args=[enrolment.pk, module.slug]))
    assert module.sections[0]["heading"] in page.content.decode()
    answers = {f"question_{i}": q["answer"] for i, q in enumerate(module.check_questions)}
    response = client.post(reverse("programs:training", args=[enrolment.pk, module.slug]), answers)
    assert response.status_code == 302
    assert enrolment.training_completions.filter(module=module).exists()


def test_manager_tunes_the_engine_weights_and_rules(client, manager, program):
    # given
    client.force_login(manager)
    page = client.get(reverse("programs:edit", args=[program.pk]))
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [item.pk if hasattr(item, "pk") else item for item in value] if isinstance(value, list) else value

    # when
    data.update({"weight_goals": "0.7", "rule_min_pair_score": "0.3"})
    data.pop("rule_forbid_same_department")  # an unticked checkbox is absent
    response = client.post(reverse("programs:edit", args=[program.pk]), data)

    # then
    assert response.status_code == 302, response.context["form"].errors
    program.refresh_from_db()
    assert program.match_weights["goals"] == 0.7
    assert program.match_rules["min_pair_score"] == 0.3
    assert program.match_rules["forbid_same_department"] is False


def test_all_zero_weights_are_refused(client, manager, program):
    client.force_login(manager)
    data = {f"weight_{name}": "0" for name in ("goals", "common_ground", "availability", "boundaries", "diversity", "grade_gap")}
    response = client.post(reverse("programs:edit", args=[program.pk]), {**data, "name": program.name})
    assert "At least one weight must be above zero." in response.content.decode()
    program.refresh_from_db()
    assert program.match_weights["goals"] > 0
