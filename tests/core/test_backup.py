"""``turnabout backup`` and ``turnabout restore``: a restored backup holds the same rows; every refusal changes nothing.

The suite runs on SQLite and on PostgreSQL (CI runs both): each test uses the configured engine, and the few that
are about one engine's mechanism say so. A fresh PostgreSQL database is named after the test database, so CI's
clean-up drops it even if a test dies before its own teardown.
"""

import copy
import gzip
import hashlib
import io
import json
import sqlite3
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler

from tests.builders import add_person
from turnabout.core import backup, backup_postgres
from turnabout.core.backup import (
    BackupDamaged,
    BackupIncompatible,
    DatabaseNotEmpty,
    DatabaseToolMissing,
    RestoreFailed,
    check_backup,
    create_backup,
    restore_backup,
)
from turnabout.matching.demo import seed_demo_programs
from turnabout.people.models import Person

only_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's own backup mechanism")
only_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's client tools")


@contextmanager
def connected(database: dict[str, Any]) -> Iterator[BaseDatabaseWrapper]:
    handler = ConnectionHandler({"default": copy.deepcopy(database)})
    try:
        yield handler["default"]
    finally:
        handler.close_all()


def table_checksums(target: BaseDatabaseWrapper) -> dict[str, tuple[int, str]]:
    """Every table's row count and an order-independent hash of all its rows (and, on PostgreSQL, the sequences)."""
    checksums = {}
    with target.cursor() as cursor:
        tables = target.introspection.table_names(cursor)
        if target.vendor == "sqlite":
            tables.append("sqlite_sequence")
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {target.ops.quote_name(table)}")
            rows = sorted(hashlib.sha256(repr(tuple(row)).encode()).hexdigest() for row in cursor.fetchall())
            checksums[table] = (len(rows), hashlib.sha256("".join(rows).encode()).hexdigest())
        if target.vendor == "postgresql":
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename")
            sequences = cursor.fetchall()
            checksums["(sequences)"] = (len(sequences), hashlib.sha256(repr(sequences).encode()).hexdigest())
    return checksums


def checksums_of(database: dict[str, Any]) -> dict[str, tuple[int, str]]:
    with connected(database) as target:
        return table_checksums(target)


@pytest.fixture
def database() -> dict[str, Any]:
    """The configured (test) database, as restore and backup see it."""
    return copy.deepcopy(connection.settings_dict)


@pytest.fixture
def fresh_database(transactional_db, database, tmp_path) -> Iterator[dict[str, Any]]:
    """A second, empty database of the configured engine."""
    if connection.vendor == "sqlite":
        yield {**database, "NAME": str(tmp_path / "fresh.sqlite3")}
        return
    name = f"{database['NAME']}_fresh"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**database, "NAME": name}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def seeded(transactional_db) -> None:
    """The demo organisation (500 people) with its running and enrolling programs: pairs, goals, agreements, matches."""
    call_command("seed_demo", employees=500, seed=1, verbosity=0)
    seed_demo_programs(seed=1, pool_size=8)


def rewrite_backup(path: Path, *, manifest: Callable[[dict[str, Any]], None] | None = None, data: bytes | None = None) -> None:
    """Rewrite a backup file in place with its manifest edited and/or its database member replaced."""
    with tarfile.open(path, mode="r:gz") as archive:
        members = [(info, archive.extractfile(info).read()) for info in archive.getmembers()]
    (manifest_info, manifest_bytes), (data_info, data_bytes) = members
    document = json.loads(manifest_bytes)
    if manifest is not None:
        manifest(document)
    manifest_bytes = json.dumps(document).encode()
    data_bytes = data_bytes if data is None else data
    manifest_info.size, data_info.size = len(manifest_bytes), len(data_bytes)
    with tarfile.open(path, mode="w:gz") as archive:
        archive.addfile(manifest_info, io.BytesIO(manifest_bytes))
        archive.addfile(data_info, io.BytesIO(data_bytes))


def test_a_restored_backup_holds_the_same_rows_in_every_table(seeded, database, fresh_database, tmp_path):
    # given: the seeded database, backed up
    path = tmp_path / "turnabout.tar.gz"
    original = checksums_of(database)
    manifest = create_backup(path, database=database)

    # when: restored into a fresh database
    result = restore_backup(path, database=fresh_database)

    # then: every table holds the same rows, and the manifest counted them
    restored = checksums_of(fresh_database)
    assert restored == original
    assert restored["people_person"][0] == 500
    assert restored["engagement_pair"][0] == 4
    assert manifest.table_rows == {table: rows for table, (rows, _) in original.items() if not table.startswith(("sqlite_", "("))}
    assert manifest.organisations == 1
    assert result.replaced.table_rows == {}
    assert result.differences == []
    assert result.pending_migrations == []


@only_sqlite
def test_a_sqlite_backup_is_one_consistent_snapshot_while_another_connection_writes(transactional_db, admin, database, tmp_path):
    # given: a file database in WAL mode in which another connection keeps two tables in step, one transaction each
    live = {**database, "NAME": str(tmp_path / "live.sqlite3")}
    create_backup(tmp_path / "seed.tar.gz", database=database)
    restore_backup(tmp_path / "seed.tar.gz", database=live)
    writer = sqlite3.connect(live["NAME"], isolation_level=None, timeout=5)
    writer.execute("CREATE TABLE ledger_debit (amount INTEGER)")
    writer.execute("CREATE TABLE ledger_credit (amount INTEGER)")
    for amount in (10, 20, 30):
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO ledger_debit VALUES (?)", (amount,))
        writer.execute("INSERT INTO ledger_credit VALUES (?)", (amount,))
        writer.execute("COMMIT")
    # the writer is half-way through a fourth transaction, holding the write lock
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO ledger_debit VALUES (40)")

    # when: the backup runs meanwhile, and the writer then finishes
    manifest = create_backup(tmp_path / "live.tar.gz", database=live)
    writer.execute("INSERT INTO ledger_credit VALUES (40)")
    writer.execute("COMMIT")
    writer.close()

    # then: the backup holds the three committed transactions, not half of the fourth, and restores whole
    assert manifest.table_rows["ledger_debit"] == manifest.table_rows["ledger_credit"] == 3
    copy_of = {**database, "NAME": str(tmp_path / "copy.sqlite3")}
    restore_backup(tmp_path / "live.tar.gz", database=copy_of)
    restored = sqlite3.connect(copy_of["NAME"])
    assert restored.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert restored.execute("SELECT SUM(amount) FROM ledger_debit").fetchone() == (60,)
    assert restored.execute("SELECT SUM(amount) FROM ledger_credit").fetchone() == (60,)
    restored.close()


def test_restoring_over_a_database_with_data_is_refused_without_force_and_changes_nothing(transactional_db, admin, tmp_path):
    # given: a backup, then a change to the database
    path = tmp_path / "turnabout.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    add_person(admin.organisation, "E100", grade="G4", department="Finance")
    before = table_checksums(connection)

    # when / then
    with pytest.raises(CommandError, match=r"The database holds 1 organisation \(\d+ tables with data\); add --force to replace it"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert table_checksums(connection) == before
    assert Person.objects.filter(employee_id="E100").exists()


def test_force_replaces_the_database_with_the_backup(transactional_db, admin, tmp_path):
    # given: a backup, then changes to the database
    path = tmp_path / "turnabout.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    at_backup = table_checksums(connection)
    add_person(admin.organisation, "E100", grade="G4", department="Finance")
    Person.objects.filter(employee_id="A001").update(job_title="Changed after the backup")

    # when
    out = io.StringIO()
    call_command("restore", str(path), force=True, stdout=out)

    # then
    assert table_checksums(connection) == at_backup
    assert not Person.objects.filter(employee_id="E100").exists()
    assert "1 organisation, " in out.getvalue()
    assert out.getvalue().rstrip().endswith("the row counts match the backup.")


def test_a_refused_restore_of_a_fresh_database_with_data_names_it(transactional_db, admin, database, fresh_database, tmp_path):
    # given: the fresh database holds a restored backup
    path = tmp_path / "turnabout.tar.gz"
    create_backup(path, database=database)
    restore_backup(path, database=fresh_database)
    before = checksums_of(fresh_database)

    # when / then
    with pytest.raises(DatabaseNotEmpty, match="holds 1 organisation"):
        restore_backup(path, database=fresh_database)
    assert checksums_of(fresh_database) == before


def _truncated(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _garbled(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(raw))


def _not_a_backup(path: Path) -> None:
    path.write_text("employee_id,given_name\nE1,Frank\n")


def _altered_database(path: Path) -> None:
    rewrite_backup(path, data=b"not the database the manifest describes")


def _other_engine(path: Path) -> None:
    def swap(document: dict[str, Any]) -> None:
        document["engine"] = "postgresql" if document["engine"] == "sqlite" else "sqlite"
        document["database_member"] = backup.MEMBERS[document["engine"]]

    rewrite_backup(path, manifest=swap)


def _newer_schema(path: Path) -> None:
    def add_future_migration(document: dict[str, Any]) -> None:
        document["turnabout_version"] = "99.0.0"
        document["migrations"]["accounts"].append("9999_from_the_future")

    rewrite_backup(path, manifest=add_future_migration)


def _newer_format(path: Path) -> None:
    rewrite_backup(path, manifest=lambda document: document.update(format_version=2, turnabout_version="99.0.0"))


def _gzipped_text(path: Path) -> None:
    path.write_bytes(gzip.compress(b"just some text"))


@pytest.mark.parametrize(
    ("damage", "error", "message"),
    [
        (_truncated, BackupDamaged, r"is damaged or truncated and cannot be read"),
        (_garbled, BackupDamaged, r"is damaged"),
        (_not_a_backup, BackupDamaged, r"is damaged or truncated and cannot be read"),
        (_gzipped_text, BackupDamaged, r"is damaged or truncated and cannot be read"),
        (_altered_database, BackupDamaged, r"does not match the size and SHA-256 its manifest records"),
        (_other_engine, BackupIncompatible, r"is a (PostgreSQL|SQLite) backup but the configured database \(DATABASE_URL\) is"),
        (_newer_schema, BackupIncompatible, r"comes from a newer schema \(Turnabout 99\.0\.0.*accounts 9999_from_the_future\)"),
        (_newer_format, BackupIncompatible, r"was written by a newer Turnabout \(99\.0\.0, backup format 2\)"),
    ],
    ids=["truncated", "garbled", "not-a-backup", "gzipped-text", "altered-database", "other-engine", "newer-schema", "newer-format"],
)
def test_a_damaged_or_foreign_backup_is_refused_and_changes_nothing(transactional_db, admin, database, tmp_path, damage, error, message):
    # given: a backup, damaged; the database has changed since
    path = tmp_path / "turnabout.tar.gz"
    create_backup(path, database=database)
    damage(path)
    add_person(admin.organisation, "E100", grade="G4", department="Finance")
    before = table_checksums(connection)

    # when / then: forced, so only the file can be the reason
    with pytest.raises(error, match=message):
        restore_backup(path, database=database, force=True)
    with pytest.raises(error, match=message):
        check_backup(path, database=database)
    assert table_checksums(connection) == before


def test_the_command_reports_a_damaged_file_as_a_clear_error(transactional_db, admin, tmp_path):
    path = tmp_path / "turnabout.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    _truncated(path)

    with pytest.raises(CommandError, match=r"^turnabout\.tar\.gz is damaged or truncated and cannot be read"):
        call_command("restore", str(path), force=True)


def test_a_restore_applies_the_migrations_newer_than_the_backup(transactional_db, admin, tmp_path):
    # given: a backup from before core 0003 (its record removed: it is a leaf, and re-pointing queued tasks is idempotent)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'core' AND name = '0003_queued_tasks_follow_the_moved_jobs'")
    path = tmp_path / "turnabout.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    check = io.StringIO()
    call_command("restore", str(path), check=True, stdout=check)

    # when
    out = io.StringIO()
    call_command("restore", str(path), force=True, stdout=out)

    # then
    assert "This version has 1 migration newer: a restore applies them." in check.getvalue()
    assert out.getvalue().splitlines()[-1] == "Applied 1 migration newer than the backup."
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'core' AND name = '0003_queued_tasks_follow_the_moved_jobs'")
        assert cursor.fetchone() == (1,)


def test_check_prints_what_a_backup_holds_in_counts_only(transactional_db, admin, database, tmp_path):
    # given
    path = tmp_path / "turnabout.tar.gz"
    with time_machine.travel(datetime(2026, 5, 1, 2, 0, tzinfo=UTC), tick=False):
        backed_up = io.StringIO()
        call_command("backup", str(path), stdout=backed_up)
    manifest = check_backup(path, database=database).manifest

    # when
    out = io.StringIO()
    call_command("restore", str(path), check=True, verbosity=2, stdout=out)

    # then
    lines = out.getvalue().splitlines()
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    assert (
        lines[0] == f"turnabout.tar.gz is a sound {engine} backup made by Turnabout {backup.turnabout_version()} at 2026-05-01 02:00 UTC."
    )
    assert lines[1].startswith(f"  Holds 1 organisation, {len(manifest.table_rows)} tables, {manifest.rows:,} rows, ")
    assert f"    people_person: {manifest.table_rows['people_person']}" in lines
    assert lines[-1] == f"  The configured database matches the backup's row counts in all {len(manifest.table_rows)} tables."
    assert backed_up.getvalue().startswith(f"Backed up the {engine} database to {path}: 1 organisation, ")
    everything = (out.getvalue() + backed_up.getvalue()).lower()
    for personal in ("ada", "admin@", "acme"):
        assert personal not in everything


def test_check_compares_the_backup_with_a_changed_database(transactional_db, admin, database, tmp_path):
    path = tmp_path / "turnabout.tar.gz"
    create_backup(path, database=database)
    add_person(admin.organisation, "E100", grade="G4", department="Finance")
    rows = Person.objects.count()

    check = check_backup(path, database=database)

    assert [(item.table, item.backup_rows, item.database_rows) for item in check.differences if item.table == "people_person"] == [
        ("people_person", rows - 1, rows)
    ]
    assert check.database.holds_data


def test_a_backup_never_overwrites_a_file(transactional_db, admin, tmp_path):
    path = tmp_path / "turnabout.tar.gz"
    path.write_text("an older backup")

    with pytest.raises(CommandError, match=r"already exists: a backup never overwrites a file"):
        call_command("backup", str(path))
    assert path.read_text() == "an older backup"
    assert sorted(item.name for item in tmp_path.iterdir()) == ["turnabout.tar.gz"]


@only_sqlite
def test_a_backup_of_a_missing_sqlite_database_is_refused_without_creating_it(transactional_db, database, tmp_path):
    missing = {**database, "NAME": str(tmp_path / "typo.sqlite3")}

    with pytest.raises(backup.BackupError, match=r"The SQLite database .*typo\.sqlite3 does not exist: check DATABASE_URL\."):
        create_backup(tmp_path / "turnabout.tar.gz", database=missing)
    assert list(tmp_path.iterdir()) == []


def test_a_backup_file_is_readable_by_its_owner_only(transactional_db, admin, database, tmp_path):
    path = tmp_path / "turnabout.tar.gz"

    create_backup(path, database=database)

    assert path.stat().st_mode & 0o777 == 0o600


@only_sqlite
def test_a_sqlite_restore_that_fails_leaves_the_database_as_it_was(transactional_db, admin, database, fresh_database, tmp_path):
    # given: the fresh database holds a first backup, and another connection holds its write lock
    path = tmp_path / "turnabout.tar.gz"
    create_backup(path, database=database)
    restore_backup(path, database=fresh_database)
    add_person(admin.organisation, "E100", grade="G4", department="Finance")
    newer = tmp_path / "newer.tar.gz"
    create_backup(newer, database=database)
    before = checksums_of(fresh_database)
    locker = sqlite3.connect(fresh_database["NAME"], isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")

    # when / then
    try:
        with pytest.raises(
            RestoreFailed, match=r"left as it was: another connection is using the database; stop the server .*database is locked"
        ):
            restore_backup(newer, database={**fresh_database, "OPTIONS": {**fresh_database["OPTIONS"], "timeout": 0.1}}, force=True)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert checksums_of(fresh_database) == before


@only_postgresql
def test_a_postgresql_restore_that_fails_leaves_the_database_as_it_was(
    transactional_db, admin, database, fresh_database, tmp_path, monkeypatch
):
    # given: the fresh database holds a first backup, and another connection holds a lock on one of its tables
    path = tmp_path / "turnabout.tar.gz"
    create_backup(path, database=database)
    restore_backup(path, database=fresh_database)
    add_person(admin.organisation, "E100", grade="G4", department="Finance")
    newer = tmp_path / "newer.tar.gz"
    create_backup(newer, database=database)
    before = checksums_of(fresh_database)
    monkeypatch.setattr(backup_postgres, "LOCK_TIMEOUT_SECONDS", 1)

    # when / then
    with connected(fresh_database) as locker:
        locker.set_autocommit(False)
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE people_person IN ACCESS SHARE MODE")
        with pytest.raises(RestoreFailed, match=r"left as it was: another connection is using the database; stop the server"):
            restore_backup(newer, database=fresh_database, force=True)
        locker.rollback()
    assert checksums_of(fresh_database) == before


@only_postgresql
def test_postgresql_needs_its_client_tools_on_path(transactional_db, admin, database, tmp_path, monkeypatch):
    # given: no pg_dump on PATH
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    # when / then
    with pytest.raises(DatabaseToolMissing, match=r"^pg_dump is not on PATH\. .*apt install postgresql-client-\d+"):
        create_backup(tmp_path / "turnabout.tar.gz", database=database)
    assert not (tmp_path / "turnabout.tar.gz").exists()


@only_postgresql
def test_postgresql_client_tools_of_another_major_version_are_refused(transactional_db, admin, database, tmp_path, monkeypatch):
    # given: a pg_dump of PostgreSQL 9 first on PATH
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    (tools / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))

    # when / then
    with pytest.raises(DatabaseToolMissing, match=r"^pg_dump is PostgreSQL 9 \(.*\) but the server runs PostgreSQL \d+\."):
        create_backup(tmp_path / "turnabout.tar.gz", database=database)
