"""A directory person signs in through their organisation's OpenID Connect provider and lands on their enrolment.

The provider is real and separate: django-oauth-toolkit served on 127.0.0.1 by tests/identity/oidc_provider; Turnabout
is pytest-django's live server. Chromium goes from Turnabout's sign-in page to the provider's and back.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.builders import add_person
from tests.identity.oidc_provider import OidcProvider
from tests.identity.oidc_provider import oidc_provider as oidc_provider  # the fixture
from turnabout.accounts.models import AccountRole, AuditAction, AuditEntry
from turnabout.identity.sso import services
from turnabout.programs.models import Role as ProgramRole
from turnabout.programs.services import invite_people

PROVIDER_PASSWORD = "provider password 1"

# Like every browser test: the live server needs committed data, and the migrations' data must survive the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_directory_person_signs_in_through_the_oidc_provider_and_lands_on_their_enrolment(
    page: Page, live_server, acme, admin, manager, matching_program, oidc_provider: OidcProvider
) -> None:
    # given Acme signs in through its provider, and Fiona — in the directory, no login yet — is invited to a program
    oidc_provider.register(
        client_id="turnabout-browser", client_secret="browser-secret", redirect_uris=[f"{live_server.url}/sso/oidc/acme/login/callback/"]
    )
    provider = services.configure_identity_provider(
        organisation=acme,
        display_name="Acme Login",
        email_domains=["acme.test"],
        oidc=services.OidcSettings(issuer_url=oidc_provider.issuer, client_id="turnabout-browser", client_secret="browser-secret"),
        by=admin,
    )
    services.update_sign_in_rules(identity_provider=provider, rules=services.SignInRules(is_enabled=True), by=admin)
    fiona = add_person(acme, "F1", grade="G2", department="Technology")
    enrolment = invite_people(program=matching_program, people=[fiona], role=ProgramRole.MENTOR, by=manager).invited[0]
    oidc_provider.add_person(email=fiona.email, password=PROVIDER_PASSWORD, name="F1 Tester")

    # when she opens her enrolment, is sent to sign in, and types her work email
    page.goto(f"{live_server.url}/programs/enrolments/{enrolment.pk}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/programs/enrolments/{enrolment.pk}/")
    page.get_by_label("Email").fill(fiona.email)

    # then the organisation's button appears; it takes her to the provider, where she signs in
    page.get_by_role("link", name="Sign in with Acme Login").click()
    # Two servers and a discovery fetch between them: on a loaded CI machine this hop can take longer than a page.
    page.wait_for_url(f"{oidc_provider.base_url}/login/**", timeout=45_000)
    page.get_by_label("Email").fill(fiona.email)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in to the identity provider").click()

    # and she is back in Turnabout, signed in, on her enrolment
    page.wait_for_url(f"{live_server.url}/programs/enrolments/{enrolment.pk}/", timeout=45_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text(matching_program.name)
    expect(page.locator(".who")).to_contain_text("Participant")
    fiona.refresh_from_db()
    assert fiona.user is not None
    assert fiona.user.role == AccountRole.PARTICIPANT
    assert AuditEntry.objects.filter(action=AuditAction.SSO_LINKED, target=fiona.user).count() == 1
