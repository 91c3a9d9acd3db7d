"""The periodic jobs of engagement (core.scheduler; registered in apps.py): the same services as the cron commands.

Apart from ``engagement.tasks`` because they call services, and services enqueue those tasks.
"""

from django.tasks import task
from django.utils import timezone

from turnabout.engagement.health import refresh_program_health
from turnabout.engagement.models import PairStatus
from turnabout.engagement.services import send_due_nudges
from turnabout.programs.models import Program


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
