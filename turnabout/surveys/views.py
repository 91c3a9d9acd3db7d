"""Survey pages: a participant's own surveys and the survey form; the managers' wave page (counts only); interest surveys
(created, closed and turned into a program here; their results page, aggregates only, is ``insights:interest``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.access import access_managed_organisation
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.programs.access import access_program
from turnabout.surveys.access import (
    access_managed_interest_survey,
    access_managed_wave,
    access_own_assignment,
    access_own_interest_invitation,
)
from turnabout.surveys.errors import AnswersInvalid, SurveyError
from turnabout.surveys.forms import (
    CreateProgramFromSurveyForm,
    InterestAnswerForm,
    InterestSurveyForm,
    answers_from_post,
    survey_sections,
)
from turnabout.surveys.models import WaveStatus
from turnabout.surveys.queries import assignments_of_user, interest_surveys_of, wave_progress
from turnabout.surveys.services import (
    answer_interest_survey,
    close_interest_survey,
    create_interest_survey,
    create_program_from_interest_survey,
    open_wave,
    schedule_waves,
    submit_survey,
)


@login_required
def my_surveys(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [
        {
            "assignment": assignment,
            "status": assignment.wave.status_on(today),
            "my_label": assignment.wave.program.label_for(assignment.enrolment.role),
        }
        for assignment in assignments_of_user(request.user)
    ]
    return render(request, "surveys/my_surveys.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def survey(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = access_own_assignment(request.user, assignment_id)
    program = assignment.wave.program
    instruments = list(assignment.instruments.order_by("pk"))
    status = assignment.wave.status_on(timezone.localdate())
    errors: dict[str, str] = {}
    problem = ""
    if request.method == "POST":
        answers = answers_from_post(request.POST, instruments)
        try:
            submit_survey(assignment=assignment, answers_by_instrument=answers)
        except AnswersInvalid as error:
            errors = error.errors
        except SurveyError as error:
            problem = error.message
        else:
            return redirect("surveys:thanks", assignment.pk)
    else:
        # The respondent's own earlier answers, to change while the wave is open.
        answers = {response.instrument.slug: response.answers for response in assignment.responses.select_related("instrument")}
    context = {
        "assignment": assignment,
        "program": program,
        "wave": assignment.wave,
        "status": status,
        "is_open": status == WaveStatus.OPEN,
        "sections": survey_sections(program, instruments, answers=answers, errors=errors),
        "error_count": len(errors),
        "problem": problem,
        "my_label": program.label_for(assignment.enrolment.role),
    }
    return render(request, "surveys/survey.html", context, status=400 if errors or problem else 200)


@login_required
def thanks(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = access_own_assignment(request.user, assignment_id)
    status = assignment.wave.status_on(timezone.localdate())
    context = {"assignment": assignment, "program": assignment.wave.program, "is_open": status == WaveStatus.OPEN}
    return render(request, "surveys/thanks.html", context)


@login_required
def program_waves(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id)
    progress = wave_progress(program, today=timezone.localdate())
    return render(request, "surveys/program_waves.html", {"program": program, "progress": progress})


@login_required
@require_POST
def schedule(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id, write=True)
    try:
        schedule_waves(program=program)
    except SurveyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Surveys scheduled: baseline at the start, midpoint halfway and end at the end date."))
    return redirect("surveys:program_waves", program.pk)


@login_required
@require_POST
def open_now(request: AuthenticatedRequest, wave_id: int) -> HttpResponse:
    wave = access_managed_wave(request.user, wave_id)
    try:
        result = open_wave(wave=wave, now=timezone.now())
    except SurveyError as error:
        messages.error(request, error.message)
    else:
        text = ngettext(
            "The %(kind)s survey is open: %(count)d more person asked.",
            "The %(kind)s survey is open: %(count)d more people asked.",
            result.assigned,
        )
        messages.success(request, text % {"kind": wave.get_kind_display().lower(), "count": result.assigned})
    return redirect("surveys:program_waves", wave.program_id)


# --- Interest surveys: before a program exists -------------------------------------------------------------------


@login_required
def interest_surveys(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_managed_organisation(request.user)
    return render(request, "surveys/interest_surveys.html", {"surveys": interest_surveys_of(organisation)})


@login_required
@require_http_methods(["GET", "POST"])
def interest_new(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_managed_organisation(request.user)
    form = InterestSurveyForm(request.POST or None, organisation=organisation)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            survey = create_interest_survey(organisation=organisation, title=form.cleaned_data["title"], population=form.population,
                                            topics=form.cleaned_data["topics"], by=request.user)  # fmt: skip
        except SurveyError as error:
            problem = error.message
        else:
            messages.success(request, _("The survey is on its way to everyone in the population."))
            return redirect("insights:interest", survey.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/interest_new.html", {"form": form, "problem": problem}, status=status)


@login_required
@require_POST
def interest_close(request: AuthenticatedRequest, survey_id: int) -> HttpResponse:
    survey = access_managed_interest_survey(request.user, survey_id)
    close_interest_survey(survey=survey)
    messages.success(request, _("The survey is closed: no more answers are accepted."))
    return redirect("insights:interest", survey.pk)


@login_required
@require_POST
def interest_create_program(request: AuthenticatedRequest, survey_id: int) -> HttpResponse:
    survey = access_managed_interest_survey(request.user, survey_id)
    form = CreateProgramFromSurveyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a strategic driver."))
        return redirect("insights:interest", survey.pk)
    try:
        seeded = create_program_from_interest_survey(survey=survey, driver=form.cleaned_data["driver"], by=request.user)
    except SurveyError as error:
        messages.error(request, error.message)
        return redirect("insights:interest", survey.pk)
    text = ngettext(
        "Draft program created: %(count)d person who said yes will be invited when enrolment opens.",
        "Draft program created: %(count)d people who said yes will be invited when enrolment opens.",
        seeded.invited,
    )
    messages.success(request, text % {"count": seeded.invited})
    return redirect("programs:detail", seeded.program.pk)


@login_required
@require_http_methods(["GET", "POST"])
def interest_answer(request: AuthenticatedRequest, invitation_id: int) -> HttpResponse:
    invitation = access_own_interest_invitation(request.user, invitation_id)
    survey = invitation.survey
    initial = {"answer": invitation.answer, "role": invitation.role, "topics": list(invitation.topics.all())}
    form = InterestAnswerForm(request.POST or None, initial=initial, survey=survey)
    problem = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            answer_interest_survey(invitation=invitation, answer=data["answer"], role=data["role"], topics=data["topics"])
        except SurveyError as error:
            problem = error.message
        else:
            messages.success(request, _("Thank you: your answers are saved. You can change them until the survey closes."))
            return redirect("surveys:interest_answer", invitation.pk)
    context = {"invitation": invitation, "survey": survey, "form": form, "problem": problem}
    return render(request, "surveys/interest_answer.html", context, status=400 if request.method == "POST" else 200)
