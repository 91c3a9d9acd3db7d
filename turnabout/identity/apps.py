from datetime import timedelta

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "turnabout.identity"
    label = "identity"
    verbose_name = "Sign-in, user administration and API tokens"
    # Periodic jobs (core.scheduler): daily, the logins of guests whose access ended are deactivated.
    periodic_jobs = (("deactivate-ended-guests", "turnabout.identity.jobs.deactivate_ended_guests_job", timedelta(days=1)),)
