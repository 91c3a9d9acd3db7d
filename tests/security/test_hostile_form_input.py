"""Every form refuses hostile text with an error on the field: 100,000 characters, NUL, other control characters.

The forms are found by walking every ``turnabout`` module, so a new form class fails ``test_every_form_is_built_here``
until it has a builder below. Each text field is then tried on its own: the error must name that field (a silent
truncation or a 500 further down is what this replaces).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.urls import reverse

import turnabout
from tests.engagement.health_builders import running_program_with_cast_pair
from turnabout.accounts.forms import ThrottledLoginForm
from turnabout.accounts.models import SignInAttempt
from turnabout.core.forms import TEXT_MAX_LENGTH, BoundedForm
from turnabout.engagement.forms import (
    AgreementForm,
    ClosureForm,
    ConcernForm,
    GoalForm,
    GoalProgressForm,
    InsightForm,
    MilestoneForm,
    NoteForm,
    PauseForm,
    QuoteChoiceForm,
    QuoteForm,
    SignForm,
)
from turnabout.engagement.meeting_forms import (
    AgendaForm,
    LogHeldForm,
    PulseForm,
    RescheduleForm,
    ScheduleForm,
    _MeetingDetailsForm,
)
from turnabout.engagement.models import Agreement, Meeting, Note, Pair
from turnabout.engagement.queries import current_agreement
from turnabout.identity.forms import (
    AuditFilterForm,
    ChangeRoleForm,
    ChoosePasswordForm,
    GrantRoleForm,
    LinkRequestForm,
    LoginSearchForm,
    SetUpForm,
    TokenForm,
)
from turnabout.identity.sso.forms import DiscoverForm, ProviderForm, SignInRulesForm
from turnabout.matching.forms import CircleBanForm, CirclePinForm, MentorRequestForm, PairRuleForm
from turnabout.people.admin import PersonAdminForm
from turnabout.people.forms import CommunityForm, DirectoryFilterForm, SensitiveProfileForm
from turnabout.people.hris_jobs import create_import_job
from turnabout.people.import_forms import ImportMappingForm, ImportUploadForm
from turnabout.people.models import ImportJobStatus
from turnabout.people.queries import directory_choices
from turnabout.personal_data.forms import ErasureForm, LanguageForm
from turnabout.programs.forms import (
    ApplicationForm,
    GuestInvitationForm,
    InviteByEmailForm,
    InviteByFilterForm,
    ProgramSetupForm,
    TrainingCheckForm,
)
from turnabout.programs.models import Program, Role, TrainingModule
from turnabout.programs.services import invite_people
from turnabout.surveys.forms import CreateProgramFromSurveyForm, InterestAnswerForm, InterestSurveyForm
from turnabout.surveys.queries import PopulationFilter
from turnabout.surveys.services import create_interest_survey

LONG = "x" * 100_000
NUL = "before\x00after"
BELL = "before\x07after"
LINE_BREAK = "Bob\r\nBcc: eve@example.test"
LONDON = ZoneInfo("Europe/London")

Builder = Callable[[dict[str, Any], dict[str, Any]], forms.BaseForm]


def _all_form_classes() -> set[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(turnabout.__path__, "turnabout."):
        if ".migrations" not in module.name and not module.name.startswith("turnabout.engine"):
            importlib.import_module(module.name)
    found: set[type[forms.BaseForm]] = set()
    pending: list[type] = [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("turnabout.") and subclass is not BoundedForm:
                found.add(subclass)
    return found


@pytest.fixture
def builders(acme, admin, manager, mentee, program) -> dict[type[forms.BaseForm], Builder]:
    """How to make each form with posted ``data`` (and ``files``), with what it needs from the named cast."""
    enrolment = invite_people(program=program, people=[mentee.person], role=Role.MENTEE, by=manager).invited[0]
    module = TrainingModule.objects.order_by("pk").first()
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=b"employee_id,given_name\nA1,Ann\n")
    zone = {"zone": LONDON}
    survey = create_interest_survey(organisation=acme, title="Would you?", population=PopulationFilter(), topics=[], by=manager)
    return {
        ThrottledLoginForm: lambda data, files: ThrottledLoginForm(None, data),
        LinkRequestForm: lambda data, files: LinkRequestForm(data),
        SetUpForm: lambda data, files: SetUpForm(data),
        GrantRoleForm: lambda data, files: GrantRoleForm(data),
        ChangeRoleForm: lambda data, files: ChangeRoleForm(data),
        LoginSearchForm: lambda data, files: LoginSearchForm(data),
        AuditFilterForm: lambda data, files: AuditFilterForm(data),
        ErasureForm: lambda data, files: ErasureForm(data),
        LanguageForm: lambda data, files: LanguageForm(data),
        TokenForm: lambda data, files: TokenForm(data),
        ChoosePasswordForm: lambda data, files: ChoosePasswordForm(data, user=admin),
        ProviderForm: lambda data, files: ProviderForm(data),
        SignInRulesForm: lambda data, files: SignInRulesForm(data, organisation=acme),
        DiscoverForm: lambda data, files: DiscoverForm(data),
        DirectoryFilterForm: lambda data, files: DirectoryFilterForm(data, choices=directory_choices(acme)),
        SensitiveProfileForm: lambda data, files: SensitiveProfileForm(data),
        CommunityForm: lambda data, files: CommunityForm(data),
        PersonAdminForm: lambda data, files: PersonAdminForm(data, instance=admin.person),
        ImportUploadForm: lambda data, files: ImportUploadForm(data, files),
        ImportMappingForm: lambda data, files: ImportMappingForm(data, headers=job.detected_headers),
        ProgramSetupForm: lambda data, files: ProgramSetupForm(data, instance=program),
        InviteByFilterForm: lambda data, files: InviteByFilterForm(data, program=program),
        InviteByEmailForm: lambda data, files: InviteByEmailForm(data, program=program),
        GuestInvitationForm: lambda data, files: GuestInvitationForm(data),
        ApplicationForm: lambda data, files: ApplicationForm(data, enrolment=enrolment),
        TrainingCheckForm: lambda data, files: TrainingCheckForm(data, module=module),
        AgreementForm: lambda data, files: AgreementForm(data, program=program, agreement=Agreement()),
        GoalForm: lambda data, files: GoalForm(data, program=program),
        GoalProgressForm: lambda data, files: GoalProgressForm(data),
        MilestoneForm: lambda data, files: MilestoneForm(data),
        NoteForm: lambda data, files: NoteForm(data),
        InsightForm: lambda data, files: InsightForm(data),
        ConcernForm: lambda data, files: ConcernForm(data),
        ClosureForm: lambda data, files: ClosureForm(data),
        _MeetingDetailsForm: lambda data, files: _MeetingDetailsForm(data, **zone),
        ScheduleForm: lambda data, files: ScheduleForm(
            data, **zone, proposals=[datetime(2030, 1, 8, 10, tzinfo=UTC)], partner=mentee.person, partner_zone=LONDON
        ),
        RescheduleForm: lambda data, files: RescheduleForm(data, **zone),
        LogHeldForm: lambda data, files: LogHeldForm(data),
        AgendaForm: lambda data, files: AgendaForm(data),
        PulseForm: lambda data, files: PulseForm(data),
        # A pair without agreements (pk only): its versions are the choices, none here.
        SignForm: lambda data, files: SignForm(data, pair=Pair(pk=0)),
        PauseForm: lambda data, files: PauseForm(data),
        PairRuleForm: lambda data, files: PairRuleForm(data, program=program),
        MentorRequestForm: lambda data, files: MentorRequestForm(data, program=program),
        CirclePinForm: lambda data, files: CirclePinForm(data, program=program),
        CircleBanForm: lambda data, files: CircleBanForm(data, program=program),
        QuoteForm: lambda data, files: QuoteForm(data),
        QuoteChoiceForm: lambda data, files: QuoteChoiceForm(data),
        InterestSurveyForm: lambda data, files: InterestSurveyForm(data, organisation=acme),
        InterestAnswerForm: lambda data, files: InterestAnswerForm(data, survey=survey),
        CreateProgramFromSurveyForm: lambda data, files: CreateProgramFromSurveyForm(data),
    }


def _typed_fields(form: forms.BaseForm) -> list[str]:
    """Every field a person types or picks a value into (check boxes and file inputs take no text; disabled ones nothing)."""
    untyped = (forms.BooleanField, forms.NullBooleanField, forms.FileField)
    return [name for name, field in form.fields.items() if not field.disabled and not isinstance(field, untyped)]


def _text_fields(form: forms.BaseForm) -> list[str]:
    """The fields that take free text (a JSON field takes a document: it refuses these values as invalid JSON)."""
    return [
        name
        for name in _typed_fields(form)
        if isinstance(form.fields[name], forms.CharField) and not isinstance(form.fields[name], forms.JSONField)
    ]


def _codes(form: forms.BaseForm, name: str) -> set[str]:
    return {error.code or "" for error in form.errors.as_data().get(name, [])}


# Bounds above 100,000 characters, each for a reason; these fields get one character more than their bound instead.
LARGER_BOUNDS = {
    # An identity provider's metadata document: ADFS federation metadata alone runs to tens of kilobytes.
    (ProviderForm, "metadata_xml"): 200_000,
}


def _posting(builder: Builder, name: str, value: str) -> forms.BaseForm:
    form = builder({}, {})
    bound = LARGER_BOUNDS.get((type(form), name))
    if value == LONG and bound is not None:
        value = "x" * (bound + 1)
    return builder({form.add_prefix(name): value}, {})


@pytest.mark.django_db
def test_every_form_is_built_here(builders):
    missing = sorted(f"{form.__module__}.{form.__qualname__}" for form in _all_form_classes() - set(builders))
    assert not missing, f"Add a builder for these forms to `builders` in {__name__}: {', '.join(missing)}"


@pytest.mark.parametrize("value", [LONG, NUL], ids=["100000-characters", "NUL"])
def test_every_typed_field_of_every_form_refuses_hostile_text(builders, value):
    # given
    refused_nothing = []
    tried = 0
    for form_class, builder in builders.items():
        for name in _typed_fields(builder({}, {})):
            # when
            form = _posting(builder, name, value)
            tried += 1

            # then
            if name not in form.errors:
                refused_nothing.append(f"{form_class.__name__}.{name}")
    assert tried > 100  # every form is reached
    assert refused_nothing == []


def test_text_fields_say_why_a_value_is_refused(builders):
    # given
    wrong = []
    for form_class, builder in builders.items():
        for name in _text_fields(builder({}, {})):
            # when
            too_long, nul = _posting(builder, name, LONG), _posting(builder, name, NUL)

            # then: the length and the NUL are named, not hidden behind another check
            if "max_length" not in _codes(too_long, name):
                wrong.append(f"{form_class.__name__}.{name}: 100,000 characters gave {_codes(too_long, name)}")
            if not _codes(nul, name) & {"null_characters_not_allowed", "control_character"}:
                wrong.append(f"{form_class.__name__}.{name}: NUL gave {_codes(nul, name)}")
    assert wrong == [], "\n".join(wrong)


# The Django admin's form (superusers only, people/admin.py) keeps Django's own checks: length and NUL, tested above.
ADMIN_FORMS = {PersonAdminForm}


def test_text_fields_refuse_control_characters_and_single_line_fields_refuse_line_breaks(builders):
    # given
    wrong = []
    for form_class, builder in builders.items():
        if form_class in ADMIN_FORMS:
            continue
        for name in _text_fields(builder({}, {})):
            multiline = isinstance(builder({}, {}).fields[name].widget, forms.Textarea)
            # when
            bell, line_break = _posting(builder, name, BELL), _posting(builder, name, LINE_BREAK)

            # then
            if "control_character" not in _codes(bell, name):
                wrong.append(f"{form_class.__name__}.{name} took U+0007")
            if multiline == ("control_character" in _codes(line_break, name)):
                wrong.append(
                    f"{form_class.__name__}.{name} ({'multi' if multiline else 'single'}-line) got {_codes(line_break, name)} for CR LF"
                )
    assert wrong == [], "\n".join(wrong)


def test_a_field_without_its_own_bound_gets_the_shared_one_and_keeps_a_value_at_the_limit(builders):
    # given: the email invitation field has its own bound; the password field of sign-in has none of its own
    sign_in = builders[ThrottledLoginForm]

    # when
    at_limit = sign_in({"username": "ada@acme.test", "password": "p" * TEXT_MAX_LENGTH}, {})
    beyond = sign_in({"username": "ada@acme.test", "password": "p" * (TEXT_MAX_LENGTH + 1)}, {})

    # then
    assert "max_length" not in _codes(at_limit, "password")
    assert _codes(beyond, "password") == {"max_length"}
    assert 'maxlength="10000"' in str(sign_in({}, {})["password"])


def test_an_availability_time_with_trailing_text_is_refused_not_cut_to_hh_mm(builders):
    # given
    apply = builders[ApplicationForm]
    base = {"motivation": "m", "main_skills": [], "timezone": "Europe/London", "languages": "en", "capacity": "1", "day_0": "1"}

    # when
    trailing = apply({**base, "start_0": "09:00x", "end_0": "12:00"}, {})
    with_seconds = apply({**base, "start_0": "09:00:00", "end_0": "12:00:00"}, {})

    # then
    assert "Availability row 1: choose a day and give both times as HH:MM." in trailing.errors["day_0"]
    assert "day_0" not in with_seconds.errors
    with_seconds.errors  # noqa: B018 - runs the cleaning
    assert with_seconds.cleaned_data["availability"] == [{"day": 1, "start": "09:00", "end": "12:00"}]


# --- The same values posted to pages ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [LONG, NUL, BELL], ids=["100000-characters", "NUL", "BEL"])
def test_hostile_text_posted_to_pair_pages_is_refused_and_saves_nothing(client, matching_program, manager, mentor, mentee, value):
    # given: Charlie's pair with Bob
    pair = running_program_with_cast_pair(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    client.force_login(mentor)
    agreement_before = current_agreement(pair).pk

    # when
    agreement = client.post(
        reverse("engagement:agreement", args=[pair.pk]),
        {"mentee_goals": value, "mentor_goals": "To grow.", "cadence": "monthly", "meeting_mode": "video",
         "confidentiality": "Ours.", "share_with_line_managers": "existence", "body": ""},
    )  # fmt: skip
    note = client.post(reverse("engagement:note_add", args=[pair.pk]), {"body": value, "visibility": "shared"})
    schedule = client.post(
        reverse("engagement:meeting_schedule", args=[pair.pk]),
        {"starts_at": "2030-01-08T10:00", "duration_minutes": "45", "mode": "video", "location": value},
    )

    # then: each page answers with the field's error and nothing is saved
    assert agreement.status_code == 200
    assert agreement.context["form"].errors["mentee_goals"]
    assert current_agreement(pair).pk == agreement_before
    assert note.status_code == 302
    assert not Note.objects.exists()
    assert schedule.status_code == 400
    assert schedule.context["form"].errors["location"]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("value", [LONG, NUL], ids=["100000-characters", "NUL"])
def test_hostile_text_posted_to_program_pages_is_refused_and_saves_nothing(client, manager, program, value):
    # given
    client.force_login(manager)
    programs = Program.objects.count()
    name = program.name

    # when
    created = client.post(reverse("programs:new"), {"driver": value})
    edited = client.post(reverse("programs:edit", args=[program.pk]), {"name": value})

    # then
    assert created.status_code == 200
    assert "Choose one of the templates." in created.content.decode()
    assert Program.objects.count() == programs
    assert edited.status_code == 200
    assert edited.context["form"].errors["name"]
    program.refresh_from_db()
    assert program.name == name


@pytest.mark.parametrize("value", [LONG, NUL], ids=["100000-characters", "NUL"])
def test_hostile_text_posted_to_the_import_mapping_is_refused(client, acme, manager, value):
    # given
    client.force_login(manager)
    job = create_import_job(organisation=acme, uploaded_by=manager, filename="people.csv", content=b"employee_id,given_name\nA1,Ann\n")
    mapping = job.mapping

    # when
    response = client.post(reverse("people:import_mapping", args=[job.pk]), {"employee_id": value, "given_name": "given_name"})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["employee_id"]
    job.refresh_from_db()
    assert (job.status, job.mapping) == (ImportJobStatus.UPLOADED, mapping)


def test_a_nul_posted_to_the_sign_in_page_is_refused_and_records_nothing(client, admin):
    # given: on PostgreSQL a NUL in the email reached the throttling query and answered 500

    # when
    response = client.post(reverse("accounts:login"), {"username": NUL, "password": NUL})

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert not SignInAttempt.objects.exists()


def test_100000_characters_posted_before_sign_in_are_refused_unread(client, admin):
    # when: anonymous bodies are bounded (ANONYMOUS_BODY_MAX_BYTES) before any form sees them
    response = client.post(reverse("accounts:login"), {"username": LONG, "password": "x"})

    # then
    assert response.status_code == 413
    assert not SignInAttempt.objects.exists()


def test_hostile_text_in_the_directory_search_partial_is_refused(client, manager):
    # given
    client.force_login(manager)

    # when
    response = client.get(reverse("people:directory"), {"q": LONG}, HTTP_HX_REQUEST="true")

    # then
    assert response.status_code in {200, 400}
    assert response.context["form"].errors["q"]
    assert LONG not in response.content.decode()


@pytest.mark.parametrize("value", [LONG, NUL], ids=["100000-characters", "NUL"])
def test_hostile_text_typed_into_the_sign_in_button_partial_is_refused(client, acme, value):
    # when: the sign-in page asks for its SSO button as the person types (htmx, no sign-in)
    response = client.get(reverse("sso:discover"), {"email": value}, HTTP_HX_REQUEST="true")

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert value not in response.content.decode()
