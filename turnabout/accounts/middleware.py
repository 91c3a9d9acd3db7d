"""Refuse an oversized request body before anything reads it, so a large upload is never written to disk."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class RequestBodyLimitMiddleware:
    """413 for a body longer than UPLOAD_MAX_BYTES, or than ANONYMOUS_BODY_MAX_BYTES before sign-in.

    Runs before any middleware or view reads ``request.POST`` or ``request.FILES`` (CSRF does, in process_view),
    and relies on the declared Content-Length: a body without one is read by Django only up to a length of 0,
    and gunicorn refuses a body longer than its declared length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("The Content-Length header is not a number.", status=400, content_type="text/plain")
        if length > settings.ANONYMOUS_BODY_MAX_BYTES:
            signed_in = request.user.is_authenticated
            limit = settings.UPLOAD_MAX_BYTES if signed_in else settings.ANONYMOUS_BODY_MAX_BYTES
            if length > limit:
                return HttpResponse(
                    f"This request is {length:,} bytes; at most {limit:,} are accepted{'' if signed_in else ' before signing in'}.",
                    status=413,
                    content_type="text/plain",
                )
        return self.get_response(request)
