"""The "SSO only" policy: employees of the organisation sign in only through its identity provider.

Guests (logins without a directory person) and the break-glass administrator keep passwords and emailed links.
"""

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import PASSWORD
from tests.identity.conftest import last_link_to
from tests.identity.test_sso_settings import idp_metadata
from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.accounts.services import create_user
from turnabout.identity.links import issue_sign_in_link, sign_in_url
from turnabout.identity.models import IdentityProvider, SignInLink
from turnabout.identity.sign_in_policy import sign_in_refusal, sso_only_provider, sso_sign_in_path
from turnabout.identity.sso import services
from turnabout.identity.sso.errors import SsoConfigurationInvalid

REFUSAL = "Acme signs in only with single sign-on: use “Sign in with Acme SSO” on the sign-in page."


def configure(organisation: Organisation, admin: User, **rules: object) -> IdentityProvider:
    provider = services.configure_identity_provider(
        organisation=organisation,
        display_name="Acme SSO",
        email_domains=["acme.test"],
        saml=services.SamlSettings(metadata_xml=idp_metadata()),
        by=admin,
    )
    return services.update_sign_in_rules(identity_provider=provider, rules=services.SignInRules(**rules), by=admin)  # type: ignore[arg-type]


@pytest.fixture
def sso_only(acme: Organisation, admin: User) -> IdentityProvider:
    """Acme signs in only with SSO; Ada (the admin) is the break-glass login."""
    return configure(acme, admin, is_enabled=True, is_sso_only=True, break_glass_admin=admin)


@pytest.fixture
def guest(acme: Organisation) -> User:
    """Gus, a sponsor invited from outside the directory, with a password."""
    return create_user(organisation=acme, email="gus@partner.test", role=AccountRole.SPONSOR, full_name="Gus Guest", password=PASSWORD)


def password_sign_in(email: str) -> tuple[Client, int]:
    client = Client()
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    return client, response.status_code


def test_an_employee_cannot_sign_in_with_a_password(sso_only, mentee):
    # when Bob (a directory person with a password) signs in with it
    client, status = password_sign_in(mentee.email)

    # then
    assert status == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("who", ["guest", "admin", "outsider"])
def test_guests_the_break_glass_admin_and_other_organisations_still_can(sso_only, request, who):
    # given a guest without a person, the break-glass administrator, and Eve of Globex
    user = request.getfixturevalue(who)

    # when
    client, status = password_sign_in(user.email)

    # then
    assert status == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_passwords_work_again_when_the_policy_is_off(sso_only, admin, mentee):
    # given
    services.update_sign_in_rules(identity_provider=sso_only, rules=services.SignInRules(is_enabled=True), by=admin)

    # when
    _, status = password_sign_in(mentee.email)

    # then
    assert status == 302


def test_the_refusal_names_the_provider_for_employees_only(sso_only, mentee, frank, guest, admin, outsider):
    # then
    assert sign_in_refusal(user=mentee) == REFUSAL
    assert sign_in_refusal(person=frank) == REFUSAL
    assert sign_in_refusal(user=guest) is None
    assert sign_in_refusal(user=admin) is None
    assert sign_in_refusal(person=admin.person) is None
    assert sign_in_refusal(user=outsider) is None
    assert sso_only_provider(person=frank) == sso_only
    assert sso_sign_in_path(sso_only, next_path="/programs/") == "/sso/for/acme/?next=%2Fprograms%2F"


def test_sso_without_the_policy_refuses_nobody(acme, admin, mentee):
    # given single sign-on is on, "SSO only" off
    configure(acme, admin, is_enabled=True)

    # then
    assert sign_in_refusal(user=mentee) is None


def test_sso_only_needs_a_break_glass_admin_and_the_button_on(acme, admin, mentee):
    # given
    provider = configure(acme, admin, is_enabled=True)

    # when / then
    with pytest.raises(SsoConfigurationInvalid, match="needs a break-glass administrator"):
        services.update_sign_in_rules(identity_provider=provider, rules=services.SignInRules(is_enabled=True, is_sso_only=True), by=admin)
    with pytest.raises(SsoConfigurationInvalid, match="needs the sign-in button shown"):
        services.update_sign_in_rules(
            identity_provider=provider, rules=services.SignInRules(is_enabled=False, is_sso_only=True, break_glass_admin=admin), by=admin
        )
    with pytest.raises(SsoConfigurationInvalid, match="must be an active administrator of your organisation"):
        services.update_sign_in_rules(
            identity_provider=provider, rules=services.SignInRules(is_enabled=True, is_sso_only=True, break_glass_admin=mentee), by=admin
        )
    provider.refresh_from_db()
    assert (provider.is_sso_only, provider.break_glass_admin) == (False, None)


def test_an_employee_is_sent_no_sign_in_link(sso_only, frank, client, django_capture_on_commit_callbacks):
    # when Frank asks for a link
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/link/", {"email": frank.email})

    # then
    assert [message for message in mail.outbox if message.to == [frank.email]] == []


def test_an_employees_existing_link_no_longer_signs_in(sso_only, frank, client):
    # given a link issued before the policy applied to him
    path = issue_sign_in_link(person=frank).removeprefix("http://127.0.0.1:8000")

    # when
    response = client.post(path)

    # then
    assert response.status_code == 410
    assert REFUSAL in response.content.decode()
    frank.refresh_from_db()
    assert frank.user is None
    assert "_auth_user_id" not in client.session


def test_an_employees_emails_carry_the_sso_page_instead_of_a_link(sso_only, frank):
    # when a notification email asks for Frank's way in
    url = sign_in_url(person=frank, next_path="/programs/")

    # then
    assert url == "http://127.0.0.1:8000/sso/for/acme/?next=%2Fprograms%2F"
    assert not SignInLink.objects.filter(person=frank).exists()


def test_the_break_glass_admin_still_gets_links(sso_only, admin, client, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/link/", {"email": admin.email})

    # then
    assert last_link_to(admin.email)


def test_refusing_an_employees_password_costs_a_hash_like_an_unknown_address(sso_only, mentee, monkeypatch):
    # given: count the password hashes computed or checked
    hashed: list[str] = []
    set_password, check_password = User.set_password, User.check_password

    def spy_set(self, raw):
        hashed.append("set")
        return set_password(self, raw)

    def spy_check(self, raw):
        hashed.append("check")
        return check_password(self, raw)

    monkeypatch.setattr(User, "set_password", spy_set)
    monkeypatch.setattr(User, "check_password", spy_check)

    # when
    password_sign_in("nobody@acme.test")
    unknown = len(hashed)
    hashed.clear()
    password_sign_in(mentee.email)

    # then: the same work, so timing does not tell an employee's address from an unknown one
    assert unknown == 1
    assert len(hashed) == unknown


def test_a_guests_link_no_longer_signs_in_once_they_are_an_employee(sso_only, guest, client):
    # given a link issued to Gus as a guest, then Gus found in the directory and linked
    from turnabout.people.services import create_person, link_user

    path = issue_sign_in_link(user=guest).removeprefix("http://127.0.0.1:8000")
    person = create_person(organisation=guest.organisation, employee_id="A901", given_name="Gus", family_name="Guest", email=guest.email)
    link_user(person=person, user=guest)

    # when
    response = client.post(path)

    # then
    assert response.status_code == 410
    assert REFUSAL in response.content.decode()
    assert "_auth_user_id" not in client.session
