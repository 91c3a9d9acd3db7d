"""Match runs, the pairs they propose, the manager's pins and bans, and the formal matches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from turnabout.core.models import TimestampedModel
from turnabout.engine import Mode
from turnabout.matching.rule_breaks import rule_break_texts
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class RunMode(models.TextChoices):
    """What a run optimises: the engine's modes (``turnabout.engine.Mode``), with the words the review page uses."""

    SCORE = Mode.SCORE.value, _("Best total fit")
    COVERAGE = Mode.COVERAGE.value, _("Match as many as possible")
    FAIR = Mode.FAIR.value, _("Fairest: raise the weakest pair")


class MatchRun(TimestampedModel):
    """One run of the engine over a program's ready pool, computed in the background."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    mode = models.CharField(max_length=10, choices=RunMode.choices, default=RunMode.SCORE)
    progress = models.FloatField(default=0.0)
    stage = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The pool as it was: enrolment id → fingerprint of what the engine read, to detect a stale run.
    pool = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return gettext("Run #%(number)s of %(program)s") % {"number": self.pk, "program": self.program}

    @property
    def error_message(self) -> str:
        """Why the run failed, in the active language: the stored text (English) translated when it is one of ours."""
        return gettext(self.error) if self.error else ""

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    @property
    def has_failed(self) -> bool:
        return self.status == RunStatus.FAILED

    @property
    def has_succeeded(self) -> bool:
        return self.status == RunStatus.SUCCEEDED

    @property
    def engine_mode(self) -> Mode:
        return Mode(self.mode)

    @property
    def optimises_coverage(self) -> bool:
        return self.mode == RunMode.COVERAGE

    @property
    def optimises_fairness(self) -> bool:
        return self.mode == RunMode.FAIR


class ProposedPair(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposed_pairs")
    mentor = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    components = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)
    is_pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["run", "mentor", "mentee"], name="proposed_pair_once_per_run")]

    def __str__(self) -> str:
        return f"{self.mentor.person} → {self.mentee.person} ({self.score:.2f})"


class UnmatchedEnrolment(models.Model):
    """Someone a run left without a partner: the engine's reason as its English ``reason``, its ``code`` and ``params``.

    Pages word the reason from its code and params (``matching.presentation``); rows stored before reasons had
    codes have an empty code, and show their text.
    """

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="unmatched")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    code = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.enrolment.person}: {self.reason}"


class PairRuleKind(models.TextChoices):
    PIN = "pin", _("Pinned")
    FORBID = "forbid", _("Forbidden")


class PairRule(models.Model):
    """A program manager's decision that a pair must, or must not, be made."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="pair_rules")
    mentor = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=PairRuleKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "mentor", "mentee"], name="pair_rule_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.mentor.person} → {self.mentee.person}"


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting acceptance")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


class Response(models.TextChoices):
    PENDING = "pending", _("Not yet answered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class DeclineReason(models.TextChoices):
    """No-fault reasons: none of them blames the other person."""

    TIMING = "timing", _("The timing does not work for me now")
    WORKLOAD = "workload", _("My workload will not allow it")
    KNOW_EACH_OTHER = "know_each_other", _("We already know each other too well for this")
    CONFLICT = "conflict", _("There is a conflict of interest")
    DIFFERENT_FOCUS = "different_focus", _("I hoped for a different focus")
    OTHER = "other", _("Another reason (no explanation needed)")


OPEN_STATUSES = (MatchStatus.PROPOSED, MatchStatus.ACTIVE)
CLOSED_STATUSES = (MatchStatus.DECLINED, MatchStatus.ENDED)


class MatchQuerySet(models.QuerySet["Match"]):
    def open(self) -> MatchQuerySet:
        """Proposed or running: the pairs that hold their two people."""
        return self.filter(status__in=OPEN_STATUSES)

    def closed(self) -> MatchQuerySet:
        """Declined or ended: pairs never proposed again."""
        return self.filter(status__in=CLOSED_STATUSES)

    def of_enrolment(self, enrolment: Enrolment) -> MatchQuerySet:
        return self.filter(models.Q(mentor=enrolment) | models.Q(mentee=enrolment))

    def with_a_side_withdrawn(self) -> MatchQuerySet:
        return self.filter(models.Q(mentor__status=EnrolmentStatus.WITHDRAWN) | models.Q(mentee__status=EnrolmentStatus.WITHDRAWN))


class Match(TimestampedModel):
    """A formal pair: proposed by a published run (or chosen by a mentee), accepted by both sides."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="matches")
    mentor = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="matches_as_mentor")
    mentee = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="matches_as_mentee")
    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="matches")
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    score = models.FloatField(default=0.0)
    components = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)
    mentor_response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    mentee_response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    mentor_responded_at = models.DateTimeField(null=True, blank=True)
    mentee_responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    ended_reason = models.CharField(max_length=200, blank=True)
    requested_by_mentee = models.BooleanField(default=False, help_text=_("Chosen by the mentee from suggestions (self-select programs)."))
    # The hard rules the pair broke when last checked against the directory after a change (services.flag_rule_breaks),
    # as codes and params naming both people ({"code", "params"}, rule_breaks.RuleBreak), worded in the reader's language
    # when shown (rule_break_texts); empty when it keeps them all. Shown to program managers only.
    rule_breaks = models.JSONField(default=list, blank=True)
    rule_breaks_checked_at = models.DateTimeField(null=True, blank=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Publishing twice, or two managers at once, can never open the same pair twice.
            models.UniqueConstraint(
                fields=["program", "mentor", "mentee"],
                condition=models.Q(status__in=["proposed", "active"]),
                name="match_open_once",
            )
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return f"{self.mentor.person} and {self.mentee.person} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_proposed(self) -> bool:
        return self.status == MatchStatus.PROPOSED

    @property
    def is_active(self) -> bool:
        return self.status == MatchStatus.ACTIVE

    @property
    def breaks_rules(self) -> bool:
        """An open pair that a directory change made break a hard rule (``rule_breaks``)."""
        return self.is_open and bool(self.rule_breaks)

    @property
    def rule_break_texts(self) -> list[str]:
        """``rule_breaks`` in words, in the language active when read (the review page's reader's)."""
        return rule_break_texts(self.rule_breaks)


class ProposedCircle(models.Model):
    """A circle a run of a circle program proposes: its score, the languages all members share and their common weekly time."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposed_circles")
    score = models.FloatField()
    languages = models.JSONField(default=list)
    common_minutes = models.PositiveIntegerField(default=0)
    is_pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_pinned", "-score", "pk"]

    def __str__(self) -> str:
        return gettext("Circle #%(number)s (%(score).2f)") % {"number": self.pk, "score": self.score}

    @property
    def mentor_members(self) -> list[ProposedCircleMember]:
        return [member for member in self.members.all() if member.role == Role.MENTOR]

    @property
    def mentee_members(self) -> list[ProposedCircleMember]:
        return [member for member in self.members.all() if member.role == Role.MENTEE]


class ProposedCircleMember(models.Model):
    """One member of a proposed circle: their side, their score with the other side of the circle and why they are there."""

    circle = models.ForeignKey(ProposedCircle, on_delete=models.CASCADE, related_name="members")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    score = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["role", "pk"]
        constraints = [models.UniqueConstraint(fields=["circle", "enrolment"], name="proposed_circle_member_once")]

    def __str__(self) -> str:
        return f"{self.enrolment.person} ({self.role})"


class CirclePin(models.Model):
    """A program manager's decision that these people stay one circle in the next runs, while they still fit together."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="circle_pins")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return gettext("Pinned circle #%(number)s") % {"number": self.pk}


class CirclePinMember(models.Model):
    pin = models.ForeignKey(CirclePin, on_delete=models.CASCADE, related_name="members")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment"], name="circle_pin_member_once")]

    def __str__(self) -> str:
        return f"{self.pin}: {self.enrolment.person}"


class CircleMatchQuerySet(models.QuerySet["CircleMatch"]):
    def open(self) -> CircleMatchQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class CircleMatch(TimestampedModel):
    """A formal circle: proposed by a published run, answered by every member at once, ending in one engagement circle."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="circle_matches")
    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="circle_matches")
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    score = models.FloatField(default=0.0)
    pair = models.OneToOneField("engagement.Pair", null=True, blank=True, on_delete=models.SET_NULL, related_name="circle_match")
    rule_breaks = models.JSONField(default=list, blank=True)
    rule_breaks_checked_at = models.DateTimeField(null=True, blank=True)

    objects = CircleMatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return gettext("Circle proposal #%(number)s (%(status)s)") % {"number": self.pk, "status": self.get_status_display()}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_proposed(self) -> bool:
        return self.status == MatchStatus.PROPOSED

    @property
    def is_active(self) -> bool:
        return self.status == MatchStatus.ACTIVE

    @property
    def is_declined(self) -> bool:
        return self.status == MatchStatus.DECLINED

    @property
    def current_members(self) -> list[CircleMatchMember]:
        """The members still in the circle: everyone who has not declined."""
        return [member for member in self.members.all() if not member.has_declined]

    @property
    def rule_break_texts(self) -> list[str]:
        return rule_break_texts(self.rule_breaks)


class CircleMatchMember(models.Model):
    """One member of a circle proposal and their answer; a decline takes them out of the circle without fault."""

    match = models.ForeignKey(CircleMatch, on_delete=models.CASCADE, related_name="members")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="circle_match_memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    score = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["role", "pk"]
        constraints = [models.UniqueConstraint(fields=["match", "enrolment"], name="circle_match_member_once")]

    def __str__(self) -> str:
        return f"{self.enrolment.person} ({self.get_response_display()})"

    @property
    def has_accepted(self) -> bool:
        return self.response == Response.ACCEPTED

    @property
    def has_declined(self) -> bool:
        return self.response == Response.DECLINED

    @property
    def is_pending(self) -> bool:
        return self.response == Response.PENDING
