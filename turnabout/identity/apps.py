from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "turnabout.identity"
    label = "identity"
    verbose_name = "Sign-in, user administration and API tokens"
