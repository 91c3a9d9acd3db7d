from datetime import timedelta

from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "turnabout.engagement"
    label = "engagement"
    verbose_name = "Running the relationship"

    def ready(self) -> None:
        from turnabout.core.scheduler import register_periodic_job
        from turnabout.engagement.tasks import refresh_health_job, send_nudges_job

        # The cadences docs/configuration.md gives the cron commands: every 15 minutes.
        register_periodic_job(name="send-nudges", task=send_nudges_job, every=timedelta(minutes=15))
        register_periodic_job(name="refresh-health", task=refresh_health_job, every=timedelta(minutes=15))
