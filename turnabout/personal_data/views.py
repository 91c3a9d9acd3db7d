"""Personal-data requests: the person's own download and language, and an administrator's erasure (confirmation, then erase)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.errors import DomainError
from turnabout.people.access import access_own_person
from turnabout.personal_data.access import access_person_to_erase
from turnabout.personal_data.errors import ErasureNotConfirmed
from turnabout.personal_data.forms import ErasureForm, LanguageForm
from turnabout.personal_data.services import choose_language, erase_person, erasure_refusal, export_personal_data


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
def my_language(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in person's language for Turnabout's pages and emails; blank follows their browser."""
    person = access_own_person(request.user)
    form = LanguageForm(request.POST or None, initial={"language": person.preferred_language})
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "personal_data/language.html", {"form": form}, status=400)
        try:
            choose_language(person=person, language=form.cleaned_data["language"])
        except DomainError as refusal:
            form.add_error("language", refusal.message)
            return render(request, "personal_data/language.html", {"form": form}, status=400)
        # The confirmation is already in the chosen language (the browser's, when the choice is blank).
        language = person.preferred_language or translation.get_language_from_request(request)
        with translation.override(language):
            messages.success(request, _("Your language is saved."))
        return redirect("personal_data:my_language")
    return render(request, "personal_data/language.html", {"form": form})


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
                messages.success(
                    request, _("The person is erased: the directory now shows them as “%(pseudonym)s”.") % {"pseudonym": erasure.pseudonym}
                )
                return redirect("people:person", person.pk)
    context = {"person": person, "form": form, "refusal": erasure_refusal(person=person)}
    return render(request, "personal_data/erase.html", context, status=status)
