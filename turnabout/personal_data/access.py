"""Who may act on a person's personal-data request."""

from django.http import Http404
from django.utils.translation import gettext

from turnabout.accounts.access import access_admin_organisation
from turnabout.accounts.models import User
from turnabout.people.models import Person


def access_person_to_erase(user: User, person_id: int) -> Person:
    """A person of the administrator's own organisation; 404 for another organisation's, 403 for other roles."""
    organisation = access_admin_organisation(user)
    try:
        return Person.objects.select_related("organisation", "user").get(pk=person_id, organisation=organisation)
    except Person.DoesNotExist:
        raise Http404(gettext("No such person in your organisation.")) from None
