"""Match review for managers, and the match pages participants answer on."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.forms import CONFIRMED, form_problems, is_confirmed
from turnabout.core.htmx import is_htmx
from turnabout.engagement.access import access_managed_pair
from turnabout.matching.access import access_circle_match, access_match_run, access_own_match
from turnabout.matching.errors import MatchingError
from turnabout.matching.forms import CircleBanForm, CirclePinForm, MentorRequestForm, PairRuleForm
from turnabout.matching.models import CircleMatch, CircleMatchMember, DeclineReason, Match, MatchRun, PairRuleKind, RunMode
from turnabout.matching.presentation import (
    circle_certificate_line,
    circle_publish_preview,
    publish_preview,
    reason_texts,
    reviewed_circles,
    run_stage,
    score_distribution,
    unmatched_rows,
    worded_review,
)
from turnabout.matching.queries import (
    circle_matches_of_user,
    latest_run,
    matches_of_user,
    open_match_for,
    program_circle_matches,
    program_circle_pins,
    program_matches,
    program_pair_rules,
    run_circles,
    run_proposals,
    run_unmatched,
    waiting_for,
)
from turnabout.matching.rechecks import stale_changes
from turnabout.matching.services import (
    ban_from_circle,
    pin_circle,
    publish_circle_run,
    publish_match_run,
    rematch_pair,
    request_mentor,
    respond_to_circle_match,
    respond_to_match,
    set_pair_rule,
    start_match_run,
    suggestions_for,
    unpin_proposed_circle,
)
from turnabout.programs.access import access_own_enrolment, access_program
from turnabout.programs.errors import CircleSizesUnfillable
from turnabout.programs.models import MatchingStyle, Program, Role


@login_required
def review(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    """The manager's match review: the latest run's summary, every proposed pair with its reasons, pins and bans."""
    program = access_program(request.user, program_id)
    run = latest_run(program)
    finished = run if run and run.has_succeeded else None
    if program.is_circles:
        return _circle_review(request, program, run, finished)
    proposals = worded_review(run_proposals(finished), program) if finished else None
    context = {
        "program": program,
        "run": run,
        "stage": run_stage(run) if run else "",
        "proposals": proposals if proposals is not None else [],
        "distribution": score_distribution(proposals.summary) if proposals is not None else [],
        "unmatched": unmatched_rows(run_unmatched(finished), program) if finished else [],
        # A run without pairs has nothing to publish, so nothing to go stale.
        "stale": stale_changes(finished) if finished and proposals and not finished.published_at else [],
        "rules": program_pair_rules(program),
        "matches": program_matches(program),
        "decline_reasons": dict(DeclineReason.choices),
    }
    return render(request, "matching/review.html", context)


@login_required
def run_progress(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """The progress fragment htmx polls while a run computes; a finished run reloads the whole page."""
    run = access_match_run(request.user, run_id)
    response = render(request, "matching/review.html#progress", {"run": run, "program": run.program, "stage": run_stage(run)})
    if run.is_finished and is_htmx(request):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def start_run(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id, write=True)
    mode = request.POST.get("mode") or None
    if mode is not None and mode not in RunMode.values:
        messages.error(request, _("Unknown matching mode."))
        return redirect("matching:review", program.pk)
    try:
        start_match_run(program=program, by=request.user, mode=mode)
    except (MatchingError, CircleSizesUnfillable) as error:
        messages.error(request, error.message)
    return redirect("matching:review", program.pk)


@login_required
@require_POST
def pair_rule(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id, write=True)
    form = PairRuleForm(request.POST, program=program)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("matching:review", program.pk)
    mentor, mentee, kind = form.cleaned_data["mentor"], form.cleaned_data["mentee"], form.cleaned_data["kind"]
    try:
        set_pair_rule(program=program, mentor=mentor, mentee=mentee, kind=kind, by=request.user)
    except MatchingError as error:
        messages.error(request, error.message)
    else:
        names = {"mentor": mentor.person.full_name, "mentee": mentee.person.full_name}
        done = {
            PairRuleKind.PIN: _("Pinned %(mentor)s with %(mentee)s. Re-run matching to apply it."),
            PairRuleKind.FORBID: _("Forbidden %(mentor)s with %(mentee)s. Re-run matching to apply it."),
        }.get(kind, _("Cleared the rule for %(mentor)s with %(mentee)s. Re-run matching to apply it."))
        messages.success(request, done % names)
    return redirect("matching:review", program.pk)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """The confirmation page of publishing a run (GET): the pairs proposed and who is emailed; publishing (POST from it).

    Publishing cannot be undone, so the review page links here rather than posting. A run without pairs has
    nothing to publish and is refused here; the service checks the rest (finished, not yet published, pool unchanged).
    """
    run = access_match_run(request.user, run_id)
    circles = run.program.is_circles
    if request.method == "GET":
        return _publish_page(request, run)
    if circles:
        proposed, nothing = run.proposed_circles.exists(), _("No circle could be formed in this run, so there is nothing to publish.")
    else:
        proposed, nothing = run.proposed_pairs.exists(), _("Nobody could be matched in this run, so there is nothing to publish.")
    if run.has_succeeded and not proposed:
        messages.error(request, nothing)
        return redirect("matching:review", run.program_id)
    try:
        count = len(publish_circle_run(run=run, by=request.user) if circles else publish_match_run(run=run, by=request.user))
    except MatchingError as error:
        messages.error(request, error.message)
    else:
        if circles:
            published = ngettext("Published %(count)d circle", "Published %(count)d circles", count) % {"count": count}
        else:
            published = ngettext("Published %(count)d pair", "Published %(count)d pairs", count) % {"count": count}
        messages.success(request, _("%(published)s; the emails asking to accept are on their way.") % {"published": published})
    return redirect("matching:review", run.program_id)


def _publish_page(request: AuthenticatedRequest, run: MatchRun) -> HttpResponse:
    """The confirmation page of ``publish``: the circles or the pairs proposed, and who is emailed."""
    if run.program.is_circles:
        circles = reviewed_circles(run_circles(run), run.program)
        context = {"program": run.program, "run": run, "circles": circles, "preview": circle_publish_preview(run, circles)}
        return render(request, "matching/circle_publish.html", context)
    proposals = run_proposals(run)
    context = {"program": run.program, "run": run, "proposals": proposals, "preview": publish_preview(run, proposals)}
    return render(request, "matching/publish.html", context)


@login_required
def my_matches(request: AuthenticatedRequest) -> HttpResponse:
    context = {"matches": matches_of_user(request.user.pk), "circle_matches": circle_matches_of_user(request.user.pk)}
    return render(request, "matching/my_matches.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_match(request: AuthenticatedRequest, match_id: int) -> HttpResponse:
    match, role = access_own_match(request.user, match_id)
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        reason = request.POST.get("reason", "")
        if not accept and not is_confirmed(request.POST) and role in waiting_for(match) and reason in DeclineReason.values:
            # Declining cannot be undone (the pair is never proposed again): the first post asks to confirm.
            return render(request, "matching/decline.html", _match_context(match, role) | {"reason": DeclineReason(reason)})
        try:
            respond_to_match(match=match, role=role, accept=accept, reason=reason)
        except MatchingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Thank you: you accepted.") if accept else _("Thank you. You are back in the pool; nobody is at fault.")
            )
        return redirect("matching:my_match", match.pk)
    return render(request, "matching/my_match.html", _match_context(match, role))


def _match_context(match: Match, role: Role) -> dict[str, object]:
    partner = match.mentee if role == Role.MENTOR else match.mentor
    return {
        "match": match,
        "program": match.program,
        "reasons": reason_texts(match.reasons, match.program),
        "role": role,
        "partner": partner.person,
        "partner_label": match.program.label_for(partner.role),
        "my_label": match.program.label_for(role),
        "my_turn": role in waiting_for(match),
        "decline_reasons": DeclineReason.choices,
        "confirmed": CONFIRMED,
    }


@login_required
@require_http_methods(["GET", "POST"])
def suggestions(request: AuthenticatedRequest, enrolment_id: int) -> HttpResponse:
    """Self-select programs: the mentee's top suggestions with reasons, and a request for one."""
    enrolment = access_own_enrolment(request.user, enrolment_id)
    program = enrolment.program
    if program.matching_style != MatchingStyle.SELF_SELECT or enrolment.role != Role.MENTEE:
        messages.error(request, _("In this program the program manager proposes pairs."))
        return redirect("programs:enrolment", enrolment.pk)
    if request.method == "POST":
        form = MentorRequestForm(request.POST, program=program)
        if not form.is_valid():
            messages.error(request, form_problems(form))
            return redirect("matching:suggestions", enrolment.pk)
        mentor = form.cleaned_data["mentor"]
        if not is_confirmed(request.POST) and open_match_for(enrolment) is None:
            # A request cannot be withdrawn (the mentor is emailed at once): the first post asks to confirm.
            return render(
                request, "matching/request.html", {"enrolment": enrolment, "program": program, "mentor": mentor, "confirmed": CONFIRMED}
            )
        try:
            match = request_mentor(mentee=enrolment, mentor=mentor)
        except MatchingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Request sent to %(name)s.") % {"name": mentor.person.given_name})
            return redirect("matching:my_match", match.pk)
    context = {
        "enrolment": enrolment,
        "program": program,
        "suggestions": [(mentor, score, reason_texts(reasons, program)) for mentor, score, reasons in suggestions_for(enrolment=enrolment)],
        "open_match": open_match_for(enrolment),
    }
    return render(request, "matching/suggestions.html", context)


@login_required
@require_POST
def rematch(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    """From the pair-health list: close a pair without fault and return both people to the pool; the first post asks
    to confirm (a closed pair does not reopen)."""
    pair = access_managed_pair(request.user, pair_id)
    if not is_confirmed(request.POST):
        return render(request, "engagement/confirm_close.html", {"pair": pair, "rematch": True, "confirmed": CONFIRMED})
    rematch_pair(pair=pair, by=request.user)
    messages.success(request, _("%(pair)s is closed without fault; both are back in the pool for the next matching run.") % {"pair": pair})
    return redirect("matching:review", pair.program_id)


def _circle_review(request: AuthenticatedRequest, program: Program, run: MatchRun | None, finished: MatchRun | None) -> HttpResponse:
    """The review page of a circle program: the proposed circles with each member's place, the certificate, pins and bans."""
    circles = reviewed_circles(run_circles(finished), program) if finished else []
    context = {
        "program": program,
        "run": run,
        "stage": run_stage(run) if run else "",
        "circles": circles,
        "summary": finished.summary if finished else {},
        "certificate": circle_certificate_line(finished.summary) if finished else "",
        "unmatched": unmatched_rows(run_unmatched(finished), program) if finished else [],
        "stale": stale_changes(finished) if finished and circles and not finished.published_at else [],
        "rules": program_pair_rules(program),
        "pins": program_circle_pins(program),
        "circle_matches": program_circle_matches(program),
    }
    return render(request, "matching/circle_review.html", context)


@login_required
@require_POST
def circle_pin(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    """Pin a proposed circle for the next runs, or lift its pin."""
    program = access_program(request.user, program_id, write=True)
    form = CirclePinForm(request.POST, program=program)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("matching:review", program.pk)
    circle = form.cleaned_data["circle"]
    if form.cleaned_data["unpin"]:
        unpin_proposed_circle(proposed_circle=circle, by=request.user)
        messages.success(request, _("The circle is no longer pinned. Re-run matching to apply it."))
    else:
        pin_circle(proposed_circle=circle, by=request.user)
        messages.success(request, _("Pinned this circle: the next runs keep it while its members still fit together."))
    return redirect("matching:review", program.pk)


@login_required
@require_POST
def circle_ban(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    """Keep one member out of a proposed circle in the next runs."""
    program = access_program(request.user, program_id, write=True)
    form = CircleBanForm(request.POST, program=program)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("matching:review", program.pk)
    enrolment = form.cleaned_data["enrolment"]
    try:
        ban_from_circle(proposed_circle=form.cleaned_data["circle"], enrolment=enrolment, by=request.user)
    except MatchingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s will be kept out of this circle. Re-run matching to apply it.") % {"name": enrolment.person.full_name}
        )
    return redirect("matching:review", program.pk)


@login_required
@require_http_methods(["GET", "POST"])
def my_circle(request: AuthenticatedRequest, match_id: int) -> HttpResponse:
    """A member's circle proposal: why they are in it, every member by name and side, and their answer."""
    match, member = access_circle_match(request.user, match_id)
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        reason = request.POST.get("reason", "")
        if not accept and not is_confirmed(request.POST) and member.is_pending and match.is_proposed and reason in DeclineReason.values:
            # Declining cannot be undone: the first post asks to confirm.
            return render(request, "matching/circle_decline.html", _circle_context(match, member) | {"reason": DeclineReason(reason)})
        try:
            respond_to_circle_match(match=match, enrolment=member.enrolment, accept=accept, reason=reason)
        except MatchingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Thank you: you accepted.") if accept else _("Thank you. You are back in the pool; nobody is at fault.")
            )
        return redirect("matching:my_circle", match.pk)
    return render(request, "matching/my_circle.html", _circle_context(match, member))


def _circle_context(match: CircleMatch, member: CircleMatchMember) -> dict[str, object]:
    program = match.program
    others = [(item.enrolment.person, program.label_for(item.role)) for item in match.current_members if item.pk != member.pk]
    return {
        "match": match,
        "member": member,
        "program": program,
        "reasons": reason_texts(member.reasons, program),
        "my_label": program.label_for(member.role),
        "others": others,
        "my_turn": match.is_proposed and member.is_pending,
        "decline_reasons": DeclineReason.choices,
        "confirmed": CONFIRMED,
    }
