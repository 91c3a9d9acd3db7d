"""Personal-data rights: a person downloads what Turnabout holds about them; an administrator erases a person.

The cast pair of the insights dataset (Charlie, mentor, with Bob, mentee) writes notes, pulses, reflections and
concerns on both sides; the figures are read on the dataset's report day.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.engagement.health_builders import at
from tests.insights.dataset import seeded_program
from turnabout.accounts.models import AuditAction, AuditEntry, User
from turnabout.engagement.models import CloseReason, Concern, Meeting, Note, NoteVisibility, Pair, Pulse, Reflection
from turnabout.engagement.services import close_pair, raise_concern, write_note, write_reflection
from turnabout.insights.kpis import program_kpis
from turnabout.insights.reach import diversity_reach, organisation_rollup
from turnabout.insights.retention import program_retention
from turnabout.people.models import Person, PersonSkill, SensitiveProfile, Skill
from turnabout.people.services import record_sensitive_profile, set_skill_levels
from turnabout.programs.models import ProgramStatus, Role
from turnabout.programs.services import change_program_status
from turnabout.surveys.models import Instrument, SurveyAssignment, SurveyResponse, SurveyWave, WaveKind

CHARLIES_WORDS = ["Charlie private words", "Charlie shared words", "Charlie pulse words", "Charlie reflection words", "Charlie concern"]
BOBS_WORDS = ["Bob private words", "Bob shared words", "Bob pulse words", "Bob reflection words", "Bob concern"]


@pytest.fixture
def report_day():
    with time_machine.travel(at(2026, 3, 6), tick=False):
        yield


@pytest.fixture
def cast_pair(report_day, matching_program, manager, mentor, mentee) -> Pair:
    """Charlie and Bob's pair in the seeded running program, each side having written one of everything."""
    seeded_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    pair = Pair.objects.select_related("mentor__person", "mentee__person").get(mentor__person=mentor.person)
    for user, role, name in ((mentor, Role.MENTOR, "Charlie"), (mentee, Role.MENTEE, "Bob")):
        write_note(pair=pair, author=user, role=role, body=f"{name} private words", visibility=NoteVisibility.PRIVATE)
        write_note(pair=pair, author=user, role=role, body=f"{name} shared words", visibility=NoteVisibility.SHARED)
        Pulse.objects.filter(pair=pair, role=role).update(learned=f"{name} pulse words")
        write_reflection(pair=pair, role=role, learned=f"{name} reflection words")
        raise_concern(pair=pair, by=user, role=role, body=f"{name} concern")
    record_sensitive_profile(person=mentor.person, consent_purpose="Reach", consent_legal_basis="Consent", gender="Man", ethnicity="Maori")
    set_skill_levels(person=mentor.person, levels={Skill.objects.get(slug="generative-ai-prompting"): 4})
    wave = SurveyWave.objects.create(
        program=matching_program, kind=WaveKind.BASELINE, opens_on=date(2026, 1, 5), closes_on=date(2026, 1, 31)
    )
    assignment = SurveyAssignment.objects.create(wave=wave, enrolment=pair.mentor)
    instrument = Instrument.objects.order_by("pk").first()
    SurveyResponse.objects.create(assignment=assignment, instrument=instrument, answers={"item-1": 4}, submitted_at=at(2026, 1, 10))
    return pair


@pytest.fixture
def finished(cast_pair, manager) -> Pair:
    """The cast pair closed and the program closed: Charlie takes part in nothing any more."""
    close_pair(pair=cast_pair, reason=CloseReason.COMPLETED, by=None)
    program = cast_pair.program
    change_program_status(program=program, to=ProgramStatus.CLOSING, by=manager)
    change_program_status(program=program, to=ProgramStatus.CLOSED, by=manager)
    cast_pair.refresh_from_db()
    return cast_pair


def download(client: Client) -> dict:
    response = client.post(reverse("personal_data:download_my_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="turnabout-my-data-2026-03-06.json"'
    return json.loads(response.content)


# ------------------------------------------------------------------------------------------------------ download


def test_the_download_holds_the_persons_own_data_and_never_what_only_the_partner_wrote(
    client, cast_pair, mentor, django_assert_max_num_queries
):
    # given
    client.force_login(mentor)

    # when
    with django_assert_max_num_queries(40):  # one query per kind of record, however many pairs and meetings
        document = download(client)

    # then
    text = json.dumps(document)
    assert [words for words in CHARLIES_WORDS if words not in text] == []
    assert [words for words in BOBS_WORDS if words in text] == []
    record = document["directory_record"]
    assert (record["employee_id"], record["email"], record["grade"]) == ("A004", "charlie@acme.test", "G2 – Associate")
    assert record["skills"] == [{"skill": "Generative AI prompting", "level": "Advanced"}]
    assert (document["sensitive_answers"]["gender"], document["sensitive_answers"]["ethnicity"]) == ("Man", "Maori")
    assert document["login"]["email"] == "charlie@acme.test"
    assert [enrolment["status"] for enrolment in document["enrolments"]] == ["Approved"]
    [pair] = document["pairs"]
    assert (pair["partner"], pair["status"], len(pair["meetings"])) == ("Bob Senior", "Active", 2)
    assert sorted(note["body"] for note in pair["your_notes"]) == ["Charlie private words", "Charlie shared words"]
    assert [pulse["rating"] for pulse in pair["your_pulses"]] == [5, 5]
    assert pair["your_reflection"]["learned"] == "Charlie reflection words"
    assert [concern["body"] for concern in pair["concerns_you_raised"]] == ["Charlie concern"]
    assert [answer["answers"] for answer in document["survey_answers"]] == [{"item-1": 4}]
    assert [entry["event"] for entry in document["audit_entries_about_you"]] == ["Consented diversity answers saved"]
    [entry] = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert (entry.actor, entry.target, entry.details) == (mentor, mentor, {"person_id": mentor.person.pk})


def test_nobody_downloads_anyone_elses_data(client, cast_pair, mentee, admin, sponsor):
    # given the URL names no one: each download is the signed-in person's own
    before = AuditEntry.objects.count()

    # when / then
    assert client.post(reverse("personal_data:download_my_data")).status_code == 302
    client.force_login(admin)
    assert download(client)["directory_record"]["email"] == "ada@acme.test"
    client.force_login(mentee)
    document = download(client)
    assert document["directory_record"]["email"] == "bob@acme.test"
    assert "Charlie private words" not in json.dumps(document)
    assert client.get(reverse("personal_data:download_my_data")).status_code == 405
    login_without_person = User.objects.create_user("guest@acme.test", organisation=admin.organisation)
    client.force_login(login_without_person)
    assert client.post(reverse("personal_data:download_my_data")).status_code == 403
    assert AuditEntry.objects.count() == before + 2


def test_the_privacy_page_offers_the_download(client, mentor):
    # given
    client.force_login(mentor)

    # when
    page = client.get(reverse("people:my_privacy")).content.decode()

    # then
    assert f'action="{reverse("personal_data:download_my_data")}"' in page


# ------------------------------------------------------------------------------------------------------- erasure


def erase(client: Client, person: Person, typed: str):
    return client.post(reverse("personal_data:erase", args=[person.pk]), {"confirmation": typed})


def figures(program) -> tuple:
    """The program's outcome figures as every report shows them, and the raw counts under them."""
    return (
        program_kpis(program),
        program_retention(program, today=date(2026, 3, 6)),
        diversity_reach(program),
        organisation_rollup(program.organisation),
        Meeting.objects.filter(pair__program=program).count(),
        sorted(Pulse.objects.filter(pair__program=program).values_list("pair_id", "role", "rating")),
    )


def state(person: Person) -> dict:
    """Everything an erasure of ``person`` would change, to show that a refused one changes nothing."""
    return {
        "person": Person.objects.filter(pk=person.pk).values().get(),
        "logins": list(User.objects.order_by("pk").values("pk", "email", "full_name", "is_active", "password")),
        "notes": list(Note.objects.order_by("pk").values_list("body", flat=True)),
        "pulses": list(Pulse.objects.order_by("pk").values_list("learned", flat=True)),
        "reflections": list(Reflection.objects.order_by("pk").values_list("learned", flat=True)),
        "concerns": list(Concern.objects.order_by("pk").values_list("body", flat=True)),
        "sensitive": SensitiveProfile.objects.count(),
        "skills": PersonSkill.objects.count(),
        "sessions": Session.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_erasure_removes_identity_and_own_words_and_keeps_every_figure(client, finished, admin, mentor, mentee):
    # given
    charlie = mentor.person
    before = figures(finished.program)
    client.force_login(admin)

    # when
    response = erase(client, charlie, " charlie  JUNIOR ")

    # then the reports add up as before, and stay suppressed where they were
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person", args=[charlie.pk])
    assert figures(finished.program) == before
    # the person is a pseudonym without a login, skills or sensitive answers
    charlie.refresh_from_db()
    assert (charlie.full_name, charlie.email, charlie.employee_id, charlie.job_title, charlie.user) == (
        f"Erased person {charlie.pk}",
        f"erased-person-{charlie.pk}@erased.invalid",
        f"erased-{charlie.pk}",
        "",
        None,
    )
    assert (charlie.grade.code, charlie.employment_status) == ("G2", "active")
    assert not SensitiveProfile.objects.filter(person=charlie).exists()
    assert not PersonSkill.objects.filter(person=charlie).exists()
    mentor.refresh_from_db()
    assert (mentor.is_active, mentor.email, mentor.full_name, mentor.has_usable_password()) == (
        False,
        f"erased-login-{mentor.pk}@erased.invalid",
        f"Erased person {charlie.pk}",
        False,
    )
    # what Charlie wrote is gone; what Bob wrote is untouched
    assert sorted(Note.objects.values_list("body", flat=True)) == ["Bob private words", "Bob shared words"]
    assert dict(Pulse.objects.filter(pair=finished).values_list("role", "learned").distinct()) == {
        Role.MENTOR: "",
        Role.MENTEE: "Bob pulse words",
    }
    assert dict(Reflection.objects.filter(pair=finished).values_list("role", "learned")) == {
        Role.MENTOR: "",
        Role.MENTEE: "Bob reflection words",
    }
    assert sorted(Concern.objects.values_list("body", flat=True)) == ["", "Bob concern"]
    # audited, without the name or anything anyone wrote
    [entry] = AuditEntry.objects.filter(action=AuditAction.PERSON_ERASED)
    assert (entry.actor, entry.target, entry.details["person_id"], entry.details["notes_deleted"]) == (admin, mentor, charlie.pk, 2)
    assert (entry.details["pulse_comments_emptied"], entry.details["reflections_emptied"], entry.details["sensitive_answers_deleted"]) == (
        2,
        1,
        1,
    )
    assert "Charlie" not in entry.summary
    everything_logged = " ".join(f"{logged.summary} {logged.details}" for logged in AuditEntry.objects.all())
    assert [words for words in CHARLIES_WORDS + BOBS_WORDS if words in everything_logged] == []


def test_erasure_ends_the_persons_sessions(client, finished, admin, mentor):
    # given Charlie is signed in elsewhere
    charlie = Client()
    charlie.force_login(mentor)
    assert charlie.get(reverse("people:my_privacy")).status_code == 200
    client.force_login(admin)

    # when
    erase(client, mentor.person, "Charlie Junior")

    # then
    assert charlie.get(reverse("people:my_privacy")).status_code == 302
    assert not [session for session in Session.objects.all() if session.get_decoded().get("_auth_user_id") == str(mentor.pk)]
    assert not charlie.login(username="charlie@acme.test", password=PASSWORD)


def test_erasure_without_the_typed_name_is_refused_and_changes_nothing(client, finished, admin, mentor):
    # given
    client.force_login(admin)
    before = state(mentor.person)

    # when
    response = erase(client, mentor.person, "Charlie")

    # then
    assert response.status_code == 400
    assert "full name, Charlie Junior, exactly as shown" in response.content.decode()
    assert state(mentor.person) == before


def test_the_last_administrator_cannot_be_erased(client, admin):
    # given
    client.force_login(admin)
    before = state(admin.person)

    # when
    page = client.get(reverse("personal_data:erase", args=[admin.person.pk]))
    response = erase(client, admin.person, "Ada Admin")

    # then
    assert "ada@acme.test is the last active administrator" in page.content.decode()
    assert response.status_code == 409
    assert "last active administrator" in response.content.decode()
    assert state(admin.person) == before


def test_someone_still_in_a_pair_cannot_be_erased(client, cast_pair, admin, mentee):
    # given
    client.force_login(admin)
    before = state(mentee.person)

    # when
    page = client.get(reverse("personal_data:erase", args=[mentee.person.pk]))
    response = erase(client, mentee.person, "Bob Senior")

    # then
    assert f"Bob Senior still takes part in {cast_pair.program.name}" in page.content.decode()
    assert 'name="confirmation"' not in page.content.decode()
    assert response.status_code == 409
    assert state(mentee.person) == before


def test_a_person_is_erased_once(client, finished, admin, mentor):
    # given
    client.force_login(admin)
    erase(client, mentor.person, "Charlie Junior")
    mentor.person.refresh_from_db()
    before = state(mentor.person)

    # when
    response = erase(client, mentor.person, mentor.person.full_name)

    # then
    assert response.status_code == 409
    assert "has already been erased" in response.content.decode()
    assert state(mentor.person) == before


def test_only_an_administrator_of_the_organisation_erases(client, finished, manager, mentee, outsider, mentor):
    # given
    before = state(mentor.person)
    url = reverse("personal_data:erase", args=[mentor.person.pk])

    def unchanged() -> bool:
        # Signing each of them in opens sessions of their own; nothing else may differ.
        return {**state(mentor.person), "sessions": 0} == {**before, "sessions": 0}

    # when / then
    assert client.post(url, {"confirmation": "Charlie Junior"}).status_code == 302
    for user, status in ((manager, 403), (mentee, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.post(url, {"confirmation": "Charlie Junior"}).status_code == status
    assert unchanged()


def test_the_person_page_offers_erasure_to_administrators_only(client, finished, admin, manager, mentor):
    # given
    person_page = reverse("people:person", args=[mentor.person.pk])
    link = reverse("personal_data:erase", args=[mentor.person.pk])

    # when
    client.force_login(manager)
    seen_by_manager = client.get(person_page).content.decode()
    client.force_login(admin)
    seen_by_admin = client.get(person_page).content.decode()
    erase(client, mentor.person, "Charlie Junior")
    seen_after = client.get(person_page).content.decode()

    # then
    assert link not in seen_by_manager
    assert link in seen_by_admin
    assert link not in seen_after
    assert f"Erased person {mentor.person.pk}" in seen_after
