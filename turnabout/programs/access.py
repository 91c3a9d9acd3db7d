"""Access to programs and enrolments. Managers run programs, a community's leads run their community's programs;
participants act only on their own enrolment."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from turnabout.accounts.access import MANAGING_ROLES, WITH_GUESTS, access_organisation
from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.people.access import led_communities
from turnabout.people.models import Community
from turnabout.programs.models import Enrolment, Program, TrainingModule


def manages_program(user: User, program: Program) -> bool:
    """Whether ``user`` (of the program's organisation) manages ``program``: an administrator or program manager, or a
    lead of the community that runs it. The one rule every page acting on a program applies."""
    if user.role in MANAGING_ROLES:
        return True
    community = program.community
    return community is not None and user.role != AccountRole.SPONSOR and community.leads.filter(user=user).exists()


def access_program(user: User, program_id: int, *, write: bool = False) -> Program:
    """A program of the user's organisation that the user manages (404 elsewhere, 403 for anyone else).

    Administrators and program managers manage every program; a community's leads manage their community's programs
    only. ``write`` is accepted for symmetry with other access helpers: everyone who manages may write.
    """
    organisation = access_organisation(user)
    try:
        program = Program.objects.select_related("organisation", "sponsor", "mentee_min_grade", "mentor_max_grade", "community").get(
            pk=program_id, organisation=organisation
        )
    except Program.DoesNotExist:
        raise Http404(_("No such program in your organisation.")) from None
    if not manages_program(user, program):
        raise PermissionDenied(_("Only program managers and administrators manage programs."))
    return program


def access_own_enrolment(user: User, enrolment_id: int) -> Enrolment:
    """The signed-in participant's own enrolment (a guest's too); anyone else's answers 404, so ids reveal nothing."""
    organisation = access_organisation(user, roles=WITH_GUESTS)
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
        enrolment = Enrolment.objects.select_related("program", "program__community", "person").get(
            pk=enrolment_id, program__organisation=organisation
        )
    except Enrolment.DoesNotExist:
        raise Http404(_("No such enrolment in your organisation.")) from None
    if not manages_program(user, enrolment.program):
        raise PermissionDenied(_("Only program managers and administrators decide applications."))
    return enrolment


def access_training_module(enrolment: Enrolment, slug: str) -> TrainingModule:
    """A module the enrolment's program requires of this side."""
    module = enrolment.program.training_modules.filter(slug=slug).first()
    if module is None or not module.is_for(enrolment.role):
        raise Http404(_("This module is not part of your training."))
    return module


def access_program_creation(user: User) -> tuple[Organisation, list[Community]]:
    """The organisation in which ``user`` may create a program, and the communities it may belong to.

    Administrators and program managers create any program (for any community, or none); a community's lead creates
    programs of the communities they lead only. 403 for everyone else.
    """
    organisation = access_organisation(user)
    if user.role in MANAGING_ROLES:
        return organisation, list(Community.objects.filter(organisation=organisation).order_by("name"))
    led = led_communities(user) if user.role != AccountRole.SPONSOR else []
    if not led:
        raise PermissionDenied(_("Only program managers, administrators and community leads create programs."))
    return organisation, led


def managed_programs(user: User) -> QuerySet[Program]:
    """The programs ``user`` manages: all of the organisation's for managers, their communities' for a lead."""
    organisation = access_organisation(user)
    programs = Program.objects.filter(organisation=organisation)
    if user.role in MANAGING_ROLES:
        return programs
    if user.role == AccountRole.SPONSOR:
        return programs.none()
    return programs.filter(community__leads__user=user).distinct()
