"""The test provider's set-up endpoint: the tests register clients and people over HTTP, guarded by a token."""

import json
import os

from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from tests.identity.oidc_provider.validators import UNVERIFIED


@csrf_exempt
@require_POST
def set_up(request: HttpRequest) -> HttpResponse:
    if request.headers.get("X-Setup-Token") != os.environ["OIDC_PROVIDER_SETUP_TOKEN"]:
        return HttpResponse(status=403)
    body = json.loads(request.body)
    for client in body.get("clients", []):
        Application.objects.update_or_create(
            client_id=client["client_id"],
            defaults={
                "name": client["client_id"],
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "client_secret": client["client_secret"],
                "redirect_uris": " ".join(client["redirect_uris"]),
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )
    for person in body.get("users", []):
        user, _ = User.objects.get_or_create(username=person["email"])
        user.email = person["email"]
        user.first_name, _, user.last_name = person.get("name", "").partition(" ")
        user.set_password(person["password"])
        user.save()
        groups = list(person.get("groups", [])) + ([] if person.get("email_verified", True) else [UNVERIFIED])
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
    return JsonResponse({"ok": True})
