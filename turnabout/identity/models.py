"""How people get in: emailed sign-in links and API tokens. Secrets are stored only as SHA-256 hashes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import Organisation
from turnabout.people.models import Person


class SignInLink(models.Model):
    """A single-use, expiring link that signs in one directory person (or one login without a person).

    A person's login is created the first time they open a link: proving their email is proving who they are.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sign_in_links")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="sign_in_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    next_path = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(user__isnull=False), name="sign_in_link_bound_to_someone"
            )
        ]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Sign-in link for {self.person or self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def email(self) -> str:
        return self.person.email if self.person is not None else self.user.email  # type: ignore[union-attr]


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    ORGANISATION = "organisation", _("Organisation")
    # For the identity provider's SCIM client only: accepted at /scim/v2/, refused by the REST API.
    SCIM = "scim", _("SCIM provisioning")


class ApiToken(models.Model):
    """A bearer token for the REST API.

    A personal token acts as its owner (with at most the owner's rights); an organisation token acts as a
    service login of its own with the administrator role. ``prefix`` is shown in lists; the rest never is.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=20, choices=TokenKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="api_tokens_created")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=20, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def allows_writes(self) -> bool:
        return self.scope == TokenScope.READ_WRITE


class SsoProtocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class IdentityProvider(models.Model):
    """An organisation's single sign-on: its identity provider, over OpenID Connect or SAML 2.0 (docs/sso-scim.md).

    The OIDC client secret is never stored in plain text: either encrypted under a key derived from SECRET_KEY
    (``client_secret_encrypted``, see ``sso/encryption.py``) or named as an environment variable of the server
    (``client_secret_variable``). Signing in creates no login by itself: it links to the directory person whose
    email the provider vouches for (``sso/services.py``).
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="identity_provider")
    protocol = models.CharField(max_length=10, choices=SsoProtocol.choices)
    # The sign-in page says "Sign in with <display_name>".
    display_name = models.CharField(max_length=100)
    is_enabled = models.BooleanField(default=False)
    # OpenID Connect
    issuer_url = models.URLField(max_length=500, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret_encrypted = models.TextField(blank=True)
    client_secret_variable = models.CharField(max_length=100, blank=True)
    # SAML 2.0: what the administrator gave (metadata XML or its URL) and what Turnabout read from it.
    saml_metadata_xml = models.TextField(blank=True)
    saml_metadata_url = models.URLField(max_length=500, blank=True)
    saml_idp_entity_id = models.CharField(max_length=500, blank=True)
    saml_idp_sso_url = models.URLField(max_length=1000, blank=True)
    saml_idp_certificate = models.TextField(blank=True)
    # Roles from the provider's groups claim (or SAML attribute); no groups listed: roles are managed in Turnabout only.
    groups_claim = models.CharField(max_length=300, blank=True)
    admin_groups = models.JSONField(default=list, blank=True)
    program_manager_groups = models.JSONField(default=list, blank=True)
    sponsor_groups = models.JSONField(default=list, blank=True)
    # "SSO only": employees cannot use passwords or emailed links; guests and the break-glass administrator still can.
    is_sso_only = models.BooleanField(default=False)
    break_glass_admin = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The latest failure, in words an administrator can act on ("the IdP certificate does not verify this response").
    last_error = models.CharField(max_length=1000, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(client_secret_encrypted__gt="", client_secret_variable__gt=""),
                name="identity_provider_one_secret_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_protocol_display()}) for {self.organisation}"

    @property
    def is_oidc(self) -> bool:
        return self.protocol == SsoProtocol.OIDC

    @property
    def maps_roles(self) -> bool:
        return bool(self.groups_claim and (self.admin_groups or self.program_manager_groups or self.sponsor_groups))


class SsoEmailDomain(models.Model):
    """An email domain whose people sign in through one organisation's identity provider (lowercase, one organisation each)."""

    identity_provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class UsedSamlAssertion(models.Model):
    """A SAML assertion already consumed; the same assertion posted again is refused until it expires anyway."""

    identity_provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="used_assertions")
    assertion_id = models.CharField(max_length=256)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["identity_provider", "assertion_id"], name="saml_assertion_used_once")]

    def __str__(self) -> str:
        return self.assertion_id
