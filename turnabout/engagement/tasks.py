"""The email tasks of engagement: load by id, then send one email (``engagement.notifications``).

Safe to run twice: each email is sent once under its key (``core.delivery``). The periodic jobs, which call
services, are in ``engagement.jobs``: services enqueue these tasks, so tasks never call services.
"""

from django.tasks import task
from django.utils import timezone

from turnabout.engagement import notifications
from turnabout.engagement.models import Concern, ManagerAction, Meeting, PairMember
from turnabout.engagement.queries import overdue_pairs
from turnabout.programs.models import Program


@task()
def send_concern_email(concern_id: int) -> None:
    """Tell the organisation's program managers a concern was raised (its text is on the private concern page)."""
    notifications.send_concern(Concern.objects.select_related("pair__program").get(pk=concern_id))


@task()
def send_meeting_reminder(meeting_id: int) -> None:
    """Remind both people of a meeting in the next 24 hours; once per meeting time."""
    notifications.send_meeting_reminder(Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id))


@task()
def send_overdue_nudge(pair_id: int) -> None:
    """Nudge both people of a pair past its cadence to book a meeting; once per overdue stretch."""
    for stretch in overdue_pairs(now=timezone.now(), pair_ids=[pair_id])[:1]:
        notifications.send_overdue_nudge(stretch)


@task()
def send_weekly_digest(program_id: int, week: str) -> None:
    """The program managers' weekly digest for ``week`` (an ISO week, e.g. 2026-W05)."""
    notifications.send_weekly_digest(Program.objects.select_related("organisation").get(pk=program_id), week=week)


@task()
def send_check_in_email(action_id: int) -> None:
    """A manager's check-in: a short supportive note to both people."""
    related = [f"pair__{relation}" for relation in notifications.PAIR_PEOPLE]
    notifications.send_check_in(ManagerAction.objects.select_related(*related, "taken_by").get(pk=action_id))


@task()
def send_meeting_invitation(meeting_id: int, sequence: int, by_role: str, by_member_id: int | None = None) -> None:
    """Email both people (every member of a circle) the invitation or update; once per side (member) and sequence."""
    meeting = Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id)
    notifications.send_meeting_invitation(meeting, sequence=sequence, by_role=by_role, by_member_id=by_member_id)


@task()
def send_meeting_cancellation(meeting_id: int, by_role: str, by_member_id: int | None = None) -> None:
    """Email the partner of the side that cancelled (a circle's other members); once per meeting and recipient."""
    meeting = Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id)
    notifications.send_meeting_cancellation(meeting, by_role=by_role, by_member_id=by_member_id)


@task()
def send_senior_cancellation_notice(meeting_id: int) -> None:
    """Tell the program managers that the senior side cancelled a meeting."""
    notifications.send_senior_cancellation_notice(Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id))


@task()
def send_agenda_email(meeting_id: int) -> None:
    """Email the agenda to the mentee; once per version of the agenda."""
    notifications.send_agenda(Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id))


@task()
def send_pulse_request(meeting_id: int, role: str, member_id: int | None = None) -> None:
    """Ask one side (a circle's member) for the one-minute pulse; once per meeting and side (member)."""
    meeting = Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id)
    notifications.send_pulse_request(meeting, role=role, member_id=member_id)


@task()
def send_circle_member_left(member_id: int) -> None:
    """The remaining members of a circle that goes on are told that someone left it."""
    notifications.send_circle_member_left(PairMember.objects.select_related("pair__program", "enrolment__person").get(pk=member_id))
