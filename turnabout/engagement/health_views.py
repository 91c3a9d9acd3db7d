"""The managers' pair-health page and its actions: check in, pause, resume, close without fault (rematch is in matching).

Managers see metadata only: state, score, reasons phrased from metadata, last meeting date and cadence.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.forms import CONFIRMED, form_problems, is_confirmed
from turnabout.engagement.access import access_managed_pair
from turnabout.engagement.errors import EngagementError
from turnabout.engagement.forms import PauseForm
from turnabout.engagement.models import CloseReason, Pair
from turnabout.engagement.queries import PairHealthRow, pair_names, program_health
from turnabout.engagement.services import check_in_on_pair, close_pair, pause_pair, resume_pair
from turnabout.programs.access import access_program


@dataclass(frozen=True)
class HealthSection:
    """One table of the page: at risk, or watch."""

    section_id: str
    title: str
    rows: list[PairHealthRow]
    empty: str


@login_required
def health(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id)
    health = program_health(program)
    circles = program.is_circles
    sections = [
        HealthSection(
            "at-risk",
            pgettext("pair health", "At risk"),
            health.at_risk,
            _("No circle is at risk.") if circles else _("No pair is at risk."),
        ),
        HealthSection(
            "watch", pgettext("pair health", "Watch"), health.watch, _("No circle to watch.") if circles else _("No pair to watch.")
        ),
    ]
    return render(request, "engagement/health.html", {"program": program, "health": health, "sections": sections})


def _back(pair: Pair) -> HttpResponse:
    return redirect("engagement:health", pair.program_id)


@login_required
@require_POST
def check_in(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair = access_managed_pair(request.user, pair_id)
    try:
        check_in_on_pair(pair=pair, by=request.user)
    except EngagementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(names)s will get a short note from you that you are checking in.") % {"names": pair_names(pair)})
    return _back(pair)


@login_required
@require_POST
def pause(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair = access_managed_pair(request.user, pair_id)
    if not pair.is_active:
        messages.error(request, _("Only an active pair can be paused."))
        return _back(pair)
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _back(pair)
    pause_pair(pair=pair, by=request.user, message=form.cleaned_data["message"])
    messages.success(
        request, _("%(names)s are paused: no nudges and no health alerts until you resume them.") % {"names": pair_names(pair)}
    )
    return _back(pair)


@login_required
@require_POST
def resume(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair = access_managed_pair(request.user, pair_id)
    if not pair.is_paused:
        messages.error(request, _("Only a paused pair can be resumed."))
        return _back(pair)
    resume_pair(pair=pair, by=request.user)
    messages.success(request, _("%(names)s are active again.") % {"names": pair_names(pair)})
    return _back(pair)


@login_required
@require_POST
def close_without_fault(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair = access_managed_pair(request.user, pair_id)
    if pair.is_closed:
        messages.error(request, _("This pair is already closed."))
        return _back(pair)
    if not is_confirmed(request.POST):
        # A closed pair does not reopen: the first post asks to confirm.
        return render(request, "engagement/confirm_close.html", {"pair": pair, "rematch": False, "confirmed": CONFIRMED})
    close_pair(pair=pair, reason=CloseReason.NO_FAULT, by=request.user)
    messages.success(request, _("%(names)s are closed without fault. Nothing about their pair was deleted.") % {"names": pair_names(pair)})
    return _back(pair)
