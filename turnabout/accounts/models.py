"""Organisations, users and their roles."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from turnabout.core.models import TimestampedModel


class Organisation(TimestampedModel):
    """A tenant: every person, program and report belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    PARTICIPANT = "participant", "Participant"
    SPONSOR = "sponsor", "Executive sponsor"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Email is the username; the role decides what the user may see."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May open the Django admin site's sign-in (only superusers get in).")
    # The login an organisation API token acts as: never signs in, never listed among people's logins.
    is_service_account = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_program_manager(self) -> bool:
        return self.role == Role.PROGRAM_MANAGER

    @property
    def is_sponsor(self) -> bool:
        return self.role == Role.SPONSOR

    @property
    def sees_individual_records(self) -> bool:
        """Sponsors see aggregates only; every other role may open individual records."""
        return self.role != Role.SPONSOR


class AttemptKind(models.TextChoices):
    FAILED_PASSWORD = "failed_password", "Failed password sign-in"
    LINK_REQUEST = "link_request", "Sign-in link requested"


class SignInAttempt(models.Model):
    """A failed password sign-in or a request for an emailed link, kept briefly to throttle both."""

    kind = models.CharField(max_length=20, choices=AttemptKind.choices, default=AttemptKind.FAILED_PASSWORD)
    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email} at {self.attempted_at:%Y-%m-%d %H:%M}"


class AuditAction(models.TextChoices):
    ORGANISATION_CREATED = "organisation_created", "Organisation created"
    LOGIN_CREATED = "login_created", "Login created"
    ROLE_CHANGED = "role_changed", "Role changed"
    LOGIN_INVITED = "login_invited", "Non-employee invited"
    LOGIN_DEACTIVATED = "login_deactivated", "Login deactivated"
    LOGIN_REACTIVATED = "login_reactivated", "Login reactivated"
    SIGN_IN_LINK_SENT = "sign_in_link_sent", "Sign-in link sent"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    SSO_CONFIGURED = "sso_configured", "Single sign-on configured"
    SSO_LINKED = "sso_linked", "Login linked to the identity provider"
    SSO_SIGN_IN_REFUSED = "sso_sign_in_refused", "Single sign-on refused"
    SCIM_PERSON_CREATED = "scim_person_created", "Person added by SCIM"
    SCIM_PERSON_UPDATED = "scim_person_updated", "Person updated by SCIM"
    SCIM_PERSON_DEACTIVATED = "scim_person_deactivated", "Person marked as left by SCIM"


class AuditEntry(models.Model):
    """One administrative change: who did what to whom, and when. Written by services, never edited."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="audit_entries")
    # Empty when the system acted (first run from the command line, an HRIS import marking leavers).
    actor = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries_made")
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries_about")
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return self.summary
