from datetime import timedelta

from django.apps import AppConfig

from turnabout.core.logging import connect_task_log


class CoreConfig(AppConfig):
    name = "turnabout.core"
    label = "core"

    def ready(self) -> None:
        from turnabout.core.scheduler import register_periodic_job
        from turnabout.core.tasks import prune_task_results_job

        register_periodic_job(name="prune-task-results", task=prune_task_results_job, every=timedelta(days=1))
        connect_task_log()
