"""Organisations, users and their roles, sign-in throttling and the audit log."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.errors import AuditEntryPermanent
from turnabout.core.models import TimestampedModel


class Organisation(TimestampedModel):
    """A tenant: every person, program and report belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.name


class AccountRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    PARTICIPANT = "participant", _("Participant")
    SPONSOR = "sponsor", _("Executive sponsor")
    # An outside participant (people.PersonKind.GUEST): their own programs, pairs and guides, nothing of the organisation.
    GUEST = "guest", _("Guest participant")


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
        fields.setdefault("role", AccountRole.ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Email is the username; the role decides what the user may see."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=20, choices=AccountRole.choices, default=AccountRole.PARTICIPANT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May open the Django admin site's sign-in (only superusers get in)."))
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
        return self.role == AccountRole.ADMIN

    @property
    def is_guest(self) -> bool:
        """An outside participant: their own programs, pairs and guides only (accounts.access.WITH_GUESTS)."""
        return self.role == AccountRole.GUEST

    @property
    def sees_individual_records(self) -> bool:
        """Sponsors see aggregates only, guests from outside their own records only; every other role may open
        individual records."""
        return self.role not in {AccountRole.SPONSOR, AccountRole.GUEST}


class AttemptKind(models.TextChoices):
    FAILED_PASSWORD = "failed_password", _("Failed password sign-in")
    LINK_REQUEST = "link_request", _("Sign-in link requested")


class SignInAttempt(models.Model):
    """A failed password sign-in or a request for an emailed link, kept briefly to throttle both."""

    kind = models.CharField(max_length=20, choices=AttemptKind.choices, default=AttemptKind.FAILED_PASSWORD)
    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email} at {self.attempted_at:%Y-%m-%d %H:%M}"


class AuditAction(models.TextChoices):
    ORGANISATION_CREATED = "organisation_created", _("Organisation created")
    LOGIN_CREATED = "login_created", _("Login created")
    ROLE_CHANGED = "role_changed", _("Role changed")
    LOGIN_INVITED = "login_invited", _("Non-employee invited")
    LOGIN_DEACTIVATED = "login_deactivated", _("Login deactivated")
    LOGIN_REACTIVATED = "login_reactivated", _("Login reactivated")
    SIGN_IN_LINK_SENT = "sign_in_link_sent", _("Sign-in link sent")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    SSO_CONFIGURED = "sso_configured", _("Single sign-on configured")
    SSO_LINKED = "sso_linked", _("Login linked to the identity provider")
    SSO_SIGN_IN_REFUSED = "sso_sign_in_refused", _("Single sign-on refused")
    SCIM_PERSON_CREATED = "scim_person_created", _("Person added by SCIM")
    SCIM_PERSON_UPDATED = "scim_person_updated", _("Person updated by SCIM")
    SCIM_PERSON_DEACTIVATED = "scim_person_deactivated", _("Person marked as left by SCIM")
    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    IMPORT_APPLIED = "import_applied", _("HRIS import applied")
    MATCH_RUN_PUBLISHED = "match_run_published", _("Match run published")
    REPORT_EXPORTED = "report_exported", _("Outcome report downloaded")
    DIVERSITY_REACH_READ = "diversity_reach_read", _("Diversity reach read")
    SENSITIVE_PROFILE_SAVED = "sensitive_profile_saved", _("Consented diversity answers saved")
    SENSITIVE_PROFILE_WITHDRAWN = "sensitive_profile_withdrawn", _("Consent withdrawn, diversity answers deleted")
    PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Personal data downloaded")
    PERSON_ERASED = "person_erased", _("Person erased")


class SignInMethod(models.TextChoices):
    """How a sign-in was attempted, as the audit log records it (``details["method"]``)."""

    PASSWORD = "password", _("Password")
    LINK = "link", _("Emailed sign-in link")
    SSO = "sso", _("Single sign-on")


class AuditGroup(models.TextChoices):
    """The audit page's coarse filter. A group is a set of actions; an action may sit in more than one group."""

    SIGN_IN = "sign_in", _("Sign-ins")
    LOGINS_AND_ROLES = "logins", _("Logins and roles")
    TOKENS_AND_SSO = "tokens_sso", _("API tokens, single sign-on and SCIM")
    DIRECTORY = "directory", _("Directory imports")
    MATCHING = "matching", _("Matching")
    EXPORTS = "exports", _("Exports and downloads")
    SENSITIVE = "sensitive", _("Sensitive attributes")
    PERSONAL_DATA = "personal_data", _("Personal-data requests")


AUDIT_GROUP_ACTIONS: dict[AuditGroup, frozenset[AuditAction]] = {
    AuditGroup.SIGN_IN: frozenset({AuditAction.SIGNED_IN, AuditAction.SIGN_IN_FAILED, AuditAction.SSO_SIGN_IN_REFUSED}),
    AuditGroup.LOGINS_AND_ROLES: frozenset(
        {
            AuditAction.ORGANISATION_CREATED,
            AuditAction.LOGIN_CREATED,
            AuditAction.ROLE_CHANGED,
            AuditAction.LOGIN_INVITED,
            AuditAction.LOGIN_DEACTIVATED,
            AuditAction.LOGIN_REACTIVATED,
            AuditAction.SIGN_IN_LINK_SENT,
        }
    ),
    AuditGroup.TOKENS_AND_SSO: frozenset(
        {
            AuditAction.TOKEN_CREATED,
            AuditAction.TOKEN_REVOKED,
            AuditAction.SSO_CONFIGURED,
            AuditAction.SSO_LINKED,
            AuditAction.SSO_SIGN_IN_REFUSED,
            AuditAction.SCIM_PERSON_CREATED,
            AuditAction.SCIM_PERSON_UPDATED,
            AuditAction.SCIM_PERSON_DEACTIVATED,
        }
    ),
    AuditGroup.DIRECTORY: frozenset({AuditAction.IMPORT_APPLIED, AuditAction.SCIM_PERSON_CREATED, AuditAction.SCIM_PERSON_UPDATED}),
    AuditGroup.MATCHING: frozenset({AuditAction.MATCH_RUN_PUBLISHED}),
    AuditGroup.EXPORTS: frozenset({AuditAction.REPORT_EXPORTED, AuditAction.PERSONAL_DATA_EXPORTED}),
    # Every event that reads, changes or removes consented diversity answers (exports carry the diversity reach).
    AuditGroup.SENSITIVE: frozenset(
        {
            AuditAction.DIVERSITY_REACH_READ,
            AuditAction.REPORT_EXPORTED,
            AuditAction.SENSITIVE_PROFILE_SAVED,
            AuditAction.SENSITIVE_PROFILE_WITHDRAWN,
            AuditAction.PERSONAL_DATA_EXPORTED,
            AuditAction.PERSON_ERASED,
        }
    ),
    AuditGroup.PERSONAL_DATA: frozenset({AuditAction.PERSONAL_DATA_EXPORTED, AuditAction.PERSON_ERASED}),
}


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """The audit log's queries: reads and inserts only. Bulk ``update`` and ``delete`` are refused.

    (Deleting a whole organisation still removes its entries: Django's cascade goes through the plain base manager.)
    """

    def update(self, **kwargs: Any) -> int:
        raise AuditEntryPermanent("Audit entries are never changed: record a new entry instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditEntryPermanent("Audit entries are never deleted.")


class AuditEntry(models.Model):
    """One security-relevant event: who did what to whom, and when. Written by services, never edited or deleted.

    ``summary`` and ``details`` name people, programs and counts, never relationship content (notes, pulse text,
    reflections) or sensitive values.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="audit_entries")
    # Empty when the system acted (first run from the command line, an HRIS import marking leavers).
    actor = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries_made")
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries_about")
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The page lists newest first, for everything or filtered by action (group).
        indexes = [models.Index(fields=["organisation", "-created_at"]), models.Index(fields=["organisation", "action", "-created_at"])]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return self.summary

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEntryPermanent("Audit entries are never changed: record a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditEntryPermanent("Audit entries are never deleted.")
