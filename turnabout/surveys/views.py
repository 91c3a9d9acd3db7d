"""Survey pages: a participant's own surveys and the survey form; the managers' wave page (counts only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.programs.access import access_program
from turnabout.surveys.access import access_managed_wave, access_own_assignment
from turnabout.surveys.errors import AnswersInvalid, SurveyError
from turnabout.surveys.forms import answers_from_post, survey_sections
from turnabout.surveys.models import WaveStatus
from turnabout.surveys.queries import assignments_of_user, wave_progress
from turnabout.surveys.services import open_wave, schedule_waves, submit_survey


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
