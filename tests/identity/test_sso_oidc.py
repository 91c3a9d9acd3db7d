"""OpenID Connect sign-in against a real provider (django-oauth-toolkit on 127.0.0.1, tests/identity/oidc_provider).

The test client plays Turnabout's side; the provider's login page is driven over HTTP as a browser would.
"""

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from tests.identity.oidc_provider import OidcProvider
from tests.identity.oidc_provider import oidc_provider as oidc_provider  # the fixture
from tests.identity.oidc_provider.documents import document_server as document_server  # the fixture
from turnabout.accounts.models import AccountRole, AuditAction, AuditEntry, Organisation, User
from turnabout.identity.models import IdentityProvider
from turnabout.identity.sso import services
from turnabout.identity.sso.encryption import decrypt_secret
from turnabout.identity.sso.errors import SsoConfigurationInvalid
from turnabout.people.models import EmploymentStatus, Person
from turnabout.people.services import mark_leaver

CLIENT_ID = "turnabout-acme"
CLIENT_SECRET = "acme-client-secret-5f1e"
PASSWORD = "provider password 1"
CALLBACK = "http://testserver/sso/oidc/acme/login/callback/"


def configure_oidc(
    organisation: Organisation, admin: User, provider: OidcProvider, *, client_secret: str = CLIENT_SECRET, **rules: object
) -> IdentityProvider:
    provider.register(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[CALLBACK])
    identity_provider = services.configure_identity_provider(
        organisation=organisation,
        display_name="Acme Login",
        email_domains=["acme.test"],
        oidc=services.OidcSettings(issuer_url=provider.issuer, client_id=CLIENT_ID, client_secret=client_secret),
        by=admin,
    )
    return services.update_sign_in_rules(
        identity_provider=identity_provider,
        rules=services.SignInRules(is_enabled=True, **rules),
        by=admin,  # type: ignore[arg-type]
    )


@pytest.fixture
def acme_login(acme: Organisation, admin: User, oidc_provider: OidcProvider) -> IdentityProvider:
    """Acme signs in through the test provider ("Acme Login")."""
    return configure_oidc(acme, admin, oidc_provider)


def start(client: Client, *, next_path: str = "") -> str:
    """Follow "Sign in with Acme Login" (a link); the provider's authorize URL Turnabout redirects to."""
    response = client.get("/sso/oidc/acme/login/", {"next": next_path} if next_path else {})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sign_in(client: Client, provider: OidcProvider, *, email: str, next_path: str = ""):  # type: ignore[no-untyped-def]
    callback = provider.authorize(start(client, next_path=next_path), email=email, password=PASSWORD)
    assert callback.startswith(CALLBACK), callback
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_authorization_request_uses_the_code_flow_with_pkce_and_asks_for_openid_email_profile(client, acme_login, oidc_provider):
    # when
    location = start(client)

    # then
    parts = urlsplit(location)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{oidc_provider.issuer}/authorize/"
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"]


def test_a_first_sign_in_links_the_directory_person_by_email_and_creates_their_login(client, acme_login, oidc_provider, frank):
    # given Frank is in the directory without a login; his provider account spells the address in capitals
    oidc_provider.add_person(email="FRANK@Acme.Test", password=PASSWORD, name="Frank Field")

    # when
    response = sign_in(client, oidc_provider, email="FRANK@Acme.Test", next_path="/account/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    frank.refresh_from_db()
    user = signed_in_user(client)
    assert user is not None
    assert frank.user == user
    assert (user.email, user.role, user.organisation, user.has_usable_password()) == (
        "frank@acme.test",
        AccountRole.PARTICIPANT,
        frank.organisation,
        False,
    )
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "acme"
    actions = list(AuditEntry.objects.filter(target=user).order_by("pk").values_list("action", flat=True))
    assert actions == [AuditAction.LOGIN_CREATED, AuditAction.SSO_LINKED, AuditAction.SIGNED_IN]
    assert IdentityProvider.objects.get(pk=acme_login.pk).last_sign_in_at is not None


def test_only_signing_in_is_offered_whatever_the_query_asks(client, acme_login, oidc_provider, frank, mentee):
    # given Bob is signed in, and a page elsewhere sends him to connect another account to his
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD)
    client.force_login(mentee)
    callback = oidc_provider.authorize(
        urlsplit(client.get("/sso/oidc/acme/login/", {"process": "connect"})["Location"]).geturl(),
        email="frank@acme.test",
        password=PASSWORD,
    )

    # when the provider answers for Frank
    parts = urlsplit(callback)
    client.get(f"{parts.path}?{parts.query}")

    # then Frank is signed in as himself; nothing was attached to Bob's login
    frank.refresh_from_db()
    assert signed_in_user(client) == frank.user
    assert not SocialAccount.objects.filter(user=mentee).exists()


def test_a_later_sign_in_follows_the_link_and_creates_nothing(client, acme_login, oidc_provider, frank):
    # given Frank signed in once
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD, name="Frank Field")
    sign_in(client, oidc_provider, email="frank@acme.test")
    user = signed_in_user(client)
    client.logout()
    logins = User.objects.count()

    # when
    response = sign_in(client, oidc_provider, email="frank@acme.test")

    # then
    assert response.status_code == 302
    assert signed_in_user(client) == user
    assert User.objects.count() == logins
    assert SocialAccount.objects.filter(user=user).count() == 1


def test_nobody_in_the_directory_gets_a_clear_page_an_audit_entry_and_no_login(client, acme_login, oidc_provider, frank):
    # given an account at the provider that the directory does not list
    oidc_provider.add_person(email="stray@acme.test", password=PASSWORD, name="Stray Person")
    logins = User.objects.count()

    # when
    response = sign_in(client, oidc_provider, email="stray@acme.test")

    # then
    assert response.status_code == 403
    assert b"nobody in Acme&#x27;s directory has that address" in response.content
    assert b"Nobody was signed in and no login was created." in response.content
    assert signed_in_user(client) is None
    assert User.objects.count() == logins
    assert not SocialAccount.objects.exists()
    entry = AuditEntry.objects.get(action=AuditAction.SSO_SIGN_IN_REFUSED)
    assert entry.organisation == frank.organisation
    assert entry.details["reason"] == "not_in_directory"
    assert entry.details["email"] == "stray@acme.test"


def test_an_email_the_provider_has_not_verified_is_refused(client, acme_login, oidc_provider, frank):
    # given Frank's address at the provider is not verified
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD, email_verified=False)

    # when
    response = sign_in(client, oidc_provider, email="frank@acme.test")

    # then
    assert response.status_code == 403
    assert b"has not verified your email address" in response.content
    frank.refresh_from_db()
    assert frank.user is None
    assert signed_in_user(client) is None
    assert AuditEntry.objects.get(action=AuditAction.SSO_SIGN_IN_REFUSED).details["reason"] == "email_not_verified"


def test_a_leaver_is_refused(client, acme_login, oidc_provider, frank):
    # given the directory lists Frank as having left
    mark_leaver(person=frank, end_date=date(2026, 11, 30))
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD)

    # when
    response = sign_in(client, oidc_provider, email="frank@acme.test")

    # then
    assert response.status_code == 403
    assert b"lists you as having left" in response.content
    assert Person.objects.get(pk=frank.pk).employment_status == EmploymentStatus.LEAVER
    assert Person.objects.get(pk=frank.pk).user is None
    assert signed_in_user(client) is None


def test_groups_map_to_roles_at_every_sign_in(client, acme, admin, oidc_provider, frank):
    # given Acme maps the provider's groups to roles
    configure_oidc(
        acme,
        admin,
        oidc_provider,
        groups_claim="groups",
        admin_groups=("Turnabout Admins",),
        program_manager_groups=("Program Office",),
        sponsor_groups=("Exec",),
    )
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD, groups=("Everyone", "program office"))

    # when Frank signs in for the first time
    sign_in(client, oidc_provider, email="frank@acme.test")

    # then his login is created with the mapped role (groups match case-insensitively)
    user = signed_in_user(client)
    assert user is not None
    assert user.role == AccountRole.PROGRAM_MANAGER

    # when he moves to the executives' group and signs in again
    client.logout()
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD, groups=("Exec",))
    sign_in(client, oidc_provider, email="frank@acme.test")

    # then
    user.refresh_from_db()
    assert user.role == AccountRole.SPONSOR
    change = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGED, target=user)
    assert change.actor is None
    assert change.summary == "frank@acme.test: Program manager → Executive sponsor (groups from Acme Login)"


def test_a_wrong_client_secret_shows_the_specific_error_and_signs_nobody_in(client, acme, admin, oidc_provider, frank):
    # given the administrator saved a wrong client secret
    identity_provider = configure_oidc(acme, admin, oidc_provider, client_secret="not-the-secret")
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD)

    # when
    response = sign_in(client, oidc_provider, email="frank@acme.test")

    # then the person sees what is wrong, and so does the administrator on the settings page
    assert response.status_code == 400
    assert b"refused Turnabout&#x27;s client id or secret (invalid_client)" in response.content
    assert signed_in_user(client) is None
    frank.refresh_from_db()
    assert frank.user is None
    identity_provider.refresh_from_db()
    assert "invalid_client" in identity_provider.last_error
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get("/users/sso/")
    assert b"refused Turnabout&#x27;s client id or secret" in page.content


def test_a_sign_in_turned_off_is_refused(client, acme_login, oidc_provider, frank, admin):
    # given Acme turned single sign-on off
    services.update_sign_in_rules(identity_provider=acme_login, rules=services.SignInRules(is_enabled=False), by=admin)

    # when
    response = client.get("/sso/oidc/acme/login/")

    # then
    assert response.status_code == 403
    assert b"Single sign-on with Acme Login is turned off" in response.content


def test_an_answer_for_another_browser_session_signs_nobody_in(client, acme_login, oidc_provider, frank):
    # given the sign-in was started in one browser
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD)
    callback = oidc_provider.authorize(start(client), email="frank@acme.test", password=PASSWORD)

    # when the provider's answer is opened in another (the state is not in its session)
    other = Client()
    parts = urlsplit(callback)
    response = other.get(f"{parts.path}?{parts.query}")

    # then
    assert response.status_code == 400
    assert b"Turnabout did not start this sign-in" in response.content
    assert signed_in_user(other) is None
    frank.refresh_from_db()
    assert frank.user is None


def test_the_client_secret_is_stored_encrypted(acme_login):
    # then
    stored = IdentityProvider.objects.get(pk=acme_login.pk).client_secret_encrypted
    assert CLIENT_SECRET not in stored
    assert decrypt_secret(stored) == CLIENT_SECRET


def test_the_client_secret_can_come_from_a_named_environment_variable(client, acme, admin, oidc_provider, frank, monkeypatch):
    # given the secret lives in the server's environment
    monkeypatch.setenv("TURNABOUT_SSO_SECRET_ACME", CLIENT_SECRET)
    oidc_provider.register(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[CALLBACK])
    identity_provider = services.configure_identity_provider(
        organisation=acme,
        display_name="Acme Login",
        email_domains=["acme.test"],
        oidc=services.OidcSettings(
            issuer_url=oidc_provider.issuer, client_id=CLIENT_ID, client_secret_variable="TURNABOUT_SSO_SECRET_ACME"
        ),
        by=admin,
    )
    services.update_sign_in_rules(identity_provider=identity_provider, rules=services.SignInRules(is_enabled=True), by=admin)
    oidc_provider.add_person(email="frank@acme.test", password=PASSWORD)

    # when
    response = sign_in(client, oidc_provider, email="frank@acme.test")

    # then
    assert response.status_code == 302
    assert signed_in_user(client) is not None
    assert IdentityProvider.objects.get(pk=identity_provider.pk).client_secret_encrypted == ""


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("SECRET_KEY", "must start with TURNABOUT_SSO_SECRET_"),
        ("DATABASE_URL", "must start with TURNABOUT_SSO_SECRET_"),
        ("TURNABOUT_SSO_SECRET_MISSING", "is not set on this server"),
    ],
)
def test_only_unset_or_other_environment_variables_are_refused_as_the_secret(acme, admin, oidc_provider, variable, message):
    # when / then
    with pytest.raises(SsoConfigurationInvalid, match=message):
        services.configure_identity_provider(
            organisation=acme,
            display_name="Acme Login",
            email_domains=["acme.test"],
            oidc=services.OidcSettings(issuer_url=oidc_provider.issuer, client_id=CLIENT_ID, client_secret_variable=variable),
            by=admin,
        )
    assert not IdentityProvider.objects.exists()


def test_an_issuer_whose_configuration_names_another_issuer_is_refused_with_the_right_one(acme, admin, document_server):
    # given a configuration whose issuer differs from the address typed
    typed = f"{document_server.base_url}/tenant"
    document_server.publish("/tenant/.well-known/openid-configuration", json.dumps({"issuer": "https://login.example/tenant/v2.0"}))

    # when
    with pytest.raises(SsoConfigurationInvalid) as refused:
        services.configure_identity_provider(
            organisation=acme,
            display_name="Acme Login",
            email_domains=["acme.test"],
            oidc=services.OidcSettings(issuer_url=typed, client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
            by=admin,
        )

    # then
    assert refused.value.message == (
        f"The provider's configuration names its issuer https://login.example/tenant/v2.0, not {typed}: "
        "enter https://login.example/tenant/v2.0 as the issuer URL."
    )
    assert not IdentityProvider.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SSO_CONFIGURED).exists()


def test_entra_ids_multi_tenant_endpoint_is_refused(document_server):
    # given Microsoft's "common" configuration, whose issuer is a template
    document_server.publish(
        "/common/v2.0/.well-known/openid-configuration", json.dumps({"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"})
    )

    # when
    with pytest.raises(SsoConfigurationInvalid, match=r"multi-tenant endpoint\. Use your tenant's issuer URL"):
        services.check_oidc_issuer(f"{document_server.base_url}/common/v2.0")


def test_a_provider_without_pkce_s256_is_refused(document_server):
    # given
    issuer = f"{document_server.base_url}/weak"
    configuration = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "code_challenge_methods_supported": ["plain"],
    }
    document_server.publish("/weak/.well-known/openid-configuration", json.dumps(configuration))

    # when / then
    with pytest.raises(SsoConfigurationInvalid, match="does not support PKCE with S256"):
        services.check_oidc_issuer(issuer)


def test_an_issuer_that_is_not_an_oidc_provider_is_refused(acme, admin, oidc_provider):
    # when
    with pytest.raises(SsoConfigurationInvalid) as refused:
        services.check_oidc_issuer(f"{oidc_provider.base_url}/nothing-here")

    # then
    assert (
        refused.value.message
        == f"{oidc_provider.base_url}/nothing-here/.well-known/openid-configuration answered HTTP 404: check the issuer URL."
    )
    assert refused.value.field == "issuer_url"
