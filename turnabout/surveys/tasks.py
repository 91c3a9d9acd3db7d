"""Background jobs of surveys: load by id, then send one email. Safe to run twice."""

from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from turnabout.core.email import send_templated_email
from turnabout.identity.links import sign_in_url
from turnabout.surveys.models import SurveyAssignment, WaveStatus
from turnabout.surveys.services import open_due_waves


@task()
def send_survey_invitation(assignment_id: int) -> None:
    """Invite one participant to an open wave; once per assignment, never after they answered or the wave closed.

    Claims the assignment with a conditional UPDATE first; a failed send releases the claim so a retry can send.
    """
    assignment = SurveyAssignment.objects.select_related("wave__program", "enrolment__person").get(pk=assignment_id)
    wave, program = assignment.wave, assignment.wave.program
    if assignment.completed_at is not None or wave.status_on(timezone.localdate()) != WaveStatus.OPEN:
        return
    claimed_at = timezone.now()
    if not SurveyAssignment.objects.filter(pk=assignment.pk, invitation_emailed_at__isnull=True).update(invitation_emailed_at=claimed_at):
        return
    person = assignment.enrolment.person
    try:
        context = {
            "program": program,
            "wave": wave,
            "person": person,
            "my_label": program.label_for(assignment.enrolment.role),
            "action_url": sign_in_url(person=person, next_path=reverse("surveys:survey", args=[assignment.pk])),
        }
        send_templated_email(to=[person.email], template="surveys/email/invitation", context=context)
    except Exception:
        SurveyAssignment.objects.filter(pk=assignment.pk, invitation_emailed_at=claimed_at).update(invitation_emailed_at=None)
        raise


@task()
def open_due_waves_job() -> str:
    """The periodic job open-due-waves (``turnabout open-due-waves``): open the waves due today, enqueue invitations."""
    return str(open_due_waves(now=timezone.now()))
