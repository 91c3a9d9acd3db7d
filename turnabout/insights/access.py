"""Who may read outcomes: admins and program managers of the organisation, and sponsors for the programs they sponsor.

Outcomes are aggregates only, which is why sponsors — who never see individual records — may read them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from turnabout.accounts.access import MANAGING_ROLES, access_organisation
from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.programs.access import manages_program
from turnabout.programs.models import Program

INSIGHT_ROLES = MANAGING_ROLES | {AccountRole.SPONSOR}


def access_insights_organisation(user: User) -> Organisation:
    """The user's organisation, for admins, program managers and sponsors (403 for participants)."""
    return access_organisation(user, roles=INSIGHT_ROLES)


def access_program_insights(user: User, program_id: int) -> Program:
    """A program of the user's organisation whose outcomes the user may read.

    404 for another organisation's program; 403 for participants (other than the leads of the community running it) and
    for sponsors of other programs.
    """
    organisation = access_organisation(user)
    try:
        program = Program.objects.select_related("organisation", "sponsor", "community").get(pk=program_id, organisation=organisation)
    except Program.DoesNotExist:
        raise Http404(_("No such program in your organisation.")) from None
    if may_read_program_insights(user, program):
        return program
    raise PermissionDenied(_("Only program managers, administrators and the program's sponsor read its outcomes."))


def may_read_program_insights(user: User, program: Program) -> bool:
    """Whether ``user`` (already known to belong to the program's organisation) may open its dashboard: whoever manages
    it (a community's leads included, for their community's programs) and its sponsor."""
    return manages_program(user, program) or (user.role == AccountRole.SPONSOR and program.sponsor_id == user.pk)
