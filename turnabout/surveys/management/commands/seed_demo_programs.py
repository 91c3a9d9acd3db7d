"""``turnabout seed-demo-programs``: a running and an enrolling program in the demo organisation."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from turnabout.matching.demo import seed_demo_programs


class Command(BaseCommand):
    help = "Add demo programs (one running with pairs, one enrolling) to the demo organisation; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or settings.DEBUG):
            raise CommandError("seed-demo-programs is for demo databases; set TURNABOUT_DEMO=1 to allow it.")
        try:
            result = seed_demo_programs(seed=options["seed"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        created = ", ".join(result.created) if result.created else "nothing new (already loaded)"
        self.stdout.write(f"Demo programs: {created}; {result.pairs} pairs running.")
