"""The emails of matching: asking a side to accept, the outcome, a partner's withdrawal; each sent once (``core.delivery``).

Before these keys, a redelivered task sent its email again; now each side of a match is asked once, told its
outcome once, and told once that its partner left.
"""

from django.urls import reverse

from turnabout.core.delivery import (
    circle_outcome_key,
    circle_proposed_key,
    match_outcome_key,
    match_proposed_key,
    partner_withdrawn_key,
    send_once,
)
from turnabout.core.email import send_templated_email
from turnabout.identity.links import sign_in_url
from turnabout.matching.models import CircleMatch, Match, MatchStatus
from turnabout.matching.presentation import WordedReason
from turnabout.matching.queries import waiting_for
from turnabout.programs.models import Enrolment, Role


def _sides(match: Match, role: str) -> tuple[Enrolment, Enrolment, str, str]:
    program = match.program
    me, partner = (match.mentor, match.mentee) if role == Role.MENTOR else (match.mentee, match.mentor)
    return me, partner, program.label_for(role), program.label_for(partner.role)


def send_match_proposed(match: Match, *, role: str) -> None:
    """Ask one side to accept; nothing when their answer is no longer awaited, or they were already asked."""
    if role not in waiting_for(match):
        return
    me, partner, my_label, partner_label = _sides(match, role)

    def send() -> None:
        send_templated_email(
            to=[me.person.email],
            template="matching/email/proposed",
            context={
                "match": match,
                "me": me.person,
                "partner": partner.person,
                "my_label": my_label,
                "partner_label": partner_label,
                "program": match.program,
                # Worded when the email is rendered, in the recipient's language.
                "reasons": [WordedReason(reason, match.program) for reason in match.reasons],
                "action_url": sign_in_url(person=me.person, next_path=reverse("matching:my_match", args=[match.pk])),
            },
        )

    send_once(match_proposed_key(match.pk, role=role), send)


def send_match_outcome(match: Match) -> None:
    """Tell both sides that the pair is on, or that it will not go ahead (without saying who declined)."""
    if match.status not in (MatchStatus.ACTIVE, MatchStatus.DECLINED):
        return
    for role in (Role.MENTOR, Role.MENTEE):
        me, partner, _my_label, partner_label = _sides(match, role)
        context = {"match": match, "me": me.person, "partner": partner.person, "program": match.program, "partner_label": partner_label}

        def send(recipient: str = me.person.email, context: dict[str, object] = context) -> None:
            send_templated_email(to=[recipient], template="matching/email/outcome", context=context)

        send_once(match_outcome_key(match.pk, role=role), send)


def send_partner_withdrawn(match: Match, *, leaving_role: str) -> None:
    """Tell the side that stays that their partner is no longer in the program."""
    staying_role = Role.MENTEE if leaving_role == Role.MENTOR else Role.MENTOR
    me, partner, _my_label, partner_label = _sides(match, staying_role)

    def send() -> None:
        send_templated_email(
            to=[me.person.email],
            template="matching/email/partner_withdrawn",
            context={"me": me.person, "partner": partner.person, "program": match.program, "partner_label": partner_label},
        )

    send_once(partner_withdrawn_key(match.pk), send)


def send_circle_proposed(match: CircleMatch, *, enrolment_id: int) -> None:
    """Ask one member of a circle proposal to accept; nothing when their answer is no longer awaited, or they were asked."""
    member = next((item for item in match.members.all() if item.enrolment_id == enrolment_id), None)
    if member is None or not match.is_proposed or not member.is_pending:
        return
    me = member.enrolment.person
    program = match.program

    def send() -> None:
        send_templated_email(
            to=[me.email],
            template="matching/email/circle_proposed",
            context={
                "match": match,
                "me": me,
                "my_label": program.label_for(member.role),
                "program": program,
                "others": [(item.enrolment.person, program.label_for(item.role)) for item in match.members.all() if item.pk != member.pk],
                "reasons": [WordedReason(reason, program) for reason in member.reasons],
                "action_url": sign_in_url(person=me, next_path=reverse("matching:my_circle", args=[match.pk])),
            },
        )

    send_once(circle_proposed_key(match.pk, enrolment_id=enrolment_id), send)


def send_circle_outcome(match: CircleMatch) -> None:
    """Tell every member who did not decline that the circle has started, or that it will not go ahead (naming nobody)."""
    if match.status not in (MatchStatus.ACTIVE, MatchStatus.DECLINED):
        return
    for member in match.current_members:
        me = member.enrolment.person
        context: dict[str, object] = {"match": match, "me": me, "program": match.program}

        def send(recipient: str = me.email, context: dict[str, object] = context) -> None:
            send_templated_email(to=[recipient], template="matching/email/circle_outcome", context=context)

        send_once(circle_outcome_key(match.pk, enrolment_id=member.enrolment_id), send)
