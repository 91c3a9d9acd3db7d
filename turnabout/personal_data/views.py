"""Personal-data requests: the person's own download, and an administrator's erasure (confirmation, then erase)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.errors import DomainError
from turnabout.people.access import access_own_person
from turnabout.personal_data.access import access_person_to_erase
from turnabout.personal_data.errors import ErasureNotConfirmed
from turnabout.personal_data.forms import ErasureForm
from turnabout.personal_data.services import erase_person, erasure_refusal, export_personal_data


@login_required
@require_POST
def download_my_data(request: AuthenticatedRequest) -> HttpResponse:
    """Everything Turnabout holds about the signed-in person, as a JSON file; nobody can download anyone else's."""
    person = access_own_person(request.user)
    document = export_personal_data(person=person)
    response = JsonResponse(document, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="turnabout-my-data-{timezone.localdate().isoformat()}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """What erasing a person does and why it may be refused; the POST erases once their full name is typed."""
    person = access_person_to_erase(request.user, person_id)
    form = ErasureForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                erasure = erase_person(person=person, by=request.user, confirmation=form.cleaned_data["confirmation"])
            except DomainError as refusal:
                form.add_error(None, refusal.message)
                status = 400 if isinstance(refusal, ErasureNotConfirmed) else 409
            else:
                messages.success(request, f"The person is erased: the directory now shows them as “{erasure.pseudonym}”.")
                return redirect("people:person", person.pk)
    context = {"person": person, "form": form, "refusal": erasure_refusal(person=person)}
    return render(request, "personal_data/erase.html", context, status=status)
