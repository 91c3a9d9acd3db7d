"""The administrator's single sign-on page and the sign-in page's "Sign in with …" button."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.test import Client

from turnabout.accounts.models import AuditAction, AuditEntry, Organisation, User
from turnabout.identity.models import IdentityProvider, SsoEmailDomain
from turnabout.identity.sso import services

IDP_ENTITY_ID = "https://idp.acme.test/metadata"


def idp_metadata(entity_id: str = IDP_ENTITY_ID) -> str:
    """An identity provider's SAML metadata with a freshly generated signing certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    body = "".join(certificate.public_bytes(serialization.Encoding.PEM).decode().strip().splitlines()[1:-1])
    signing = f"<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
    return f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">{signing}</md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.acme.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


def configure(
    organisation: Organisation, admin: User, *, domains: tuple[str, ...] = ("acme.test",), is_enabled: bool = True
) -> IdentityProvider:
    provider = services.configure_identity_provider(
        organisation=organisation,
        display_name=f"{organisation.name} SSO",
        email_domains=list(domains),
        saml=services.SamlSettings(metadata_xml=idp_metadata()),
        by=admin,
    )
    return services.update_sign_in_rules(identity_provider=provider, rules=services.SignInRules(is_enabled=is_enabled), by=admin)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_settings_page_shows_what_to_copy_into_the_identity_provider(admin):
    # when
    response = signed_in(admin).get("/users/sso/")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert '<code data-testid="redirect-uri">http://127.0.0.1:8000/sso/oidc/acme/login/callback/</code>' in page
    assert '<code data-testid="sp-entity-id">http://127.0.0.1:8000/sso/saml/acme/metadata/</code>' in page
    assert '<code data-testid="acs-url">http://127.0.0.1:8000/sso/saml/acme/acs/</code>' in page
    assert 'href="/users/sso/" class="current"' in page


@pytest.mark.parametrize("who", ["manager", "mentee", "sponsor"])
def test_only_administrators_open_the_settings(request, who):
    # when
    response = signed_in(request.getfixturevalue(who)).post("/users/sso/", {"form": "provider", "protocol": "saml", "display_name": "X"})

    # then
    assert response.status_code == 403
    assert not IdentityProvider.objects.exists()


def test_an_administrator_saves_saml_metadata(admin):
    # when
    response = signed_in(admin).post(
        "/users/sso/",
        {
            "form": "provider",
            "protocol": "saml",
            "display_name": "Acme SSO",
            "email_domains": "acme.test, EU.acme.test",
            "metadata_xml": idp_metadata(),
        },
    )

    # then
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=admin.organisation)
    assert (provider.protocol, provider.saml_idp_entity_id, provider.saml_idp_sso_url) == (
        "saml",
        IDP_ENTITY_ID,
        "https://idp.acme.test/sso",
    )
    assert sorted(provider.domains.values_list("domain", flat=True)) == ["acme.test", "eu.acme.test"]
    assert not provider.is_enabled
    entry = AuditEntry.objects.get(action=AuditAction.SSO_CONFIGURED)
    assert (entry.actor, entry.summary) == (admin, f"Single sign-on set to SAML 2.0 with {IDP_ENTITY_ID}")


def test_a_refused_configuration_shows_why_and_changes_nothing(admin):
    # when the pasted metadata is not XML
    response = signed_in(admin).post(
        "/users/sso/",
        {"form": "provider", "protocol": "saml", "display_name": "Acme SSO", "email_domains": "acme.test", "metadata_xml": "<oops"},
    )

    # then
    assert response.status_code == 400
    assert "The metadata is not well-formed XML" in response.content.decode()
    assert not IdentityProvider.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SSO_CONFIGURED).exists()


def test_an_email_domain_belongs_to_one_organisation(acme, admin, globex, outsider):
    # given Acme signs in through its provider for acme.test
    configure(acme, admin)

    # when Globex claims the same domain
    response = signed_in(outsider).post(
        "/users/sso/",
        {"form": "provider", "protocol": "saml", "display_name": "Globex", "email_domains": "acme.test", "metadata_xml": idp_metadata()},
    )

    # then
    assert response.status_code == 400
    assert "acme.test already signs in through another organisation&#x27;s identity provider." in response.content.decode()
    assert list(SsoEmailDomain.objects.values_list("identity_provider__organisation__name", flat=True)) == ["Acme"]


def test_an_administrator_turns_sign_in_on_and_maps_groups(acme, admin):
    # given
    configure(acme, admin, is_enabled=False)

    # when
    response = signed_in(admin).post(
        "/users/sso/",
        {
            "form": "rules",
            "is_enabled": "on",
            "groups_claim": "groups",
            "admin_groups": "Admins\nIT",
            "sponsor_groups": "Exec",
            "break_glass_admin": "",
        },
    )

    # then
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=acme)
    assert (provider.is_enabled, provider.groups_claim, provider.admin_groups, provider.sponsor_groups) == (
        True,
        "groups",
        ["Admins", "IT"],
        ["Exec"],
    )
    assert AuditEntry.objects.filter(action=AuditAction.SSO_CONFIGURED).latest("pk").summary == "Single sign-on on, roles from “groups”"


def test_the_button_is_found_by_email_domain_without_saying_whether_the_address_exists(acme, admin, frank):
    # given
    configure(acme, admin)

    # when
    known = Client().get("/sso/", {"email": "Frank@Acme.test", "next": "/programs/"})
    unknown = Client().get("/sso/", {"email": "nobody@acme.test", "next": "/programs/"})

    # then
    assert known.status_code == unknown.status_code == 200
    for response in (known, unknown):
        page = response.content.decode()
        assert '<a class="button" href="/sso/saml/acme/login/?next=/programs/">Sign in with Acme SSO</a>' in page


def test_the_button_is_found_by_organisation_slug_and_on_the_organisations_page(acme, admin):
    # given
    configure(acme, admin)

    # then
    assert "Sign in with Acme SSO" in Client().get("/sso/", {"email": "acme"}).content.decode()
    assert "Sign in with Acme SSO" in Client().get("/sso/", {"organisation": "acme"}).content.decode()
    assert "Sign in with Acme SSO" in Client().get("/sso/for/acme/").content.decode()


def test_no_button_for_other_domains_or_a_provider_turned_off(acme, admin, globex, outsider):
    # given Acme's provider is off and Globex has none
    configure(acme, admin, is_enabled=False)

    # then
    assert "No single sign-on is set up" in Client().get("/sso/", {"email": "frank@acme.test"}).content.decode()
    assert "No single sign-on is set up" in Client().get("/sso/", {"email": "eve@globex.test"}).content.decode()
    assert Client().get("/sso/for/acme/").status_code == 404
    assert Client().get("/sso/for/globex/").status_code == 404


def test_htmx_gets_the_button_alone_for_the_sign_in_page(acme, admin):
    # given
    configure(acme, admin)

    # when the sign-in page's email field asks (its field is called username)
    response = Client().get("/sso/", {"username": "frank@acme.test", "next": ""}, headers={"HX-Request": "true"})

    # then
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="sso-choice"')
    assert "<html" not in page
    assert "Sign in with Acme SSO" in page


def test_the_sign_in_page_asks_for_the_button_as_the_email_is_typed(db):
    # when
    page = Client().get("/accounts/login/?next=/programs/").content.decode()

    # then
    assert 'hx-get="/sso/"' in page
    assert 'hx-include="#id_username, #sso-organisation, #sso-next"' in page
    assert '<a href="/sso/?next=/programs/">Use single sign-on</a>' in page


def test_the_protocol_radios_are_a_fieldset_with_a_legend_and_each_radio_sits_in_its_label(admin):
    # when
    page = signed_in(admin).get("/users/sso/").content.decode()

    # then
    fieldset = page[page.index("<fieldset><legend>Protocol</legend>") : page.index("</fieldset>")]
    assert fieldset.count('type="radio"') == 2
    assert fieldset.count("<label><input") == 2
    assert "OpenID Connect</label>" in fieldset
    assert "SAML 2.0</label>" in fieldset
