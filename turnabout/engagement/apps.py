from datetime import timedelta

from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "turnabout.engagement"
    label = "engagement"
    verbose_name = "Running the relationship"
    # Periodic jobs (core.scheduler), at the cadences docs/configuration.md gives the cron commands: every 15 minutes.
    periodic_jobs = (
        ("send-nudges", "turnabout.engagement.jobs.send_nudges_job", timedelta(minutes=15)),
        ("refresh-health", "turnabout.engagement.jobs.refresh_health_job", timedelta(minutes=15)),
    )
