"""Backups of the whole database, and restoring one all or nothing (``turnabout backup``, ``turnabout restore``).

A backup file is a gzip-compressed tar archive of two members, in this order:

- ``manifest.json``: what the file holds: the engine, the Turnabout version, the applied migrations, the row count
  of every table, when it was made, and the size and SHA-256 of the database member;
- the database: ``database.sqlite3``, a copy made with SQLite's online backup API in one step (one consistent
  snapshot; in WAL mode the server and the worker keep writing meanwhile), or ``database.pgdump``, a
  ``pg_dump --format=custom`` archive taken in the very snapshot the manifest's row counts were read in.

Restoring reads the whole file first (the checksum, then SQLite's integrity check or ``pg_restore --list``),
refuses a file of the other engine or from a newer schema, and refuses a database that holds an organisation
unless forced. Then it replaces the database in one transaction, so a failure leaves it as it was: SQLite copies
the checked file into the database with the backup API (one write transaction); PostgreSQL drops and recreates
the ``public`` schema and replays the dump through ``psql`` inside one ``BEGIN`` that is committed only once
``pg_restore`` has written all of it (``backup_postgres``). Nothing here prints; callers print counts, never rows.
The errors, the connections of their own and what a database holds are in ``backup_database``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime
from importlib.metadata import version as distribution_version
from pathlib import Path
from typing import Any

from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from turnabout.core.backup_database import (
    CHUNK_BYTES,
    BackupDamaged,
    BackupError,
    BackupIncompatible,
    DatabaseContents,
    DatabaseNotEmpty,
    DatabaseToolMissing,
    RestoreFailed,
    connected,
    counted,
    describe,
    tenant_table,
)
from turnabout.core.backup_postgres import dump_postgresql, replay_postgresql, verify_dump

__all__ = [
    "BackupCheck",
    "BackupDamaged",
    "BackupError",
    "BackupIncompatible",
    "DatabaseContents",
    "DatabaseNotEmpty",
    "DatabaseToolMissing",
    "Manifest",
    "RestoreFailed",
    "RestoreResult",
    "TableDifference",
    "check_backup",
    "counted",
    "create_backup",
    "database_engine",
    "restore_backup",
    "turnabout_version",
]

FORMAT = "turnabout-backup"
FORMAT_VERSION = 1
MANIFEST_MEMBER = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MANIFEST_MAX_BYTES = 10 * 1024 * 1024
SQLITE_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds: no row, only names of tables and migrations, and counts."""

    engine: str
    turnabout_version: str
    created_at: datetime
    server_version: str
    migrations: dict[str, list[str]]
    table_rows: dict[str, int]
    database_member: str
    database_bytes: int
    database_sha256: str
    dump_tool_version: str | None = None

    @property
    def engine_name(self) -> str:
        return ENGINE_NAMES[self.engine]

    @property
    def rows(self) -> int:
        return sum(self.table_rows.values())

    @property
    def migration_count(self) -> int:
        return sum(len(names) for names in self.migrations.values())

    @property
    def organisations(self) -> int:
        return self.table_rows.get(tenant_table(), 0)

    def to_json(self) -> bytes:
        document = {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self), "created_at": self.created_at.isoformat()}
        return json.dumps(document, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes, *, source: str) -> Manifest:
        """Parse a manifest, raising BackupDamaged or BackupIncompatible naming what is wrong with it."""
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BackupDamaged(f"{source} is not a Turnabout backup: its manifest is not JSON.") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("format_version"), int):
            raise BackupDamaged(f"{source} is not a Turnabout backup: its manifest does not say format {FORMAT!r}.")
        if document["format_version"] > FORMAT_VERSION:
            raise BackupIncompatible(
                f"{source} was written by a newer Turnabout ({document.get('turnabout_version')}, backup format "
                f"{document['format_version']}); this is {turnabout_version()} (format {FORMAT_VERSION}). Upgrade Turnabout, then restore."
            )
        try:
            fields = {field.name: document[field.name] for field in dataclass_fields(cls)}
            fields["created_at"] = datetime.fromisoformat(fields["created_at"])
            if MEMBERS.get(fields["engine"]) != fields["database_member"]:
                raise ValueError(f"engine {fields['engine']!r} and member {fields['database_member']!r} disagree")
            counts = [fields["database_bytes"], *fields["table_rows"].values()]
            names = [fields["turnabout_version"], fields["server_version"], fields["database_sha256"], *fields["table_rows"]]
            names += [name for app, migrations in fields["migrations"].items() for name in [app, *migrations]]
            if not all(isinstance(count, int) and not isinstance(count, bool) and count >= 0 for count in counts):
                raise ValueError("a count is not a whole number")
            if not all(isinstance(name, str) for name in names):
                raise ValueError("a name is not text")
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise BackupDamaged(f"{source} has a damaged manifest ({error}).") from None
        return cls(**fields)


@dataclass(frozen=True)
class TableDifference:
    table: str
    backup_rows: int | None
    database_rows: int | None


@dataclass(frozen=True)
class BackupCheck:
    """A backup file read in full and found sound and restorable here, compared with the configured database."""

    manifest: Manifest
    pending_migrations: list[tuple[str, str]]
    database: DatabaseContents
    differences: list[TableDifference]


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    replaced: DatabaseContents
    restored: DatabaseContents
    pending_migrations: list[tuple[str, str]]
    differences: list[TableDifference]


def turnabout_version() -> str:
    return distribution_version("turnabout")


def create_backup(path: Path, *, database: Mapping[str, Any]) -> Manifest:
    """Write a backup of ``database`` (a DATABASES entry) to ``path``, which must not exist yet.

    Safe while the server and the worker write: the copy is one snapshot. The file appears only once complete
    (written beside it, then renamed) and only its owner may read it (mode 0600): it holds personal data.
    """
    engine = database_engine(database)
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists: a backup never overwrites a file; choose a new name.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    if engine == "sqlite" and not _sqlite_is_in_memory(database) and not Path(database["NAME"]).is_file():
        raise BackupError(f"The SQLite database {database['NAME']} does not exist: check DATABASE_URL.")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".turnabout-backup-") as work_name:
        work = Path(work_name)
        member = work / MEMBERS[engine]
        if engine == "sqlite":
            contents, server_version, tool_version = _dump_sqlite(database, member)
        else:
            contents, server_version, tool_version = dump_postgresql(database, member)
        size, digest = _file_digest(member)
        manifest = Manifest(
            engine=engine,
            turnabout_version=turnabout_version(),
            created_at=timezone.now(),
            server_version=server_version,
            dump_tool_version=tool_version,
            migrations=contents.migrations,
            table_rows=contents.table_rows,
            database_member=member.name,
            database_bytes=size,
            database_sha256=digest,
        )
        partial = work / "backup.tar.gz"
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive:
                manifest_bytes = manifest.to_json()
                archive.addfile(_member_info(MANIFEST_MEMBER, len(manifest_bytes), manifest), io.BytesIO(manifest_bytes))
                with member.open("rb") as data:
                    archive.addfile(_member_info(member.name, size, manifest), data)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    return manifest


def check_backup(path: Path, *, database: Mapping[str, Any]) -> BackupCheck:
    """Read ``path`` in full, check it can be restored into ``database``, and compare their row counts. Changes nothing."""
    engine = database_engine(database)
    with tempfile.TemporaryDirectory(dir=_work_dir_for(database), prefix=".turnabout-check-") as work_name:
        manifest, member = _open_backup(Path(path), Path(work_name), engine=engine)
        pending = _pending_migrations(manifest, source=Path(path).name)
        _verify_member(manifest, member, database)
        contents = _target_contents(database)
    return BackupCheck(manifest=manifest, pending_migrations=pending, database=contents, differences=_differences(manifest, contents))


def restore_backup(path: Path, *, database: Mapping[str, Any], force: bool = False) -> RestoreResult:
    """Replace ``database`` with the backup at ``path``, all or nothing.

    Refuses (changing nothing) a damaged file, one of the other engine or a newer schema, and a database that
    holds data unless ``force``. Stop the server and the worker first: on PostgreSQL their locks make it give up.
    Migrations newer than the backup are not applied here: they are returned, for ``migrate`` to apply.
    """
    engine = database_engine(database)
    path = Path(path)
    with tempfile.TemporaryDirectory(dir=_work_dir_for(database), prefix=".turnabout-restore-") as work_name:
        work = Path(work_name)
        manifest, member = _open_backup(path, work, engine=engine)
        pending = _pending_migrations(manifest, source=path.name)
        _verify_member(manifest, member, database)
        replaced = _target_contents(database)
        if replaced.holds_data and not force:
            raise DatabaseNotEmpty(
                f"The database holds {replaced.describe()}; add --force to replace it with {path.name}, or restore into an empty database."
            )
        if engine == "sqlite":
            _replay_sqlite(member, database)
        else:
            replay_postgresql(member, database, work)
    restored = _target_contents(database)
    return RestoreResult(
        manifest=manifest,
        replaced=replaced,
        restored=restored,
        pending_migrations=pending,
        differences=_differences(manifest, restored),
    )


def database_engine(database: Mapping[str, Any]) -> str:
    engine = ENGINES.get(database.get("ENGINE", ""))
    if engine is None:
        raise BackupError(f"Backups support SQLite and PostgreSQL; the configured database uses {database.get('ENGINE')!r}.")
    return engine


# Reading a backup file.


def _open_backup(path: Path, work: Path, *, engine: str) -> tuple[Manifest, Path]:
    """Read the manifest and extract the database member into ``work``, checking its size and SHA-256."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    try:
        with tarfile.open(path, mode="r:*") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST_MEMBER or not first.isfile() or first.size > MANIFEST_MAX_BYTES:
                raise BackupDamaged(f"{path.name} is not a Turnabout backup: it does not start with {MANIFEST_MEMBER}.")
            manifest_stream = archive.extractfile(first)
            if manifest_stream is None:
                raise BackupDamaged(f"{path.name} is damaged: its manifest cannot be read.")
            manifest = Manifest.from_json(manifest_stream.read(), source=path.name)
            if manifest.engine != engine:
                raise BackupIncompatible(
                    f"{path.name} is a {manifest.engine_name} backup but the configured database (DATABASE_URL) is "
                    f"{ENGINE_NAMES[engine]}: restore it into a {manifest.engine_name} database."
                )
            second = archive.next()
            if second is None or second.name != manifest.database_member or not second.isfile():
                raise BackupDamaged(f"{path.name} is damaged: it has no {manifest.database_member} after its manifest.")
            member = work / manifest.database_member
            source = archive.extractfile(second)
            if source is None:
                raise BackupDamaged(f"{path.name} is damaged: {manifest.database_member} cannot be read.")
            with member.open("wb") as target:
                shutil.copyfileobj(source, target, CHUNK_BYTES)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupDamaged(f"{path.name} is damaged or truncated and cannot be read ({error}).") from None
    size, digest = _file_digest(member)
    if size != manifest.database_bytes or digest != manifest.database_sha256:
        raise BackupDamaged(
            f"{path.name} is damaged: its {manifest.database_member} does not match the size and SHA-256 its manifest records."
        )
    return manifest, member


def _pending_migrations(manifest: Manifest, *, source: str) -> list[tuple[str, str]]:
    """This version's migrations that the backup lacks; raises BackupIncompatible if the backup has ones it does not know."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    known_apps = {app for app, _ in known}
    applied = {(app, name) for app, names in manifest.migrations.items() for name in names}
    # Migrations of apps that are no longer installed stay recorded for ever: only installed apps can be newer.
    unknown = sorted(key for key in applied if key[0] in known_apps and key not in known)
    if unknown:
        listing = ", ".join(f"{app} {name}" for app, name in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise BackupIncompatible(
            f"{source} comes from a newer schema (Turnabout {manifest.turnabout_version}; this is {turnabout_version()}): "
            f"it has {counted(len(unknown), 'migration')} this version does not know ({listing}). "
            f"Upgrade Turnabout to {manifest.turnabout_version} or later, then restore."
        )
    return sorted(known - applied)


def _verify_member(manifest: Manifest, member: Path, database: Mapping[str, Any]) -> None:
    if manifest.engine == "sqlite":
        try:
            copied = sqlite3.connect(member)
            try:
                result = copied.execute("PRAGMA integrity_check").fetchall()
            finally:
                copied.close()
        except sqlite3.DatabaseError as error:
            raise BackupDamaged(f"The backup's database is damaged ({error}).") from None
        if result != [("ok",)]:
            raise BackupDamaged(f"The backup's database fails SQLite's integrity check ({result[0][0]}).")
        return
    verify_dump(member, database, dump_tool_version=manifest.dump_tool_version)


def _differences(manifest: Manifest, contents: DatabaseContents) -> list[TableDifference]:
    tables = sorted(set(manifest.table_rows) | set(contents.table_rows))
    return [
        TableDifference(table=table, backup_rows=manifest.table_rows.get(table), database_rows=contents.table_rows.get(table))
        for table in tables
        if manifest.table_rows.get(table) != contents.table_rows.get(table)
    ]


def _target_contents(database: Mapping[str, Any]) -> DatabaseContents:
    if database_engine(database) == "sqlite" and not _sqlite_is_in_memory(database) and not Path(database["NAME"]).exists():
        return DatabaseContents(table_rows={}, migrations={})  # connecting would create the file
    with connected(database) as connection:
        return describe(connection)


# SQLite.


def _sqlite_is_in_memory(database: Mapping[str, Any]) -> bool:
    name = str(database["NAME"])
    return name == ":memory:" or "mode=memory" in name


def _work_dir_for(database: Mapping[str, Any]) -> Path | None:
    """Beside a SQLite database (its copy may not fit in a small /tmp); the system's temporary folder otherwise."""
    if database_engine(database) == "sqlite" and not _sqlite_is_in_memory(database):
        folder = Path(database["NAME"]).resolve().parent
        if not folder.is_dir():
            raise BackupError(f"The folder {folder} of the SQLite database does not exist.")
        return folder
    return None


def _sqlite_file(path: Path) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def _dump_sqlite(database: Mapping[str, Any], member: Path) -> tuple[DatabaseContents, str, None]:
    with connected(database) as connection:
        destination = sqlite3.connect(member)
        try:
            # One step (pages=-1) reads one snapshot: in WAL mode the writers are not blocked and cannot restart it.
            connection.connection.backup(destination)
            # A self-contained file: no -wal beside it, readable by any sqlite3.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
    with connected(_sqlite_file(member)) as copy_connection:
        contents = describe(copy_connection)
    return contents, sqlite3.sqlite_version, None


def _replay_sqlite(member: Path, database: Mapping[str, Any]) -> None:
    timeout = database.get("OPTIONS", {}).get("timeout", SQLITE_TIMEOUT_SECONDS)
    source = sqlite3.connect(member)
    try:
        destination = sqlite3.connect(str(database["NAME"]), uri=True, timeout=timeout, isolation_level=None)
        try:
            # backup() retries a locked destination for ever: a server or worker holding the write lock is told
            # apart here, within the busy timeout, and a writer that slips in after waits only for its commit.
            destination.execute("BEGIN IMMEDIATE")
            destination.execute("ROLLBACK")
            # The backup API writes the whole copy in one transaction of the destination: a failure rolls it back.
            source.backup(destination)
        finally:
            destination.close()
    except sqlite3.Error as error:
        detail = str(error)
        if "locked" in detail:
            detail = f"another connection is using the database; stop the server and the worker first ({detail})"
        raise RestoreFailed(f"The restore failed and the database was left as it was: {detail}.") from None
    finally:
        source.close()


# Small helpers.


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _member_info(name: str, size: int, manifest: Manifest) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(manifest.created_at.timestamp())
    return info
