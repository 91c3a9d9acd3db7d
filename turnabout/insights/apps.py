from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "turnabout.insights"
    label = "insights"
    verbose_name = "Outcomes and impact"
