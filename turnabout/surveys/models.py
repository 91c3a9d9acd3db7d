"""Survey instruments, waves per program, one assignment per person and wave, and their responses.

Privacy: a response's answers belong to its respondent. Nobody else reads them one by one: managers see
counts and response rates, and reports read ``services.wave_aggregates`` (per wave and role) only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import Organisation
from turnabout.core.models import TimestampedModel
from turnabout.people.models import Community, Department, Grade, Person, Site, Skill
from turnabout.programs.models import Enrolment, Program, Role


class Audience(models.TextChoices):
    MENTOR = "mentor", _("Mentors")
    MENTEE = "mentee", _("Mentees")
    BOTH = "both", _("Both sides")


class ScaleType(models.TextChoices):
    LIKERT = "likert", _("Agreement (Likert)")
    PROFICIENCY = "proficiency", _("Proficiency levels")
    NPS = "nps", _("Likelihood to recommend (0–10)")


class Instrument(models.Model):
    """One version of a questionnaire with its scale, subscales, items and licence; see docs/surveys.md.

    ``items`` is a list of {id, subscale, text, reverse, descriptors}; ``subscales`` lists {slug, name} in order.
    Texts may say ``{mentor}`` and ``{mentee}``, replaced by the program's own wording.
    """

    slug = models.SlugField(max_length=80)
    version = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    waves = models.JSONField(default=list, help_text=_('The wave kinds that use it, e.g. ["baseline", "end"].'))
    scale = models.JSONField(help_text='{"type": "likert", "min": 1, "max": 5, "labels": [...]}')
    licence = models.CharField(max_length=200)
    attribution = models.TextField()
    instructions = models.TextField(blank=True)
    is_validated = models.BooleanField(default=False, help_text="A published, validated instrument rather than our own wording.")
    subscales = models.JSONField(default=list)
    items = models.JSONField(default=list)
    is_active = models.BooleanField(default=True, help_text=_("Only active instruments go into newly opened waves."))

    class Meta:
        ordering = ["slug", "version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="instrument_version_once")]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"

    @property
    def scale_type(self) -> str:
        return str(self.scale["type"])

    @property
    def scale_min(self) -> int:
        return int(self.scale["min"])

    @property
    def scale_max(self) -> int:
        return int(self.scale["max"])

    def is_for(self, role: str) -> bool:
        return self.audience in (Audience.BOTH, role)

    def items_of(self, subscale: str) -> list[dict[str, Any]]:
        return [item for item in self.items if item["subscale"] == subscale]


class WaveKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    MIDPOINT = "midpoint", _("Midpoint")
    END = "end", _("End")


class WaveStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")

    @property
    def is_open(self) -> bool:
        return self is WaveStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self is WaveStatus.CLOSED


class SurveyWave(TimestampedModel):
    """One of a program's three survey rounds. Opened once (``invited_at``); answers are accepted until ``closes_on``."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="survey_waves")
    kind = models.CharField(max_length=10, choices=WaveKind.choices)
    opens_on = models.DateField()
    closes_on = models.DateField()
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "opens_on"]
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="survey_wave_once_per_program"),
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="survey_wave_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} survey of {self.program}"

    def status_on(self, today: date) -> WaveStatus:
        if today > self.closes_on:
            return WaveStatus.CLOSED
        if self.invited_at is None:
            return WaveStatus.SCHEDULED
        return WaveStatus.OPEN


class SurveyAssignment(TimestampedModel):
    """One participant asked to answer one wave; the instruments are fixed (with their versions) when the wave opens."""

    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="assignments")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="survey_assignments")
    instruments = models.ManyToManyField(Instrument, related_name="+")
    invitation_emailed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["wave", "pk"]
        constraints = [models.UniqueConstraint(fields=["wave", "enrolment"], name="survey_assignment_once_per_wave")]

    def __str__(self) -> str:
        return f"{self.wave} for {self.enrolment.person}"


class SurveyResponse(models.Model):
    """One respondent's answers to one instrument: ``{item_id: value}`` as given, before any reverse scoring."""

    assignment = models.ForeignKey(SurveyAssignment, on_delete=models.CASCADE, related_name="responses")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField()
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "instrument"], name="survey_response_once_per_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument} answered {self.submitted_at:%Y-%m-%d}"


# --- Interest surveys: asked before a program exists ------------------------------------------------------------


class InterestAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("No")


class InterestSurvey(TimestampedModel):
    """A short survey sent to a population chosen by filter before a program exists: would you take part, which
    topics, which role. Its results are read as suppressed aggregates only (``insights.interest``); a program can be
    created from it, inviting those who said yes.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="interest_surveys")
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The population: active employees matching every filter given.
    min_grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    max_grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    topics = models.ManyToManyField(Skill, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class InterestInvitation(TimestampedModel):
    """One person of the population asked to answer; their answers belong to them and are read only in aggregates."""

    survey = models.ForeignKey(InterestSurvey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="interest_invitations")
    emailed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=10, choices=InterestAnswer.choices, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    topics = models.ManyToManyField(Skill, blank=True, related_name="+")

    class Meta:
        ordering = ["survey", "pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="interest_invitation_once_per_person")]

    def __str__(self) -> str:
        return f"Interest survey #{self.survey_id} for person #{self.person_id}"
