from django.http import HttpRequest

from turnabout.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request behind ``login_required`` (or ninja's ``django_auth``): ``user`` is a real User."""

    user: User
