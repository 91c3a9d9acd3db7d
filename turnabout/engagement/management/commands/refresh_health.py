"""``turnabout refresh-health``: reassess the health of every active pair, program by program.

Run it every 15 minutes, or at least daily; it writes only the pairs whose assessment changed.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from turnabout.engagement.health import refresh_program_health
from turnabout.engagement.models import PairStatus
from turnabout.programs.models import Program


class Command(BaseCommand):
    help = "Reassess pair health (state, score, reasons) for every program with active pairs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", type=int, help="Only this program (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        programs = Program.objects.filter(pairs__status=PairStatus.ACTIVE).distinct().order_by("pk")
        if options["program"] is not None:
            programs = Program.objects.filter(pk=options["program"])
            if not programs.exists():
                raise CommandError(f"--program: no program with id {options['program']}")
        assessed = changed = at_risk = watch = 0
        count = 0
        for program in programs:
            result = refresh_program_health(program=program)
            count += 1
            assessed += result.assessed
            changed += result.changed
            at_risk += result.by_state["at_risk"]
            watch += result.by_state["watch"]
        self.stdout.write(f"Assessed {assessed} active pairs in {count} programs: {changed} changed; {at_risk} at risk, {watch} to watch.")
