from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from turnabout.accounts.models import Role
from turnabout.identity.services import needs_first_run


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is; an empty install to its first-run page."""
    if needs_first_run():
        return redirect("identity:setup")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.role in {Role.ADMIN, Role.PROGRAM_MANAGER, Role.PARTICIPANT}:
        return redirect("people:directory")
    return render(request, "home.html")
