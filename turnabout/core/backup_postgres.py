"""PostgreSQL's half of backups: ``pg_dump`` into a backup, ``pg_restore --list`` to check one, and ``pg_restore``
through ``psql`` to replay one in a single transaction; the client tools must be of the server's major version.

The dump is taken in the very snapshot the manifest's row counts are read in (``pg_export_snapshot``). The replay
drops and recreates the ``public`` schema inside one ``BEGIN`` committed only once ``pg_restore`` has written all
of it, so a failure leaves the database as it was. The tools' messages are reduced to their error lines: their
DETAIL and CONTEXT lines can quote a row.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper

from turnabout.core.backup_database import (
    CHUNK_BYTES,
    BackupDamaged,
    BackupError,
    BackupIncompatible,
    DatabaseContents,
    DatabaseToolMissing,
    RestoreFailed,
    connected,
    describe,
)

# A running server or worker holds locks on the tables: the restore gives up after this instead of waiting.
LOCK_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Tool:
    path: str
    version: str


def server_version(connection: BaseDatabaseWrapper) -> tuple[int, str]:
    number: int = connection.connection.info.server_version
    return number // 10000, f"{number // 10000}.{number % 10000}"


def major(version: str) -> int:
    return int(version.split(".")[0])


def tool(name: str, server_major: int) -> Tool:
    """The PostgreSQL client tool ``name`` on PATH, of the server's major version."""
    install = (
        f"Backups of PostgreSQL need its client tools of the server's major version on PATH (Debian and Ubuntu: "
        f"apt install postgresql-client-{server_major}, then put /usr/lib/postgresql/{server_major}/bin first on PATH)."
    )
    path = shutil.which(name)
    if path is None:
        raise DatabaseToolMissing(f"{name} is not on PATH. {install}")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?", output)
    if match is None:
        raise DatabaseToolMissing(f"{path} --version does not print a PostgreSQL version ({output.strip()!r}). {install}")
    tool_major = int(match[1])
    if tool_major != server_major:
        raise DatabaseToolMissing(f"{name} is PostgreSQL {tool_major} ({path}) but the server runs PostgreSQL {server_major}. {install}")
    return Tool(path=path, version=f"{tool_major}.{match[2] or 0}")


def _libpq(database: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the client tools, and their environment with the password (never on argv)."""
    keywords = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()} - {"password"}
    params = {"dbname": database["NAME"], "user": database["USER"], "host": database["HOST"], "port": database["PORT"]}
    params.update({key: value for key, value in database.get("OPTIONS", {}).items() if key in keywords})
    conninfo = psycopg.conninfo.make_conninfo(**{key: str(value) for key, value in params.items() if value not in ("", None)})
    environment = dict(os.environ)
    if database["PASSWORD"]:
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    return conninfo, environment


def dump_postgresql(database: Mapping[str, Any], member: Path) -> tuple[DatabaseContents, str, str]:
    conninfo, environment = _libpq(database)
    with connected(database) as connection:
        server_major, version = server_version(connection)
        pg_dump = tool("pg_dump", server_major)
        with connection.cursor() as cursor:
            # The manifest's counts and the dump read one snapshot: pg_dump joins the one this transaction exports.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                contents = describe(connection)
                dump = subprocess.run(
                    [pg_dump.path, "--format=custom", "--compress=0", f"--snapshot={snapshot}", "--no-password",
                     f"--file={member}", f"--dbname={conninfo}"],
                    capture_output=True,
                    env=environment,
                    check=False,
                )  # fmt: skip
            finally:
                cursor.execute("ROLLBACK")
    if dump.returncode != 0:
        raise BackupError(f"pg_dump failed: {_error_lines(dump.stderr)}")
    return contents, version, pg_dump.version


def replay_postgresql(member: Path, database: Mapping[str, Any], work: Path) -> None:
    """Drop and recreate ``public`` and replay the dump, in one transaction committed only after all of it."""
    conninfo, environment = _libpq(database)
    with connected(database) as connection:
        server_major, _ = server_version(connection)
    pg_restore, psql = tool("pg_restore", server_major), tool("psql", server_major)
    with (work / "pg_restore.log").open("w+b") as restore_log, (work / "psql.log").open("w+b") as replay_log:
        replay = subprocess.Popen(
            [psql.path, "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", f"--dbname={conninfo}"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=replay_log, env=environment,
        )  # fmt: skip
        script = subprocess.Popen(
            [pg_restore.path, "--no-owner", "--no-acl", "--file=-", str(member)],
            stdout=subprocess.PIPE, stderr=restore_log, env=environment,
        )  # fmt: skip
        committed = _feed(replay, script)
        replay_status = replay.wait()
        restore_log.seek(0)
        replay_log.seek(0)
        restore_errors, replay_errors = restore_log.read(), replay_log.read()
    if replay_status != 0:
        detail = _error_lines(replay_errors)
        if "lock timeout" in detail:
            detail = f"another connection is using the database; stop the server and the worker first ({detail})"
        raise RestoreFailed(f"The restore failed and the database was left as it was: {detail}")
    if not committed:
        raise RestoreFailed(f"The restore failed and the database was left as it was: pg_restore: {_error_lines(restore_errors)}")


def _feed(replay: subprocess.Popen[bytes], script: subprocess.Popen[bytes]) -> bool:
    """Stream pg_restore's script into psql after the prelude; send COMMIT only if pg_restore finished cleanly."""
    stdin: IO[bytes] | None = replay.stdin
    stdout: IO[bytes] | None = script.stdout
    assert stdin is not None
    assert stdout is not None
    committed = False
    try:
        stdin.write(
            "BEGIN;\n"
            f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s';\n"
            "DROP SCHEMA IF EXISTS public CASCADE;\n"
            "CREATE SCHEMA public;\n"
            "GRANT USAGE ON SCHEMA public TO PUBLIC;\n".encode()
        )
        shutil.copyfileobj(stdout, stdin, CHUNK_BYTES)
        if script.wait() == 0:
            stdin.write(b"COMMIT;\n")
            committed = True
    except BrokenPipeError:
        pass  # psql stopped at an error: its connection closes and the server rolls the transaction back
    finally:
        if script.poll() is None:
            script.kill()
        script.wait()
        stdout.close()
        try:
            stdin.close()
        except BrokenPipeError:
            committed = False
    return committed


def verify_dump(member: Path, database: Mapping[str, Any], *, dump_tool_version: str | None) -> None:
    """Check that ``pg_restore`` of the server's version can read the dump ``member`` (written by ``dump_tool_version``)."""
    with connected(database) as connection:
        server_major, _ = server_version(connection)
    pg_restore = tool("pg_restore", server_major)
    if dump_tool_version is not None and major(dump_tool_version) > major(pg_restore.version):
        raise BackupIncompatible(
            f"The backup was written by pg_dump {dump_tool_version}, newer than pg_restore {pg_restore.version}: "
            f"restore it into a PostgreSQL {major(dump_tool_version)} server or newer with its client tools."
        )
    listing = subprocess.run([pg_restore.path, "--list", str(member)], capture_output=True, check=False)
    if listing.returncode != 0:
        raise BackupDamaged(f"The backup's PostgreSQL dump cannot be read: {_error_lines(listing.stderr)}")


def _error_lines(stderr: bytes) -> str:
    """The tools' error lines only: their DETAIL and CONTEXT lines can quote a row, which is personal data."""
    lines = [re.sub(r"^psql:[^:]*:\d+: ", "", line.strip()) for line in stderr.decode(errors="replace").splitlines()]
    errors = [line for line in lines if re.match(r"(ERROR|FATAL|PANIC):|(pg_dump|pg_restore|psql): (error|fatal):", line)]
    return "; ".join(errors[:3]) or "no error message"
