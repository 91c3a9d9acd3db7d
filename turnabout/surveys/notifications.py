"""The email of surveys: the invitation to answer an open wave, sent once (``core.delivery``).

``SurveyAssignment.invitation_emailed_at`` records the send: set once the email went; an assignment that has it
(an invitation sent before the send-once keys existed, too) is not emailed again.
"""

from django.urls import reverse
from django.utils import timezone

from turnabout.core.delivery import interest_invitation_key, send_once, survey_invitation_key
from turnabout.core.email import send_templated_email
from turnabout.identity.links import sign_in_url
from turnabout.surveys.models import InterestInvitation, SurveyAssignment, WaveStatus


def send_survey_invitation(assignment: SurveyAssignment) -> None:
    """Invite one participant to an open wave; never after they answered, the wave closed, or it was already sent."""
    wave, program = assignment.wave, assignment.wave.program
    if assignment.completed_at is not None or assignment.invitation_emailed_at is not None:
        return
    if wave.status_on(timezone.localdate()) != WaveStatus.OPEN:
        return
    person = assignment.enrolment.person

    def send() -> None:
        context = {
            "program": program,
            "wave": wave,
            "person": person,
            "my_label": program.label_for(assignment.enrolment.role),
            "action_url": sign_in_url(person=person, next_path=reverse("surveys:survey", args=[assignment.pk])),
        }
        send_templated_email(to=[person.email], template="surveys/email/invitation", context=context)
        SurveyAssignment.objects.filter(pk=assignment.pk).update(invitation_emailed_at=timezone.now())

    send_once(survey_invitation_key(assignment.pk), send)


def send_interest_invitation(invitation: InterestInvitation) -> None:
    """Ask one person to answer an interest survey; never after they answered, it closed, or it was already sent."""
    if invitation.answered_at is not None or invitation.emailed_at is not None or invitation.survey.is_closed:
        return
    person = invitation.person

    def send() -> None:
        context = {
            "survey": invitation.survey,
            "person": person,
            "action_url": sign_in_url(person=person, next_path=reverse("surveys:interest_answer", args=[invitation.pk])),
        }
        send_templated_email(to=[person.email], template="surveys/email/interest_invitation", context=context)
        InterestInvitation.objects.filter(pk=invitation.pk).update(emailed_at=timezone.now())

    send_once(interest_invitation_key(invitation.pk), send)
