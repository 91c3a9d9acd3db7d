"""The program's own wording reaches its texts, emails and pages, in each language a program gives labels for."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from turnabout.programs.catalogue import program_presets
from turnabout.programs.forms import ProgramSetupForm, label_field_name
from turnabout.programs.models import PairingFormat, Program, ProgramStatus, Role, Wording, in_wording
from turnabout.programs.services import change_program_status, invite_people, update_program

GUIDE, LEARNER = "guide", "learner"


@pytest.fixture
def guided(program, manager):
    """The inclusion draft with the custom wording guide/learner, and Spanish labels of its own."""
    changes = {
        "wording": Wording.CUSTOM,
        "custom_mentor_label": GUIDE,
        "custom_mentee_label": LEARNER,
        "custom_labels": {"es": {"mentor": "guía", "mentee": "aprendiz"}},
    }
    return update_program(program=program, changes=changes, by=manager)


def test_the_invitation_email_names_both_sides_in_the_programs_wording(guided, manager, mentee, django_capture_on_commit_callbacks):
    enrolling = change_program_status(program=guided, to=ProgramStatus.ENROLLING, by=manager)

    with django_capture_on_commit_callbacks(execute=True):
        invite_people(program=enrolling, people=[mentee.person], role=Role.MENTEE, by=manager)

    (message,) = mail.outbox
    assert message.subject == f"You are invited to join {guided.name} as a {LEARNER}"
    assert f"You are invited to take part in {guided.name} as a {LEARNER}." in message.body
    assert f"stays between you and your {GUIDE};" in message.body
    assert "senior partner" not in message.body.lower()


def test_the_code_of_conduct_reads_in_the_programs_wording(guided, client, manager):
    assert "{mentee}" in guided.code_of_conduct  # the preset's text keeps the placeholders

    conduct = guided.worded_texts["code_of_conduct"]

    assert LEARNER in conduct
    assert "{mentee}" not in conduct
    assert "senior partner" not in conduct


def test_the_format_name_uses_the_programs_labels(guided, manager):
    program = update_program(program=guided, changes={"pairing_format": PairingFormat.TWO_MENTORS_ONE_MENTEE}, by=manager)

    assert program.pairing_format_label == f"Two {GUIDE}s for one {LEARNER}"
    with translation.override("es"):
        assert program.pairing_format_label.endswith("aprendiz")


def test_the_settings_form_offers_the_formats_in_the_programs_wording(guided):
    choices = dict(ProgramSetupForm(instance=guided).fields["pairing_format"].choices)

    assert choices[PairingFormat.ONE_MENTOR_SEVERAL_MENTEES] == f"One {GUIDE} with several {LEARNER}s"


def test_a_template_text_reads_in_the_programs_wording(guided):
    preset = program_presets()["diversity_inclusion"]
    assert "{Mentors}" in preset["outcomes_for_mentors"]

    assert guided.worded_texts["outcomes_for_mentors"].startswith(f"{GUIDE.capitalize()}s ")


def test_the_detail_page_shows_the_outcomes_and_format_in_the_programs_wording(guided, client, manager):
    client.force_login(manager)

    page = client.get(reverse("programs:detail", args=[guided.pk])).content.decode()

    assert f"For {GUIDE}s" in page
    assert "{Mentors}" not in page
    assert "{mentor}" not in page
    assert f"One {GUIDE}, one {LEARNER}" in page


def test_the_agreement_template_is_written_in_the_wording_it_starts_with(program):
    assert "Reverse partner: [name]" in program.agreement_template
    assert "{" + "Mentor}" not in program.agreement_template


def test_placeholders_are_the_only_braces_replaced():
    text = in_wording("The {mentor} and the {Mentee}; {mentors}; {other}", mentor="guide", mentee="learner")

    assert text == "The guide and the Learner; guides; {other}"


def test_labels_follow_the_active_language_with_the_default_labels_as_fallback(guided):
    with translation.override("es"):
        assert (guided.mentor_label, guided.mentee_label) == ("guía", "aprendiz")
    with translation.override("fr"):
        assert (guided.mentor_label, guided.mentee_label) == (GUIDE, LEARNER)
    with translation.override("en-gb"):
        assert guided.label_for(Role.MENTOR) == GUIDE


def test_a_built_in_wording_is_translatable_with_the_role_context(program):
    assert program.wording == Wording.RECIPROCAL
    with translation.override("en-gb"):
        assert (program.mentor_label, program.mentee_label, program.mentors_label) == (
            "reverse partner",
            "senior partner",
            "reverse partners",
        )


def _posted(program: Program, **changes: str) -> ProgramSetupForm:
    current = ProgramSetupForm(instance=program)
    data = {name: current[name].value() for name in current.fields}
    data = {name: value for name, value in data.items() if value is not None and value is not False}
    data.update(changes)
    return ProgramSetupForm(data, instance=program)


def test_the_form_stores_a_languages_labels(guided, manager):
    form = _posted(guided, **{label_field_name("pt-br", "mentor"): "guia", label_field_name("pt-br", "mentee"): "aprendiz"})

    assert form.is_valid(), form.errors
    program = update_program(program=guided, changes=form.changes(), by=manager)

    assert program.custom_labels["pt-br"] == {"mentor": "guia", "mentee": "aprendiz"}
    with translation.override("pt-br"):
        assert program.mentor_label == "guia"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"custom_mentor_label": ""}, "custom_mentor_label", "Give a label for this side: the custom wording names both sides."),
        (
            {label_field_name("de", "mentor"): "Begleiter"},
            label_field_name("de", "mentee"),
            "Give the Deutsch label for this side too, or leave both sides empty.",
        ),
        (
            {label_field_name("nl", "mentor"): "x" * 41, label_field_name("nl", "mentee"): "leerling"},
            label_field_name("nl", "mentor"),
            "at most 40",
        ),
        (
            {label_field_name("fr", "mentor"): "guide\u202e", label_field_name("fr", "mentee"): "apprenant"},
            label_field_name("fr", "mentor"),
            "Remove the direction control character (U+202E)",
        ),
    ],
)
def test_the_form_refuses_bad_labels_with_a_specific_message(guided, changes, field, message):
    form = _posted(guided, **changes)

    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors


def test_the_service_refuses_labels_for_an_unknown_language(guided, manager):
    with pytest.raises(ValidationError) as raised:
        update_program(program=guided, changes={"custom_labels": {"xx": {"mentor": "a", "mentee": "b"}}}, by=manager)

    assert raised.value.message_dict["custom_labels"] == ["xx is not a language of Turnabout."]
