from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "turnabout.people"
    label = "people"
    verbose_name = "People directory"

    def ready(self) -> None:
        from turnabout.core.hooks import task_abandoned
        from turnabout.people.hris_runs import fail_abandoned_import_job
        from turnabout.people.tasks import apply_import_job_task, preview_import_job_task

        # An import whose worker stopped ends failed, saying so, instead of "being checked" for ever.
        task_abandoned.register_for(preview_import_job_task, fail_abandoned_import_job)
        task_abandoned.register_for(apply_import_job_task, fail_abandoned_import_job)
