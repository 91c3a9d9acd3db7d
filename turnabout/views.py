from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from turnabout.accounts.models import AccountRole, User
from turnabout.core.health import check_health
from turnabout.engagement.queries import pairs_of_user
from turnabout.identity.services import needs_first_run
from turnabout.insights.access import access_insights_organisation, may_read_program_insights
from turnabout.insights.kpis import program_kpis
from turnabout.insights.presentation import HIDDEN, kpi_line, shown
from turnabout.insights.reach import organisation_rollup
from turnabout.matching.queries import matches_of_user
from turnabout.programs.models import Program
from turnabout.programs.queries import enrolments_of_user

# The figures a sponsor's home page shows of each program, as its dashboard publishes them (withheld stays withheld).
SPONSOR_HEADLINE_KPIS = ("active_pair_rate", "meetings_per_month", "pairs_with_insight")


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is; an empty install to its first-run page."""
    if needs_first_run():
        return redirect("identity:setup")
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user.role in {AccountRole.ADMIN, AccountRole.PROGRAM_MANAGER, AccountRole.PARTICIPANT}:
        return redirect("people:directory")
    if user.is_guest:
        return _guest_home(user)
    return _sponsor_home(request, user)


def _guest_home(user: User) -> HttpResponse:
    """A guest has no directory to start from: their pair once one is open, else their matches while one is open, else
    their latest enrolment (where a participant without a pair applies and trains)."""
    if any(not pair.is_closed for pair in pairs_of_user(user)):
        return redirect("engagement:my_pairs")
    if any(match.is_open for match in matches_of_user(user.pk)):
        return redirect("matching:my_matches")
    enrolment = enrolments_of_user(user).first()
    if enrolment is not None:
        return redirect("programs:enrolment", enrolment.pk)
    return redirect("matching:my_matches")


def _sponsor_home(request: HttpRequest, user: User) -> HttpResponse:
    """A sponsor's programs with their headline figures: pairs running and the chosen KPIs as each program's dashboard
    publishes them, meetings held as the organisation roll-up does, so this page discloses nothing those do not."""
    organisation = access_insights_organisation(user)
    # For a sponsor: the programs they sponsor; each roll-up row is its program's own figure, whatever else is chosen.
    readable = [
        program
        for program in Program.objects.filter(organisation=organisation).order_by("name")
        if may_read_program_insights(user, program)
    ]
    programs = []
    for row in organisation_rollup(organisation, programs=readable).rows:
        kpis = program_kpis(row.program)
        programs.append(
            {
                "program": row.program,
                "pairs_running": shown(kpis.health.total),
                "meetings_held": shown(row.meetings_held),
                "headlines": [kpi_line(kpis.kpi(key)) for key in SPONSOR_HEADLINE_KPIS],
            }
        )
    return render(request, "home.html", {"programs": programs, "hidden": HIDDEN})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico of their own accord: sent on to the SVG icon that base.html links. Not permanent,
    since the icon's URL carries its content hash."""
    return redirect(static("favicon.svg"))


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers, without signing in: 200 when the database answers, every migration is applied and a task
    worker beats; 503 otherwise. The JSON names what failed and nothing else."""
    health = check_health()
    return JsonResponse(health.as_dict(), status=200 if health.is_healthy else 503)
