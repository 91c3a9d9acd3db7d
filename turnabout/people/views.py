from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.access import access_managed_organisation
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.htmx import template_for
from turnabout.people.access import (
    access_community,
    access_directory,
    access_managed_community,
    access_own_person,
    access_person,
    leads_community,
    sees_community_members,
    sees_employment_details,
)
from turnabout.people.communities import (
    communities_of,
    community_memberships,
    confirm_listed_membership,
    create_community,
    join_community,
    leave_community,
    listed_memberships,
    member_count,
    membership_of,
    remove_listed_membership,
    set_community_leads,
)
from turnabout.people.erasure import is_erased
from turnabout.people.errors import CommunityError
from turnabout.people.forms import CommunityForm, DirectoryFilterForm, SensitiveProfileForm
from turnabout.people.models import Person, SensitiveProfile
from turnabout.people.queries import direct_reports, directory_choices, directory_page, reporting_chain, top_of_organisation
from turnabout.people.services import record_sensitive_profile, withdraw_sensitive_profile

# What the person consents to, stored with their answers in English (the text of record) and shown in their language.
SENSITIVE_PURPOSE = gettext_noop(
    "To let program managers check, in aggregate only, that mentoring programs reach under-represented groups, "
    "and — only in programs that enable it — to pair people across backgrounds. No other participant, manager "
    "or sponsor ever sees your answers."
)
SENSITIVE_LEGAL_BASIS = gettext_noop("Explicit consent (GDPR Art. 9(2)(a))")


@login_required
def directory(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_directory(request.user)
    form = DirectoryFilterForm(request.GET or None, choices=directory_choices(organisation))
    page = directory_page(organisation, form.filters(), request.GET.get("page"))
    return render(request, template_for(request, "people/directory.html", "results"), {"form": form, "page": page})


@login_required
def person_detail(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = access_person(request.user, person_id)  # a guest from outside only for administrators and program managers
    context = {
        "person": person,
        # A guest from outside has no place in the org chart: no chain, no reports.
        "chain": [] if person.is_guest else reporting_chain(person),
        "reports": None if person.is_guest else direct_reports(person),  # the first page: the org chart pages through the rest
        "skill_levels": person.skill_levels.select_related("skill", "skill__category"),
        "show_employment": sees_employment_details(request.user),
        # Administrators answer requests to be forgotten from here (turnabout.personal_data).
        "may_erase": request.user.is_admin and not is_erased(person),
    }
    return render(request, "people/person_detail.html", context)


@login_required
def org_chart(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_directory(request.user)
    return render(request, "people/org_chart.html", {"roots": top_of_organisation(organisation, request.GET.get("page"))})


@login_required
def org_chart_reports(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = access_person(request.user, person_id)
    if person.is_guest:
        raise Http404(_("No such person in your organisation."))
    return render(request, "people/org_chart.html#branch", {"page": direct_reports(person, request.GET.get("page")), "manager": person})


@login_required
@require_http_methods(["GET", "POST"])
def my_privacy(request: AuthenticatedRequest) -> HttpResponse:
    person = access_own_person(request.user)
    profile = SensitiveProfile.objects.filter(person=person).first()
    initial: dict[str, object] = {}
    if profile:
        # The checkbox shows the stored consent, as the statement above it does: ticked exactly while answers are held.
        initial = {
            "consent": True,
            **{field: getattr(profile, field) for field in ("gender", "ethnicity", "has_disability", "is_under_represented", "age_band")},
        }
    form = SensitiveProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "consent"}
        record_sensitive_profile(person=person, consent_purpose=SENSITIVE_PURPOSE, consent_legal_basis=SENSITIVE_LEGAL_BASIS, **data)
        messages.success(request, _("Your answers are saved. Only you can see them."))
        return redirect("people:my_privacy")
    context = {
        "form": form,
        "profile": profile,
        "purpose": _(SENSITIVE_PURPOSE),
        "legal_basis": _(SENSITIVE_LEGAL_BASIS),
        "listed_memberships": listed_memberships(person),
    }
    return render(request, "people/my_privacy.html", context)


@login_required
@require_POST
def confirm_listed_network(request: AuthenticatedRequest, community_id: int) -> HttpResponse:
    membership = get_object_or_404(listed_memberships(access_own_person(request.user)), community_id=community_id)
    confirm_listed_membership(membership=membership)
    messages.success(request, _("Programs of %(community)s may now count your membership.") % {"community": membership.community.name})
    return redirect("people:my_privacy")


@login_required
@require_POST
def remove_listed_network(request: AuthenticatedRequest, community_id: int) -> HttpResponse:
    membership = get_object_or_404(listed_memberships(access_own_person(request.user)), community_id=community_id)
    remove_listed_membership(membership=membership)
    messages.success(request, _("Your membership of %(community)s is removed.") % {"community": membership.community.name})
    return redirect("people:my_privacy")


@login_required
@require_POST
def withdraw_privacy(request: AuthenticatedRequest) -> HttpResponse:
    person = access_own_person(request.user)
    if withdraw_sensitive_profile(person=person):
        messages.success(request, _("Your answers are deleted and your consent is withdrawn."))
    return redirect("people:my_privacy")


def _people_by_email(organisation_id: int, emails: list[str]) -> tuple[list[Person], str]:
    """The organisation's employees with these addresses, and what to say about addresses nobody has (empty when none).

    Guests from outside are not in the directory: their addresses read as nobody's."""
    people = list(Person.objects.employees().filter(organisation_id=organisation_id, email__in=emails))
    unknown = sorted(set(emails) - {person.email.lower() for person in people})
    if not unknown:
        return people, ""
    return people, _("Nobody in the directory has these addresses: %(addresses)s.") % {"addresses": ", ".join(unknown)}


@login_required
def community_list(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_directory(request.user)
    context = {"rows": communities_of(organisation), "may_create": sees_employment_details(request.user)}
    return render(request, "people/communities.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def community_new(request: AuthenticatedRequest) -> HttpResponse:
    organisation = access_managed_organisation(request.user)
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        leads, unknown = _people_by_email(organisation.pk, data["lead_emails"])
        if unknown:
            form.add_error("lead_emails", unknown)
        else:
            try:
                community = create_community(
                    organisation=organisation,
                    name=data["name"],
                    purpose=data["purpose"],
                    is_open=data["is_open"],
                    is_identity_based=data["is_identity_based"],
                    leads=leads,
                )
            except CommunityError as error:
                form.add_error("name", error.message)
            else:
                messages.success(request, _("The community “%(name)s” is created.") % {"name": community.name})
                return redirect("people:community", community.pk)
    return render(request, "people/community_new.html", {"form": form})


@login_required
def community_detail(request: AuthenticatedRequest, community_id: int) -> HttpResponse:
    community = access_community(request.user, community_id)
    own = Person.objects.filter(user=request.user, organisation=community.organisation).first()
    leading = leads_community(request.user, community)
    context = {
        "community": community,
        "leads": list(community.leads.order_by("family_name", "given_name")),
        "member_count": member_count(community),
        "members": list(community_memberships(community)) if sees_community_members(request.user, community) else None,
        "membership": membership_of(own, community) if own is not None else None,
        "is_person": own is not None,
        "leading": leading,
        "may_name_leads": sees_employment_details(request.user),
        "programs": list(community.programs.order_by("-created_at")) if leading or sees_employment_details(request.user) else [],
    }
    return render(request, "people/community_detail.html", context)


def _change_own_membership(
    request: AuthenticatedRequest, community_id: int, change: Callable[..., object], done: Callable[[str], str]
) -> HttpResponse:
    """Join or leave a community as oneself: ``change`` is the service, ``done`` the sentence for its community's name."""
    community = access_community(request.user, community_id)
    try:
        change(community=community, person=access_own_person(request.user))
    except CommunityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done(community.name))
    return redirect("people:community", community.pk)


@login_required
@require_POST
def community_join(request: AuthenticatedRequest, community_id: int) -> HttpResponse:
    return _change_own_membership(request, community_id, join_community, lambda name: _("You joined %(community)s.") % {"community": name})


@login_required
@require_POST
def community_leave(request: AuthenticatedRequest, community_id: int) -> HttpResponse:
    return _change_own_membership(request, community_id, leave_community, lambda name: _("You left %(community)s.") % {"community": name})


@login_required
@require_POST
def community_leads(request: AuthenticatedRequest, community_id: int) -> HttpResponse:
    community = access_managed_community(request.user, community_id)
    form = CommunityForm({"name": community.name, "lead_emails": request.POST.get("lead_emails", "")})
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("people:community", community.pk)
    emails = form.cleaned_data["lead_emails"]
    leads, unknown = _people_by_email(community.organisation_id, emails)
    if unknown:
        messages.error(request, unknown)
    else:
        set_community_leads(community=community, leads=leads)
        messages.success(request, _("The community's leads are saved."))
    return redirect("people:community", community.pk)
