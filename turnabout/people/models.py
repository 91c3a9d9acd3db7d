"""The people directory: employees, their place in the organisation, and their skills."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import Organisation
from turnabout.core.content import content_text
from turnabout.core.models import TimestampedModel


class Grade(models.Model):
    """One rung of an organisation's grade ladder; a higher rank is more senior."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="grades")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["organisation", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="grade_code_unique"),
            models.UniqueConstraint(fields=["organisation", "rank"], name="grade_rank_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Department(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=150)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="department_name_unique")]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=150)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="site_name_unique")]

    def __str__(self) -> str:
        return self.name


class EmploymentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEAVER = "leaver", _("Left the organisation")


class PersonKind(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    GUEST = "guest", _("Guest from outside")


class PersonQuerySet(models.QuerySet["Person"]):
    def employees(self) -> "PersonQuerySet":
        """The directory: everyone but guests. Directory pages, the org chart, imports, SCIM and HR figures read these."""
        return self.filter(kind=PersonKind.EMPLOYEE)

    def guests(self) -> "PersonQuerySet":
        """Outside participants a program manager invited (``programs.guests``): never in the directory."""
        return self.filter(kind=PersonKind.GUEST)


class Person(TimestampedModel):
    """An employee as the HR system knows them, or a guest from outside a program invited; a login (User) is optional
    and linked later.

    A guest (``kind`` guest: a partner university's student, an outside mentor) has no place in the organisation —
    no grade, department, site or manager — and is never listed in the directory, the org chart, the HRIS import or
    SCIM: they take part only in the programs they were invited to, until ``access_ends_on``.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="people")
    employee_id = models.CharField(max_length=64)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    email = models.EmailField()
    job_title = models.CharField(max_length=200, blank=True)
    grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone, e.g. Europe/London.")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports")
    # Materialised reporting chain: "/<root id>/…/<manager id>/<own id>/". Ancestors are
    # read from it without queries; descendants are one indexed prefix match.
    reporting_path = models.CharField(max_length=2000, default="/")
    reporting_depth = models.PositiveSmallIntegerField(default=0)
    hire_date = models.DateField(null=True, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes, e.g. ['en', 'fr'].")
    # The language Turnabout speaks to them, on its pages and in its emails: from the HRIS import or their own choice
    # (blank: their browser's, then LANGUAGE_CODE; turnabout.people.languages resolves it).
    preferred_language = models.CharField(max_length=10, blank=True, choices=settings.LANGUAGES)
    employment_status = models.CharField(max_length=10, choices=EmploymentStatus.choices, default=EmploymentStatus.ACTIVE)
    end_date = models.DateField(null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person")
    skills: "models.ManyToManyField[Skill, PersonSkill]" = models.ManyToManyField("Skill", through="PersonSkill", related_name="people")
    # SCIM provisioning (identity.scim): the identity provider's own id for this person, and when it deleted
    # them. A deleted person stays in the directory as a leaver (history is kept) but SCIM no longer shows them.
    scim_external_id = models.CharField(max_length=255, blank=True)
    scim_deleted_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=PersonKind.choices, default=PersonKind.EMPLOYEE)
    # A guest's own organisation (e.g. "University of Miami") and the last day they may sign in; blank for employees.
    guest_organisation = models.CharField(max_length=200, blank=True)
    access_ends_on = models.DateField(null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "employee_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "employee_id"], name="person_employee_id_unique"),
            models.UniqueConstraint("organisation", Lower("email"), name="person_email_ci_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "employment_status"]),
            models.Index(fields=["organisation", "family_name", "given_name"]),
            # PostgreSQL needs a pattern opclass for the descendants prefix match; SQLite ignores it.
            models.Index(fields=["reporting_path"], name="person_reporting_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_active_employee(self) -> bool:
        return self.employment_status == EmploymentStatus.ACTIVE

    @property
    def is_guest(self) -> bool:
        return self.kind == PersonKind.GUEST

    def guest_access_ended(self, today: "date") -> bool:
        """A guest whose last day of access (``access_ends_on``) is before ``today``; never an employee."""
        return self.is_guest and self.access_ends_on is not None and self.access_ends_on < today

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the top of the organisation down to this person's manager."""
        return [int(part) for part in self.reporting_path.strip("/").split("/") if part][:-1]


class GradeChange(models.Model):
    """One change of a person's grade, as the directory learnt it: the promotion history outcome comparisons read.

    Written by ``services.update_person`` and the HRIS import, never edited. ``from_grade`` is empty when the
    person had no grade before; a promotion is a change to a higher rank.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="grade_changes")
    from_grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+")
    changed_on = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "changed_on", "pk"]
        indexes = [models.Index(fields=["person", "changed_on"])]

    def __str__(self) -> str:
        return f"Grade change of person #{self.person_id} on {self.changed_on.isoformat()}"


class SkillCategory(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("skill categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The category's name in the reader's language (a shipped category is translated; an organisation's own is not)."""
        return content_text(self.name)


class Skill(models.Model):
    """A skill in the shared taxonomy; synonyms and related skills let matching count near misses."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    category = models.ForeignKey(SkillCategory, on_delete=models.PROTECT, related_name="skills")
    description = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    related = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The skill's name in the reader's language (a shipped skill is translated; an organisation's own is not)."""
        return content_text(self.name)


class SkillLevel(models.IntegerChoices):
    AWARE = 1, _("Aware")
    WORKING = 2, _("Working knowledge")
    SKILLED = 3, _("Skilled")
    ADVANCED = 4, _("Advanced")
    EXPERT = 5, _("Expert")


class PersonSkill(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skill_levels")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="person_levels")
    level = models.PositiveSmallIntegerField(choices=SkillLevel.choices)

    class Meta:
        ordering = ["-level", "skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="person_skill_unique"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="person_skill_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.skill} ({self.get_level_display()})"


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", _("Under 25")
    FROM_25_TO_34 = "25_34", _("25–34")
    FROM_35_TO_44 = "35_44", _("35–44")
    FROM_45_TO_54 = "45_54", _("45–54")
    FROM_55 = "55_plus", _("55 and over")


class SensitiveProfile(TimestampedModel):
    """Optional, consented diversity attributes, kept apart from the person record.

    Only the person themselves reads or changes these values; reports use them in
    suppressed aggregates only. Withdrawing consent deletes the row.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="sensitive_profile")
    gender = models.CharField(max_length=60, blank=True)
    ethnicity = models.CharField(max_length=100, blank=True)
    has_disability = models.BooleanField(null=True, blank=True)
    is_under_represented = models.BooleanField(null=True, blank=True)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    consent_given_at = models.DateTimeField()
    consent_purpose = models.TextField()
    consent_legal_basis = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"Sensitive profile #{self.pk}"


class ImportJobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEW_QUEUED = "preview_queued", _("Waiting to be checked")
    PREVIEWING = "previewing", _("Being checked")
    PREVIEWED = "previewed", _("Previewed")
    APPLY_QUEUED = "apply_queued", _("Waiting to be applied")
    APPLYING = "applying", _("Being checked again")
    WRITING = "writing", _("Being written")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")


IMPORT_JOB_RUNNING = (
    ImportJobStatus.PREVIEW_QUEUED,
    ImportJobStatus.PREVIEWING,
    ImportJobStatus.APPLY_QUEUED,
    ImportJobStatus.APPLYING,
    ImportJobStatus.WRITING,
)


class ImportJob(models.Model):
    """One HRIS file uploaded through the UI, kept with its mapping and outcome: upload → map → preview → apply.

    The preview and the apply run in the task worker; while they run, ``rows_checked`` counts the rows read.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="import_jobs")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs")
    original_filename = models.CharField(max_length=255)
    content = models.BinaryField()
    detected_headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="Target field → column header of the file.")
    mark_missing_as_leavers = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.UPLOADED)
    summary = models.JSONField(default=dict, blank=True, help_text="The last preview or apply result, problems included.")
    rows_checked = models.PositiveIntegerField(default=0, help_text="Rows of the file read so far by the running check.")
    error = models.TextField(blank=True, help_text="Why the file could not be read or the import stopped; nothing was written.")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import of {self.original_filename} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        """Waiting for the worker, or being checked or written by it."""
        return self.status in IMPORT_JOB_RUNNING

    @property
    def is_applying(self) -> bool:
        return self.status in (ImportJobStatus.APPLY_QUEUED, ImportJobStatus.APPLYING, ImportJobStatus.WRITING)

    @property
    def is_writing(self) -> bool:
        return self.status == ImportJobStatus.WRITING

    @property
    def is_applied(self) -> bool:
        return self.status == ImportJobStatus.APPLIED

    @property
    def is_failed(self) -> bool:
        return self.status == ImportJobStatus.FAILED

    @property
    def can_apply(self) -> bool:
        """Previewed (or failed, to try again once the file or the directory is fixed) and not running."""
        return self.status in (ImportJobStatus.PREVIEWED, ImportJobStatus.FAILED)


class Community(TimestampedModel):
    """An employee resource group or network: a name, a purpose, leads and members (docs/communities.md).

    Members join an open community themselves. The membership of an identity-based network is sensitive: it is shown
    only to the member, counted only in suppressed aggregates, and counts for a program's eligibility only with the
    member's consent.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="communities")
    name = models.CharField(max_length=150)
    purpose = models.TextField(blank=True)
    is_open = models.BooleanField(default=False, help_text=_("Anyone in the organisation may join or leave it themselves."))
    is_identity_based = models.BooleanField(
        default=False, help_text=_("Membership says something sensitive about a person (for example a network of LGBTQ+ colleagues).")
    )
    leads: "models.ManyToManyField[Person, Any]" = models.ManyToManyField(Person, blank=True, related_name="led_communities")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("communities")
        constraints = [models.UniqueConstraint("organisation", Lower("name"), name="community_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class MembershipSource(models.TextChoices):
    JOINED = "joined", _("Joined themselves")
    HRIS = "hris", _("From the HR system")


class CommunityMembership(models.Model):
    """One person's membership of one community, with where it came from.

    ``consented_at`` is when the member agreed that the membership may be used (for a program's eligibility and
    reports): joining is that consent. A membership of an identity-based community without it is never used.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="community_memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    source = models.CharField(max_length=10, choices=MembershipSource.choices)
    joined_at = models.DateTimeField(default=timezone.now)
    consented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["community", "person__family_name", "person__given_name"]
        constraints = [models.UniqueConstraint(fields=["person", "community"], name="community_membership_once")]

    def __str__(self) -> str:
        return f"Membership of person #{self.person_id} in community #{self.community_id}"

    @property
    def counts_for_eligibility(self) -> bool:
        """Usable for a program's eligibility: any membership of an ordinary community; of an identity-based one, with consent."""
        return not self.community.is_identity_based or self.consented_at is not None
