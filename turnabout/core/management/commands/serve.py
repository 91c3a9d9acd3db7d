"""``turnabout serve``: the production entry point — gunicorn, the task worker and the scheduler in one command.

Run it as systemd's ``ExecStart`` or a container's command after ``turnabout collectstatic`` and ``turnabout migrate``;
it stops on SIGTERM and exits with status 1 when any of its processes dies, for the service manager to restart it.
"""

from argparse import ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from turnabout.core.serving import (
    TASK_WORKERS_MAX,
    WEB_WORKERS_MAX,
    Supervisor,
    children,
    default_task_workers,
    default_web_workers,
    usable_cores,
)


def _count(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise ArgumentTypeError(f"must be a whole number of at least 1; got {raw!r}")
    return int(raw)


class Command(BaseCommand):
    help = (
        "Serve Turnabout: gunicorn on --bind (the application loaded once, before it forks its workers), the background "
        "task workers and the scheduler of periodic jobs, as child processes. Stops them all on SIGTERM or Ctrl-C; exits "
        "with status 1 when one of them exits, so systemd or Docker restarts it. Extra gunicorn options can be given in "
        "GUNICORN_CMD_ARGS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        cores = usable_cores()
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="Address of the web server: HOST:PORT or unix:PATH (default %(default)s)."
        )
        parser.add_argument(
            "--web-workers",
            type=_count,
            default=default_web_workers(cores),
            help=f"gunicorn worker processes (default 2 × cores + 1, at most {WEB_WORKERS_MAX}: %(default)s on this machine).",
        )
        parser.add_argument(
            "--task-workers",
            type=_count,
            default=default_task_workers(cores),
            help=f"Background task worker processes (default one per two cores, at most {TASK_WORKERS_MAX}: %(default)s here).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Run no task worker (they run elsewhere).")
        parser.add_argument("--no-scheduler", action="store_true", help="Run no scheduler (it runs elsewhere, or cron runs the jobs).")

    def handle(self, *args: Any, **options: Any) -> None:
        processes = children(
            bind=options["bind"],
            web_workers=options["web_workers"],
            task_workers=options["task_workers"],
            worker=not options["no_worker"],
            scheduler=not options["no_scheduler"],
        )
        mode = " (demo mode: never in production)" if settings.DEMO else (" (DEBUG on: never in production)" if settings.DEBUG else "")
        workers = "no task worker" if options["no_worker"] else f"{options['task_workers']} task worker(s)"
        scheduler = "no scheduler" if options["no_scheduler"] else "the scheduler"
        self.stdout.write(f"Serving Turnabout on {options['bind']}{mode}: {options['web_workers']} web workers, {workers}, {scheduler}.")
        self.stdout.flush()
        if Supervisor(processes).run():
            raise CommandError("A Turnabout process exited; stopped the others.")
