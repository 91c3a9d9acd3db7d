"""Pair pages for participants (their own pair only) and concern handling for managers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.access import WITH_GUESTS, access_organisation
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.forms import form_problems
from turnabout.engagement.access import access_pair, access_pair_member
from turnabout.engagement.agreements import cadence_label, filled_agreement_text, is_signed_by_both, is_signed_by_every_member
from turnabout.engagement.certificates import certificate_filename, mentor_certificate_pdf
from turnabout.engagement.errors import EngagementError
from turnabout.engagement.forms import (
    CIRCLE_SHARED_GOAL,
    AgreementForm,
    ClosureForm,
    ConcernForm,
    GoalForm,
    GoalProgressForm,
    InsightForm,
    MilestoneForm,
    NoteForm,
    SignForm,
)
from turnabout.engagement.guides import suggested_guides, topic_guides
from turnabout.engagement.models import Agreement, CloseReason, Concern, Goal, GoalStatus, Milestone, NoteVisibility, Pair, PairMember
from turnabout.engagement.queries import achievements, circle_members, current_agreement, notes_visible_to, pairs_of_user
from turnabout.engagement.scheduling import display_zone_of
from turnabout.engagement.services import (
    AgreementTerms,
    add_goal,
    add_milestone,
    close_pair,
    complete_milestone,
    log_insight,
    raise_concern,
    resolve_concern,
    revise_agreement,
    sign_agreement,
    update_goal_progress,
    write_note,
    write_reflection,
)
from turnabout.programs.access import access_program
from turnabout.programs.models import Role


def _pair_redirect(pair: Pair, anchor: str = "") -> HttpResponse:
    response = redirect("engagement:pair", pair.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
def my_pairs(request: AuthenticatedRequest) -> HttpResponse:
    pairs = list(pairs_of_user(request.user))
    if len(pairs) == 1:
        return redirect("engagement:pair", pairs[0].pk)
    return render(request, "engagement/my_pairs.html", {"pairs": pairs})


def _circle_context(pair: Pair, member: PairMember, agreement: Agreement) -> dict[str, object]:
    """What a circle's pages add: every current member by side (name, label, time zone, signed or not) and the count of
    signatures of the current agreement."""
    signed = {signature.member_id for signature in agreement.signatures.all()}
    members = [
        {"member": other, "person": other.enrolment.person, "label": pair.program.label_for(other.role),
         "zone": display_zone_of(other.enrolment).key, "signed": other.pk in signed, "is_me": other.pk == member.pk}
        for other in circle_members(pair)
    ]  # fmt: skip
    return {
        "circle": True,
        "member": member,
        "members": members,
        "mentor_members": [row for row in members if row["member"].role == Role.MENTOR],  # type: ignore[attr-defined]
        "mentee_members": [row for row in members if row["member"].role == Role.MENTEE],  # type: ignore[attr-defined]
        "signed_count": sum(1 for row in members if row["signed"]),
        "member_count": len(members),
        "i_signed": member.pk in signed,
        "agreement_signed": is_signed_by_every_member(agreement),
    }


@login_required
def pair_home(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    if pair.is_circle and member is not None:
        return _circle_home(request, pair, role, member)
    program = pair.program
    agreement = current_agreement(pair)
    goals = list(pair.goals.prefetch_related("milestones"))
    context = {
        "pair": pair,
        "program": program,
        "role": role,
        "partner": pair.partner_of(role).person,
        "my_label": program.label_for(role),
        "partner_label": program.label_for(pair.partner_of(role).role),
        "agreement": agreement,
        "agreement_signed": is_signed_by_both(agreement),
        "signed_roles": {signature.role for signature in agreement.signatures.all()},
        "mentee_goals": [goal for goal in goals if goal.owner_role == Role.MENTEE],
        "mentor_goals": [goal for goal in goals if goal.owner_role == Role.MENTOR],
        "goal_form": GoalForm(program=program, role=role, initial={"owner_role": role}),
        "notes": notes_visible_to(pair, request.user),
        "note_form": NoteForm(),
        "insights": pair.insights.all(),
        "insight_form": InsightForm(),
        "guides": suggested_guides(pair),
        "achievements": achievements(pair),
        "is_open": not pair.is_closed,
    }
    return render(request, "engagement/pair.html", context)


def _circle_home(request: AuthenticatedRequest, pair: Pair, role: Role, member: PairMember) -> HttpResponse:
    program = pair.program
    agreement = current_agreement(pair)
    goals = list(pair.goals.select_related("owner_member__enrolment__person").prefetch_related("milestones"))
    context = {
        "pair": pair,
        "program": program,
        "role": role,
        "my_label": program.label_for(role),
        "agreement": agreement,
        "shared_goals": [goal for goal in goals if goal.owner_member_id is None],
        "personal_goals": [goal for goal in goals if goal.owner_member_id is not None],
        "editable_goals": {goal.pk for goal in goals if goal.owner_member_id in (None, member.pk)},
        "goal_form": GoalForm(program=program, circle=True),
        "notes": notes_visible_to(pair, request.user),
        "note_form": NoteForm(circle=True),
        "insights": pair.insights.all(),
        "insight_form": InsightForm(),
        "guides": suggested_guides(pair),
        "achievements": achievements(pair),
        "is_open": not pair.is_closed,
        **_circle_context(pair, member, agreement),
    }
    return render(request, "engagement/pair.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agreement(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    current = current_agreement(pair)
    form = AgreementForm(request.POST or None, program=pair.program, agreement=current)
    if request.method == "POST" and form.is_valid():
        try:
            revise_agreement(pair=pair, terms=AgreementTerms(**form.cleaned_data), by=request.user)
        except EngagementError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Saved as a new version. Every member signs it again.")
                if pair.is_circle
                else _("Saved as a new version. Both of you sign it again."),
            )
            return redirect("engagement:agreement", pair.pk)
    versions = list(pair.agreements.prefetch_related("signatures__signed_by"))
    context = {"pair": pair, "program": pair.program, "role": role, "agreement": current, "form": form, "versions": versions,
               "agreement_text": filled_agreement_text(current), "cadence": cadence_label(current),
               "signed_roles": {signature.role for signature in current.signatures.all()}}  # fmt: skip
    if pair.is_circle and member is not None:
        context.update(_circle_context(pair, member, current))
    return render(request, "engagement/agreement.html", context)


@login_required
@require_POST
def sign(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    form = SignForm(request.POST, pair=pair)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("engagement:agreement", pair.pk)
    agreement = form.cleaned_data["agreement"]
    try:
        sign_agreement(agreement=agreement, role=role, by=request.user, member=member)
    except EngagementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You signed version %(version)s.") % {"version": agreement.version})
    return redirect("engagement:agreement", pair.pk)


@login_required
@require_POST
def goal_add(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    form = GoalForm(request.POST, program=pair.program, role=role, circle=pair.is_circle)
    if form.is_valid():
        try:
            add_goal(
                pair=pair,
                owner_role=role if pair.is_circle else Role(form.cleaned_data["owner_role"]),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                by_role=role,
                by_member=member if pair.is_circle else None,
                shared=pair.is_circle and form.cleaned_data["owner_role"] == CIRCLE_SHARED_GOAL,
            )
        except EngagementError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, form_problems(form))
    return _pair_redirect(pair, "goals")


def _pair_goal(request: AuthenticatedRequest, goal_id: int) -> tuple[Goal, Role, PairMember | None]:
    """A goal of one of the user's pairs, the user's side in it and, in a circle, their member (the service refuses
    the partner's changes, and another member's personal goal)."""
    goal = Goal.objects.filter(pk=goal_id).only("pair_id").first()
    if goal is None:
        raise Http404(_("No such goal."))
    pair, role, member = access_pair_member(request.user, goal.pair_id)
    return Goal.objects.select_related("pair__program").get(pk=goal_id, pair=pair), role, member if pair.is_circle else None


@login_required
@require_POST
def goal_update(request: AuthenticatedRequest, goal_id: int) -> HttpResponse:
    goal, role, member = _pair_goal(request, goal_id)
    form = GoalProgressForm(request.POST)
    if form.is_valid():
        try:
            update_goal_progress(
                goal=goal,
                progress_percent=form.cleaned_data["progress_percent"],
                status=GoalStatus(form.cleaned_data["status"]),
                by_role=role,
                by_member=member,
            )
        except EngagementError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Progress is a percentage from 0 to 100."))
    return _pair_redirect(goal.pair, "goals")


@login_required
@require_POST
def milestone_add(request: AuthenticatedRequest, goal_id: int) -> HttpResponse:
    goal, role, member = _pair_goal(request, goal_id)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            add_milestone(goal=goal, title=form.cleaned_data["title"], due_on=form.cleaned_data["due_on"], by_role=role, by_member=member)
        except EngagementError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("A milestone needs a title (and a valid date, if any)."))
    return _pair_redirect(goal.pair, "goals")


@login_required
@require_POST
def milestone_done(request: AuthenticatedRequest, milestone_id: int) -> HttpResponse:
    milestone = Milestone.objects.filter(pk=milestone_id).only("goal_id").first()
    if milestone is None:
        raise Http404(_("No such milestone."))
    goal, role, member = _pair_goal(request, milestone.goal_id)
    milestone = Milestone.objects.select_related("goal__pair__program").get(pk=milestone_id, goal=goal)
    try:
        complete_milestone(milestone=milestone, by_role=role, by_member=member)
    except EngagementError as error:
        messages.error(request, error.message)
    return _pair_redirect(goal.pair, "goals")


@login_required
@require_POST
def note_add(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    form = NoteForm(request.POST, circle=pair.is_circle)
    if form.is_valid():
        try:
            write_note(
                pair=pair,
                author=request.user,
                role=role,
                body=form.cleaned_data["body"],
                visibility=NoteVisibility(form.cleaned_data["visibility"]),
                member=member,
            )
        except EngagementError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, form_problems(form))
    return _pair_redirect(pair, "notes")


@login_required
@require_POST
def insight_add(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, _role = access_pair(request.user, pair_id)
    form = InsightForm(request.POST)
    if form.is_valid():
        log_insight(pair=pair, by=request.user, **form.cleaned_data)
    else:
        messages.error(request, _("Describe what changed, who carries it forward and when it was adopted."))
    return _pair_redirect(pair, "insights")


@login_required
@require_http_methods(["GET", "POST"])
def concern(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        raise_concern(pair=pair, by=request.user, role=role, body=form.cleaned_data["body"], member=member)
        messages.success(request, _("Your concern went to the program manager only. They will contact you."))
        return redirect("engagement:pair", pair.pk)
    return render(request, "engagement/concern.html", {"pair": pair, "program": pair.program, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def closure(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    mine = {"member": member} if pair.is_circle else {"role": role}
    reflection = pair.reflections.filter(**mine).first()
    initial = {"learned": reflection.learned, "proudest": reflection.proudest, "next_steps": reflection.next_steps} if reflection else {}
    form = ClosureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if pair.is_circle:
            write_reflection(
                pair=pair,
                role=role,
                learned=data["learned"],
                proudest=data["proudest"],
                next_steps=data["next_steps"],
                member=member,
                by=request.user,
                continue_informally=data["continue_informally"],
            )
            return _circle_reflected(request, pair)
        write_reflection(
            pair=pair, role=role, learned=data["learned"], proudest=data["proudest"], next_steps=data["next_steps"], member=member
        )
        if pair.reflections.count() == 2:
            close_pair(pair=pair, reason=CloseReason.COMPLETED, by=request.user, continue_informally=data["continue_informally"])
            messages.success(request, _("Both reflections are in: your pair is complete. Thank you."))
        else:
            messages.success(request, _("Your reflection is saved. The pair completes when your partner adds theirs."))
        return redirect("engagement:closure", pair.pk)
    context = {
        "pair": pair,
        "program": pair.program,
        "role": role,
        "form": form,
        "achievements": achievements(pair),
        "reflections": list(pair.reflections.all()),
        "goals": list(pair.goals.all()),
        "insights": list(pair.insights.all()),
        "has_own_reflection": reflection is not None,
    }
    return render(request, "engagement/closure.html", context)


def _circle_reflected(request: AuthenticatedRequest, pair: Pair) -> HttpResponse:
    """A circle completes when every current member has written their reflection (``write_reflection`` closes it)."""
    pair.refresh_from_db(fields=["status"])
    if pair.is_closed:
        messages.success(request, _("Every member's reflection is in: your circle is complete. Thank you."))
    else:
        messages.success(request, _("Your reflection is saved. The circle completes when every member has added theirs."))
    return redirect("engagement:closure", pair.pk)


@login_required
def certificate(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, _role, member = access_pair_member(request.user, pair_id)
    done = achievements(pair)
    pdf = mentor_certificate_pdf(pair, meetings_held=done.meetings_held, goals_achieved=done.goals_achieved, member=member)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate_filename(pair, member)}"'
    return response


@login_required
def guides(request: AuthenticatedRequest) -> HttpResponse:
    access_organisation(request.user, roles=WITH_GUESTS)
    return render(request, "engagement/guides.html", {"guides": topic_guides().values()})


@login_required
def guide(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    access_organisation(request.user, roles=WITH_GUESTS)
    found = topic_guides().get(slug)
    if found is None:
        raise Http404(_("No such guide."))
    return render(request, "engagement/guide.html", {"guide": found})


@login_required
def concerns(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id)
    items = Concern.objects.filter(pair__program=program).select_related("pair__mentor__person", "pair__mentee__person", "raised_by")
    return render(request, "engagement/concerns.html", {"program": program, "concerns": items})


@login_required
@require_POST
def concern_resolve(request: AuthenticatedRequest, concern_id: int) -> HttpResponse:
    item = Concern.objects.select_related("pair").filter(pk=concern_id).first()
    if item is None:
        raise Http404(_("No such concern."))
    program = access_program(request.user, item.pair.program_id, write=True)
    resolve_concern(concern=item)
    return redirect("engagement:concerns", program.pk)
