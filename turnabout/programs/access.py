"""Access to programs and enrolments. Managers run programs; participants act only on their own enrolment."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from turnabout.accounts.access import MANAGING_ROLES, access_organisation
from turnabout.accounts.models import User
from turnabout.programs.models import Enrolment, Program, TrainingModule


def access_program(user: User, program_id: int, *, write: bool = False) -> Program:
    """A program of the user's organisation, for admins and program managers (404 elsewhere, 403 for other roles).

    ``write`` is accepted for symmetry with other access helpers: every managing role may write.
    """
    organisation = access_organisation(user)
    try:
        program = Program.objects.select_related("organisation", "sponsor", "mentee_min_grade", "mentor_max_grade").get(
            pk=program_id, organisation=organisation
        )
    except Program.DoesNotExist:
        raise Http404(_("No such program in your organisation.")) from None
    if user.role not in MANAGING_ROLES:
        raise PermissionDenied(_("Only program managers and administrators manage programs."))
    return program


def access_own_enrolment(user: User, enrolment_id: int) -> Enrolment:
    """The signed-in participant's own enrolment; anyone else's answers 404, so ids reveal nothing."""
    organisation = access_organisation(user)
    try:
        return Enrolment.objects.select_related("program", "person", "person__grade").get(
            pk=enrolment_id, person__user=user, program__organisation=organisation
        )
    except Enrolment.DoesNotExist:
        raise Http404(_("No such enrolment of yours.")) from None


def access_managed_enrolment(user: User, enrolment_id: int) -> Enrolment:
    """An enrolment in a program the user manages."""
    organisation = access_organisation(user)
    try:
        enrolment = Enrolment.objects.select_related("program", "person").get(pk=enrolment_id, program__organisation=organisation)
    except Enrolment.DoesNotExist:
        raise Http404(_("No such enrolment in your organisation.")) from None
    if user.role not in MANAGING_ROLES:
        raise PermissionDenied(_("Only program managers and administrators decide applications."))
    return enrolment


def access_training_module(enrolment: Enrolment, slug: str) -> TrainingModule:
    """A module the enrolment's program requires of this side."""
    module = enrolment.program.training_modules.filter(slug=slug).first()
    if module is None or not module.is_for(enrolment.role):
        raise Http404(_("This module is not part of your training."))
    return module
