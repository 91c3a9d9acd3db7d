"""The pair's own words are bounded by the forms, and names of any shape make a certificate (security finding 10).

On the old code every over-long text below was saved, and the certificate answered 500.
"""

import pytest
from django.core import mail
from django.urls import reverse

from turnabout.engagement.certificates import certificate_filename, mentor_certificate_pdf
from turnabout.engagement.forms import NOTE_MAX_LENGTH, AgreementForm, NoteForm
from turnabout.engagement.models import Agreement, Concern, Goal, Note, Reflection
from turnabout.engagement.queries import current_agreement
from turnabout.programs.models import Role
from turnabout.programs.services import PROGRAM_TEXT_MAX_LENGTHS

TEN_MEGABYTES = 10 * 1024 * 1024


def login(client, pair, role):
    client.force_login(pair.enrolment_for(role).person.user)


def test_a_10_mb_note_is_refused_with_a_form_error_and_nothing_is_saved(client, active_pair):
    # given
    login(client, active_pair, Role.MENTEE)
    body = "x" * TEN_MEGABYTES

    # when
    response = client.post(reverse("engagement:note_add", args=[active_pair.pk]), {"body": body, "visibility": "shared"})

    # then
    assert response.status_code == 302
    assert not Note.objects.exists()
    assert NoteForm({"body": body, "visibility": "shared"}).errors == {
        "body": [f"Ensure this value has at most {NOTE_MAX_LENGTH} characters (it has {TEN_MEGABYTES})."]
    }
    assert len(client.get(reverse("engagement:pair", args=[active_pair.pk])).content) < 100_000


def test_a_note_at_the_limit_is_kept(client, active_pair):
    # given
    login(client, active_pair, Role.MENTEE)

    # when
    client.post(reverse("engagement:note_add", args=[active_pair.pk]), {"body": "x" * NOTE_MAX_LENGTH, "visibility": "shared"})

    # then
    assert len(Note.objects.get().body) == NOTE_MAX_LENGTH


def test_an_over_long_concern_shows_the_error_and_reaches_nobody(client, active_pair, mailoutbox):
    # given
    login(client, active_pair, Role.MENTOR)

    # when
    response = client.post(reverse("engagement:concern", args=[active_pair.pk]), {"body": "w" * 5_001})

    # then
    assert response.status_code == 200
    assert "Ensure this value has at most 5000 characters (it has 5001)." in response.content.decode()
    assert not Concern.objects.exists()
    assert mail.outbox == []


def test_an_over_long_reflection_shows_the_error_and_saves_nothing(client, active_pair):
    # given
    login(client, active_pair, Role.MENTOR)

    # when
    response = client.post(
        reverse("engagement:closure", args=[active_pair.pk]), {"learned": "l" * 5_001, "next_steps": "n", "continue_informally": "no"}
    )

    # then
    assert response.status_code == 200
    assert "Ensure this value has at most 5000 characters (it has 5001)." in response.content.decode()
    assert not Reflection.objects.exists()


def test_an_over_long_agreement_shows_the_error_and_keeps_the_version(client, active_pair):
    # given
    login(client, active_pair, Role.MENTEE)
    page = client.get(reverse("engagement:agreement", args=[active_pair.pk]))
    data = {**page.context["form"].initial, "mentee_goals": "g" * 2_001, "mentor_goals": "Present to the board"}

    # when
    response = client.post(reverse("engagement:agreement", args=[active_pair.pk]), data)

    # then
    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters (it has 2001)." in response.content.decode()
    assert list(Agreement.objects.values_list("version", flat=True)) == [1]


def test_an_agreement_may_keep_the_longest_template_a_program_can_have(active_pair):
    # given
    agreement = current_agreement(active_pair)
    data = {
        "mentee_goals": "Learn prompting",
        "mentor_goals": "Present to the board",
        "cadence": "monthly",
        "meeting_mode": "video",
        "confidentiality": agreement.confidentiality,
        "share_with_line_managers": "existence",
        "body": "t" * PROGRAM_TEXT_MAX_LENGTHS["agreement_template"],
    }

    # when
    form = AgreementForm(data, program=active_pair.program, agreement=agreement)

    # then
    assert form.is_valid(), form.errors


def test_an_over_long_goal_description_saves_no_goal(client, active_pair):
    # given
    login(client, active_pair, Role.MENTEE)

    # when
    client.post(reverse("engagement:goal_add", args=[active_pair.pk]), {"owner_role": "mentee", "title": "T", "description": "d" * 2_001})

    # then
    assert not Goal.objects.exists()


NAMES = ["Tester\nEvil", "Tester\r\nEvil", "Tab\tNul\x00", "Line\u2028Separator", "Łukasz-Żółć", "王"]


@pytest.mark.parametrize("family_name", NAMES)
def test_any_family_name_makes_a_certificate_and_a_safe_download_name(active_pair, family_name):
    # given (in memory only: PostgreSQL would not store the NUL)
    active_pair.mentor.person.family_name = family_name

    # when
    pdf = mentor_certificate_pdf(active_pair, meetings_held=3, goals_achieved=1)
    filename = certificate_filename(active_pair)

    # then
    assert pdf.startswith(b"%PDF")
    assert filename.isascii()
    assert filename.isprintable()
    assert filename.removeprefix("certificate-").removesuffix(".pdf").replace("-", "").isalnum()


def test_a_newline_in_the_family_name_still_downloads_the_certificate(client, active_pair):
    # given
    person = active_pair.mentor.person
    person.family_name = "Tester\nEvil"
    person.save()
    login(client, active_pair, Role.MENTOR)

    # when
    response = client.get(reverse("engagement:certificate", args=[active_pair.pk]))

    # then
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'inline; filename="certificate-tester-evil.pdf"'
