from datetime import timedelta

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "turnabout.surveys"
    label = "surveys"
    verbose_name = "Surveys"
    # Waves open on a day: hourly opens one within the hour of its day starting (the cron command says daily is enough).
    periodic_jobs = (("open-due-waves", "turnabout.surveys.jobs.open_due_waves_job", timedelta(hours=1)),)
