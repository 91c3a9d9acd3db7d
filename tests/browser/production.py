"""Turnabout as it ships, for browser tests: real processes, production settings, a fresh database, a real SMTP server.

The ``production`` fixture (one install per test module) does what an administrator does on a new server,
with the commands of ``INSTALL_COMMANDS``: ``turnabout collectstatic``, ``turnabout migrate``, ``turnabout setup``,
then the production entry point ``turnabout serve`` (gunicorn, the task worker and the scheduler). The
Dockerfile, compose.yaml and docs/deploy.md run these same commands (tests/core/test_deploy_files.py). It uses
``turnabout.settings`` with no demo mode and no debug, never pytest-django's test database: tests drive
it only through the browser and the mail outbox (the SMTP server's store). ``bench/load.py`` uses the same install.

The database is fresh: a temporary SQLite file, or, when this process's DATABASE_URL is PostgreSQL, a new
database whose name contains the configured one (``<name>_golive_<pid>``, which CI's clean-up also drops),
dropped again at the end. When a test using the fixture fails, the server's log (web, worker and scheduler)
is added to its report.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from turnabout.core.serving import STOP_GRACE_SECONDS

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

ORGANISATION = "Acme Ltd"
ADMIN_EMAIL = "it@acme.example"
ADMIN_NAME = "Ivy Tech"

SIGN_IN_LINK = re.compile(r"https?://[^\s/]+/accounts/link/[A-Za-z0-9_\-]+/")

# Every variable docs/configuration.md documents (so every one turnabout/settings.py reads), plus what the test
# process itself sets (settings_test.py turns demo mode on; the browser fixture relaxes Django's async check): none
# of them leaks into the product's processes, which get only the production environment built below.
DOCUMENTED_VARIABLES = frozenset(
    re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", (BASE_DIR / "docs" / "configuration.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
)
_PRODUCT_VARIABLES = DOCUMENTED_VARIABLES | {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
_PRODUCT_VARIABLE_PREFIXES = ("TURNABOUT_SSO_SECRET_", "PYTEST")

# What the install runs, in this order, as an administrator types it (``turnabout`` is the installed command);
# collectstatic and migrate run side by side. The serve command's address and worker count are filled in per install.
COLLECTSTATIC = ("turnabout", "collectstatic", "--no-input")
MIGRATE = ("turnabout", "migrate", "--no-input")
SETUP = ("turnabout", "setup", "--organisation", ORGANISATION, "--admin-email", ADMIN_EMAIL, "--admin-name", ADMIN_NAME)


def serve_command(*, bind: str, web_workers: int | None) -> tuple[str, ...]:
    """The production entry point: web, task worker and scheduler in one command."""
    return ("turnabout", "serve", "--bind", bind, *(("--web-workers", str(web_workers)) if web_workers else ()))


INSTALL_COMMANDS = (COLLECTSTATIC, MIGRATE, SETUP, serve_command(bind="127.0.0.1:8000", web_workers=2))


class MailOutbox:
    """Every message the SMTP server accepted, parsed; an aiosmtpd handler (``handle_DATA``)."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to ``address``, oldest first."""
        return [message for message in self.messages if address.lower() in str(message["To"]).lower()]

    def wait_for(self, address: str, *, subject: str = "", timeout: float = 30.0) -> EmailMessage:
        """The newest message to ``address`` whose subject contains ``subject``, waiting for the worker to send it."""
        deadline = time.monotonic() + timeout
        while True:
            found = [message for message in self.to(address) if subject in str(message["Subject"])]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                seen = [f"{message['To']}: {message['Subject']}" for message in self.messages]
                raise AssertionError(f"No email to {address} with subject containing {subject!r} within {timeout:.0f} s; got {seen}")
            time.sleep(0.2)


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"{message['Subject']!r} has no text part"
    return str(part.get_content())


def sign_in_link_in(message: EmailMessage) -> str:
    """The one emailed sign-in link (/accounts/link/<token>/) in ``message``."""
    links = SIGN_IN_LINK.findall(body_of(message))
    assert len(links) == 1, f"Expected one sign-in link in {message['Subject']!r}, found {len(links)}:\n{body_of(message)}"
    return str(links[0])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[MailOutbox, int]]:
    """A real SMTP server on 127.0.0.1 (no TLS, no authentication) storing what it receives."""
    from aiosmtpd.controller import Controller

    outbox = MailOutbox()
    # aiosmtpd logs every SMTP command at INFO; the messages themselves are what the tests look at.
    smtp_log = logging.getLogger("mail.log")
    level = smtp_log.level
    smtp_log.setLevel(logging.WARNING)
    controller = Controller(outbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield outbox, controller.port
    finally:
        controller.stop()
        smtp_log.setLevel(level)


def _postgres_admin_connection(url: str) -> Any:
    import psycopg

    parsed = urlparse(url)
    configured = unquote(parsed.path.lstrip("/"))
    errors = []
    # CREATE/DROP DATABASE must run from another database: the usual maintenance one, else the configured one.
    for database in ("postgres", configured, "template1"):
        try:
            return psycopg.connect(
                host=parsed.hostname or "",
                port=parsed.port or 5432,
                user=unquote(parsed.username or ""),
                password=unquote(parsed.password or ""),
                dbname=database,
                autocommit=True,
            )
        except psycopg.OperationalError as error:
            errors.append(f"{database}: {error}")
    raise RuntimeError("Cannot reach PostgreSQL to create the go-live database: " + "; ".join(errors))


@contextmanager
def fresh_database(directory: Path, configured: str | None = None) -> Iterator[str]:
    """A DATABASE_URL for an empty database: a new PostgreSQL database beside ``configured`` (default: this
    process's DATABASE_URL) when that is PostgreSQL, else a SQLite file."""
    configured = os.environ.get("DATABASE_URL", "") if configured is None else configured
    parsed = urlparse(configured)
    if parsed.scheme not in {"postgres", "postgresql"}:
        yield f"sqlite:///{directory / 'turnabout.sqlite3'}"
        return
    name = f"{unquote(parsed.path.lstrip('/'))}_golive_{os.getpid()}"
    with _postgres_admin_connection(configured) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        with _postgres_admin_connection(configured) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_environment(*, site_url: str, database_url: str, email_url: str, var_dir: Path) -> dict[str, str]:
    """The environment of every product process: turnabout.settings as an administrator configures it."""
    environment = {
        key: value for key, value in os.environ.items() if key not in _PRODUCT_VARIABLES and not key.startswith(_PRODUCT_VARIABLE_PREFIXES)
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "turnabout.settings",
            "TURNABOUT_DEMO": "0",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": site_url,
            # Plain HTTP, on the loopback interface only: there is no TLS terminator in front of gunicorn here,
            # so the HTTPS redirect, secure-only cookies and HSTS are off. Every other setting is production's.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "TURNABOUT_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "EMAIL_URL": email_url,
            "DEFAULT_FROM_EMAIL": f"Turnabout <turnabout@{ADMIN_EMAIL.split('@')[1]}>",
            "NUMBA_CACHE_DIR": str(var_dir / "numba"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


@dataclass
class Production:
    """A running install: its address, its mail outbox, and how to run an administrator's command on it."""

    url: str
    outbox: MailOutbox
    environment: dict[str, str]
    log_dir: Path
    setup_output: str = ""
    serve_command: tuple[str, ...] = ()
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run ``manage.py *args`` against the install; its output, or AssertionError with both streams."""
        return self.run(sys.executable, "manage.py", *args, timeout=timeout)

    def administer(self, command: tuple[str, ...], timeout: float = 300) -> str:
        """Run one of the commands an administrator types (``("turnabout", "migrate", …)``) with the installed ``turnabout``."""
        return self.run(str(BIN / command[0]), *command[1:], timeout=timeout)

    def run(self, *command: str, timeout: float = 300) -> str:
        completed = subprocess.run(
            command, cwd=BASE_DIR, env=self.environment, capture_output=True, text=True, timeout=timeout, check=False
        )
        if completed.returncode != 0:
            shown = " ".join(Path(part).name if index == 0 else part for index, part in enumerate(command))
            raise AssertionError(f"`{shown}` exited with {completed.returncode}\n{completed.stdout}\n{completed.stderr}")
        return completed.stdout

    def start(self, name: str, *command: str) -> None:
        """Start a long-running command, its output (and its children's) in ``<name>.log``."""
        log = (self.log_dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(command, cwd=BASE_DIR, env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def logs(self) -> dict[str, str]:
        return {name: (self.log_dir / f"{name}.log").read_text(errors="replace") for name in self.processes}

    def errors_logged(self) -> list[str]:
        """Lines of the logs that report an unhandled exception: a request that failed (500) or a task that failed."""
        markers = ("Internal Server Error", "Traceback", "state=FAILED")
        return [f"{name}: {line}" for name, text in self.logs().items() for line in text.splitlines() if any(m in line for m in markers)]

    def wait_until_serving(self, path: str = "/accounts/login/", timeout: float = 120) -> None:
        """Wait for ``path`` to answer 200: each web worker, the task worker and the scheduler import Django at start,
        which takes a while on a busy machine."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited with {process.returncode} before serving\n{self.logs()[name]}")
            try:
                with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as response:
                    if response.status == 200:
                        return
                    last = f"status {response.status}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                last = str(error)
            time.sleep(0.2)
        raise AssertionError(f"{self.url}{path} did not answer 200 within {timeout:.0f} s ({last})\n{self.logs()}")

    def stop(self) -> None:
        """SIGTERM, as systemd or Docker stops the service: ``turnabout serve`` stops its children within its grace
        period (they also get SIGTERM from Linux if it is killed)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_GRACE_SECONDS + 10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


class _LogsOnFailure:
    """A plugin registered while the install runs: a failing test that used it gets the server logs in its report."""

    def __init__(self, production: Production, fixture_name: str) -> None:
        self.production = production
        self.fixture_name = fixture_name

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.failed and self.fixture_name in getattr(item, "fixturenames", ()):
            for name, text in self.production.logs().items():
                report.sections.append((f"{name} log", text[-20_000:]))
        return report


@contextmanager
def production_install(directory: Path, *, web_workers: int | None = 2, database_url: str | None = None) -> Iterator[Production]:
    """Install Turnabout from scratch in ``directory`` and serve it; stop everything and drop the database after.

    ``web_workers`` None leaves the count to ``turnabout serve`` (from the cores); ``database_url`` names where a
    fresh PostgreSQL database goes (default: this process's DATABASE_URL; not PostgreSQL: a SQLite file).
    """
    var_dir = directory / "var"
    log_dir = directory / "logs"
    var_dir.mkdir()
    log_dir.mkdir()
    port = _free_port()
    with smtp_server() as (outbox, smtp_port), fresh_database(directory, database_url) as fresh_url:
        production = Production(
            url=f"http://127.0.0.1:{port}",
            outbox=outbox,
            environment=production_environment(
                site_url=f"http://127.0.0.1:{port}", database_url=fresh_url, email_url=f"smtp://127.0.0.1:{smtp_port}", var_dir=var_dir
            ),
            log_dir=log_dir,
            serve_command=serve_command(bind=f"127.0.0.1:{port}", web_workers=web_workers),
        )
        # collectstatic (WhiteNoise's compressed manifest storage, as in production) never touches the database:
        # it runs beside migrate. Both must succeed.
        with ThreadPoolExecutor(max_workers=1) as pool:
            static = pool.submit(production.administer, COLLECTSTATIC)
            production.administer(MIGRATE)
            static.result()
        production.setup_output = production.administer(SETUP)
        try:
            production.start("serve", str(BIN / production.serve_command[0]), *production.serve_command[1:])
            production.wait_until_serving()
            yield production
        finally:
            production.stop()


@pytest.fixture(scope="module")
def production(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    """A fresh production install for this test module: set up for ORGANISATION with ADMIN_EMAIL as its first admin."""
    with production_install(tmp_path_factory.mktemp("production")) as install:
        plugin = _LogsOnFailure(install, request.fixturename or "production")
        request.config.pluginmanager.register(plugin)
        try:
            yield install
        finally:
            request.config.pluginmanager.unregister(plugin)


def watch_for_errors(page: Any, problems: list[str], *, expected: Callable[[str], bool] = lambda url: False) -> None:
    """Record in ``problems`` every server error, console error and uncaught script error of ``page``.

    ``expected(url)`` says which failed loads are meant (a refused link answers 4xx on purpose).
    """

    def on_console(message: Any) -> None:
        url = str(message.location.get("url", ""))
        if message.type != "error" or expected(url):
            return
        problems.append(f"console: {message.text} ({url or page.url})")

    def on_response(response: Any) -> None:
        if response.status >= 500:
            problems.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error} ({page.url})"))
