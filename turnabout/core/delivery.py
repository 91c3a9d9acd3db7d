"""Sending an email once: ``send_once(key, send)`` claims the key, then sends; every key is built here.

The claim is an INSERT of an ``EmailDelivery`` row whose ``key`` is unique, in its own transaction: of two deliveries
of one task, or two workers running it at once, one inserts and sends, the other finds the key taken and sends
nothing. The send comes after the claim, so the guarantee is at most once: a send that raises deletes its claim
and re-raises (the task fails, and a retry sends), while a worker that dies mid-send leaves the claim with no
``sent_at``, and that email is not sent again. A key names one email (one kind, one subject, one version of it):
a rescheduled meeting or a new overdue stretch has a new key, so it gets its own email.

>>> meeting_invitation_key(7, sequence=2, role="mentee")
'invite:7:2:mentee'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from turnabout.core.models import EmailDelivery


def send_once(key: str, send: Callable[[], None]) -> bool:
    """Call ``send`` unless an email under ``key`` was already claimed; True when this call sent it.

    Call outside a transaction (from a task): the claim commits before ``send`` runs, so a concurrent delivery sees it.
    """
    try:
        with transaction.atomic():
            EmailDelivery.objects.create(key=key, claimed_at=timezone.now())
    except IntegrityError:
        return False
    try:
        send()
    except Exception:
        EmailDelivery.objects.filter(key=key, sent_at__isnull=True).delete()
        raise
    EmailDelivery.objects.filter(key=key).update(sent_at=timezone.now())
    return True


def claimed_keys(keys: Iterable[str]) -> set[str]:
    """Those of ``keys`` already claimed (sent or being sent): what a periodic job need not enqueue again."""
    return set(EmailDelivery.objects.filter(key__in=list(keys)).values_list("key", flat=True))


# --- Keys: one function per kind of email. The engagement keys are those of the SentNudge rows they replace. -------


def meeting_reminder_key(meeting_id: int, starts_at: datetime, *, member_id: int | None = None) -> str:
    """Moving a meeting changes its key, so the new time gets its own reminder."""
    return f"reminder:{meeting_id}:{starts_at.isoformat()}" + _member_suffix(member_id)


def overdue_nudge_key(pair_id: int, since: date, *, member_id: int | None = None) -> str:
    """One nudge per overdue stretch: a newly held meeting starts a new stretch with a new key."""
    return f"overdue:{pair_id}:{since.isoformat()}" + _member_suffix(member_id)


def weekly_digest_key(program_id: int, week: str) -> str:
    return f"digest:{program_id}:{week}"


def check_in_key(action_id: int, *, member_id: int | None = None) -> str:
    return f"check_in:{action_id}" + _member_suffix(member_id)


def circle_member_left_key(member_id: int, *, recipient_member_id: int) -> str:
    """One notice to each remaining member of a circle that someone left (a member leaves once)."""
    return f"circle_member_left:{member_id}:m{recipient_member_id}"


def concern_key(concern_id: int) -> str:
    return f"concern:{concern_id}"


def meeting_invitation_key(meeting_id: int, *, sequence: int, role: str, member_id: int | None = None) -> str:
    """One per side and version of the invitation (an update has the next iCalendar sequence)."""
    return f"invite:{meeting_id}:{sequence}:{role}" + _member_suffix(member_id)


def meeting_cancellation_key(meeting_id: int, *, role: str, member_id: int | None = None) -> str:
    return f"cancel:{meeting_id}:{role}" + _member_suffix(member_id)


def senior_cancellation_key(meeting_id: int) -> str:
    return f"senior-cancel:{meeting_id}"


def agenda_key(meeting_id: int, agenda_sent_at: datetime, *, member_id: int | None = None) -> str:
    """One per version of the agenda."""
    return f"agenda:{meeting_id}:{agenda_sent_at.isoformat()}" + _member_suffix(member_id)


def pulse_request_key(meeting_id: int, *, role: str, member_id: int | None = None) -> str:
    return f"pulse-request:{meeting_id}:{role}" + _member_suffix(member_id)


def _member_suffix(member_id: int | None) -> str:
    """A circle's keys end in the member (``:m<id>``); a pair's keep their text, so nothing sent before is sent again."""
    return "" if member_id is None else f":m{member_id}"


def program_invitation_key(enrolment_id: int) -> str:
    return f"program-invitation:{enrolment_id}"


def survey_invitation_key(assignment_id: int) -> str:
    return f"survey-invitation:{assignment_id}"


def interest_invitation_key(invitation_id: int) -> str:
    return f"interest-invitation:{invitation_id}"


def match_proposed_key(match_id: int, *, role: str) -> str:
    """Each side of a match is asked once."""
    return f"match-proposed:{match_id}:{role}"


def match_outcome_key(match_id: int, *, role: str) -> str:
    """A match has one outcome (active or declined), told once to each side."""
    return f"match-outcome:{match_id}:{role}"


def partner_withdrawn_key(match_id: int) -> str:
    return f"partner-withdrawn:{match_id}"


def sign_in_link_key(task_result_id: str) -> str:
    """Each request for a link is its own email, so the key is that request's task: a redelivery of it sends nothing."""
    return f"sign-in-link:{task_result_id}"


def welcome_key(task_result_id: str) -> str:
    """Each invitation or new role is its own welcome, keyed like a sign-in link by the task that sends it."""
    return f"welcome:{task_result_id}"


def circle_proposed_key(match_id: int, *, enrolment_id: int) -> str:
    """Each member of a circle proposal is asked once."""
    return f"circle-proposed:{match_id}:{enrolment_id}"


def circle_outcome_key(match_id: int, *, enrolment_id: int) -> str:
    """A circle proposal has one outcome (started or declined), told once to each member."""
    return f"circle-outcome:{match_id}:{enrolment_id}"
