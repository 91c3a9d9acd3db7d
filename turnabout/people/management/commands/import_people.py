"""``turnabout import-people FILE``: check an HRIS export and upsert it into an organisation's directory."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from turnabout.accounts.models import Organisation
from turnabout.people.errors import ImportFileUnreadable, ImportRejected
from turnabout.people.hris import ImportResult, apply_people_import, preview_people_import
from turnabout.people.hris_columns import COLUMN_NAMES, guess_mapping
from turnabout.people.hris_reading import ImportFile, read_headers


class Command(BaseCommand):
    help = (
        "Import people from an HRIS export (CSV or XLSX), upserting by employee id. All or nothing: every problem is "
        "listed as 'row N, column X, value ...: reason' and nothing is written unless there are none."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8, ',' ';' or tab) or XLSX file; row 1 holds the headers")
        parser.add_argument("--organisation", metavar="SLUG", help="organisation slug; optional when there is only one")
        parser.add_argument("--dry-run", action="store_true", help="check and count the changes, write nothing")
        parser.add_argument(
            "--mapping",
            nargs="+",
            default=[],
            metavar="FIELD=Header",
            help=f"map a field to a column header (the rest is guessed from the headers); fields: {', '.join(COLUMN_NAMES)}",
        )
        parser.add_argument(
            "--mark-missing-as-leavers", action="store_true", help="mark active people absent from the file as leavers today"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = self._organisation(options["organisation"])
        file = ImportFile.from_path(options["file"])
        try:
            mapping = self._mapping(options["mapping"], file)
        except ImportFileUnreadable as error:
            raise CommandError(error.message) from None
        service = preview_people_import if options["dry_run"] else apply_people_import
        try:
            result: ImportResult = service(
                organisation=organisation, file=file, mapping=mapping, mark_missing_as_leavers=options["mark_missing_as_leavers"]
            )
        except ImportFileUnreadable as error:
            raise CommandError(error.message) from None
        except ImportRejected as rejected:
            self._fail(rejected.problems, rejected.problem_count)
        if result.has_problems:
            self._fail(result.problems, result.problem_count)
        if options["dry_run"]:
            self.stdout.write(f"Dry run of {file.name} for {organisation.name}, nothing written. {result.summary_line()}")
        else:
            self.stdout.write(f"Imported {file.name} into {organisation.name}. {result.summary_line()}")

    def _fail(self, problems: list[Any], problem_count: int) -> None:
        for problem in problems:
            self.stderr.write(str(problem))
        if problem_count > len(problems):
            self.stderr.write(f"… and {problem_count - len(problems)} more.")
        raise CommandError(f"{problem_count} problem{'s' if problem_count != 1 else ''}; nothing was imported.")

    def _organisation(self, slug: str | None) -> Organisation:
        if slug:
            try:
                return Organisation.objects.get(slug=slug)
            except Organisation.DoesNotExist:
                raise CommandError(f"No organisation has the slug {slug!r}.") from None
        organisations = list(Organisation.objects.all()[:2])
        if not organisations:
            raise CommandError(
                "There is no organisation yet: create it first with `turnabout setup --organisation NAME --admin-email EMAIL`."
            )
        if len(organisations) != 1:
            raise CommandError("There is more than one organisation: name one with --organisation SLUG.")
        return organisations[0]

    def _mapping(self, pairs: list[str], file: ImportFile) -> dict[str, str] | None:
        """The guessed mapping with the explicit pairs laid over it (a header mapped explicitly is not also guessed)."""
        if not pairs:
            return None
        mapping: dict[str, str] = {}
        for pair in pairs:
            field, _, header = pair.partition("=")
            if not header or field.strip() not in COLUMN_NAMES:
                raise CommandError(f"--mapping takes FIELD=Header with FIELD one of {', '.join(COLUMN_NAMES)}; got {pair!r}.")
            mapping[field.strip()] = header.strip()
        guessed = {field: header for field, header in guess_mapping(read_headers(file)).items() if header not in mapping.values()}
        return {**guessed, **mapping}
