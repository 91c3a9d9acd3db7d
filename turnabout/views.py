from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from turnabout.accounts.models import Role
from turnabout.core.health import check_health
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


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers, without signing in: 200 when the database answers, every migration is applied and a task
    worker beats; 503 otherwise. The JSON names what failed and nothing else."""
    health = check_health()
    return JsonResponse(health.as_dict(), status=200 if health.is_healthy else 503)
