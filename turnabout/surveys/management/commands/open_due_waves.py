"""``turnabout open-due-waves``: open the survey waves whose opening day has come, and enqueue their invitations.

Run it daily or every 15 minutes with the other periodic jobs; running it twice opens and emails nothing twice.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from turnabout.surveys.services import open_due_waves


class Command(BaseCommand):
    help = "Open the survey waves due today (baseline, midpoint, end) and enqueue their invitation emails."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(open_due_waves(now=timezone.now())))
