from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "turnabout.surveys"
    label = "surveys"
    verbose_name = "Surveys"
