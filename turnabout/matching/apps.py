from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turnabout.matching"
    label = "matching"
    verbose_name = "Matching"
    # Hooks (core.hooks): leavers' enrolments are withdrawn; after a directory change, open pairs are checked again
    # and those now breaking a hard rule flagged; a run whose worker stopped, or that no task ever came for, ends
    # failed, saying so.
    hook_handlers = {
        "people_left": ("turnabout.matching.jobs.enqueue_withdraw_leavers",),
        "people_changed": ("turnabout.matching.jobs.enqueue_recheck_open_matches",),
        "queued_work_swept": ("turnabout.matching.runs.fail_unqueued_match_runs",),
    }
    task_hook_handlers = {
        "task_abandoned": {"turnabout.matching.runs.compute_match_run": "turnabout.matching.runs.fail_abandoned_match_run"}
    }
