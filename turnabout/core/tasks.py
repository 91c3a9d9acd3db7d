"""Background jobs of core: the periodic pruning of old task results."""

from datetime import timedelta

from django.tasks import task

from turnabout.core.services import prune_finished_tasks

# As long as django-tasks-db's own prune_db_task_results keeps them by default.
TASK_RESULTS_KEPT = timedelta(days=14)


@task()
def prune_task_results_job() -> str:
    """The periodic job prune-task-results: delete the results of tasks that finished more than 14 days ago."""
    deleted = prune_finished_tasks(older_than=TASK_RESULTS_KEPT)
    return f"Deleted {deleted} task results finished more than {TASK_RESULTS_KEPT.days} days ago."
