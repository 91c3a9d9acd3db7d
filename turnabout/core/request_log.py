"""One log line per request (logger ``turnabout.request``), and the request id every line of that request carries.

The line holds the method, the path, the status, the duration in milliseconds (until the response is returned
to the server, before a streamed body is sent), the signed-in user's id and the request id. It never holds the
query string (it carries search terms and addresses) nor a secret in the path: a URL argument named ``token``
(sign-in links, calendar feeds, pulse links) is replaced by ``[redacted]``, and so is a token-like segment of a
path that matches no route. Static files and ``/healthz`` probes are logged at DEBUG only.

The request id is the client's ``X-Request-ID`` when it is a short token (a reverse proxy's id: letters, digits,
``-``, ``_``, ``.``, at most 64), or a new random one otherwise; the response sends it back in ``X-Request-ID``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.functional import SimpleLazyObject, empty

logger = logging.getLogger("turnabout.request")

REQUEST_ID_HEADER = "X-Request-ID"
REDACTED = "[redacted]"
# URL arguments that are credentials: whoever holds the link is let in (or reads the feed).
SECRET_URL_ARGUMENTS = frozenset({"token"})
QUIET_PATH_PREFIXES = ("/healthz",)

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# A segment of an unrouted path that looks like a random token: long, URL-safe, mixing upper and lower case and
# digits (a mangled sign-in link is still a credential; slugs and hashed static file names are lower case).
_TOKEN_LIKE = re.compile(r"(?=[^/]*[A-Z])(?=[^/]*[a-z])(?=[^/]*[0-9])[A-Za-z0-9_:.~-]{20,}")

request_id_var: ContextVar[str | None] = ContextVar("turnabout_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled in this thread, or None outside a request."""
    return request_id_var.get()


def request_id_from(request: HttpRequest) -> str:
    """The client's ``X-Request-ID`` when it is a sane short token, else a new random id (32 hex digits)."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _route_of(request: HttpRequest) -> ResolverMatch | None:
    if request.resolver_match is not None:
        return request.resolver_match
    # Not routed (yet): a middleware answered first (HTTPS redirect, 413), or the path only matches with the
    # slash CommonMiddleware appends.
    for candidate in (request.path_info, request.path_info + "/"):
        try:
            return resolve(candidate)
        except Resolver404:
            continue
    return None


def loggable_path(request: HttpRequest) -> str:
    """``request.path`` with every secret URL argument, or every token-like segment of an unrouted path, redacted."""
    path = request.path
    if path.startswith(_static_prefix()):
        return path
    match = _route_of(request)
    if match is None:
        return "/".join(REDACTED if _TOKEN_LIKE.fullmatch(segment) else segment for segment in path.split("/"))
    secrets = [str(value) for name, value in match.kwargs.items() if name in SECRET_URL_ARGUMENTS and str(value)]
    if not secrets:
        return path
    segments = path.split("/")
    for secret in secrets:
        segments = [segment.replace(secret, REDACTED) for segment in segments]
    return "/".join(segments)


def _static_prefix() -> str:
    return "/" + settings.STATIC_URL.lstrip("/")


def _user_id(request: HttpRequest) -> int | None:
    # Only a user something already loaded (a view behind login_required, a bearer token): looking it up here
    # would cost every anonymous page two queries.
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    if not user.is_authenticated:
        return None
    return int(user.pk)


class RequestLogMiddleware:
    """Outermost middleware: sets the request id for every line logged meanwhile, then logs the request's line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request)
        context = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = request_id
            level = logging.DEBUG if request.path.startswith((_static_prefix(), *QUIET_PATH_PREFIXES)) else logging.INFO
            if not logger.isEnabledFor(level):
                return response
            logger.log(
                level,
                "request",
                extra={
                    "method": request.method,
                    "path": loggable_path(request),
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                    "request_id": request_id,
                },
            )
            return response
        finally:
            request_id_var.reset(context)
