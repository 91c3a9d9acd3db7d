"""``turnabout restore FILE``: replace the configured database with a backup, all or nothing (docs/operations.md)."""

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from turnabout.core.backup import BackupCheck, BackupError, Manifest, TableDifference, check_backup, counted, restore_backup


class Command(BaseCommand):
    help = (
        "Replace the configured database (DATABASE_URL) with a backup made by `turnabout backup`, all or nothing: a failure "
        "leaves the database as it was. Refuses a damaged file, one of the other engine or from a newer Turnabout, and a "
        "database that holds an organisation unless --force. Stop the server and the worker first. Migrations newer than "
        "the backup are applied afterwards. With --check, reads FILE in full, prints what it holds and compares it with "
        "the configured database, changing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A backup file written by `turnabout backup`.")
        parser.add_argument("--force", action="store_true", help="Replace a database that holds data (everything in it is lost).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check FILE: print what it holds, whether it can be restored here, and how the configured database compares.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["check"] and options["force"]:
            raise CommandError("--check changes nothing; leave out --force.")
        database = connections[DEFAULT_DB_ALIAS].settings_dict
        # The restore replaces the database under this process's own connections: none may stay open across it.
        connections.close_all()
        try:
            if options["check"]:
                self._report(path, check_backup(path, database=database), verbosity=options["verbosity"])
                return
            result = restore_backup(path, database=database, force=options["force"])
        except BackupError as error:
            raise CommandError(error.message) from error
        except OSError as error:
            raise CommandError(f"Could not read the backup or write its copy: {error}") from error
        finally:
            connections.close_all()
        if result.differences:
            differences = _differences(result.differences)
            raise CommandError(f"The restore finished but the database differs from the backup in {differences}: restore again.")
        manifest = result.manifest
        self.stdout.write(
            f"Restored {path.name} ({_origin(manifest)}): {counted(manifest.organisations, 'organisation')}, "
            f"{counted(len(manifest.table_rows), 'table')}, {counted(manifest.rows, 'row')}; the row counts match the backup."
        )
        if result.pending_migrations:
            call_command("migrate", database=DEFAULT_DB_ALIAS, interactive=False, verbosity=0)
            self.stdout.write(f"Applied {counted(len(result.pending_migrations), 'migration')} newer than the backup.")

    def _report(self, path: Path, check: BackupCheck, *, verbosity: int) -> None:
        manifest = check.manifest
        self.stdout.write(f"{path.name} is a sound {_origin(manifest)}.")
        self.stdout.write(
            f"  Holds {counted(manifest.organisations, 'organisation')}, {counted(len(manifest.table_rows), 'table')}, "
            f"{counted(manifest.rows, 'row')}, {counted(manifest.migration_count, 'migration')} "
            f"({manifest.engine_name} {manifest.server_version})."
        )
        if verbosity >= 2:
            for table, rows in sorted(manifest.table_rows.items()):
                self.stdout.write(f"    {table}: {rows:,}")
        if check.pending_migrations:
            self.stdout.write(f"  This version has {counted(len(check.pending_migrations), 'migration')} newer: a restore applies them.")
        else:
            self.stdout.write("  It has every migration of this version: it can be restored as it is.")
        database = check.database
        if not database.table_rows:
            self.stdout.write("  The configured database is empty: a restore needs no --force.")
        elif not check.differences:
            self.stdout.write(f"  The configured database matches the backup's row counts in all {len(database.table_rows):,} tables.")
        else:
            force = " (a restore needs --force)" if database.holds_data else ""
            self.stdout.write(
                f"  The configured database holds {database.describe()}{force}; it differs from the backup in "
                f"{counted(len(check.differences), 'table')}: {_differences(check.differences)}."
            )


def _origin(manifest: Manifest) -> str:
    created = timezone.localtime(manifest.created_at).strftime("%Y-%m-%d %H:%M %Z")
    return f"{manifest.engine_name} backup made by Turnabout {manifest.turnabout_version} at {created}"


def _differences(differences: list[TableDifference], limit: int = 5) -> str:
    def rows(count: int | None) -> str:
        return "no table" if count is None else f"{count:,}"

    shown = [f"{item.table} (backup {rows(item.backup_rows)}, database {rows(item.database_rows)})" for item in differences[:limit]]
    return ", ".join(shown) + (f" and {len(differences) - limit} more" if len(differences) > limit else "")
