"""The crash drill, with real processes: a task worker killed with SIGKILL in the middle of a match run leaves the run
RUNNING until the sweeper (run by the scheduler) sees its heartbeat stop; then the run ends failed with a plain
message, its task failed, no proposal half-written, and a new run succeeds. The logic alone is test_sweeper.py."""

import os
import signal
import sys

from tests.core.processes import installed, wait_for
from turnabout.matching.runs import WORKER_STOPPED

SIZE = 2000  # mentors and mentees each: a run of several seconds, most of it in the engine
HEARTBEAT_TIMEOUT_SECONDS = "2"


def test_a_match_run_whose_worker_is_killed_ends_failed_and_a_new_run_succeeds(tmp_path, django_db_blocker):
    # The install's own database, read over a connection of its own (the test database stays untouched).
    with django_db_blocker.unblock(), installed(tmp_path, WORKER_HEARTBEAT_TIMEOUT_SECONDS=HEARTBEAT_TIMEOUT_SECONDS) as install:
        # given a program with 2,000 mentors and 2,000 mentees, a run queued, and a worker computing it
        program_id, run_id = map(
            int, install.call(f"from tests.core.drill import build, start; p = build({SIZE}); print(p, start(p))").split()
        )

        def run_row() -> tuple[str, float, str]:
            return install.rows("SELECT status, progress, error FROM matching_matchrun WHERE id = %s", [run_id])[0]

        def task_row() -> tuple[str, str, str]:
            """The first run's task: the first one enqueued."""
            return install.rows(
                "SELECT status, exception_class_path, traceback FROM django_tasks_database_dbtaskresult WHERE task_path = %s"
                " ORDER BY enqueued_at LIMIT 1",
                ["turnabout.matching.runs.compute_match_run"],
            )[0]

        def sweep() -> str | None:
            output = install.manage("scheduler", "--once")
            return output if "failed 1 task(s)" in output else None

        worker = install.start("worker-1", sys.executable, "manage.py", "worker", "--interval", "0.2", "--no-startup-delay")
        # in the engine: past reading the pool (progress 10 %), not finished
        wait_for(lambda: run_row()[0] == "running" and run_row()[1] >= 0.1, timeout=180, what="the run computing", install=install)

        # when the worker is killed mid-run
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

        # then the run and its task still say running: nothing noticed yet
        assert (run_row()[0], task_row()[0]) == ("running", "RUNNING")

        # when the scheduler sweeps, after the heartbeat timeout
        swept = wait_for(sweep, timeout=60, what="the sweep failing the abandoned task", install=install)

        # then the run ended failed with the message the review page shows, its task failed, and nothing was half-written
        assert "failed 1 task(s) abandoned by stopped workers" in swept
        status, _progress, error = run_row()
        assert (status, error) == ("failed", WORKER_STOPPED)
        task_status, exception, traceback = task_row()
        assert (task_status, exception) == ("FAILED", "turnabout.core.errors.WorkerStopped")
        assert traceback.startswith("The worker stopped while running this task")
        assert install.rows("SELECT COUNT(*) FROM matching_proposedpair WHERE run_id = %s", [run_id]) == [(0,)]
        assert install.rows("SELECT COUNT(*) FROM matching_unmatchedenrolment WHERE run_id = %s", [run_id]) == [(0,)]
        assert install.rows("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'") == [(0,)]

        # when the manager runs it again and a new worker starts
        second = int(install.call(f"from tests.core.drill import start; print(start({program_id}))"))
        install.start("worker-2", sys.executable, "manage.py", "worker", "--interval", "0.2", "--no-startup-delay")

        # then the new run succeeds with its proposals, and the first stays failed
        wait_for(
            lambda: install.rows("SELECT status FROM matching_matchrun WHERE id = %s", [second]) == [("succeeded",)],
            timeout=240,
            what="the second run succeeding",
            install=install,
        )
        (pairs,) = install.rows("SELECT COUNT(*) FROM matching_proposedpair WHERE run_id = %s", [second])[0]
        assert pairs > SIZE // 2
        assert run_row()[0] == "failed"
        assert "Traceback" not in install.log("worker-2")
