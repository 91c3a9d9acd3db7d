from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turnabout.matching"
    label = "matching"
    verbose_name = "Matching"
    # Hooks (core.hooks): leavers' enrolments are withdrawn; a run whose worker stopped, or that no task ever came
    # for, ends failed, saying so.
    hook_handlers = {
        "people_left": ("turnabout.matching.tasks.enqueue_withdraw_leavers",),
        "queued_work_swept": ("turnabout.matching.services.fail_unqueued_match_runs",),
    }
    task_hook_handlers = {
        "task_abandoned": {"turnabout.matching.tasks.compute_match_run": "turnabout.matching.services.fail_abandoned_match_run"}
    }
