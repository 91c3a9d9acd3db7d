"""Access to people records. Sponsors see aggregates only; nobody sees another organisation."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from turnabout.accounts.access import MANAGING_ROLES, WITH_GUESTS, access_managed_organisation, access_organisation
from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.people.models import Community, ImportJob, Person

INDIVIDUAL_RECORD_ROLES = frozenset({AccountRole.ADMIN, AccountRole.PROGRAM_MANAGER, AccountRole.PARTICIPANT})


def access_directory(user: User) -> Organisation:
    """The organisation whose directory ``user`` may browse; sponsors are refused."""
    return access_organisation(user, roles=INDIVIDUAL_RECORD_ROLES)


def access_person(user: User, person_id: int) -> Person:
    """One person of the user's own organisation; 404 for anyone else's, 403 for sponsors.

    A guest from outside is not in the directory: only administrators and program managers, who invite them, open
    their record; to a participant it does not exist.
    """
    organisation = access_directory(user)
    people = Person.objects.all() if user.role in MANAGING_ROLES else Person.objects.employees()
    try:
        return people.select_related("grade", "department", "site", "manager", "organisation").get(pk=person_id, organisation=organisation)
    except Person.DoesNotExist:
        raise Http404(_("No such person in your organisation.")) from None


def access_own_person(user: User) -> Person:
    """The person record linked to the signed-in user (for their own privacy settings and data), guests' too."""
    organisation = access_organisation(user, roles=WITH_GUESTS)
    try:
        return Person.objects.get(user=user, organisation=organisation)
    except Person.DoesNotExist:
        raise PermissionDenied(_("Your login is not linked to a person in the directory.")) from None


def sees_employment_details(user: User) -> bool:
    """Hire date, employment status and end date are for admins and program managers."""
    return user.role in {AccountRole.ADMIN, AccountRole.PROGRAM_MANAGER}


def access_import_job(user: User, job_id: int) -> ImportJob:
    """An import job of the user's organisation, for admins and program managers; 404 for another organisation's."""
    organisation = access_managed_organisation(user)
    try:
        return ImportJob.objects.select_related("organisation").get(pk=job_id, organisation=organisation)
    except ImportJob.DoesNotExist:
        raise Http404(_("No such import in your organisation.")) from None


def access_community(user: User, community_id: int) -> Community:
    """A community of the user's organisation, for anyone who sees individual records; 404 for another organisation's."""
    organisation = access_directory(user)
    try:
        return Community.objects.select_related("organisation").get(pk=community_id, organisation=organisation)
    except Community.DoesNotExist:
        raise Http404(_("No such community in your organisation.")) from None


def access_managed_community(user: User, community_id: int) -> Community:
    """A community whose leads an administrator or program manager names."""
    organisation = access_managed_organisation(user)
    try:
        return Community.objects.get(pk=community_id, organisation=organisation)
    except Community.DoesNotExist:
        raise Http404(_("No such community in your organisation.")) from None


def leads_community(user: User, community: Community) -> bool:
    """Whether the signed-in user's person is one of the community's leads."""
    return user.is_authenticated and community.leads.filter(user=user).exists()


def led_communities(user: User) -> list[Community]:
    """The communities of the user's organisation whose leads include the user's person."""
    if not user.is_authenticated or user.organisation_id is None:
        return []
    return list(Community.objects.filter(organisation_id=user.organisation_id, leads__user=user).order_by("name"))


def sees_community_members(user: User, community: Community) -> bool:
    """Who sees a community's members by name: its leads, administrators and program managers, and for an
    identity-based network nobody (each member sees only their own membership)."""
    if community.is_identity_based:
        return False
    return sees_employment_details(user) or leads_community(user, community)
