"""The end of a guest's access, for a session opened before it: the guest is signed out on their next request.

Sign-in refuses a guest whose access ended (``sign_in_policy.guest_access_refusal``), and the daily job
``deactivate-ended-guests`` deactivates their login; this middleware closes the gap between the two, so a session
opened on a guest's last day does not outlive it.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url

from turnabout.accounts.models import AccountRole
from turnabout.core.htmx import is_htmx
from turnabout.identity.sign_in_policy import guest_access_refusal
from turnabout.people.models import Person


class GuestAccessMiddleware:
    """Sign out a guest login whose access ended and send them to the sign-in page, saying when it ended.

    After AuthenticationMiddleware and MessageMiddleware. Reads nothing for anyone but a signed-in guest, and for a
    guest at most one query: their person (none when PersonLanguageMiddleware has already read it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.role == AccountRole.GUEST:
            try:
                person = user.person
            except Person.DoesNotExist:
                person = None
            refusal = guest_access_refusal(person=person) if person is not None else None
            if refusal is not None:
                logout(request)
                messages.error(request, refusal)
                sign_in_page = resolve_url(settings.LOGIN_URL)
                if is_htmx(request):
                    # A redirect would be swapped into the page's fragment: htmx loads the whole page instead.
                    return HttpResponse(status=204, headers={"HX-Redirect": sign_in_page})
                return redirect(sign_in_page)
        return self.get_response(request)
