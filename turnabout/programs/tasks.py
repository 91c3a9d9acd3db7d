"""Background jobs of the programs app: load by id, then call a service or send one email."""

from django.tasks import task
from django.urls import reverse

from turnabout.core.email import send_templated_email
from turnabout.programs.models import Enrolment, EnrolmentStatus


@task()
def send_invitation_email(enrolment_id: int) -> None:
    """Invite one person; skipped when the invitation was withdrawn before the worker ran."""
    enrolment = Enrolment.objects.select_related("program", "person").filter(pk=enrolment_id, status=EnrolmentStatus.INVITED).first()
    if enrolment is None:
        return
    program = enrolment.program
    send_templated_email(
        to=[enrolment.person.email],
        template="programs/email/invitation",
        context={
            "person": enrolment.person,
            "program": program,
            "role_label": program.label_for(enrolment.role),
            "apply_path": reverse("programs:apply", args=[enrolment.pk]),
        },
    )
