from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "turnabout.people"
    label = "people"
    verbose_name = "People directory"
    # Hooks (core.hooks): an import whose worker stopped ends failed, saying so, instead of "being checked" for ever;
    # one that no task came for is handed to a worker again.
    hook_handlers = {"queued_work_swept": ("turnabout.people.tasks.requeue_unqueued_import_jobs",)}
    task_hook_handlers = {
        "task_abandoned": {
            "turnabout.people.tasks.preview_import_job_task": "turnabout.people.hris_runs.fail_abandoned_import_job",
            "turnabout.people.tasks.apply_import_job_task": "turnabout.people.hris_runs.fail_abandoned_import_job",
        }
    }
