from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.htmx import template_for
from turnabout.people.access import access_directory, access_own_person, access_person, sees_employment_details
from turnabout.people.erasure import is_erased
from turnabout.people.forms import DirectoryFilterForm, SensitiveProfileForm
from turnabout.people.models import SensitiveProfile
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
    person = access_person(request.user, person_id)
    context = {
        "person": person,
        "chain": reporting_chain(person),
        "reports": direct_reports(person),  # the first page: the org chart pages through the rest
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
    context = {"form": form, "profile": profile, "purpose": _(SENSITIVE_PURPOSE), "legal_basis": _(SENSITIVE_LEGAL_BASIS)}
    return render(request, "people/my_privacy.html", context)


@login_required
@require_POST
def withdraw_privacy(request: AuthenticatedRequest) -> HttpResponse:
    person = access_own_person(request.user)
    if withdraw_sensitive_profile(person=person):
        messages.success(request, _("Your answers are deleted and your consent is withdrawn."))
    return redirect("people:my_privacy")
