from datetime import timedelta

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "turnabout.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from turnabout.core.scheduler import register_periodic_job
        from turnabout.surveys.tasks import open_due_waves_job

        # Waves open on a day: hourly opens one within the hour of its day starting (the cron command says daily is enough).
        register_periodic_job(name="open-due-waves", task=open_due_waves_job, every=timedelta(hours=1))
