from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "turnabout.core"
    label = "core"
