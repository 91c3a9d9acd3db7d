"""The email of the programs app: the invitation to a program, sent once (``core.delivery``).

A guest from outside is told who invites them, as a guest of which organisation and until when they may sign in.

``Enrolment.invitation_emailed_at`` records the send: it is set once the email went, and an enrolment that has it
(an invitation sent before the send-once keys existed, too) is not emailed again.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy

from turnabout.core.delivery import program_invitation_key, send_once
from turnabout.core.email import send_templated_email
from turnabout.identity.links import sign_in_url
from turnabout.programs.models import Enrolment, EnrolmentStatus, Role


def send_invitation(enrolment: Enrolment) -> None:
    """Invite one person; nothing when the invitation was withdrawn or already emailed."""
    if enrolment.status != EnrolmentStatus.INVITED or enrolment.invitation_emailed_at is not None:
        return
    program, person = enrolment.program, enrolment.person

    def send() -> None:
        send_templated_email(
            to=[person.email],
            template="programs/email/invitation",
            context={
                "person": person,
                "program": program,
                "inviting_organisation": program.organisation.name,
                # Lazy: the labels are read while the email renders, in the recipient's language.
                "role_label": lazy(program.label_for, str)(enrolment.role),
                "partner_label": lazy(program.label_for, str)(Role.MENTEE if enrolment.role == Role.MENTOR else Role.MENTOR),
                "action_url": sign_in_url(person=person, next_path=reverse("programs:apply", args=[enrolment.pk])),
            },
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(invitation_emailed_at=timezone.now())

    send_once(program_invitation_key(enrolment.pk), send)
