"""``turnabout backup FILE``: write a backup of the configured database to FILE (docs/operations.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from turnabout.core.backup import BackupError, counted, create_backup


class Command(BaseCommand):
    help = (
        "Write a backup of the configured database (DATABASE_URL) to FILE, a new gzip-compressed tar file: SQLite through "
        "its online backup API, PostgreSQL through pg_dump (its client tools of the server's major version on PATH). "
        "Safe while the server and the worker run. FILE holds personal data: only its owner can read it. "
        "Check a backup with `turnabout restore FILE --check`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Where to write the backup; it must not exist yet (e.g. turnabout-2026-05-01.tar.gz).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            manifest = create_backup(path, database=connections[DEFAULT_DB_ALIAS].settings_dict)
        except BackupError as error:
            raise CommandError(error.message) from error
        except OSError as error:
            raise CommandError(f"Could not write the backup: {error}") from error
        self.stdout.write(
            f"Backed up the {manifest.engine_name} database to {path}: {counted(manifest.organisations, 'organisation')}, "
            f"{counted(len(manifest.table_rows), 'table')}, {counted(manifest.rows, 'row')}, "
            f"{counted(manifest.migration_count, 'migration')} ({path.stat().st_size / 1_000_000:,.1f} MB)."
        )
