"""``turnabout setup``: the first run of a new install: the organisation, its first administrator, a sign-in link."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from turnabout.identity.errors import AlreadySetUp, IdentityError
from turnabout.identity.services import email_first_run_link, set_up_organisation


class Command(BaseCommand):
    help = (
        "Create the organisation and its first administrator on an empty install, and email (and print) a single-use "
        "sign-in link for that administrator. Refused once an organisation exists."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--organisation", required=True, metavar="NAME", help="the organisation's name, e.g. 'Acme Ltd'")
        parser.add_argument("--admin-email", required=True, metavar="EMAIL", help="the first administrator's email")
        parser.add_argument("--admin-name", default="", metavar="NAME", help="the first administrator's name")
        parser.add_argument("--no-print", action="store_true", help="only email the sign-in link, do not print it")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["organisation"].strip()
        if not name or len(name) > 200:
            raise CommandError("--organisation must be a name of 1 to 200 characters.")
        email = options["admin_email"].strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"--admin-email is not an email address: {email!r}") from None
        try:
            first_run = set_up_organisation(organisation_name=name, admin_email=email, admin_name=options["admin_name"])
        except AlreadySetUp as error:
            raise CommandError(f"{error.message} (setup runs once per install.)") from None
        except IdentityError as error:
            raise CommandError(error.message) from None
        email_first_run_link(first_run=first_run)
        organisation, admin = first_run.organisation, first_run.admin
        self.stdout.write(f"Set up {organisation.name} (slug {organisation.slug}); emailed a sign-in link to {admin.email}.")
        if not options["no_print"]:
            self.stdout.write(f"Sign-in link (single use, valid {settings.SIGN_IN_LINK_MAX_AGE_DAYS} days): {first_run.sign_in_url}")
