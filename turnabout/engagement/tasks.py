"""Background jobs of engagement: load by id, then send one email or call a service. Safe to run twice."""

from collections.abc import Callable, Mapping

from django.db import IntegrityError, transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from turnabout.accounts.models import Role as AccountRole
from turnabout.accounts.models import User
from turnabout.core.email import send_templated_email
from turnabout.engagement.calendar import meeting_ics
from turnabout.engagement.health import CADENCE_NAMES, CHECK_IN, refresh_program_health
from turnabout.engagement.meetings import display_zone_of, pulse_token
from turnabout.engagement.models import Concern, ManagerAction, Meeting, MeetingStatus, Pair, PairStatus, SentNudge
from turnabout.engagement.nudges import (
    REMINDER_LEAD,
    check_in_key,
    digest_key,
    overdue_pairs,
    reminder_key,
    send_due_nudges,
    weekly_digest,
)
from turnabout.identity.links import sign_in_url
from turnabout.people.models import Person
from turnabout.programs.models import Program, Role


@task()
def send_concern_email(concern_id: int) -> None:
    """Tell the organisation's program managers a concern was raised (its text is on the private concern page)."""
    concern = Concern.objects.select_related("pair__program").get(pk=concern_id)
    program = concern.pair.program
    managers = list(
        User.objects.filter(organisation_id=program.organisation_id, role=AccountRole.PROGRAM_MANAGER, is_active=True).values_list(
            "email", flat=True
        )
    )
    if not managers:
        managers = list(
            User.objects.filter(organisation_id=program.organisation_id, role=AccountRole.ADMIN, is_active=True).values_list(
                "email", flat=True
            )
        )
    if managers:
        send_templated_email(to=managers, template="engagement/email/concern", context={"concern": concern, "program": program})


# --- Nudges and health (see engagement.nudges): each task claims its SentNudge key before sending. ----------------


def _claim(key: str) -> bool:
    """Record the nudge as sent; False when another run or delivery already did (the unique key decides)."""
    try:
        with transaction.atomic():
            SentNudge.objects.create(key=key, sent_at=timezone.now())
    except IntegrityError:
        return False
    return True


def _send_once(key: str, send: Callable[[], None]) -> bool:
    """Send at most once per key; a failed send releases the key so a retry can send it."""
    if not _claim(key):
        return False
    try:
        send()
    except Exception:
        SentNudge.objects.filter(key=key).delete()
        raise
    return True


def _manager_emails(program: Program) -> list[str]:
    """The organisation's program managers, or its administrators when it has none."""
    for role in (AccountRole.PROGRAM_MANAGER, AccountRole.ADMIN):
        managers = User.objects.filter(organisation_id=program.organisation_id, role=role, is_active=True).order_by("pk")
        emails = list(managers.values_list("email", flat=True))
        if emails:
            return emails
    return []


def _each_side(pair: Pair) -> list[tuple[Role, Person, Person]]:
    return [(Role.MENTOR, pair.mentor.person, pair.mentee.person), (Role.MENTEE, pair.mentee.person, pair.mentor.person)]


_PAIR_PEOPLE = ("program", "mentor__person", "mentee__person")


def _with_sign_in(context: Mapping[str, object], *, person: Person, path: str) -> dict[str, object]:
    """``context`` with ``action_url``: a fresh sign-in link for ``person`` that opens ``path``. Call inside ``send``."""
    return {**context, "action_url": sign_in_url(person=person, next_path=path)}


@task()
def send_meeting_reminder(meeting_id: int) -> None:
    """Remind both people of a meeting in the next 24 hours; once per meeting time. Agenda and notes stay out."""
    meeting = Meeting.objects.select_related(*[f"pair__{relation}" for relation in _PAIR_PEOPLE]).get(pk=meeting_id)
    pair = meeting.pair
    now = timezone.now()
    if meeting.status != MeetingStatus.SCHEDULED or pair.status != PairStatus.ACTIVE or not now < meeting.starts_at <= now + REMINDER_LEAD:
        return

    def send() -> None:
        for role in (Role.MENTOR, Role.MENTEE):
            # Same context as the invitation: names, wording and the time in this side's own zone.
            person = pair.enrolment_for(role).person
            context = _with_sign_in(_meeting_context(meeting, role), person=person, path=reverse("engagement:meeting", args=[meeting.pk]))
            send_templated_email(to=[person.email], template="engagement/email/meeting_reminder", context=context)

    _send_once(reminder_key(meeting), send)


@task()
def send_overdue_nudge(pair_id: int) -> None:
    """Nudge both people of a pair past its cadence to book a meeting; once per overdue stretch."""
    due = overdue_pairs(now=timezone.now(), pair_ids=[pair_id])
    if not due:
        return
    stretch = due[0]
    pair = stretch.pair
    days = (timezone.localdate() - stretch.since).days

    def send() -> None:
        for role, person, partner in _each_side(pair):
            context = {"program": pair.program, "pair": pair, "person": person, "partner": partner,
                       "partner_label": pair.program.label_for(pair.partner_of(role).role), "days": days,
                       "never_met": stretch.never_met, "cadence": CADENCE_NAMES[stretch.cadence]}  # fmt: skip
            signed_in = _with_sign_in(context, person=person, path=reverse("engagement:pair", args=[pair.pk]))
            send_templated_email(to=[person.email], template="engagement/email/overdue", context=signed_in)

    _send_once(stretch.key, send)


@task()
def send_weekly_digest(program_id: int, week: str) -> None:
    """The program managers' weekly digest for ``week`` (an ISO week, e.g. 2026-W05): health refreshed first, metadata only."""
    program = Program.objects.select_related("organisation").get(pk=program_id)
    managers = _manager_emails(program)
    if not managers:
        return

    def send() -> None:
        refresh_program_health(program=program)
        digest = weekly_digest(program, week=week)
        send_templated_email(to=managers, template="engagement/email/digest", context={"program": program, "digest": digest})

    _send_once(digest_key(program.pk, week), send)


@task()
def send_check_in_email(action_id: int) -> None:
    """A manager's check-in: a short supportive note to both people, with nothing about health or content."""
    action = ManagerAction.objects.select_related(*[f"pair__{relation}" for relation in _PAIR_PEOPLE], "taken_by").get(pk=action_id)
    pair = action.pair
    if action.kind != CHECK_IN or pair.status == PairStatus.CLOSED:
        return

    def send() -> None:
        for role, person, partner in _each_side(pair):
            context = {"program": pair.program, "pair": pair, "person": person, "partner": partner, "manager": action.taken_by,
                       "partner_label": pair.program.label_for(pair.partner_of(role).role)}  # fmt: skip
            signed_in = _with_sign_in(context, person=person, path=reverse("engagement:pair", args=[pair.pk]))
            send_templated_email(to=[person.email], template="engagement/email/check_in", context=signed_in)

    _send_once(check_in_key(action.pk), send)


# --- Meetings (see engagement.meetings): invitations, cancellations, agendas and pulse requests. -----------------

_MEETING_RELATIONS = [f"pair__{relation}" for relation in _PAIR_PEOPLE]


def _meeting_context(meeting: Meeting, role: str) -> dict[str, object]:
    """What one side's email needs: their names and wording, and times in their own zone."""
    pair, program = meeting.pair, meeting.pair.program
    me, partner = pair.enrolment_for(role), pair.partner_of(role)
    zone = display_zone_of(me)
    return {
        "meeting": meeting,
        "pair": pair,
        "program": program,
        "person": me.person,
        "partner": partner.person,
        "my_label": program.label_for(role),
        "partner_label": program.label_for(partner.role),
        # Naive wall-clock time: templates would otherwise convert an aware datetime back to the server's zone.
        "starts_at": meeting.starts_at.astimezone(zone).replace(tzinfo=None),
        "time_zone": zone.key,
        "meeting_path": reverse("engagement:meeting", args=[meeting.pk]),
        "pair_path": reverse("engagement:pair", args=[pair.pk]),
    }


@task()
def send_meeting_invitation(meeting_id: int, sequence: int, by_role: str) -> None:
    """Email both people the invitation (sequence 0) or update with a REQUEST .ics; once per side and sequence.

    A later reschedule or a cancellation supersedes it: then nothing is sent.
    """
    meeting = Meeting.objects.select_related(*_MEETING_RELATIONS).get(pk=meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED or meeting.ical_sequence != sequence:
        return
    ics = meeting_ics(meeting, method="REQUEST")
    scheduler = meeting.pair.enrolment_for(by_role).person
    for role in (Role.MENTOR, Role.MENTEE):
        context = {**_meeting_context(meeting, role), "is_update": sequence > 0, "scheduler": scheduler}
        recipient = meeting.pair.enrolment_for(role).person

        def send(context: dict[str, object] = context, recipient: Person = recipient) -> None:
            signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meeting", args=[meeting.pk]))
            send_templated_email(to=[recipient.email], template="engagement/email/meeting_invitation", context=signed_in,
                                 attachments=[("invitation.ics", ics, "text/calendar; method=REQUEST")])  # fmt: skip

        _send_once(f"invite:{meeting.pk}:{sequence}:{role}", send)


@task()
def send_meeting_cancellation(meeting_id: int, by_role: str) -> None:
    """Email the partner of the side that cancelled, with a CANCEL .ics; once per meeting."""
    meeting = Meeting.objects.select_related(*_MEETING_RELATIONS).get(pk=meeting_id)
    if meeting.status != MeetingStatus.CANCELLED:
        return
    partner_role = meeting.pair.partner_of(by_role).role
    context = {**_meeting_context(meeting, partner_role), "canceller": meeting.pair.enrolment_for(by_role).person}
    recipient = meeting.pair.enrolment_for(partner_role).person

    attachment = ("cancellation.ics", meeting_ics(meeting, method="CANCEL"), "text/calendar; method=CANCEL")

    def send() -> None:
        signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meetings", args=[meeting.pair_id]))
        send_templated_email(
            to=[recipient.email], template="engagement/email/meeting_cancelled", context=signed_in, attachments=[attachment]
        )

    _send_once(f"cancel:{meeting.pk}:{partner_role}", send)


@task()
def send_senior_cancellation_notice(meeting_id: int) -> None:
    """Tell the program managers that the senior side cancelled a meeting: who and when, never agenda, place or notes."""
    meeting = Meeting.objects.select_related(*_MEETING_RELATIONS).get(pk=meeting_id)
    if meeting.status != MeetingStatus.CANCELLED or meeting.cancelled_by_role != Role.MENTEE:
        return
    program = meeting.pair.program
    managers = _manager_emails(program)
    if not managers:
        return
    # Deliberately a narrow context: the template cannot reach the meeting's agenda, location or topics.
    context = {
        "program": program,
        "mentee": meeting.pair.mentee.person,
        "mentor": meeting.pair.mentor.person,
        "planned_for": meeting.starts_at.date(),
        "cancelled_on": (meeting.cancelled_at or timezone.now()).date(),
    }

    def send() -> None:
        send_templated_email(to=managers, template="engagement/email/senior_cancellation", context=context)

    _send_once(f"senior-cancel:{meeting.pk}", send)


@task()
def send_agenda_email(meeting_id: int) -> None:
    """Email the agenda to the mentee (the mentor wrote it); once per version of the agenda."""
    meeting = Meeting.objects.select_related(*_MEETING_RELATIONS).get(pk=meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED or meeting.agenda_sent_at is None:
        return
    context = _meeting_context(meeting, Role.MENTEE)
    recipient = meeting.pair.mentee.person

    def send() -> None:
        signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:meeting", args=[meeting.pk]))
        send_templated_email(to=[recipient.email], template="engagement/email/agenda", context=signed_in)

    _send_once(f"agenda:{meeting.pk}:{meeting.agenda_sent_at.isoformat()}", send)


@task()
def send_pulse_request(meeting_id: int, role: str) -> None:
    """Ask one side for the one-minute pulse through a signed link; once per meeting and side, not after they gave it."""
    meeting = Meeting.objects.select_related(*_MEETING_RELATIONS).get(pk=meeting_id)
    if meeting.status != MeetingStatus.HELD or meeting.pulses.filter(role=role).exists():
        return
    context = _meeting_context(meeting, role)
    recipient = meeting.pair.enrolment_for(role).person

    def send() -> None:
        signed_in = _with_sign_in(context, person=recipient, path=reverse("engagement:pulse", args=[pulse_token(meeting, role)]))
        send_templated_email(to=[recipient.email], template="engagement/email/pulse_request", context=signed_in)

    _send_once(f"pulse-request:{meeting.pk}:{role}", send)


# --- Periodic jobs (core.scheduler; registered in apps.py): the same services as the cron commands. ---------------


@task()
def send_nudges_job() -> str:
    """The periodic job send-nudges (``turnabout send-nudges``): enqueue the reminders, nudges and digests due now."""
    return str(send_due_nudges(now=timezone.now()))


@task()
def refresh_health_job() -> str:
    """The periodic job refresh-health (``turnabout refresh-health``): one task per program with active pairs."""
    program_ids = list(Program.objects.filter(pairs__status=PairStatus.ACTIVE).distinct().order_by("pk").values_list("pk", flat=True))
    for program_id in program_ids:
        refresh_program_health_task.enqueue(program_id)
    return f"Enqueued the health refresh of {len(program_ids)} programs."


@task()
def refresh_program_health_task(program_id: int) -> str:
    """Reassess the health of one program's active pairs; writes only what changed."""
    result = refresh_program_health(program=Program.objects.get(pk=program_id))
    return f"Assessed {result.assessed} active pairs: {result.changed} changed."
