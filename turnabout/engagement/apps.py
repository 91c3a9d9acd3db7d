from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "turnabout.engagement"
    label = "engagement"
    verbose_name = "Running the relationship"
