"""``Authorization: Bearer <token>`` for the REST API, tried before the session cookie.

A live token's login becomes ``request.user``, so every access helper treats a token exactly as it treats a
session of the same login. A token that does not work is refused with 401 rather than falling back to the
session; a read-scope token is refused with 403 on any write method before the endpoint runs. Bearer
requests need no CSRF token: a browser never adds the header on its own, so no other site can forge one.
"""

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from turnabout.accounts.models import User
from turnabout.identity.models import TokenScope
from turnabout.identity.tokens import authenticate_api_token

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class InsufficientScope(AuthorizationError):
    """A read-scope token asked for a write; the API answers 403 with ``code``, ``detail`` and ``scope``."""

    code = "insufficient_scope"

    def __init__(self, *, scope: str, method: str) -> None:
        self.scope = scope
        super().__init__(message=f"This token's scope is {scope}; {method} needs {TokenScope.READ_WRITE.value}.")


class ApiTokenAuth(HttpBearer):
    openapi_description = "A personal or organisation API token (tat_…), created under “My account” or “API tokens”."

    def authenticate(self, request: HttpRequest, token: str) -> User:
        # ninja runs the auth callbacks in order and stops at the first exception: raising here (instead of
        # returning None) keeps a bad bearer from being answered by the session cookie sent alongside it.
        api_token = authenticate_api_token(secret=token)
        if api_token is None:
            raise AuthenticationError()
        if request.method in WRITE_METHODS and not api_token.allows_writes:
            raise InsufficientScope(scope=api_token.scope, method=request.method)
        request.user = api_token.user
        return api_token.user
