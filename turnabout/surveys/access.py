"""Access to surveys. A participant reaches only their own assignments; managers reach waves of their organisation's
programs (counts only, never answers); sponsors are refused by ``access_program``.
"""

from django.http import Http404
from django.utils.translation import gettext

from turnabout.accounts.access import WITH_GUESTS, access_managed_organisation, access_organisation
from turnabout.accounts.models import User
from turnabout.programs.access import access_program
from turnabout.surveys.models import InterestInvitation, InterestSurvey, SurveyAssignment, SurveyWave


def access_own_assignment(user: User, assignment_id: int) -> SurveyAssignment:
    """The signed-in participant's own assignment (a guest's too: their program's surveys); anyone else's, managers'
    included, answers 404."""
    organisation = access_organisation(user, roles=WITH_GUESTS)
    assignment = (
        SurveyAssignment.objects.select_related("wave__program", "enrolment__person")
        .filter(pk=assignment_id, enrolment__person__user=user, wave__program__organisation=organisation)
        .first()
    )
    if assignment is None:
        raise Http404(gettext("No such survey of yours."))
    return assignment


def access_managed_wave(user: User, wave_id: int) -> SurveyWave:
    """A wave of a program the user manages (404 in another organisation, 403 for other roles)."""
    organisation = access_organisation(user)
    wave = SurveyWave.objects.filter(pk=wave_id, program__organisation=organisation).first()
    if wave is None:
        raise Http404(gettext("No such survey wave in your organisation."))
    wave.program = access_program(user, wave.program_id, write=True)
    return wave


def access_managed_interest_survey(user: User, survey_id: int) -> InterestSurvey:
    """An interest survey of the user's organisation, for its administrators and program managers (403 for other
    roles, sponsors included: the survey belongs to no program they sponsor; 404 in another organisation)."""
    organisation = access_managed_organisation(user)
    survey = InterestSurvey.objects.filter(pk=survey_id, organisation=organisation).first()
    if survey is None:
        raise Http404(gettext("No such interest survey in your organisation."))
    return survey


def access_own_interest_invitation(user: User, invitation_id: int) -> InterestInvitation:
    """The signed-in person's own invitation to an interest survey; anyone else's, and anyone outside the population, 404."""
    organisation = access_organisation(user)
    invitation = (
        InterestInvitation.objects.select_related("survey", "person")
        .filter(pk=invitation_id, person__user=user, survey__organisation=organisation)
        .first()
    )
    if invitation is None:
        raise Http404(gettext("No such survey of yours."))
    return invitation
