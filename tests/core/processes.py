"""Turnabout's own processes against a database of their own, for the tests of what survives a crash and of the
scheduler and ``turnabout serve``: a fresh database (SQLite file, or a new PostgreSQL database beside the configured
one), migrated, in production settings (tests/browser/production.py builds the environment), a real SMTP server.

The test process keeps its own test database; it reads the install's with SQL over a connection of its own.
"""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.utils import ConnectionHandler

from tests.browser.production import BASE_DIR, MailOutbox, fresh_database, production_environment, smtp_server
from turnabout.settings import database_from_url


@dataclass
class Install:
    environment: dict[str, str]
    outbox: MailOutbox
    log_dir: Path
    database: dict[str, Any]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run ``manage.py *args``; its standard output, or AssertionError with both streams."""
        completed = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.environment, capture_output=True, text=True, timeout=timeout
        )
        if completed.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} exited with {completed.returncode}\n{completed.stdout}\n{completed.stderr}")
        return completed.stdout

    def call(self, code: str) -> str:
        """The last line ``manage.py shell -c CODE`` prints (the drill's builders print an id)."""
        return self.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1]

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        """Start a long-running command in its own process group, logging to ``<name>.log``."""
        with (self.log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                list(command), cwd=BASE_DIR, env=self.environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """The rows of one query against the install's database (``%s`` parameter markers on both engines)."""
        handler = ConnectionHandler({"default": copy.deepcopy(self.database)})
        try:
            with handler["default"].cursor() as cursor:
                cursor.execute(sql, list(params))
                return list(cursor.fetchall())
        finally:
            handler.close_all()

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def installed(directory: Path, **settings: str) -> Iterator[Install]:
    """A migrated fresh database with an SMTP server; ``settings`` are extra environment variables of its processes."""
    var_dir, log_dir = directory / "var", directory / "logs"
    var_dir.mkdir()
    log_dir.mkdir()
    with smtp_server() as (outbox, smtp_port), fresh_database(directory) as database_url:
        environment = production_environment(
            site_url="http://127.0.0.1:8000", database_url=database_url, email_url=f"smtp://127.0.0.1:{smtp_port}", var_dir=var_dir
        )
        # The engine's compiled scan from its default cache, already compiled by the suite, not a cold one per install.
        environment.pop("NUMBA_CACHE_DIR")
        environment.update(settings)
        install = Install(environment=environment, outbox=outbox, log_dir=log_dir, database=database_from_url("DATABASE_URL", database_url))
        install.manage("migrate", "--no-input", "-v", "0")
        try:
            yield install
        finally:
            install.stop_all()


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, install: Install | None = None) -> Any:
    """Poll ``condition`` until it returns something true; that value. AssertionError (with the logs) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {name}\n{install.log(name)[-5000:]}" for name in install.processes) if install else ""
            raise AssertionError(f"Not within {timeout:.0f} s: {what}\n{logs}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
