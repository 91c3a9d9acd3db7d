"""The emails of engagement: who receives each, what its context holds, and its key (``core.delivery``).

Each function takes loaded objects, checks the email is still wanted, and sends it once through ``send_once``;
the tasks in ``engagement.tasks`` only load by id and call one of these. Imports reads, pure modules and the health
refresh (the digest refreshes first), never services or tasks. Sign-in links are issued inside ``send``,
so a delivery that sends nothing issues no link.
"""

from collections.abc import Callable, Iterable, Mapping
from functools import partial

from django.urls import reverse
from django.utils import timezone

from turnabout.accounts.models import AccountRole, User
from turnabout.core.delivery import (
    agenda_key,
    check_in_key,
    circle_member_left_key,
    concern_key,
    meeting_cancellation_key,
    meeting_invitation_key,
    meeting_reminder_key,
    overdue_nudge_key,
    pulse_request_key,
    send_once,
    senior_cancellation_key,
    weekly_digest_key,
)
from turnabout.core.email import send_templated_email
from turnabout.engagement.assessment import CADENCE_NAMES
from turnabout.engagement.calendar import meeting_ics
from turnabout.engagement.health import refresh_program_health
from turnabout.engagement.models import Concern, ManagerAction, ManagerActionKind, Meeting, Pair, PairMember
from turnabout.engagement.nudges import REMINDER_LEAD, OverdueStretch
from turnabout.engagement.pulse_links import pulse_token
from turnabout.engagement.queries import circle_members, weekly_digest
from turnabout.engagement.scheduling import display_zone_of, local_wall_clock
from turnabout.identity.links import sign_in_url
from turnabout.people.models import Person
from turnabout.programs.models import Program, Role

PAIR_PEOPLE = ("program", "mentor__person", "mentee__person")
MEETING_RELATIONS = [f"pair__{relation}" for relation in PAIR_PEOPLE]


def manager_emails(program: Program) -> list[str]:
    """The organisation's program managers, or its administrators when it has none."""
    for role in (AccountRole.PROGRAM_MANAGER, AccountRole.ADMIN):
        managers = User.objects.filter(organisation_id=program.organisation_id, role=role, is_active=True).order_by("pk")
        emails = list(managers.values_list("email", flat=True))
        if emails:
            return emails
    return []


def _each_side(pair: Pair) -> list[tuple[Role, Person, Person, int | None]]:
    """Each side with its person, partner and member id (None in a pair); in a circle every current member, with the
    lead of the other side as ``partner`` (the circle's emails name "your circle", never that partner)."""
    if pair.is_circle:
        return [
            (Role(member.role), member.enrolment.person, pair.partner_of(member.role).person, member.pk) for member in circle_members(pair)
        ]
    return [(Role.MENTOR, pair.mentor.person, pair.mentee.person, None), (Role.MENTEE, pair.mentee.person, pair.mentor.person, None)]


def _to_each_side(pair: Pair, send: Callable[[Role, Person, Person], None], key: Callable[[int], str]) -> None:
    """Call ``send(role, person, partner)`` for each side; in a circle each member under its own ``key(member_id)``,
    inside the caller's key, so a retry after a failure at one member sends the rest only."""
    for role, person, partner, member_id in _each_side(pair):
        if member_id is None:
            send(role, person, partner)
        else:
            send_once(key(member_id), partial(send, role, person, partner))


def _to_each_member(members: Iterable[PairMember], send: Callable[[PairMember], None], key: Callable[[int], str]) -> None:
    """Call ``send(member)`` for each of ``members`` under its own ``key(member_id)``: once each, and a retry after a
    failure at one member sends the rest only."""
    for member in members:
        send_once(key(member.pk), partial(send, member))


def _with_sign_in(context: Mapping[str, object], *, person: Person, path: str) -> dict[str, object]:
    """``context`` with ``action_url``: a fresh sign-in link for ``person`` that opens ``path``. Call inside ``send``."""
    return {**context, "action_url": sign_in_url(person=person, next_path=path)}


def _member_for(pair: Pair, member_id: int | None, role: str) -> PairMember | None:
    """The member a circle's task names; an argument that is a role (queued before circles) reads as the sole member."""
    if not pair.is_circle:
        return None
    if member_id is not None:
        return pair.members.select_related("enrolment__person").filter(pk=member_id).first()
    return pair.members.current().select_related("enrolment__person").filter(role=role).order_by("pk").first()


def meeting_context(meeting: Meeting, role: str, member: PairMember | None = None) -> dict[str, object]:
    """What one side's (in a circle, one member's) email needs: their names and wording, and times in their own zone.

    For a circle, ``others`` names every other current member.
    """
    pair, program = meeting.pair, meeting.pair.program
    me, partner = pair.enrolment_for(role), pair.partner_of(role)
    others = ""
    if member is not None:
        me = member.enrolment
        others = ", ".join(m.enrolment.person.full_name for m in circle_members(pair) if m.pk != member.pk)
    zone = display_zone_of(me)
    return {
        "others": others,
        "meeting": meeting,
        "pair": pair,
        "program": program,
        "person": me.person,
        "partner": partner.person,
        "my_label": program.label_for(role),
        "partner_label": program.label_for(partner.role),
        "starts_at": local_wall_clock(meeting.starts_at, zone),
        "time_zone": zone.key,
        "meeting_path": reverse("engagement:meeting", args=[meeting.pk]),
        "pair_path": reverse("engagement:pair", args=[pair.pk]),
    }


def send_concern(concern: Concern) -> None:
    """Tell the organisation's program managers (or, with none, its administrators) a concern was raised; its text
    stays on the private concern page."""
    program = concern.pair.program
    managers = manager_emails(program)
    if not managers:
        return

    def send() -> None:
        send_templated_email(to=managers, template="engagement/email/concern", context={"concern": concern, "program": program})

    send_once(concern_key(concern.pk), send)


def send_meeting_reminder(meeting: Meeting) -> None:
    """Remind both people of a meeting in the next 24 hours; once per meeting time. Agenda and notes stay out."""
    pair = meeting.pair
    now = timezone.now()
    if not meeting.is_scheduled or not pair.is_active or not now < meeting.starts_at <= now + REMINDER_LEAD:
        return

    def remind(member: PairMember) -> None:
        person = member.enrolment.person
        context = _with_sign_in(
            meeting_context(meeting, member.role, member), person=person, path=reverse("engagement:meeting", args=[meeting.pk])
        )
        send_templated_email(to=[person.email], template="engagement/email/meeting_reminder", context=context)

    def send() -> None:
        if pair.is_circle:
            # A key per member inside the meeting's key: a retry after a failure reaches only those not yet reminded.
            _to_each_member(
                circle_members(pair), remind, lambda member_id: meeting_reminder_key(meeting.pk, meeting.starts_at, member_id=member_id)
            )
            return
        for role in (Role.MENTOR, Role.MENTEE):
            # Same context as the invitation: names, wording and the time in this side's own zone.
            person = pair.enrolment_for(role).person
            context = _with_sign_in(meeting_context(meeting, role), person=person, path=reverse("engagement:meeting", args=[meeting.pk]))
            send_templated_email(to=[person.email], template="engagement/email/meeting_reminder", context=context)

    send_once(meeting_reminder_key(meeting.pk, meeting.starts_at), send)


def send_overdue_nudge(stretch: OverdueStretch) -> None:
    """Nudge both people of a pair past its cadence to book a meeting; once per overdue stretch."""
    pair = stretch.pair
    days = (timezone.localdate() - stretch.since).days

    def nudge(role: Role, person: Person, partner: Person) -> None:
        context = {"program": pair.program, "pair": pair, "person": person, "partner": partner,
                   "partner_label": pair.program.label_for(pair.partner_of(role).role), "days": days,
                   "never_met": stretch.never_met, "cadence": CADENCE_NAMES[stretch.cadence]}  # fmt: skip
        signed_in = _with_sign_in(context, person=person, path=reverse("engagement:pair", args=[pair.pk]))
        send_templated_email(to=[person.email], template="engagement/email/overdue", context=signed_in)

    send_once(
        stretch.key, partial(_to_each_side, pair, nudge, lambda member_id: overdue_nudge_key(pair.pk, stretch.since, member_id=member_id))
    )


def send_weekly_digest(program: Program, *, week: str) -> None:
    """The program managers' weekly digest for ``week`` (an ISO week, e.g. 2026-W05): health refreshed first, metadata only."""
    managers = manager_emails(program)
    if not managers:
        return

    def send() -> None:
        refresh_program_health(program=program)
        digest = weekly_digest(program, week=week)
        send_templated_email(to=managers, template="engagement/email/digest", context={"program": program, "digest": digest})

    send_once(weekly_digest_key(program.pk, week), send)


def send_check_in(action: ManagerAction) -> None:
    """A manager's check-in: a short supportive note to both people, with nothing about health or content."""
    pair = action.pair
    if action.kind != ManagerActionKind.CHECK_IN or pair.is_closed:
        return

    def check_in(role: Role, person: Person, partner: Person) -> None:
        context = {"program": pair.program, "pair": pair, "person": person, "partner": partner, "manager": action.taken_by,
                   "partner_label": pair.program.label_for(pair.partner_of(role).role)}  # fmt: skip
        signed_in = _with_sign_in(context, person=person, path=reverse("engagement:pair", args=[pair.pk]))
        send_templated_email(to=[person.email], template="engagement/email/check_in", context=signed_in)

    send_once(
        check_in_key(action.pk), partial(_to_each_side, pair, check_in, lambda member_id: check_in_key(action.pk, member_id=member_id))
    )


def send_meeting_invitation(meeting: Meeting, *, sequence: int, by_role: str, by_member_id: int | None = None) -> None:
    """Email both people (in a circle, every current member) the invitation (sequence 0) or update with a REQUEST
    .ics; once per side (member) and sequence.

    A later reschedule or a cancellation supersedes it: then nothing is sent.
    """
    if not meeting.is_scheduled or meeting.ical_sequence != sequence:
        return
    ics = meeting_ics(meeting, method="REQUEST")
    if meeting.pair.is_circle:
        by = _member_for(meeting.pair, by_member_id, by_role)
        for member in circle_members(meeting.pair):
            context = {**meeting_context(meeting, member.role, member), "is_update": sequence > 0,
                       "scheduler": by.enrolment.person if by else None}  # fmt: skip

            def send_one(context: dict[str, object] = context, recipient: Person = member.enrolment.person) -> None:
                signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meeting", args=[meeting.pk]))
                send_templated_email(to=[recipient.email], template="engagement/email/meeting_invitation", context=signed_in,
                                     attachments=[("invitation.ics", ics, "text/calendar; method=REQUEST")])  # fmt: skip

            send_once(meeting_invitation_key(meeting.pk, sequence=sequence, role=member.role, member_id=member.pk), send_one)
        return
    scheduler = meeting.pair.enrolment_for(by_role).person
    for role in (Role.MENTOR, Role.MENTEE):
        context = {**meeting_context(meeting, role), "is_update": sequence > 0, "scheduler": scheduler}
        recipient = meeting.pair.enrolment_for(role).person

        def send(context: dict[str, object] = context, recipient: Person = recipient) -> None:
            signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meeting", args=[meeting.pk]))
            send_templated_email(to=[recipient.email], template="engagement/email/meeting_invitation", context=signed_in,
                                 attachments=[("invitation.ics", ics, "text/calendar; method=REQUEST")])  # fmt: skip

        send_once(meeting_invitation_key(meeting.pk, sequence=sequence, role=role), send)


def send_meeting_cancellation(meeting: Meeting, *, by_role: str, by_member_id: int | None = None) -> None:
    """Email the partner of the side that cancelled (in a circle, every other current member), with a CANCEL .ics;
    once per meeting and recipient."""
    if not meeting.is_cancelled:
        return
    if meeting.pair.is_circle:
        by = _member_for(meeting.pair, by_member_id, by_role)
        document = meeting_ics(meeting, method="CANCEL")
        for member in circle_members(meeting.pair):
            if by is not None and member.pk == by.pk:
                continue
            context = {**meeting_context(meeting, member.role, member), "canceller": by.enrolment.person if by else None}

            def send_one(context: dict[str, object] = context, recipient: Person = member.enrolment.person) -> None:
                signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meetings", args=[meeting.pair_id]))
                send_templated_email(to=[recipient.email], template="engagement/email/meeting_cancelled", context=signed_in,
                                     attachments=[("cancellation.ics", document, "text/calendar; method=CANCEL")])  # fmt: skip

            send_once(meeting_cancellation_key(meeting.pk, role=member.role, member_id=member.pk), send_one)
        return
    partner_role = meeting.pair.partner_of(by_role).role
    context = {**meeting_context(meeting, partner_role), "canceller": meeting.pair.enrolment_for(by_role).person}
    recipient = meeting.pair.enrolment_for(partner_role).person
    attachment = ("cancellation.ics", meeting_ics(meeting, method="CANCEL"), "text/calendar; method=CANCEL")

    def send() -> None:
        signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meetings", args=[meeting.pair_id]))
        send_templated_email(
            to=[recipient.email], template="engagement/email/meeting_cancelled", context=signed_in, attachments=[attachment]
        )

    send_once(meeting_cancellation_key(meeting.pk, role=partner_role), send)


def send_senior_cancellation_notice(meeting: Meeting) -> None:
    """Tell the program managers that the senior side cancelled a meeting: who and when, never agenda, place or notes."""
    if not meeting.is_cancelled or meeting.cancelled_by_role != Role.MENTEE:
        return
    program = meeting.pair.program
    managers = manager_emails(program)
    if not managers:
        return
    # Deliberately a narrow context: the template cannot reach the meeting's agenda, location or topics. In a circle
    # the mentee is whichever mentee member cancelled, and the meeting is the circle's.
    canceller = meeting.cancelled_by_member
    is_circle = meeting.pair.is_circle and canceller is not None
    context = {
        "program": program,
        "is_circle": is_circle,
        "mentee": canceller.enrolment.person if is_circle and canceller else meeting.pair.mentee.person,
        "mentor": None if is_circle else meeting.pair.mentor.person,
        "planned_for": meeting.starts_at.date(),
        "cancelled_on": (meeting.cancelled_at or timezone.now()).date(),
    }

    def send() -> None:
        send_templated_email(to=managers, template="engagement/email/senior_cancellation", context=context)

    send_once(senior_cancellation_key(meeting.pk), send)


def send_agenda(meeting: Meeting) -> None:
    """Email the agenda to the mentee (the mentor wrote it); once per version of the agenda."""
    if not meeting.is_scheduled or meeting.agenda_sent_at is None:
        return
    context = meeting_context(meeting, Role.MENTEE)
    recipient = meeting.pair.mentee.person
    if meeting.pair.is_circle:
        members = [member for member in circle_members(meeting.pair) if member.role == Role.MENTEE]

        def send_member(member: PairMember) -> None:
            signed_in = _with_sign_in(meeting_context(meeting, member.role, member), person=member.enrolment.person,
                                      path=reverse("engagement:meeting", args=[meeting.pk]))  # fmt: skip
            send_templated_email(to=[member.enrolment.person.email], template="engagement/email/agenda", context=signed_in)

        def send_circle() -> None:
            assert meeting.agenda_sent_at is not None
            sent_at = meeting.agenda_sent_at
            _to_each_member(members, send_member, lambda member_id: agenda_key(meeting.pk, sent_at, member_id=member_id))

        send_once(agenda_key(meeting.pk, meeting.agenda_sent_at), send_circle)
        return

    def send() -> None:
        signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meeting", args=[meeting.pk]))
        send_templated_email(to=[recipient.email], template="engagement/email/agenda", context=signed_in)

    send_once(agenda_key(meeting.pk, meeting.agenda_sent_at), send)


def send_pulse_request(meeting: Meeting, *, role: str, member_id: int | None = None) -> None:
    """Ask one side (in a circle, one member) for the one-minute pulse through a signed link; once per meeting and
    side (member), not after they gave it."""
    member = _member_for(meeting.pair, member_id, role)
    if member is not None:
        if not meeting.is_held or member.left_at is not None or meeting.pulses.filter(member=member).exists():
            return
        member_context = meeting_context(meeting, member.role, member)
        link = reverse("engagement:pulse", args=[pulse_token(meeting, member)])

        def send_member() -> None:
            signed_in = _with_sign_in(member_context, person=member.enrolment.person, path=link)
            send_templated_email(to=[member.enrolment.person.email], template="engagement/email/pulse_request", context=signed_in)

        send_once(pulse_request_key(meeting.pk, role=member.role, member_id=member.pk), send_member)
        return
    if not meeting.is_held or meeting.pulses.filter(role=role).exists():
        return
    context = meeting_context(meeting, role)
    recipient = meeting.pair.enrolment_for(role).person

    def send() -> None:
        signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:pulse", args=[pulse_token(meeting, role)]))
        send_templated_email(to=[recipient.email], template="engagement/email/pulse_request", context=signed_in)

    send_once(pulse_request_key(meeting.pk, role=role), send)


def send_circle_member_left(member: PairMember) -> None:
    """Tell every remaining member of a circle that goes on that ``member`` left it: once each, nothing of why."""
    pair = member.pair
    if not pair.is_circle or pair.is_closed or not member.has_left:
        return
    remaining = circle_members(pair)

    def tell(recipient: PairMember) -> None:
        person = recipient.enrolment.person
        context = {"program": pair.program, "pair": pair, "person": person, "leaver": member.enrolment.person,
                   "remaining": len(remaining)}  # fmt: skip
        signed_in = _with_sign_in(context, person=person, path=reverse("engagement:pair", args=[pair.pk]))
        send_templated_email(to=[person.email], template="engagement/email/circle_member_left", context=signed_in)

    _to_each_member(remaining, tell, lambda recipient_id: circle_member_left_key(member.pk, recipient_member_id=recipient_id))
