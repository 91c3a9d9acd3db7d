"""``turnabout send-nudges``: enqueue the meeting reminders, past-cadence nudges and weekly digests due now.

Run it every 15 minutes (cron or a systemd timer); running it twice sends nothing twice.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from turnabout.engagement.services import send_due_nudges


class Command(BaseCommand):
    help = "Enqueue the nudges due now (meeting reminders, past-cadence nudges, weekly digests); safe to run at any interval."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = send_due_nudges(now=timezone.now())
        self.stdout.write(str(summary))
