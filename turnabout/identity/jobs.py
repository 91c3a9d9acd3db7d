"""The periodic jobs of identity (core.scheduler; registered in apps.py): they call services.

Apart from ``identity.tasks`` because they call services, and services enqueue those tasks.
"""

from django.tasks import task
from django.utils import timezone

from turnabout.identity.services import deactivate_ended_guest_logins


@task()
def deactivate_ended_guests_job() -> str:
    """The daily job deactivate-ended-guests: the logins of guests whose access ended before today are deactivated."""
    count = deactivate_ended_guest_logins(today=timezone.localdate())
    return f"Deactivated {count} login(s) of guests whose access ended."
