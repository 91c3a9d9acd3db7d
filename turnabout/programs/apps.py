from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "turnabout.programs"
    label = "programs"
    verbose_name = "Programs and enrolment"
