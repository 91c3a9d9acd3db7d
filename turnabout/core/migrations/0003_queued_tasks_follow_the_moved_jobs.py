from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# The tasks that moved out of the apps' tasks.py (into runs.py and jobs.py), old dotted path → new.
MOVED_TASKS = {
    "turnabout.matching.tasks.compute_match_run": "turnabout.matching.runs.compute_match_run",
    "turnabout.matching.tasks.withdraw_leavers_task": "turnabout.matching.jobs.withdraw_leavers_task",
    "turnabout.engagement.tasks.send_nudges_job": "turnabout.engagement.jobs.send_nudges_job",
    "turnabout.engagement.tasks.refresh_health_job": "turnabout.engagement.jobs.refresh_health_job",
    "turnabout.engagement.tasks.refresh_program_health_task": "turnabout.engagement.jobs.refresh_program_health_task",
    "turnabout.surveys.tasks.open_due_waves_job": "turnabout.surveys.jobs.open_due_waves_job",
}
# The tasks still to run: waiting for a worker, or running (a worker that stops leaves them to the sweeper).
WAITING = ("READY", "RUNNING")


def _rename(apps: Apps, renames: dict[str, str]) -> None:
    db_task_result = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in renames.items():
        db_task_result.objects.filter(task_path=old, status__in=WAITING).update(task_path=new)


def follow_the_moved_tasks(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Queued work keeps running after the upgrade: a waiting task of a moved job names it where it now lives."""
    _rename(apps, MOVED_TASKS)


def back_to_the_old_paths(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename(apps, {new: old for old, new in MOVED_TASKS.items()})


class Migration(migrations.Migration):
    """Only task results change: ``ScheduledJob`` rows name a periodic job by its command name, not its task path."""

    dependencies = [
        ("core", "0002_email_delivery"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(follow_the_moved_tasks, back_to_the_old_paths)]
