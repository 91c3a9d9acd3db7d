"""Background jobs of engagement: load by id, then send one email (``engagement.notifications``) or call a service.

Safe to run twice: each email is sent once under its key (``core.delivery``).
"""

from django.tasks import task
from django.utils import timezone

from turnabout.engagement import notifications
from turnabout.engagement.health import refresh_program_health
from turnabout.engagement.models import Concern, ManagerAction, Meeting, PairStatus
from turnabout.engagement.nudges import overdue_pairs, send_due_nudges
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
def send_meeting_invitation(meeting_id: int, sequence: int, by_role: str) -> None:
    """Email both people the invitation or update; once per side and sequence."""
    meeting = Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id)
    notifications.send_meeting_invitation(meeting, sequence=sequence, by_role=by_role)


@task()
def send_meeting_cancellation(meeting_id: int, by_role: str) -> None:
    """Email the partner of the side that cancelled; once per meeting."""
    meeting = Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id)
    notifications.send_meeting_cancellation(meeting, by_role=by_role)


@task()
def send_senior_cancellation_notice(meeting_id: int) -> None:
    """Tell the program managers that the senior side cancelled a meeting."""
    notifications.send_senior_cancellation_notice(Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id))


@task()
def send_agenda_email(meeting_id: int) -> None:
    """Email the agenda to the mentee; once per version of the agenda."""
    notifications.send_agenda(Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id))


@task()
def send_pulse_request(meeting_id: int, role: str) -> None:
    """Ask one side for the one-minute pulse; once per meeting and side."""
    notifications.send_pulse_request(Meeting.objects.select_related(*notifications.MEETING_RELATIONS).get(pk=meeting_id), role=role)


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
