"""Access to runs and matches: managers see their organisation's runs; participants only their own matches."""

from django.http import Http404
from django.utils.translation import gettext

from turnabout.accounts.access import WITH_GUESTS, access_organisation
from turnabout.accounts.models import User
from turnabout.matching.models import CircleMatch, CircleMatchMember, Match, MatchRun
from turnabout.programs.access import access_program
from turnabout.programs.models import Role


def access_match_run(user: User, run_id: int) -> MatchRun:
    """A run of a program the user manages (404 for other organisations, 403 for other roles)."""
    organisation = access_organisation(user)
    program_id = MatchRun.objects.filter(pk=run_id, program__organisation=organisation).values_list("program_id", flat=True).first()
    if program_id is None:
        raise Http404(gettext("No such match run in your organisation."))
    program = access_program(user, program_id)
    run = MatchRun.objects.get(pk=run_id)
    run.program = program
    return run


def access_own_match(user: User, match_id: int) -> tuple[Match, Role]:
    """A match the user is part of (a guest's too), with their side; anyone else's answers 404."""
    organisation = access_organisation(user, roles=WITH_GUESTS)
    match = (
        Match.objects.select_related("program", "mentor__person", "mentee__person", "mentor__person__grade", "mentee__person__grade")
        .filter(pk=match_id, program__organisation=organisation)
        .first()
    )
    if match is None:
        raise Http404(gettext("No such match of yours."))
    if match.mentor.person.user_id == user.pk:
        return match, Role.MENTOR
    if match.mentee.person.user_id == user.pk:
        return match, Role.MENTEE
    raise Http404(gettext("No such match of yours."))


def access_circle_match(user: User, match_id: int) -> tuple[CircleMatch, CircleMatchMember]:
    """A circle proposal the user is a member of (a guest's too), with their membership; anyone else's answers 404."""
    organisation = access_organisation(user, roles=WITH_GUESTS)
    match = (
        CircleMatch.objects.select_related("program")
        .prefetch_related("members__enrolment__person")
        .filter(pk=match_id, program__organisation=organisation)
        .first()
    )
    mine = next((member for member in match.members.all() if member.enrolment.person.user_id == user.pk), None) if match else None
    if match is None or mine is None:
        raise Http404(gettext("No such match of yours."))
    return match, mine
