from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turnabout.matching"
    label = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from turnabout.core.hooks import people_left
        from turnabout.matching.tasks import enqueue_withdraw_leavers

        people_left.register(enqueue_withdraw_leavers)
