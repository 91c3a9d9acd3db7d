"""Helpers for pages that serve both a full render and an htmx partial refresh."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True when htmx made the request (it sends ``HX-Request: true``)."""
    return request.headers.get("HX-Request") == "true"


def template_for(request: HttpRequest, template: str, partial: str) -> str:
    """The whole page, or only its named partial for an htmx swap."""
    return f"{template}#{partial}" if is_htmx(request) else template
