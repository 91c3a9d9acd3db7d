"""The REST API: one NinjaAPI, a router per app, bearer-token or session authentication.

Every refusal is JSON with a stable ``code`` and a ``detail`` (turnabout.core.api_types, docs/api.md): 400 for a request
that cannot be read, 401 without working credentials (``unauthenticated``), 403 for a role that may not act (or a
session write without its CSRF token, ``csrf_failed``), 404 for what is not in the user's organisation,
409 for a state that refuses the change, 422 listing every invalid input. Inputs are bounded at the edge; should a value
the database cannot hold still get past them, it is answered 400 (``out_of_range``, ``invalid_value``) rather than 500,
and logged without the value.
"""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext, gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InvalidInput
from ninja.security import django_auth

from turnabout.core.errors import DomainError
from turnabout.identity.api_auth import ApiTokenAuth, InsufficientScope
from turnabout.insights.api import router as insights_router
from turnabout.matching.api import router as matching_router
from turnabout.matching.errors import StalePool
from turnabout.people.api import router as people_router
from turnabout.programs.api import router as programs_router
from turnabout.programs.errors import NotReadyToLaunch

# The bearer token goes first: ninja stops at the first callback that answers or raises, and django_auth
# checks CSRF before it looks for a session, so it would refuse a cookie-less bearer POST with 403.
# Without an Authorization header the bearer callback passes (None) and the session decides, CSRF included.
api = NinjaAPI(title="Turnabout API", version="1", auth=[ApiTokenAuth(), django_auth], urls_namespace="api")
api.add_router("/people/", people_router)
api.add_router("/programs/", programs_router)
api.add_router("/matching/", matching_router)
api.add_router("/insights/", insights_router)

logger = logging.getLogger(__name__)
CSRF_FAILED = gettext_noop(
    "CSRF check failed: a write with the session cookie needs the csrftoken cookie's value in an X-CSRFToken header."
)


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    """422 listing every invalid input with its place (``["query", "page"]``), its kind and a message."""
    errors = [{"type": error["type"], "loc": list(error["loc"]), "msg": error["msg"]} for error in exc.errors]
    return api.create_response(request, {"code": "invalid_input", "detail": errors}, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """401 in the shared error body, with the scheme to authenticate by."""
    detail = gettext("Sign in, or send a working API token as Authorization: Bearer <token>.")
    response = api.create_response(request, {"code": "unauthenticated", "detail": detail}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals in the shared error body: a body it cannot parse (400 ``unparsable_body``, ninja's words) and
    a session write without its CSRF token (403 ``csrf_failed``); ninja raises no other."""
    if exc.status_code == 403:
        body = {"code": "csrf_failed", "detail": gettext(CSRF_FAILED)}
    else:
        body = {"code": "unparsable_body" if exc.status_code == 400 else "refused", "detail": str(exc)}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A request Django cannot read (a body that is not what its Content-Type says, too many fields): 400 as JSON."""
    if isinstance(exc, SuspiciousOperation):
        # Where Django's own handler would have logged it.
        logging.getLogger(f"django.security.{type(exc).__name__}").error("%s", exc)
    return api.create_response(
        request, {"code": "unparsable_request", "detail": gettext("This request cannot be read; send JSON.")}, status=400
    )


@api.exception_handler(OverflowError)
def out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """A number beyond what the database stores got past the edge: a missing bound, answered 400 instead of 500."""
    logger.error("API input out of range reached the database: %s %s", request.method, request.path)
    detail = gettext("A number in this request is beyond what can be stored.")
    return api.create_response(request, {"code": "out_of_range", "detail": detail}, status=400)


@api.exception_handler(DataError)
def invalid_value(request: HttpRequest, exc: DataError) -> HttpResponse:
    """The database refused a value that got past the edge (too long, a NUL on PostgreSQL): 400, the value not logged."""
    logger.error("API input refused by the database: %s %s (%s)", request.method, request.path, type(exc).__name__)
    detail = gettext("The database cannot store a value in this request.")
    return api.create_response(request, {"code": "invalid_value", "detail": detail}, status=400)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"code": "forbidden", "detail": str(exc) or gettext("Forbidden.")}, status=403)


@api.exception_handler(InsufficientScope)
def insufficient_scope(request: HttpRequest, exc: InsufficientScope) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": exc.message, "scope": exc.scope}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "detail": str(exc) or gettext("Not found.")}, status=404)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every refused state change answers 409 with its stable code (and details where there are any)."""
    body: dict[str, object] = {"code": exc.code, "detail": exc.message}
    if isinstance(exc, NotReadyToLaunch):
        body["problems"] = exc.problems
    if isinstance(exc, StalePool):
        body["changes"] = exc.changes
    return api.create_response(request, body, status=409)
