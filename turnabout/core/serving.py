"""``turnabout serve``'s supervisor: gunicorn, the task workers and the scheduler as child processes of one command.

The children run in their own sessions, so a Ctrl-C in a terminal reaches only the supervisor, which passes one
SIGTERM to each (gunicorn finishes its requests, a worker its task, the scheduler its tick) and kills what is still
running after ``STOP_GRACE_SECONDS``. When any child exits on its own, the supervisor stops the others and exits with
status 1, so systemd or Docker restarts the whole set. On Linux a child also gets SIGTERM if the supervisor itself
is killed (``PR_SET_PDEATHSIG``), so nothing outlives it.

gunicorn loads the application once, in its master (``--preload``, ``preloaded_application``), and forks its
workers from it. Turnabout's pages and API use the engine (a self-select program's suggestions) and SciPy (the
insights' confidence intervals), so the URLconf imports NumPy, SciPy, OR-Tools and Numba (``python -X importtime``:
``turnabout.api`` 2.3 s through ``insights.api`` → ``insights.figures`` → ``scipy.stats`` and ``matching.api`` →
``matching.services`` → ``turnabout.engine`` → ``numba``; the SCIM and engagement views most of the rest). Loaded in
each worker, that cost every fresh worker about 4 s of CPU on its first request, and under load a starved worker hit
gunicorn's WORKER TIMEOUT before it answered. Measured on the 2-core machine (gunicorn 27, two workers, SQLite, one
worker killed and its replacement's first ``/accounts/login/`` timed, three times each): loaded in each worker,
4.2–4.5 s of CPU and 4.3–12.7 s to the first response (the longer on a busy machine), 151 MB private memory and
163 MB PSS per worker; preloaded, 0.06 s of CPU and 0.16–0.19 s, 21–25 MB private and 66–70 MB PSS per worker, the
master's 282 MB shared with them copy-on-write. The master opens no database connection and starts no thread before
it forks: ``preloaded_application`` closes what Django opened and refuses to serve while a thread runs (OpenBLAS
re-creates its own native threads in each worker). With the code loaded in the master, ``kill -HUP`` of gunicorn
does not load new code: restart the service after an upgrade.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from types import FrameType

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

from turnabout.engine import load_solvers

logger = logging.getLogger("turnabout.serve")

WEB_WORKERS_MAX = 12
TASK_WORKERS_MAX = 4
# Time the children get to stop after SIGTERM: a worker finishes the task it runs (a 5,000 × 5,000 match run takes
# about 6 s; an abandoned one is failed by the sweeper and can be run again). Give a service manager more than this.
STOP_GRACE_SECONDS = 30.0
POLL_SECONDS = 0.2
_PR_SET_PDEATHSIG = 1
# What gunicorn loads in its master (``--preload``): a call, gunicorn's syntax for an application factory.
WEB_APPLICATION = "turnabout.core.serving:preloaded_application()"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's cpuset), else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_web_workers(cores: int) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, at most WEB_WORKERS_MAX.

    >>> [default_web_workers(cores) for cores in (1, 2, 4, 8, 64)]
    [3, 5, 9, 12, 12]
    """
    return min(2 * cores + 1, WEB_WORKERS_MAX)


def default_task_workers(cores: int) -> int:
    """One task worker per two cores, at least one, at most TASK_WORKERS_MAX: a match run already uses every core.

    >>> [default_task_workers(cores) for cores in (1, 2, 4, 8, 64)]
    [1, 1, 2, 4, 4]
    """
    return max(1, min(cores // 2, TASK_WORKERS_MAX))


def gunicorn_has_control_socket() -> bool:
    """gunicorn ≥ 25.1 opens a control socket at one fixed path under $HOME, which two servers on one machine would
    fight over; ``--no-control-socket`` turns it off (the option does not exist before 25.1)."""
    major, minor = (int(part) for part in re.findall(r"\d+", importlib.metadata.version("gunicorn"))[:2])
    return (major, minor) >= (25, 1)


def preloaded_application() -> WSGIHandler:
    """Turnabout's WSGI application with every view, the engine and SciPy already imported, for gunicorn's master to
    build once before it forks its workers. The master keeps no database connection (each worker opens its own)
    and must run no thread but its main one: a thread does not survive a fork, and a lock it held stays locked in
    every worker, so a thread here is refused with RuntimeError."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turnabout.settings")
    application = get_wsgi_application()
    # The URLconf is otherwise imported by the first request each worker serves; the engine defers its solver stack
    # to the first solve, which here would be each worker's.
    get_resolver().url_patterns  # noqa: B018
    load_solvers()
    connections.close_all()
    others = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
    if others:
        raise RuntimeError(f"Thread(s) running in gunicorn's master before it forks its workers: {', '.join(others)}.")
    return application


@dataclass(frozen=True)
class Child:
    name: str
    command: tuple[str, ...]


def children(*, bind: str, web_workers: int, task_workers: int, worker: bool = True, scheduler: bool = True) -> list[Child]:
    """The processes ``turnabout serve`` runs. Extra gunicorn options can come from ``GUNICORN_CMD_ARGS``."""
    python = sys.executable
    web = (python, "-m", "gunicorn", WEB_APPLICATION, "--preload", "--bind", bind, "--workers", str(web_workers))
    web += ("--graceful-timeout", "20", *(("--no-control-socket",) if gunicorn_has_control_socket() else ()))
    processes = [Child("web", web)]
    if worker:
        for number in range(1, task_workers + 1):
            name = "worker" if task_workers == 1 else f"worker-{number}"
            processes.append(Child(name, (python, "-m", "turnabout.cli", "worker", "--interval", "1")))
    if scheduler:
        processes.append(Child("scheduler", (python, "-m", "turnabout.cli", "scheduler")))
    return processes


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when its parent dies; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return preexec


class Supervisor:
    """Starts ``children``, waits, and stops them all when it is told to or when one of them exits."""

    def __init__(self, processes: Sequence[Child], *, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        self.processes = list(processes)
        self.grace_seconds = grace_seconds
        self._running: dict[str, subprocess.Popen[bytes]] = {}
        self._stop_requested = 0

    def run(self) -> int:
        """0 after a requested stop (SIGTERM, SIGINT), 1 when a child exited by itself."""
        previous = {number: signal.signal(number, self._request_stop) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            for child in self.processes:
                self._running[child.name] = subprocess.Popen(child.command, start_new_session=True, preexec_fn=_die_with_parent())
                logger.info("Started %s (pid %d).", child.name, self._running[child.name].pid)
            exited = self._wait_for_exit_or_stop()
            if exited is not None:
                name, code = exited
                logger.error("%s exited with status %s; stopping the others so the service manager restarts all.", name, code)
            self._stop_all()
            return 1 if exited is not None else 0
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop_requested += 1
        if self._stop_requested > 1:
            logger.warning("Second %s: killing the children now.", signal.strsignal(signum))
            for process in self._running.values():
                _send(process, signal.SIGKILL)

    def _wait_for_exit_or_stop(self) -> tuple[str, int] | None:
        while not self._stop_requested:
            for name, process in self._running.items():
                code = process.poll()
                if code is not None:
                    return name, code
            time.sleep(POLL_SECONDS)
        return None

    def _stop_all(self) -> None:
        for process in self._running.values():
            _send(process, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for name, process in self._running.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop within %.0f s; killing it.", name, self.grace_seconds)
                _send(process, signal.SIGKILL)
                process.wait()


def _send(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            process.send_signal(signum)
