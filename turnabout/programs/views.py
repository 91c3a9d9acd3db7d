"""Program pages: access → parse → service → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.access import access_organisation
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.people.access import led_communities
from turnabout.people.models import EmploymentStatus, Person, Skill
from turnabout.programs.access import (
    access_managed_enrolment,
    access_own_enrolment,
    access_program,
    access_program_creation,
    access_training_module,
    managed_programs,
)
from turnabout.programs.catalogue import program_presets
from turnabout.programs.errors import ProgramError
from turnabout.programs.forms import (
    MAIN_STRENGTH,
    OTHER_STRENGTH,
    ApplicationForm,
    GuestInvitationForm,
    InviteByEmailForm,
    InviteByFilterForm,
    ProgramSetupForm,
    TrainingCheckForm,
    split_list,
)
from turnabout.programs.models import Cadence, EnrolmentStatus, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.queries import enrolments_of_user, program_roster, programs_of, required_modules
from turnabout.programs.rules import TRANSITIONS, deletion_problems, launch_problems, withholds_non_members
from turnabout.programs.services import (
    Application,
    InvitationResult,
    change_program_status,
    complete_training_module,
    create_program_from_preset,
    decide_application,
    delete_draft_program,
    invite_guests,
    invite_people,
    submit_application,
    update_program,
)


@login_required
def program_list(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_organisation(request.user)
    managing = request.user.role in {"admin", "program_manager"}
    # A community's lead manages their community's programs only.
    leading = not managing and bool(led_communities(request.user))
    programs = programs_of(organisation) if managing else programs_of(organisation).filter(pk__in=managed_programs(request.user))
    context = {
        "programs": programs if managing or leading else [],
        "enrolments": enrolments_of_user(request.user),
        "managing": managing or leading,
    }
    return render(request, "programs/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def program_new(request: AuthenticatedRequest) -> HttpResponse:
    organisation, communities = access_program_creation(request.user)
    # A lead's program belongs to one of their communities; a manager's to a community or to none.
    community_required = request.user.role not in {"admin", "program_manager"}
    presets = program_presets()
    if request.method == "POST":
        driver = request.POST.get("driver", "")
        raw_community = request.POST.get("community", "")
        community = next((item for item in communities if str(item.pk) == raw_community), None)
        if driver not in StrategicDriver.values:
            messages.error(request, _("Choose one of the templates."))
        elif community is None and (raw_community or community_required):
            messages.error(request, _("Choose one of the communities you lead."))
        else:
            program = create_program_from_preset(organisation=organisation, driver=driver, by=request.user, community=community)
            messages.success(
                request,
                _("You created a draft from the %(template)s template. Review every setting before opening enrolment.")
                % {"template": str(StrategicDriver(driver).label).lower()},
            )
            return redirect("programs:edit", program.pk)
    templates = []
    for driver, preset in presets.items():
        # The template's texts read in the wording it starts with, as the draft made from it will.
        worded = Program(wording=preset["wording"], pairing_format=preset["pairing_format"])
        templates.append(
            {
                "driver": StrategicDriver(driver),
                "purpose": worded.worded(preset["purpose_statement"]),
                "months": preset["duration_months"],
                "cadence": str(Cadence(preset["cadence"]).label).lower(),
                "sides": _("%(mentors)s and %(mentees)s") % {"mentors": worded.mentors_label.capitalize(), "mentees": worded.mentees_label},
                "format": worded.pairing_format_label,
            }
        )
    context = {"templates": templates, "communities": communities, "community_required": community_required}
    return render(request, "programs/new.html", context)


@login_required
def program_detail(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id)
    return render(request, "programs/detail.html", _detail_context(program, guest_form=GuestInvitationForm()))


def _detail_context(program: Program, *, guest_form: GuestInvitationForm) -> dict[str, object]:
    roster = program_roster(program)
    return {
        "program": program,
        "roster": roster,
        "guests": [enrolment for enrolment in roster.enrolments if enrolment.person.is_guest],
        "problems": launch_problems(program) if program.status == ProgramStatus.DRAFT else [],
        "deletable": not deletion_problems(program),
        "next_statuses": sorted(TRANSITIONS[ProgramStatus(program.status)], key=list(ProgramStatus).index),
        "filter_form": InviteByFilterForm(program=program),
        "email_form": InviteByEmailForm(program=program),
        "guest_form": guest_form,
        "topics": program.topics.all(),
        "withholds_non_members": withholds_non_members(program),
    }


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id, write=True)
    form = ProgramSetupForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        try:
            update_program(program=program, changes=form.changes(), by=request.user)
        except ProgramError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("programs:detail", program.pk)
    elif request.method == "POST":
        program.refresh_from_db()
    return render(request, "programs/edit.html", {"program": program, "form": form, "deletable": not deletion_problems(program)})


@login_required
@require_POST
def program_status(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id, write=True)
    target = request.POST.get("status", "")
    if target not in ProgramStatus.values:
        messages.error(request, _("Choose a status the program can move to."))
        return redirect("programs:detail", program.pk)
    try:
        change_program_status(program=program, to=ProgramStatus(target), by=request.user)
    except ProgramError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The program is now %(status)s.") % {"status": str(ProgramStatus(target).label).lower()})
    return redirect("programs:detail", program.pk)


@login_required
@require_http_methods(["GET", "POST"])
def program_delete(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    """The confirmation page of deleting a draft (GET), and the deletion itself (POST from that page)."""
    program = access_program(request.user, program_id, write=True)
    if request.method == "POST":
        try:
            delete_draft_program(program=program, by=request.user)
        except ProgramError as error:
            messages.error(request, error.message)
            return redirect("programs:detail", program.pk)
        messages.success(request, _("The draft “%(name)s” is deleted.") % {"name": program.name})
        return redirect("programs:list")
    context = {"program": program, "problems": deletion_problems(program), "invitations": program.enrolments.count()}
    return render(request, "programs/delete.html", context)


@login_required
@require_POST
def program_invite(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id, write=True)
    people = Person.objects.filter(organisation=program.organisation, employment_status=EmploymentStatus.ACTIVE).select_related("grade")
    if request.POST.get("mode") == "emails":
        email_form = InviteByEmailForm(request.POST, program=program)
        if not email_form.is_valid():
            messages.error(request, " ".join(str(error) for errors in email_form.errors.values() for error in errors))
            return redirect("programs:detail", program.pk)
        emails = email_form.cleaned_data["emails"]
        found = list(people.filter(email__in=emails))
        unknown = sorted(set(emails) - {person.email.lower() for person in found})
        if unknown:
            messages.error(
                request,
                ngettext(
                    "Nobody in the directory has this address: %(addresses)s. Nobody was invited.",
                    "Nobody in the directory has these addresses: %(addresses)s. Nobody was invited.",
                    len(unknown),
                )
                % {"addresses": ", ".join(unknown)},
            )
            return redirect("programs:detail", program.pk)
        role, chosen, limit = email_form.cleaned_data["role"], found, None
    else:
        filter_form = InviteByFilterForm(request.POST, program=program)
        if not filter_form.is_valid():
            messages.error(request, " ".join(str(error) for errors in filter_form.errors.values() for error in errors))
            return redirect("programs:detail", program.pk)
        data = filter_form.cleaned_data
        for field in ("department", "site", "grade"):
            if data[field] is not None:
                people = people.filter(**{field: data[field]})
        # Everyone the filter finds: the service checks eligibility first, then stops at the limit.
        role, limit = data["role"], data["limit"]
        chosen = list(people.exclude(enrolments__program=program).order_by("family_name", "given_name", "pk"))
    try:
        result = invite_people(program=program, people=chosen, role=Role(role), by=request.user, limit=limit)
    except ProgramError as error:
        messages.error(request, error.message)
        return redirect("programs:detail", program.pk)
    messages.success(request, _invitation_summary(program=program, role=role, result=result, limit=limit))
    return redirect("programs:detail", program.pk)


@login_required
@require_POST
def program_invite_guests(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    """Invite guests from outside; a refused list shows the page again with the form as posted and what to fix."""
    program = access_program(request.user, program_id, write=True)
    form = GuestInvitationForm(request.POST)
    if form.is_valid():
        try:
            result = invite_guests(program=program, guests=form.invitations(), role=Role.MENTOR, by=request.user)
        except ProgramError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _invitation_summary(program=program, role=Role.MENTOR, result=result, limit=None))
            return redirect("programs:detail", program.pk)
    return render(request, "programs/detail.html", _detail_context(program, guest_form=form))


def _invitation_summary(*, program: Program, role: str, result: InvitationResult, limit: int | None) -> str:
    """What an invitation did, in words: how many were invited, and why not more."""
    count = len(result.invited)
    parts = [
        # One placeholder for the side's word, singular or plural: a language whose singular form also serves 0 (French)
        # must find the same placeholders in every form.
        ngettext("Invited %(count)d %(label)s.", "Invited %(count)d %(label)s.", count)
        % {"count": count, "label": program.label_for(role) if count == 1 else program.plural_for(role)}
    ]
    if limit is not None and result.over_limit:
        parts.append(
            ngettext(
                "%(count)d more eligible person was not invited: the limit is %(limit)d.",
                "%(count)d more eligible people were not invited: the limit is %(limit)d.",
                result.over_limit,
            )
            % {"count": result.over_limit, "limit": limit}
        )
    elif limit is not None and count < limit:
        parts.append(
            ngettext(
                "Only %(count)d person the filter found is eligible, fewer than the limit of %(limit)d.",
                "Only %(count)d people the filter found are eligible, fewer than the limit of %(limit)d.",
                count,
            )
            % {"count": count, "limit": limit}
        )
    if result.already_enrolled:
        parts.append(
            ngettext("%(count)d was already enrolled.", "%(count)d were already enrolled.", result.already_enrolled)
            % {"count": result.already_enrolled}
        )
    if result.not_eligible:
        first = "; ".join(f"{name}: {', '.join(reasons)}" for name, reasons in list(result.not_eligible.items())[:5])
        parts.append(
            ngettext("%(count)d is not eligible (%(first)s).", "%(count)d are not eligible (%(first)s).", len(result.not_eligible))
            % {"count": len(result.not_eligible), "first": first}
        )
    if result.outside_communities:
        # Counted, never named: who is not in an identity-based community is as sensitive as who is.
        parts.append(
            ngettext(
                "%(count)d person was not invited: the program is open only to members of its communities.",
                "%(count)d people were not invited: the program is open only to members of its communities.",
                result.outside_communities,
            )
            % {"count": result.outside_communities}
        )
    return " ".join(parts)


@login_required
@require_POST
def enrolment_decide(request: AuthenticatedRequest, enrolment_id: int) -> HttpResponse:
    enrolment = access_managed_enrolment(request.user, enrolment_id)
    try:
        decide_application(enrolment=enrolment, approve=request.POST.get("decision") == "approve", by=request.user)
    except ProgramError as error:
        messages.error(request, error.message)
    return redirect("programs:detail", enrolment.program_id)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: AuthenticatedRequest, enrolment_id: int) -> HttpResponse:
    enrolment = access_own_enrolment(request.user, enrolment_id)
    program = enrolment.program
    form = ApplicationForm(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role = Role(enrolment.role)
        strengths = dict.fromkeys(data["main_skills"], MAIN_STRENGTH[role]) | dict.fromkeys(data["other_skills"], OTHER_STRENGTH[role])
        skills = {skill: strengths[skill.pk] for skill in Skill.objects.filter(pk__in=strengths)}
        application = Application(
            motivation=data["motivation"],
            goals_text=data["goals_text"],
            skills=skills,
            availability=data["availability"],
            timezone=data["timezone"],
            interests=split_list(data["interests"]),
            values=split_list(data["values"]),
            languages=data["languages"],
            capacity=data["capacity"],
            diversity_consent=data.get("diversity_consent", False),
            conduct_acknowledged=data["conduct_acknowledged"],
        )
        try:
            submit_application(enrolment=enrolment, application=application)
        except ProgramError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you: your application is in. You can change it until it is reviewed."))
            return redirect("programs:enrolment", enrolment.pk)
    return render(request, "programs/apply.html", {"enrolment": enrolment, "program": program, "form": form})


@login_required
def enrolment_home(request: AuthenticatedRequest, enrolment_id: int) -> HttpResponse:
    enrolment = access_own_enrolment(request.user, enrolment_id)
    modules = required_modules(enrolment.program, enrolment.role) if enrolment.program.training_required else []
    done = set(enrolment.training_completions.values_list("module_id", flat=True))
    context = {
        "enrolment": enrolment,
        "program": enrolment.program,
        "modules": [(module, module.pk in done) for module in modules],
        "training_done": all(module.pk in done for module in modules),
        "can_apply": enrolment.status in (EnrolmentStatus.INVITED, EnrolmentStatus.APPLIED)
        and enrolment.program.status == ProgramStatus.ENROLLING,
    }
    return render(request, "programs/enrolment.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def training_module(request: AuthenticatedRequest, enrolment_id: int, slug: str) -> HttpResponse:
    enrolment = access_own_enrolment(request.user, enrolment_id)
    module = access_training_module(enrolment, slug)
    form = TrainingCheckForm(request.POST or None, module=module)
    if request.method == "POST" and form.is_valid():
        try:
            complete_training_module(enrolment=enrolment, module=module, answers=form.answers())
        except ProgramError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Module complete: %(title)s.") % {"title": module.title_label})
            return redirect("programs:enrolment", enrolment.pk)
    return render(request, "programs/training.html", {"enrolment": enrolment, "program": enrolment.program, "module": module, "form": form})
