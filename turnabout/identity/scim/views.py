"""The SCIM 2.0 protocol at /scim/v2/ (RFC 7644), and the administrators' SCIM page at /users/scim/.

Protocol views take only the organisation's SCIM token (``Authorization: Bearer``), never a session, so they need
no CSRF token; every answer is ``application/scim+json`` and every refusal an RFC 7644 Error with its
``scimType``. Each view: authenticate → parse with scim2-models → query or service → serialise.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    InvalidSyntaxException,
    Meta,
    NotFoundException,
    ResponseParameters,
    SCIMException,
)

from turnabout.accounts.access import access_admin_organisation
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.identity.models import TokenKind
from turnabout.identity.scim import services
from turnabout.identity.scim.queries import filter_people, scim_people, scim_person
from turnabout.identity.scim.resources import (
    MAX_RESULTS,
    PROVIDER,
    SCHEMAS,
    SCIM_CONTENT_TYPE,
    SERVICE_PROVIDER_CONFIG,
    USER_RESOURCE_TYPE,
    ScimUser,
    ScimUserPatch,
    ScimUserSearch,
    base_url,
    user_of,
)
from turnabout.identity.tokens import authenticate_api_token

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_TOKENS = frozenset({TokenKind.SCIM})

ScimView = Callable[..., HttpResponse]


def scim_response(payload: dict[str, Any], *, status: int = 200, location: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type=SCIM_CONTENT_TYPE)
    if location:
        response["Location"] = location
    return response


def error_response(*, status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    response = scim_response(error.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="Turnabout SCIM"'
    return response


def _validation_error_response(error: ValidationError) -> HttpResponse:
    first = Error.from_validation_errors(error)[0]
    return error_response(status=int(first.status or 400), detail=first.detail or "Invalid request.", scim_type=first.scim_type)


def scim_endpoint(*, methods: frozenset[str]) -> Callable[[ScimView], ScimView]:
    """Bearer authentication with the organisation's SCIM token, allowed methods, and SCIM errors for a view."""

    def decorator(view: ScimView) -> ScimView:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            token = authenticate_api_token(secret=secret.strip(), kinds=SCIM_TOKENS) if scheme.lower() == "bearer" else None
            if token is None:
                return error_response(status=401, detail="A valid SCIM token is required (Authorization: Bearer …).")
            if request.method not in methods:
                response = error_response(status=405, detail=f"{request.method} is not allowed here.")
                response["Allow"] = ", ".join(sorted(methods))
                return response
            request.scim_token = token  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except SCIMException as error:
                return error_response(status=error.status, detail=error.detail, scim_type=error.scim_type or None)
            except ValidationError as error:
                return _validation_error_response(error)

        return wrapped

    return decorator


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntaxException(detail="The request body is not valid JSON.") from None


def _user_payload(request: HttpRequest, *, active_when_absent: bool) -> dict[str, Any]:
    """The body of a creation or replacement: a JSON object naming the core User schema."""
    payload = _body(request)
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="The request body must be a JSON object.")
    schemas = payload.get("schemas")
    if not isinstance(schemas, list) or CORE_USER not in schemas:
        raise InvalidSyntaxException(detail=f"schemas must list {CORE_USER}.")
    # active is required in our schema so that nobody removes it; a request without it keeps the current state.
    if payload.get("active") is None:
        payload["active"] = active_when_absent
    return payload


def _response_parameters(request: HttpRequest) -> Any:
    return ResponseParameters[ScimUser].model_validate(
        {key: request.GET[key] for key in ("attributes", "excludedAttributes") if request.GET.get(key)}
    )


def _dump_user(person: Any, parameters: Any = None, *, context: Context = Context.RESOURCE_QUERY_RESPONSE) -> dict[str, Any]:
    return user_of(person).model_dump(scim_ctx=context, response_parameters=parameters, scim_provider=PROVIDER)  # type: ignore[no-any-return]


def _organisation(request: HttpRequest) -> Any:
    # The token's login is loaded with its organisation, which authenticate_api_token checked is the token's.
    return request.scim_token.user.organisation  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Any:
    return request.scim_token.user  # type: ignore[attr-defined]


# ---------------------------------------------------------------- discovery (RFC 7644 §4)


def _discovery_meta(resource_type: str, path: str) -> Meta:
    return Meta(resource_type=resource_type, location=f"{base_url()}{path}")


def _schema_payload(schema_id: str) -> dict[str, Any]:
    schema = SCHEMAS[schema_id].model_copy(update={"meta": _discovery_meta("Schema", f"/Schemas/{schema_id}")})
    return schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _resource_type_payload() -> dict[str, Any]:
    resource_type = USER_RESOURCE_TYPE.model_copy(
        update={"meta": _discovery_meta("ResourceType", f"/ResourceTypes/{USER_RESOURCE_TYPE.id}")}
    )
    return resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _list_payload(resources: list[dict[str, Any]], *, total: int | None = None, start_index: int = 1) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


@scim_endpoint(methods=frozenset({"GET"}))
def service_provider_config(request: HttpRequest) -> HttpResponse:
    config = SERVICE_PROVIDER_CONFIG.model_copy(update={"meta": _discovery_meta("ServiceProviderConfig", "/ServiceProviderConfig")})
    return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@scim_endpoint(methods=frozenset({"GET"}))
def resource_types(request: HttpRequest) -> HttpResponse:
    return scim_response(_list_payload([_resource_type_payload()]))


@scim_endpoint(methods=frozenset({"GET"}))
def resource_type(request: HttpRequest, resource_type_id: str) -> HttpResponse:
    if resource_type_id != USER_RESOURCE_TYPE.id:
        raise NotFoundException(detail=f"No resource type {resource_type_id!r}.")
    return scim_response(_resource_type_payload())


@scim_endpoint(methods=frozenset({"GET"}))
def schemas(request: HttpRequest) -> HttpResponse:
    return scim_response(_list_payload([_schema_payload(schema_id) for schema_id in SCHEMAS]))


@scim_endpoint(methods=frozenset({"GET"}))
def schema(request: HttpRequest, schema_id: str) -> HttpResponse:
    if schema_id not in SCHEMAS:
        raise NotFoundException(detail=f"No schema {schema_id!r}.")
    return scim_response(_schema_payload(schema_id))


@scim_endpoint(methods=frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"}))
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise NotFoundException(detail=f"No SCIM endpoint at {request.path}.")


# ---------------------------------------------------------------- users (RFC 7644 §3)


def _search(request: HttpRequest, search: Any) -> HttpResponse:
    people = filter_people(scim_people(organisation=_organisation(request)), search.filter)
    start_index = max(search.start_index or 1, 1)
    count = MAX_RESULTS if search.count is None else min(max(search.count, 0), MAX_RESULTS)
    total = people.count()
    page = list(people[start_index - 1 : start_index - 1 + count]) if count else []
    resources = [_dump_user(person, search, context=Context.SEARCH_RESPONSE) for person in page]
    return scim_response(_list_payload(resources, total=total, start_index=start_index))


def _search_from_query(request: HttpRequest) -> Any:
    query = {key: request.GET[key] for key in ("filter", "startIndex", "count", "attributes", "excludedAttributes") if key in request.GET}
    return ScimUserSearch.model_validate(query, scim_ctx=Context.SEARCH_REQUEST)


def _search_from_body(request: HttpRequest) -> Any:
    payload = _body(request)
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="The request body must be a SearchRequest object.")
    return ScimUserSearch.model_validate(payload, scim_ctx=Context.SEARCH_REQUEST)


@scim_endpoint(methods=frozenset({"GET", "POST"}))
def users(request: HttpRequest) -> HttpResponse:
    """GET lists (filter, startIndex, count, attributes); POST creates."""
    if request.method == "GET":
        return _search(request, _search_from_query(request))
    user = ScimUser.model_validate(
        _user_payload(request, active_when_absent=True), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_provider=PROVIDER
    )
    person = services.provision_person(organisation=_organisation(request), user=user, by=_actor(request))
    body = _dump_user(person, context=Context.RESOURCE_CREATION_RESPONSE)
    return scim_response(body, status=201, location=body["meta"]["location"])


@scim_endpoint(methods=frozenset({"POST"}))
def search(request: HttpRequest) -> HttpResponse:
    """POST /.search and /Users/.search: the only resource type is User, so both search the same people."""
    return _search(request, _search_from_body(request))


def _patch_payload(request: HttpRequest) -> Any:
    payload = _body(request)
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="The request body must be a PatchOp object.")
    for operation in payload.get("Operations") or []:
        # Entra ID sends the manager as a bare id: {"path": "…:manager", "value": "42"}.
        path = str(operation.get("path", "")) if isinstance(operation, dict) else ""
        if path.lower().endswith("manager") and isinstance(operation.get("value"), str):
            operation["value"] = {"value": operation["value"]}
    return payload


@scim_endpoint(methods=frozenset({"GET", "PUT", "PATCH", "DELETE"}))
def user(request: HttpRequest, user_id: str) -> HttpResponse:
    """One person: read, replace (PUT), patch, delete (the leaver workflow; then 404)."""
    person = scim_person(organisation=_organisation(request), user_id=user_id)
    if person is None:
        raise NotFoundException(detail=f"No User {user_id!r} in this organisation.")
    if request.method == "GET":
        return scim_response(_dump_user(person, _response_parameters(request)))
    if request.method == "DELETE":
        services.deprovision_person(person=person, by=_actor(request))
        return HttpResponse(status=204)
    if request.method == "PUT":
        replacement = ScimUser.model_validate(
            _user_payload(request, active_when_absent=person.is_active_employee),
            scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST,
            scim_provider=PROVIDER,
        )
        person = services.replace_provisioned_person(person=person, user=replacement, by=_actor(request))
        context = Context.RESOURCE_REPLACEMENT_RESPONSE
    else:
        patch = ScimUserPatch.model_validate(_patch_payload(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_provider=PROVIDER)
        person = services.patch_provisioned_person(person=person, patch=patch, by=_actor(request))
        context = Context.RESOURCE_PATCH_RESPONSE
    person = scim_people(organisation=_organisation(request)).get(pk=person.pk)
    return scim_response(_dump_user(person, _response_parameters(request), context=context))


# ---------------------------------------------------------------- the administrators' page


@login_required
def scim_settings(request: AuthenticatedRequest) -> HttpResponse:
    """Users → SCIM provisioning: the base URL for the identity provider, and the token (administrators only)."""
    organisation = access_admin_organisation(request.user)
    return render(
        request, "identity/scim.html", {"base_url": base_url(), "token": services.scim_token_of(organisation=organisation), "secret": None}
    )


@require_POST
@login_required
def rotate_scim_token(request: AuthenticatedRequest) -> HttpResponse:
    """Make a new SCIM token (the previous one stops working) and show its secret this once."""
    organisation = access_admin_organisation(request.user)
    new = services.rotate_scim_token(organisation=organisation, by=request.user)
    return render(request, "identity/scim.html", {"base_url": base_url(), "token": new.token, "secret": new.secret})


@require_POST
@login_required
def revoke_scim_token(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_admin_organisation(request.user)
    if services.revoke_scim_token(organisation=organisation, by=request.user):
        messages.success(request, _("The SCIM token no longer works: provisioning has stopped until you make a new one."))
    return redirect("scim_admin:settings")
