"""``turnabout seed-demo-programs``: a running, an enrolling and last year's completed program in the demo organisation,
with a junior board of circles and campus mentors who are guests from outside.

The command lives in surveys, the layer that may build them all (the completed program answers its surveys).
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from turnabout.engagement.models import Pair
from turnabout.matching.demo import seed_demo_programs
from turnabout.surveys.demo import seed_demo_history
from turnabout.surveys.demo_formats import seed_demo_formats


class Command(BaseCommand):
    help = (
        "Add demo programs (one running with pairs, one enrolling, last year's completed one with its history, a junior "
        "board of circles and campus mentors who are guests) to the demo organisation; idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--no-history", action="store_true", help="Leave out last year's completed program and its twelve months of history."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or settings.DEBUG):
            raise CommandError("seed-demo-programs is for demo databases; set TURNABOUT_DEMO=1 to allow it.")
        try:
            result = seed_demo_programs(seed=options["seed"])
            completed = None if options["no_history"] else seed_demo_history(seed=options["seed"])
            formats = seed_demo_formats(seed=options["seed"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        created = result.created + ([completed] if completed else []) + formats.created
        pairs = Pair.objects.filter(program__organisation__slug="demo").count()
        self.stdout.write(f"Demo programs: {', '.join(created) if created else 'nothing new (already loaded)'}; {pairs} pairs in all.")
