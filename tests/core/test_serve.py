"""``turnabout serve``, the production entry point: gunicorn, the task worker and the scheduler as its children; it
stops them all on SIGTERM (status 0) and, when one of them dies, stops the others and exits with status 1."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser.production import BIN
from tests.core.processes import Install, free_port, installed, wait_for
from turnabout.core import serving
from turnabout.core.serving import Child, Supervisor, children

PYTHON = sys.executable


def test_the_children_are_gunicorn_the_workers_and_the_scheduler(monkeypatch):
    # given a gunicorn with the control socket (≥ 25.1)
    monkeypatch.setattr(serving.importlib.metadata, "version", lambda name: "25.1.0")

    # when
    processes = children(bind="0.0.0.0:8000", web_workers=5, task_workers=2)

    # then
    assert [(child.name, child.command) for child in processes] == [
        ("web", (PYTHON, "-m", "gunicorn", "turnabout.core.serving:preloaded_application()", "--preload",
                 "--bind", "0.0.0.0:8000", "--workers", "5", "--graceful-timeout", "20", "--no-control-socket")),
        ("worker-1", (PYTHON, "-m", "turnabout.cli", "worker", "--interval", "1")),
        ("worker-2", (PYTHON, "-m", "turnabout.cli", "worker", "--interval", "1")),
        ("scheduler", (PYTHON, "-m", "turnabout.cli", "scheduler")),
    ]  # fmt: skip


def test_an_older_gunicorn_gets_no_control_socket_option_and_parts_can_be_left_out(monkeypatch):
    monkeypatch.setattr(serving.importlib.metadata, "version", lambda name: "23.0.0")
    processes = children(bind="unix:/run/turnabout.sock", web_workers=3, task_workers=1, worker=False, scheduler=False)
    assert [(child.name, child.command[-3:]) for child in processes] == [("web", ("3", "--graceful-timeout", "20"))]


# gunicorn's master runs this, then forks its workers: what it leaves behind, every worker inherits.
PRELOAD = """
import sys, threading
from django.db import connections
from turnabout.core.serving import preloaded_application
{before}
application = preloaded_application()
print(sorted(name for name in ("numpy", "scipy", "numba", "ortools", "turnabout.engine") if name in sys.modules))
print([alias for alias in connections if connections[alias].connection is not None], threading.active_count())
"""


def preload(environment: dict[str, str], before: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-c", PRELOAD.format(before=before)], env=environment, capture_output=True, text=True, timeout=120)


@pytest.fixture
def production_settings(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    environment.update(DJANGO_SETTINGS_MODULE="turnabout.settings", TURNABOUT_DEMO="1", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    return environment


def test_the_master_loads_the_engine_and_forks_with_no_database_connection_and_no_thread(production_settings):
    # when gunicorn's master preloads the application, after a database query at start-up
    completed = preload(production_settings, before="connections['default'].ensure_connection()")

    # then the views, the engine and SciPy are imported once, for every worker; no connection is left open to be
    # shared by the workers, and no thread runs
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["['numba', 'numpy', 'ortools', 'scipy', 'turnabout.engine']", "[] 1"]


def test_the_master_refuses_to_fork_while_a_thread_runs(production_settings):
    # given a thread started before gunicorn forks (such as a worker's heartbeat)
    started = "threading.Thread(target=threading.Event().wait, name='heartbeat-web', daemon=True).start()"

    # when
    completed = preload(production_settings, before=started)

    # then
    assert completed.returncode == 1
    assert "RuntimeError: Thread(s) running in gunicorn's master before it forks its workers: heartbeat-web." in completed.stderr


def test_when_one_child_exits_the_supervisor_stops_the_others_and_fails(tmp_path):
    # given a child that runs until stopped (noting it was) and one that exits at once
    stopped = tmp_path / "stopped"
    waits = (
        "import signal, sys, time, pathlib\n"
        f"signal.signal(signal.SIGTERM, lambda *a: (pathlib.Path({str(stopped)!r}).write_text('TERM'), sys.exit(0)))\n"
        "time.sleep(120)\n"
    )
    supervisor = Supervisor([Child("waits", (PYTHON, "-c", waits)), Child("exits", (PYTHON, "-c", "import sys; sys.exit(3)"))])

    # when
    code = supervisor.run()

    # then
    assert code == 1
    assert stopped.read_text() == "TERM"


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period():
    # given a child that ignores SIGTERM, and one that exits
    stubborn = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(120)\n"
    supervisor = Supervisor([Child("stubborn", (PYTHON, "-c", stubborn)), Child("exits", (PYTHON, "-c", "pass"))], grace_seconds=1)

    # when
    code = supervisor.run()

    # then it was killed
    assert code == 1
    assert supervisor._running["stubborn"].returncode == -signal.SIGKILL


# --- The real thing, in production settings --------------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def children_of(pid: int) -> dict[str, int]:
    """The children of serve's ``pid`` by role (web, worker, scheduler), and gunicorn's own workers, from /proc."""
    found = {}
    for child in child_pids(pid):
        command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        role = "web" if b"gunicorn" in command else command[3].decode()
        found[role] = child
    for number, grandchild in enumerate(child_pids(found["web"]), start=1):
        found[f"web-{number}"] = grandchild
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is gone for our purpose.
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def serve(install: Install, port: int) -> subprocess.Popen[bytes]:
    name = f"serve-{len(install.processes) + 1}"
    command = ("serve", "--bind", f"127.0.0.1:{port}", "--web-workers", "1", "--task-workers", "1")
    process = install.start(name, str(BIN / "turnabout"), *command)
    wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=120, what="/healthz answering 200", install=install)
    return process


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from Linux's /proc")
def test_serve_runs_all_three_and_stops_on_sigterm_or_when_a_child_dies(tmp_path, django_db_blocker):
    port = free_port()
    # The install's own database, read over a connection of its own (the test database stays untouched).
    with django_db_blocker.unblock(), installed(tmp_path) as install:
        # given serve running: /healthz says the database, the migrations and the worker are fine
        first = serve(install, port)
        processes = children_of(first.pid)
        assert sorted(processes) == ["scheduler", "web", "web-1", "worker"]
        wait_for(lambda: install.rows("SELECT COUNT(*) FROM core_scheduledjob") == [(5,)], timeout=60, what="the scheduler's first tick")

        # when its worker dies
        os.kill(processes["worker"], signal.SIGKILL)

        # then serve stops the others and fails, for the service manager to restart it
        assert first.wait(timeout=60) == 1
        assert [role for role, pid in processes.items() if alive(pid)] == []
        assert "worker exited with status -9; stopping the others" in install.log("serve-1")

        # when it is started again and then told to stop
        second = serve(install, port)
        processes = children_of(second.pid)
        second.send_signal(signal.SIGTERM)

        # then everything stops and it exits cleanly
        assert second.wait(timeout=60) == 0
        assert [role for role, pid in processes.items() if alive(pid)] == []
