import ipaddress

from django.conf import settings
from django.http import HttpRequest

from turnabout.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request behind ``login_required`` (or ninja's ``django_auth``): ``user`` is a real User."""

    user: User


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or — behind TRUSTED_PROXY_COUNT reverse proxies — the address the
    outermost trusted proxy saw, read from the right of X-Forwarded-For (entries further left are client-supplied)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    remote = request.META.get("REMOTE_ADDR")
    return str(remote) if remote else None
