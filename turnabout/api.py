"""The REST API: one NinjaAPI, a router per app, session authentication."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from turnabout.people.api import router as people_router

api = NinjaAPI(title="Turnabout API", version="1", auth=django_auth, urls_namespace="api")
api.add_router("/people/", people_router)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"code": "forbidden", "detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "detail": str(exc) or "Not found."}, status=404)
