"""``turnabout sync-instruments``: load the survey instruments shipped in surveys/data/instruments.json.

Run it after upgrading Turnabout or editing the file; it is idempotent and retires instruments no longer shipped.
"""

from typing import Any

from django.core.management.base import BaseCommand

from turnabout.surveys.services import sync_instruments


class Command(BaseCommand):
    help = "Add or update the shipped survey instruments (by slug and version); retire those no longer shipped."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(sync_instruments()))
