"""The emails of surveys as background tasks: load by id, then send one email (``surveys.notifications``). Safe to run twice.

The services enqueue these; the periodic job that calls the services lives in ``surveys.jobs``."""

from django.tasks import task

from turnabout.surveys import notifications
from turnabout.surveys.models import InterestInvitation, SurveyAssignment


@task()
def send_survey_invitation(assignment_id: int) -> None:
    """Invite one participant to an open wave; once per assignment, never after they answered or the wave closed."""
    assignment = SurveyAssignment.objects.select_related("wave__program", "enrolment__person").get(pk=assignment_id)
    notifications.send_survey_invitation(assignment)


@task()
def send_interest_invitation(invitation_id: int) -> None:
    """Ask one person of an interest survey's population to answer; once, never after they answered or it closed."""
    invitation = InterestInvitation.objects.select_related("survey", "person").get(pk=invitation_id)
    notifications.send_interest_invitation(invitation)
