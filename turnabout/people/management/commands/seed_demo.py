"""``turnabout seed-demo``: load the demo organisation (Northwind Group) and print how to sign in."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from turnabout.accounts.errors import DuplicateEmail
from turnabout.people.demo import DEMO_PASSWORD, MAX_EMPLOYEES, MIN_EMPLOYEES, DemoOrganisation, seed_demo_organisation

SIGN_IN_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Load the demo organisation with people, skills and demo logins; does nothing if it is already loaded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--employees", type=int, default=2000, help=f"How many people ({MIN_EMPLOYEES}–{MAX_EMPLOYEES}; default 2000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same organisation (default 1).")
        parser.add_argument("--reset", action="store_true", help="Delete the demo organisation and load it again.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or settings.DEBUG):
            raise CommandError(f"seed-demo creates logins with the public password {DEMO_PASSWORD!r}; set TURNABOUT_DEMO=1 to allow it.")
        employees = options["employees"]
        if not MIN_EMPLOYEES <= employees <= MAX_EMPLOYEES:
            raise CommandError(f"--employees must be between {MIN_EMPLOYEES} and {MAX_EMPLOYEES}; got {employees}")
        try:
            demo = seed_demo_organisation(employees=employees, seed=options["seed"], reset=options["reset"])
        except DuplicateEmail as error:
            raise CommandError(f"{error.message} Remove it or choose another database.") from error
        self.stdout.write(_summary(demo))
        for line in _sign_in_lines(demo):
            self.stdout.write(line)


def _summary(demo: DemoOrganisation) -> str:
    counts = f"{demo.people} people ({demo.leavers} leavers), {demo.departments} departments, {demo.sites} sites"
    if demo.created:
        return f"Demo organisation {demo.organisation.name}: {counts}."
    return f"Demo organisation {demo.organisation.name} is already loaded: {counts}. Nothing changed; use --reset to recreate it."


def _sign_in_lines(demo: DemoOrganisation) -> list[str]:
    if not demo.logins:
        return []
    first, *others = demo.logins
    lines = [f"Sign in at {SIGN_IN_URL} as {first.email} / {DEMO_PASSWORD}"]
    for login in others:
        who = f": {login.person_name}, {login.job_title}" if login.person_name else ""
        lines.append(f"  or as {login.email} ({login.role}{who})")
    lines.append(f"All demo logins share the password {DEMO_PASSWORD}: it is public, so keep this data to local demos.")
    return lines
