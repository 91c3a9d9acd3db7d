from datetime import timedelta

from django.apps import AppConfig

from turnabout.core.logging import connect_task_log


class CoreConfig(AppConfig):
    name = "turnabout.core"
    label = "core"
    # Periodic jobs (core.scheduler): finished task results are deleted after a while.
    periodic_jobs = (("prune-task-results", "turnabout.core.tasks.prune_task_results_job", timedelta(days=1)),)

    def ready(self) -> None:
        connect_task_log()
