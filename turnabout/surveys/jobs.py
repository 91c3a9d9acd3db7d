"""Periodic jobs of surveys that call its services (``surveys.tasks`` holds the emails, which the services enqueue)."""

from django.tasks import task
from django.utils import timezone

from turnabout.surveys.services import open_due_waves


@task()
def open_due_waves_job() -> str:
    """The periodic job open-due-waves (``turnabout open-due-waves``): open the waves due today, enqueue invitations."""
    return str(open_due_waves(now=timezone.now()))
