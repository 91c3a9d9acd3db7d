from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turnabout.matching"
    label = "matching"
    verbose_name = "Matching"
