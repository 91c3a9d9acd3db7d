"""``turnabout scheduler``: enqueue the periodic jobs at their cadences and sweep abandoned tasks (core.scheduler).

``turnabout serve`` runs it beside the web server and the worker. Running several at once is safe: each period's
job is enqueued once. ``--once`` ticks once and exits, for a timer of your own.
"""

import signal
from argparse import ArgumentTypeError
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from turnabout.core.scheduler import DEFAULT_TICK_SECONDS, Scheduler, periodic_jobs


def _positive_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ArgumentTypeError(f"must be a number of seconds; got {raw!r}") from None
    if not 1 <= value <= 3600:
        raise ArgumentTypeError(f"must be between 1 and 3600 seconds; got {raw}")
    return value


class Command(BaseCommand):
    help = (
        "Enqueue the periodic jobs when due (" + ", ".join(job.name for job in periodic_jobs()) + ") and fail the tasks of "
        "stopped workers, every --interval seconds until stopped (SIGTERM or SIGINT). Several schedulers may run at once: "
        "each job is enqueued once per period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=_positive_seconds, default=DEFAULT_TICK_SECONDS, help="Seconds between ticks (default %(default).0f)."
        )
        parser.add_argument("--once", action="store_true", help="Tick once, print what it did and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = Scheduler(interval=options["interval"])
        if options["once"]:
            self.stdout.write(str(scheduler.tick()))
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            scheduler.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        scheduler.run()
