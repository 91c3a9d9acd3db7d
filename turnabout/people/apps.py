from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "turnabout.people"
    label = "people"
    verbose_name = "People directory"
