"""How people get in: emailed sign-in links and API tokens. Secrets are stored only as SHA-256 hashes."""

from django.conf import settings
from django.db import models
from django.utils import timezone

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
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


class TokenKind(models.TextChoices):
    PERSONAL = "personal", "Personal"
    ORGANISATION = "organisation", "Organisation"
    # For the identity provider's SCIM client only: accepted at /scim/v2/, refused by the REST API.
    SCIM = "scim", "SCIM provisioning"


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
