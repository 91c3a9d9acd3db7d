"""Refuse an oversized request body before anything reads it, so a large upload is never written to disk; speak the
signed-in person's language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


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


class PersonLanguageMiddleware:
    """Activate the signed-in person's own language (``Person.preferred_language``) for the rest of the request.

    Runs after AuthenticationMiddleware; LocaleMiddleware, before it, has activated the browser's language
    (Accept-Language) or LANGUAGE_CODE, which stays for anyone signed out, a login without a person, or a person
    who chose none. The choice is read through the user's ``person`` relation, which views then reuse without a query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def chosen_language(request: HttpRequest) -> str | None:
    """The signed-in person's chosen language as one of LANGUAGES, or None (nobody signed in, no person, no choice)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    person = getattr(user, "person", None)  # None for a login without a person (the reverse relation raises AttributeError)
    code = getattr(person, "preferred_language", "") if person is not None else ""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:  # a language since dropped from LANGUAGES
        return None
