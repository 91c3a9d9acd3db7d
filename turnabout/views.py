from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.accounts.models import Role


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Send each role to where its work is."""
    if request.user.role in {Role.ADMIN, Role.PROGRAM_MANAGER, Role.PARTICIPANT}:
        return redirect("people:directory")
    return render(request, "home.html")
