"""The REST API: one NinjaAPI, a router per app, bearer-token or session authentication."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
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


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"code": "forbidden", "detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(InsufficientScope)
def insufficient_scope(request: HttpRequest, exc: InsufficientScope) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": exc.message, "scope": exc.scope}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every refused state change answers 409 with its stable code (and details where there are any)."""
    body: dict[str, object] = {"code": exc.code, "detail": exc.message}
    if isinstance(exc, NotReadyToLaunch):
        body["problems"] = exc.problems
    if isinstance(exc, StalePool):
        body["changes"] = exc.changes
    return api.create_response(request, body, status=409)
