"""Background jobs of the programs app: load by id, then send one email (``programs.notifications``)."""

from django.tasks import task

from turnabout.programs import notifications
from turnabout.programs.models import Enrolment


@task()
def send_invitation_email(enrolment_id: int) -> None:
    """Invite one person; skipped when the invitation was withdrawn before the worker ran. Safe to run twice."""
    notifications.send_invitation(Enrolment.objects.select_related("program", "person").get(pk=enrolment_id))
