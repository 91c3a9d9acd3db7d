"""Access to people records. Sponsors see aggregates only; nobody sees another organisation."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from turnabout.accounts.access import access_managed_organisation, access_organisation
from turnabout.accounts.models import Organisation, Role, User
from turnabout.people.models import ImportJob, Person

INDIVIDUAL_RECORD_ROLES = frozenset({Role.ADMIN, Role.PROGRAM_MANAGER, Role.PARTICIPANT})


def access_directory(user: User) -> Organisation:
    """The organisation whose directory ``user`` may browse; sponsors are refused."""
    return access_organisation(user, roles=INDIVIDUAL_RECORD_ROLES)


def access_person(user: User, person_id: int) -> Person:
    """One person of the user's own organisation; 404 for anyone else's, 403 for sponsors."""
    organisation = access_directory(user)
    try:
        return Person.objects.select_related("grade", "department", "site", "manager", "organisation").get(
            pk=person_id, organisation=organisation
        )
    except Person.DoesNotExist:
        raise Http404(_("No such person in your organisation.")) from None


def access_own_person(user: User) -> Person:
    """The person record linked to the signed-in user (for their own privacy settings)."""
    organisation = access_organisation(user)
    try:
        return Person.objects.get(user=user, organisation=organisation)
    except Person.DoesNotExist:
        raise PermissionDenied(_("Your login is not linked to a person in the directory.")) from None


def sees_employment_details(user: User) -> bool:
    """Hire date, employment status and end date are for admins and program managers."""
    return user.role in {Role.ADMIN, Role.PROGRAM_MANAGER}


def access_import_job(user: User, job_id: int) -> ImportJob:
    """An import job of the user's organisation, for admins and program managers; 404 for another organisation's."""
    organisation = access_managed_organisation(user)
    try:
        return ImportJob.objects.select_related("organisation").get(pk=job_id, organisation=organisation)
    except ImportJob.DoesNotExist:
        raise Http404(_("No such import in your organisation.")) from None
