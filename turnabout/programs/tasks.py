"""Background jobs of the programs app: load by id, then call a service or send one email."""

from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from turnabout.core.email import send_templated_email
from turnabout.identity.links import sign_in_url
from turnabout.programs.models import Enrolment, EnrolmentStatus


@task()
def send_invitation_email(enrolment_id: int) -> None:
    """Invite one person; skipped when the invitation was withdrawn before the worker ran."""
    # Claim the email with a conditional UPDATE: a second delivery, or a re-opened program, sends nothing twice.
    claimed = Enrolment.objects.filter(pk=enrolment_id, status=EnrolmentStatus.INVITED, invitation_emailed_at__isnull=True).update(
        invitation_emailed_at=timezone.now()
    )
    if not claimed:
        return
    enrolment = Enrolment.objects.select_related("program", "person").get(pk=enrolment_id)
    program, person = enrolment.program, enrolment.person
    send_templated_email(
        to=[person.email],
        template="programs/email/invitation",
        context={
            "person": person,
            "program": program,
            "role_label": program.label_for(enrolment.role),
            "action_url": sign_in_url(person=person, next_path=reverse("programs:apply", args=[enrolment.pk])),
        },
    )
