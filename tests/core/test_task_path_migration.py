"""Upgrading keeps queued work running: core's migration 0003 points every waiting task of a moved job at its new path."""

from datetime import UTC, datetime
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps
from django.tasks import Task
from django.utils.module_loading import import_string

MIGRATION = import_module("turnabout.core.migrations.0003_queued_tasks_follow_the_moved_jobs")

TASKS_DB = ("django_tasks_database", "0021_conditional_partial_index_ordering")
BEFORE = [("core", "0002_email_delivery"), TASKS_DB]
AFTER = [("core", "0003_queued_tasks_follow_the_moved_jobs"), TASKS_DB]
RUN_AFTER = datetime(2026, 12, 3, 9, tzinfo=UTC)


def _migrate(targets: list[tuple[str, str]]) -> StateApps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _enqueue(apps: StateApps, rows: list[tuple[str, str]]) -> None:
    model = apps.get_model("django_tasks_database", "DBTaskResult")
    model.objects.bulk_create(
        [
            model(task_path=path, status=status, args_kwargs={"args": [7], "kwargs": {}}, backend_name="default", run_after=RUN_AFTER)
            for path, status in rows
        ]
    )


def _paths(apps: StateApps) -> list[tuple[str, str]]:
    model = apps.get_model("django_tasks_database", "DBTaskResult")
    return sorted(model.objects.values_list("task_path", "status"))


def _back_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_points_waiting_tasks_of_moved_jobs_at_their_new_paths() -> None:
    # given a database from before the jobs moved, with a run waiting, a health refresh running, and finished work
    old = _migrate(BEFORE)
    _enqueue(
        old,
        [
            ("turnabout.matching.tasks.compute_match_run", "READY"),
            ("turnabout.engagement.tasks.refresh_program_health_task", "RUNNING"),
            ("turnabout.surveys.tasks.open_due_waves_job", "READY"),
            ("turnabout.matching.tasks.withdraw_leavers_task", "SUCCESSFUL"),
            ("turnabout.engagement.tasks.send_nudges_job", "FAILED"),
            ("turnabout.matching.tasks.send_match_outcome_email", "READY"),
        ],
    )

    # when it is upgraded
    new = _migrate(AFTER)

    # then the waiting and running tasks name the jobs where they now live; finished ones and unmoved tasks stay as they were
    assert _paths(new) == [
        ("turnabout.engagement.jobs.refresh_program_health_task", "RUNNING"),
        ("turnabout.engagement.tasks.send_nudges_job", "FAILED"),
        ("turnabout.matching.runs.compute_match_run", "READY"),
        ("turnabout.matching.tasks.send_match_outcome_email", "READY"),
        ("turnabout.matching.tasks.withdraw_leavers_task", "SUCCESSFUL"),
        ("turnabout.surveys.jobs.open_due_waves_job", "READY"),
    ]
    _back_to_latest()


def test_every_moved_task_lives_at_its_new_path_and_no_longer_at_its_old_one() -> None:
    # given the renames the migration makes
    renames = MIGRATION.MOVED_TASKS.items()

    # then each new path is a task, and each old one is gone (a task left there would still be found)
    assert all(isinstance(import_string(new), Task) for _, new in renames)
    for old, _ in renames:
        with pytest.raises(ImportError):
            import_string(old)


@pytest.mark.django_db(transaction=True)
def test_a_downgrade_points_waiting_tasks_back_at_the_old_paths() -> None:
    # given an upgraded database with a waiting run and a running health refresh, and a finished job
    new = _migrate(AFTER)
    _enqueue(
        new,
        [
            ("turnabout.matching.runs.compute_match_run", "READY"),
            ("turnabout.engagement.jobs.refresh_health_job", "RUNNING"),
            ("turnabout.surveys.jobs.open_due_waves_job", "SUCCESSFUL"),
        ],
    )

    # when it is downgraded
    old = _migrate(BEFORE)

    # then the waiting ones name the old paths again; the finished one stays
    assert _paths(old) == [
        ("turnabout.engagement.tasks.refresh_health_job", "RUNNING"),
        ("turnabout.matching.tasks.compute_match_run", "READY"),
        ("turnabout.surveys.jobs.open_due_waves_job", "SUCCESSFUL"),
    ]
    _back_to_latest()
