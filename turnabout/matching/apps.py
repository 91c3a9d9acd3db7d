from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turnabout.matching"
    label = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from turnabout.core.hooks import people_left, task_abandoned
        from turnabout.matching.services import fail_abandoned_match_run
        from turnabout.matching.tasks import compute_match_run, enqueue_withdraw_leavers

        people_left.register(enqueue_withdraw_leavers)
        # A run whose worker stopped ends failed, saying so, instead of "running" for ever.
        task_abandoned.register_for(compute_match_run, fail_abandoned_match_run)
