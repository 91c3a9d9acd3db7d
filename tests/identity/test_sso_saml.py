"""SAML 2.0 sign-in: Turnabout as the service provider, a pysaml2 identity provider posting signed responses to the ACS.

The identity provider has a generated key and certificate; it signs with python-xmlsec (the library python3-saml
verifies with), so no xmlsec1 program is needed. Each rejection test checks that nobody is signed in, no login is
created, and the specific reason reaches the person and the administrator.
"""

import base64
import datetime
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
import xmlsec
from allauth.socialaccount.models import SocialAccount
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.test import Client
from lxml import etree
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import CryptoBackend
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

from tests.identity.oidc_provider.documents import document_server as document_server  # the fixture
from turnabout.accounts.models import AccountRole, AuditAction, AuditEntry, Organisation, User
from turnabout.identity.models import IdentityProvider, UsedSamlAssertion
from turnabout.identity.sso import services
from turnabout.identity.sso.errors import SsoConfigurationInvalid

# python3-saml 1.16 still calls datetime.utcnow(); the warning is the library's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utc:DeprecationWarning")

IDP_ENTITY_ID = "https://idp.acme.test/saml/metadata"
IDP_SSO_URL = "https://idp.acme.test/saml/sso"
HOST = "127.0.0.1:8000"  # SITE_URL's
SP_ENTITY_ID = f"http://{HOST}/sso/saml/acme/metadata/"
ACS = "/sso/saml/acme/acs/"
EMAIL_ATTRIBUTE = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
GROUPS_ATTRIBUTE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


def key_and_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_file, certificate_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    )
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, certificate_file


class XmlsecSigner(CryptoBackend):
    """pysaml2's signing step done by python-xmlsec: fills the signature template pysaml2 put in the node ``node_id``."""

    def __init__(self, idp: "SamlIdentityProvider") -> None:
        self.idp = idp

    @property
    def version(self) -> str:
        return "1.3"

    def sign_statement(self, statement: object, node_name: str, key_file: str, node_id: str) -> str:
        root = etree.fromstring(statement if isinstance(statement, bytes) else str(statement).encode())
        xmlsec.tree.add_ids(root, ["ID"])
        node = root if root.get("ID") == node_id else root.xpath("//*[@ID=$id]", id=node_id)[0]
        signature = xmlsec.tree.find_child(node, xmlsec.constants.NodeSignature, xmlsec.constants.DSigNs)
        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_file(str(self.idp.signing_key), xmlsec.constants.KeyDataFormatPem)
        context.sign(signature)
        return etree.tostring(root).decode()


class SamlIdentityProvider:
    """A SAML 2.0 identity provider built with pysaml2; ``signing_key`` can be swapped to sign with another key."""

    def __init__(self, directory: Path) -> None:
        self.key, self.certificate = key_and_certificate(directory, "idp")
        self.other_key, _ = key_and_certificate(directory, "other")
        self.signing_key = self.key
        config = IdPConfig()
        config.load(
            {
                "entityid": IDP_ENTITY_ID,
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(IDP_SSO_URL, BINDING_HTTP_REDIRECT)]},
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "want_authn_requests_signed": False,
                        "policy": {"default": {"lifetime": {"minutes": 15}, "name_form": NAME_FORMAT_URI}},
                    }
                },
                "key_file": str(self.key),
                "cert_file": str(self.certificate),
                # pysaml2's signing is replaced by XmlsecSigner below; this backend needs no xmlsec1 program.
                "crypto_backend": "XMLSecurity",
            }
        )
        self.config = config
        self.server = Server(config=config)
        self.server.sec.crypto = XmlsecSigner(self)

    @property
    def metadata(self) -> str:
        return str(entity_descriptor(self.config))

    def trust(self, sp_metadata: str) -> None:
        """Load the service provider's metadata, as an administrator does when adding Turnabout to the IdP."""
        if self.server.metadata is None:
            self.server.metadata = self.config.metadata = MetadataStore(self.config.attribute_converters, self.config)
        self.server.metadata.load("inline", sp_metadata)

    def respond(
        self,
        authn_request_url: str,
        *,
        email: str,
        attributes: dict[str, list[str]] | None = None,
        sign_assertion: bool = True,
        sign_response: bool = False,
        audience: str | None = None,
        destination: str | None = None,
        sign_alg: str = SIG_RSA_SHA256,
        digest_alg: str = DIGEST_SHA256,
    ) -> dict[str, str]:
        """The form the IdP posts back (SAMLResponse, RelayState) for the AuthnRequest in ``authn_request_url``."""
        query = {key: values[0] for key, values in parse_qs(urlsplit(authn_request_url).query).items()}
        request = self.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        response = self.server.create_authn_response(
            identity=attributes if attributes is not None else {EMAIL_ATTRIBUTE: [email]},
            in_response_to=request.id,
            destination=destination or request.assertion_consumer_service_url,
            sp_entity_id=audience or request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_assertion=sign_assertion,
            sign_response=sign_response,
            sign_alg=sign_alg,
            digest_alg=digest_alg,
        )
        xml = response if isinstance(response, str) else str(response)
        return {"SAMLResponse": base64.b64encode(xml.encode()).decode(), "RelayState": query.get("RelayState", "")}


@pytest.fixture
def client() -> Client:
    """A browser at SITE_URL's host: it always sends Host, which python3-saml reads to check the response's recipient."""
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def idp(tmp_path: Path) -> SamlIdentityProvider:
    return SamlIdentityProvider(tmp_path)


def configure_saml(organisation: Organisation, admin: User, idp: SamlIdentityProvider, **rules: object) -> IdentityProvider:
    identity_provider = services.configure_identity_provider(
        organisation=organisation,
        display_name="Acme SSO",
        email_domains=["acme.test"],
        saml=services.SamlSettings(metadata_xml=idp.metadata),
        by=admin,
    )
    identity_provider = services.update_sign_in_rules(
        identity_provider=identity_provider,
        rules=services.SignInRules(is_enabled=True, **rules),
        by=admin,  # type: ignore[arg-type]
    )
    idp.trust(Client(HTTP_HOST=HOST).get("/sso/saml/acme/metadata/").content.decode())
    return identity_provider


@pytest.fixture
def acme_sso(acme: Organisation, admin: User, idp: SamlIdentityProvider) -> IdentityProvider:
    """Acme signs in through the pysaml2 identity provider ("Acme SSO")."""
    return configure_saml(acme, admin, idp)


def start(client: Client, *, next_path: str = "") -> str:
    response = client.get("/sso/saml/acme/login/", {"next": next_path} if next_path else {})
    assert response.status_code == 302, error_on(response)
    assert response["Location"].startswith(f"{IDP_SSO_URL}?SAMLRequest=")
    return response["Location"]


def error_on(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'data-testid="sso-error">(.*?)</p>', response.content.decode(), re.S)
    return found.group(1) if found else response.content.decode()[:300]


def post_to_acs(client: Client, form: dict[str, str]):  # type: ignore[no-untyped-def]
    """The browser posts the IdP's form to the ACS, which sends it on to finish (the session cookie is Lax)."""
    response = client.post(ACS, form)
    assert response.status_code == 302
    return client.get(response["Location"])


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def assert_nobody_signed_in(client: Client, logins_before: int) -> None:
    assert signed_in_user(client) is None
    assert User.objects.count() == logins_before
    assert not SocialAccount.objects.exists()


def test_a_signed_assertion_signs_the_directory_person_in_and_links_them(client, acme_sso, idp, frank):
    # given
    form = idp.respond(start(client, next_path="/account/"), email="Frank@ACME.test")

    # when
    response = post_to_acs(client, form)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    frank.refresh_from_db()
    assert signed_in_user(client) == frank.user
    assert frank.user is not None
    assert frank.user.role == AccountRole.PARTICIPANT
    assert SocialAccount.objects.get(user=frank.user).provider == "saml:acme"
    assert AuditEntry.objects.filter(action=AuditAction.SSO_LINKED, target=frank.user).count() == 1


def test_the_email_may_come_only_as_the_name_id(client, acme_sso, idp, frank):
    # given an IdP that releases no attributes (Google Workspace's default): the NameID is the email
    form = idp.respond(start(client), email="frank@acme.test", attributes={})

    # when
    post_to_acs(client, form)

    # then
    frank.refresh_from_db()
    assert signed_in_user(client) == frank.user


def test_a_groups_attribute_maps_to_a_role(client, acme, admin, idp, frank):
    # given
    configure_saml(acme, admin, idp, groups_claim=GROUPS_ATTRIBUTE, admin_groups=("0f3c-admins",))
    form = idp.respond(
        start(client), email="frank@acme.test", attributes={EMAIL_ATTRIBUTE: ["frank@acme.test"], GROUPS_ATTRIBUTE: ["0f3c-admins", "x"]}
    )

    # when
    post_to_acs(client, form)

    # then
    user = signed_in_user(client)
    assert user is not None
    assert user.role == AccountRole.ADMIN


def test_nobody_in_the_directory_is_refused_and_the_admin_is_told(client, acme_sso, idp, frank):
    # given
    logins = User.objects.count()
    form = idp.respond(start(client), email="stray@acme.test")

    # when
    response = post_to_acs(client, form)

    # then
    assert response.status_code == 403
    assert b"nobody in Acme&#x27;s directory has that address" in response.content
    assert_nobody_signed_in(client, logins)
    assert AuditEntry.objects.get(action=AuditAction.SSO_SIGN_IN_REFUSED).details["reason"] == "not_in_directory"


def _refused(client: Client, acme_sso: IdentityProvider, form: dict[str, str], logins: int) -> str:
    response = post_to_acs(client, form)
    assert response.status_code == 400
    assert_nobody_signed_in(client, logins)
    acme_sso.refresh_from_db()
    page = response.content.decode()
    assert acme_sso.last_error
    assert acme_sso.last_error.replace("'", "&#x27;") in page
    return acme_sso.last_error


def test_an_unsigned_assertion_is_refused(client, acme_sso, idp, frank):
    logins = User.objects.count()
    form = idp.respond(start(client), email="frank@acme.test", sign_assertion=False)

    message = _refused(client, acme_sso, form, logins)

    assert message.startswith("The identity provider did not sign the assertion")


def test_a_signed_response_around_an_unsigned_assertion_is_refused(client, acme_sso, idp, frank):
    logins = User.objects.count()
    form = idp.respond(start(client), email="frank@acme.test", sign_assertion=False, sign_response=True)

    message = _refused(client, acme_sso, form, logins)

    assert message.startswith("The identity provider did not sign the assertion")


def test_an_assertion_signed_by_another_key_is_refused(client, acme_sso, idp, frank):
    # given the IdP signs with a key whose certificate is not in the metadata Turnabout has
    logins = User.objects.count()
    idp.signing_key = idp.other_key
    form = idp.respond(start(client), email="frank@acme.test")

    message = _refused(client, acme_sso, form, logins)

    assert message.startswith("The IdP certificate does not verify this response")


def test_an_assertion_for_another_audience_is_refused(client, acme_sso, idp, frank):
    logins = User.objects.count()
    form = idp.respond(start(client), email="frank@acme.test", audience="https://other.example/sp")

    message = _refused(client, acme_sso, form, logins)

    expected = "The response is meant for another service provider: set the SP entity ID (audience) at the identity provider to"
    assert message == f"{expected} {SP_ENTITY_ID}."


def test_a_response_for_another_recipient_is_refused(client, acme_sso, idp, frank):
    logins = User.objects.count()
    form = idp.respond(start(client), email="frank@acme.test", destination=f"http://{HOST}/sso/saml/globex/acs/")

    message = _refused(client, acme_sso, form, logins)

    assert message.startswith(
        f"The response was addressed to http://{HOST}/sso/saml/globex/acs/, but it arrived at http://{HOST}/sso/saml/acme/acs/"
    )


def test_an_expired_assertion_is_refused_beyond_the_clock_skew(client, acme_sso, idp, frank):
    # given a response the IdP made an hour ago (valid for 15 minutes, plus 5 minutes of allowed clock skew)
    logins = User.objects.count()
    request = start(client)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)):
        form = idp.respond(request, email="frank@acme.test")

    message = _refused(client, acme_sso, form, logins)

    assert message.startswith("The response has expired")


def test_a_response_within_the_clock_skew_is_accepted(client, acme_sso, idp, frank):
    # given the IdP's clock is four minutes ahead (the assertion is not valid yet by its own times)
    request = start(client)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=4)):
        form = idp.respond(request, email="frank@acme.test")

    # when
    post_to_acs(client, form)

    # then
    frank.refresh_from_db()
    assert signed_in_user(client) == frank.user


def test_a_replayed_response_is_refused(client, acme_sso, idp, frank):
    # given Frank signed in with a response
    form = idp.respond(start(client), email="frank@acme.test")
    post_to_acs(client, form)
    user = signed_in_user(client)
    assert user is not None
    assert UsedSamlAssertion.objects.count() == 1

    # when someone posts the same response again, from another browser
    other = Client(HTTP_HOST=HOST)
    response = post_to_acs(other, form)

    # then
    assert response.status_code == 400
    assert b"was already used once" in response.content
    assert signed_in_user(other) is None
    assert UsedSamlAssertion.objects.count() == 1


def test_a_deprecated_signature_algorithm_is_refused(client, acme_sso, idp, frank):
    logins = User.objects.count()
    form = idp.respond(start(client), email="frank@acme.test", sign_alg=SIG_RSA_SHA1, digest_alg=DIGEST_SHA1)

    message = _refused(client, acme_sso, form, logins)

    assert message == f"The identity provider signs with a deprecated algorithm ({SIG_RSA_SHA1}): set it to sign with SHA-256."


def test_an_idp_initiated_response_is_refused(client, acme_sso, idp, frank):
    # given a response the IdP sends without Turnabout asking (an app tile), so for no request of this session
    request = start(Client(HTTP_HOST=HOST))
    form = idp.respond(request, email="frank@acme.test")
    logins = User.objects.count()

    # when
    response = post_to_acs(client, form)

    # then
    assert response.status_code == 400
    assert b"Turnabout did not start this sign-in" in response.content
    assert_nobody_signed_in(client, logins)


def test_the_sp_metadata_is_served_and_an_idp_can_load_it(client, acme_sso, idp):
    # when
    response = client.get("/sso/saml/acme/metadata/")

    # then
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    namespaces = {"md": "urn:oasis:names:tc:SAML:2.0:metadata"}
    assert document.get("entityID") == SP_ENTITY_ID
    descriptor = document.find("md:SPSSODescriptor", namespaces)
    assert descriptor.get("WantAssertionsSigned") == "true"
    acs = descriptor.find("md:AssertionConsumerService", namespaces)
    assert acs.get("Location") == f"http://{HOST}{ACS}"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    idp.trust(response.content.decode())
    assert idp.server.metadata.assertion_consumer_service(SP_ENTITY_ID)[0]["location"] == f"http://{HOST}{ACS}"


def test_metadata_read_from_a_url_configures_the_provider(acme, admin, idp, document_server):
    # given
    url = document_server.publish("/federationmetadata.xml", idp.metadata, content_type="application/xml")

    # when
    provider = services.configure_identity_provider(
        organisation=acme, display_name="Acme SSO", email_domains=["acme.test"], saml=services.SamlSettings(metadata_url=url), by=admin
    )

    # then
    assert (provider.saml_idp_entity_id, provider.saml_idp_sso_url, provider.saml_metadata_url) == (IDP_ENTITY_ID, IDP_SSO_URL, url)
    assert provider.saml_metadata_xml == ""
    pem = idp.certificate.read_text()
    assert provider.saml_idp_certificate == "".join(pem.strip().splitlines()[1:-1])


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ("not xml at all", "The metadata is not well-formed XML"),
        (
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
            "This is not an identity provider's SAML metadata",
        ),
        (
            '<!DOCTYPE x [<!ENTITY a "aaaa">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&a;"/>',
            "The metadata cannot be read",
        ),
    ],
)
def test_unusable_metadata_is_refused_with_the_reason(acme, admin, metadata, message):
    with pytest.raises(SsoConfigurationInvalid, match=message):
        services.configure_identity_provider(
            organisation=acme,
            display_name="Acme SSO",
            email_domains=["acme.test"],
            saml=services.SamlSettings(metadata_xml=metadata),
            by=admin,
        )
    assert not IdentityProvider.objects.exists()


def test_metadata_without_a_signing_certificate_is_refused(acme, admin, idp):
    # given the IdP's metadata without its KeyDescriptor
    document = etree.fromstring(idp.metadata.encode())
    for key in document.iter("{urn:oasis:names:tc:SAML:2.0:metadata}KeyDescriptor"):
        key.getparent().remove(key)

    # when / then
    with pytest.raises(SsoConfigurationInvalid, match="has no signing certificate"):
        services.check_saml_metadata(metadata_xml=etree.tostring(document).decode())


def test_a_metadata_url_that_fails_is_refused_with_the_reason(document_server):
    with pytest.raises(SsoConfigurationInvalid, match=r"Turnabout could not read SAML metadata at .*404"):
        services.check_saml_metadata(metadata_url=f"{document_server.base_url}/missing.xml")
