"""Background jobs of surveys: load by id, then send one email (``surveys.notifications``) or call a service. Safe to run twice."""

from django.tasks import task
from django.utils import timezone

from turnabout.surveys import notifications
from turnabout.surveys.models import SurveyAssignment
from turnabout.surveys.services import open_due_waves


@task()
def send_survey_invitation(assignment_id: int) -> None:
    """Invite one participant to an open wave; once per assignment, never after they answered or the wave closed."""
    assignment = SurveyAssignment.objects.select_related("wave__program", "enrolment__person").get(pk=assignment_id)
    notifications.send_survey_invitation(assignment)


@task()
def open_due_waves_job() -> str:
    """The periodic job open-due-waves (``turnabout open-due-waves``): open the waves due today, enqueue invitations."""
    return str(open_due_waves(now=timezone.now()))
