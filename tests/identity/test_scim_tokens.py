"""The administrators' SCIM page (/users/scim/): base URL, the token, rotation showing the secret once; and who may.

Permission matrix: only an organisation's administrators see the page and rotate or revoke its token; any
other role is refused (403) and an anonymous visitor sent to sign in, and a refused request changes nothing.
"""

import hashlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from turnabout.accounts.models import AuditAction, AuditEntry
from turnabout.identity.models import ApiToken, TokenKind, TokenScope
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.identity.tokens import create_api_token

PAGE, ROTATE, REVOKE = "/users/scim/", "/users/scim/rotate/", "/users/scim/revoke/"


def scim_get(secret: str, path: str = "/Users"):
    return Client().get(f"/scim/v2{path}", headers={"Authorization": f"Bearer {secret}"})


def test_the_urls():
    assert (reverse("scim_admin:settings"), reverse("scim_admin:rotate"), reverse("scim_admin:revoke")) == (PAGE, ROTATE, REVOKE)
    assert reverse("scim:root") == "/scim/v2/"


def test_the_page_shows_the_base_url_and_no_token_yet(client, admin):
    # given
    client.force_login(admin)

    # when
    response = client.get(PAGE)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<code data-testid="scim-base-url">{settings.SITE_URL}/scim/v2</code>' in page
    assert "none: provisioning is off" in page
    assert "Create token" in page


def test_rotating_shows_the_new_secret_once(client, admin, acme):
    # given
    client.force_login(admin)

    # when
    rotated = client.post(ROTATE)
    shown_again = client.get(PAGE)

    # then the secret is on the answer to the rotation only, and works at /scim/v2/
    token = ApiToken.objects.get(kind=TokenKind.SCIM)
    secret = rotated.context["secret"]
    assert rotated.status_code == 200
    assert f'<code data-testid="token-secret">{secret}</code>' in rotated.content.decode()
    assert secret not in shown_again.content.decode()
    assert f"<code>{token.prefix}…</code>" in shown_again.content.decode()
    assert "last used never" in " ".join(shown_again.content.decode().split())
    assert "Rotate token" in shown_again.content.decode()
    assert scim_get(secret).status_code == 200
    assert (token.organisation, token.created_by, token.user.is_service_account, token.user.is_active) == (acme, admin, True, True)


def test_rotating_again_stops_the_previous_token(client, admin, acme):
    # given
    client.force_login(admin)
    first = client.post(ROTATE).context["secret"]

    # when
    second = client.post(ROTATE).context["secret"]

    # then
    assert (scim_get(first).status_code, scim_get(second).status_code) == (401, 200)
    assert ApiToken.objects.filter(kind=TokenKind.SCIM, revoked_at__isnull=True).count() == 1
    # the same service login acts for both: the audit log names one SCIM actor
    assert ApiToken.objects.filter(kind=TokenKind.SCIM).values("user").distinct().count() == 1
    actions = list(AuditEntry.objects.filter(organisation=acme).order_by("pk").values_list("action", flat=True))
    assert actions == [AuditAction.TOKEN_CREATED, AuditAction.TOKEN_REVOKED, AuditAction.TOKEN_CREATED]


def test_revoking_stops_provisioning(client, admin):
    # given
    client.force_login(admin)
    secret = client.post(ROTATE).context["secret"]

    # when
    response = client.post(REVOKE)

    # then
    assert (response.status_code, response.url) == (302, PAGE)
    assert scim_get(secret).status_code == 401
    assert "none: provisioning is off" in client.get(PAGE).content.decode()


def test_the_secret_is_stored_only_as_its_hash(acme, admin):
    # when
    new = rotate_scim_token(organisation=acme, by=admin)

    # then no row of any table holds it
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # table names from introspection
            for row in cursor.fetchall():
                assert not any(new.secret in str(value) for value in row), table
    assert ApiToken.objects.get(pk=new.token.pk).token_hash == hashlib.sha256(new.secret.encode()).hexdigest()


# ---------------------------------------------------------------- the permission matrix


@pytest.mark.parametrize("who", ["manager", "mentor", "mentee", "sponsor"])
@pytest.mark.parametrize(("method", "path"), [("GET", PAGE), ("POST", ROTATE), ("POST", REVOKE)])
def test_only_administrators_manage_the_scim_token(client, request, acme, admin, who, method, path):
    # given a live SCIM token, and a signed-in non-administrator
    secret = rotate_scim_token(organisation=acme, by=admin).secret
    client.force_login(request.getfixturevalue(who))
    before = (list(ApiToken.objects.values("pk", "revoked_at")), AuditEntry.objects.count())

    # when
    response = client.get(path) if method == "GET" else client.post(path)

    # then
    assert response.status_code == 403
    assert (list(ApiToken.objects.values("pk", "revoked_at")), AuditEntry.objects.count()) == before
    assert scim_get(secret).status_code == 200


@pytest.mark.parametrize("path", [PAGE, ROTATE, REVOKE])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, db, path):
    # when
    response = client.get(path) if path == PAGE else client.post(path)

    # then
    assert response.status_code == 302
    assert response.url == f"{reverse(settings.LOGIN_URL)}?next={path}"
    assert not ApiToken.objects.exists()


def test_another_organisations_administrator_touches_only_their_own(client, acme, admin, outsider):
    # given Acme's live token
    acme_secret = rotate_scim_token(organisation=acme, by=admin).secret
    client.force_login(outsider)

    # when Globex's administrator rotates and revokes
    globex_secret = client.post(ROTATE).context["secret"]
    client.post(REVOKE)

    # then Acme's token still works, and Globex's page never shows Acme's
    assert scim_get(acme_secret).status_code == 200
    assert scim_get(globex_secret).status_code == 401
    acme_token = ApiToken.objects.get(organisation=acme, kind=TokenKind.SCIM)
    assert acme_token.prefix not in client.get(PAGE).content.decode()


@pytest.mark.parametrize("role", ["personal", "organisation", "scim"])
def test_the_token_matrix(admin, acme, role):
    """Which token opens which door: REST tokens the REST API only, the SCIM token /scim/v2/ only."""
    # given
    if role == "scim":
        secret = rotate_scim_token(organisation=acme, by=admin).secret
    else:
        secret = create_api_token(
            owner=admin, name="Script", scope=TokenScope.READ_WRITE, expires_in_days=30, organisation_wide=role == "organisation"
        ).secret
    headers = {"Authorization": f"Bearer {secret}"}

    # when
    rest = Client().get("/api/people/", headers=headers).status_code
    scim = Client().get("/scim/v2/Users", headers=headers).status_code

    # then
    assert (rest, scim) == ((401, 200) if role == "scim" else (200, 401))
