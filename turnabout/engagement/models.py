"""A running pair: agreement, two-way goals, meetings and pulses, notes, insights, health, closure.

Privacy: notes, pulse free text, reflections and agreement bodies belong to the pair. Managers and
sponsors only ever read metadata (meetings held, cadence, ratings in aggregate) through queries.py.
"""

from __future__ import annotations

import secrets
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from turnabout.core.models import TimestampedModel
from turnabout.programs.models import Enrolment, Program, Role


class PairStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


class CloseReason(models.TextChoices):
    COMPLETED = "completed", _("Completed the program")
    NO_FAULT = "no_fault", _("Closed early, no fault")
    PARTNER_LEFT = "partner_left", _("A partner left the organisation or the program")
    REMATCHED = "rematched", _("Rematched")


class HealthState(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    WATCH = "watch", _("Watch")
    AT_RISK = "at_risk", _("At risk")


class PairKind(models.TextChoices):
    PAIR = "pair", _("Pair")
    CIRCLE = "circle", _("Circle")


class PairQuerySet(models.QuerySet["Pair"]):
    def active(self) -> PairQuerySet:
        return self.filter(status=PairStatus.ACTIVE)

    def open(self) -> PairQuerySet:
        """Active and paused pairs: every pair not closed."""
        return self.exclude(status=PairStatus.CLOSED)


class Pair(TimestampedModel):
    """A formal, accepted relationship in a program: a 1:1 pair, or a circle of mentors and mentees (ADR 0008).

    Its people are its `members`. Until the contract migration, `mentor` and `mentee` are a pair's two sides and a
    circle's lead members (its first mentor and first mentee by member id); circle code reads `members`.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="pairs")
    kind = models.CharField(max_length=10, choices=PairKind.choices, default=PairKind.PAIR)
    mentor = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="pairs_as_mentor")
    mentee = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="pairs_as_mentee")
    status = models.CharField(max_length=10, choices=PairStatus.choices, default=PairStatus.ACTIVE)
    started_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    continue_informally = models.BooleanField(null=True, blank=True)
    # Pair health, assessed by engagement.assessment (a pure function) from meetings, pulses and goals; stored by
    # engagement.health.
    health_state = models.CharField(max_length=10, choices=HealthState.choices, default=HealthState.HEALTHY)
    health_score = models.PositiveSmallIntegerField(default=100)
    health_reasons = models.JSONField(default=list, blank=True)
    health_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "mentor", "mentee"], condition=~models.Q(status=PairStatus.CLOSED), name="pair_open_once"
            )
        ]
        indexes = [models.Index(fields=["program", "status", "health_state"])]

    objects = PairQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.mentor.person} and {self.mentee.person}"

    @property
    def is_circle(self) -> bool:
        return self.kind == PairKind.CIRCLE

    @property
    def is_active(self) -> bool:
        return self.status == PairStatus.ACTIVE

    @property
    def is_paused(self) -> bool:
        return self.status == PairStatus.PAUSED

    @property
    def is_closed(self) -> bool:
        return self.status == PairStatus.CLOSED

    def enrolment_for(self, role: str) -> Enrolment:
        return self.mentor if role == Role.MENTOR else self.mentee

    def partner_of(self, role: str) -> Enrolment:
        return self.mentee if role == Role.MENTOR else self.mentor

    def sole_member(self, role: str) -> PairMember:
        """The one current member on that side; a circle with several of that role raises MultipleObjectsReturned."""
        return self.members.current().get(role=role)

    def member_for_user(self, user_id: int) -> PairMember | None:
        """The current member who is that user, or None."""
        return self.members.current().filter(enrolment__person__user_id=user_id).select_related("enrolment").first()


class PairMemberQuerySet(models.QuerySet["PairMember"]):
    def current(self) -> PairMemberQuerySet:
        """Members who have not left."""
        return self.filter(left_at__isnull=True)

    def mentors(self) -> PairMemberQuerySet:
        return self.filter(role=Role.MENTOR)

    def mentees(self) -> PairMemberQuerySet:
        return self.filter(role=Role.MENTEE)


class PairMember(models.Model):
    """One enrolment's place in a relationship: a pair has two members, a circle several on each side."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="members")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    objects = PairMemberQuerySet.as_manager()

    class Meta:
        ordering = ["pair", "pk"]
        constraints = [models.UniqueConstraint(fields=["pair", "enrolment"], name="pair_member_once")]

    def __str__(self) -> str:
        return f"{self.role} #{self.enrolment_id} of pair #{self.pair_id}"

    @property
    def has_left(self) -> bool:
        return self.left_at is not None


class ManagerSharing(models.TextChoices):
    EXISTENCE_ONLY = "existence", _("Only that the relationship exists")
    MEETING_COUNT = "meetings", _("That it exists and how often we meet")
    GOAL_TITLES = "goals", _("That it exists, how often we meet and our goal titles")


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone")
    MIXED = "mixed", _("A mix")


class Agreement(models.Model):
    """One version of the pair's partnership agreement; a new version needs both signatures again."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveSmallIntegerField()
    mentee_goals = models.TextField(help_text="What the senior wants to learn.")
    mentor_goals = models.TextField(help_text="What the junior wants to grow in (leadership, visibility).")
    cadence = models.CharField(max_length=20)
    meeting_mode = models.CharField(max_length=10, choices=MeetingMode.choices, default=MeetingMode.VIDEO)
    confidentiality = models.TextField()
    share_with_line_managers = models.CharField(max_length=10, choices=ManagerSharing.choices, default=ManagerSharing.EXISTENCE_ONLY)
    not_for_performance_management = models.BooleanField(default=True)
    body = models.TextField(blank=True, help_text="The rest of the agreement, from the program's template.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pair", "-version"]
        constraints = [models.UniqueConstraint(fields=["pair", "version"], name="agreement_version_once")]

    def __str__(self) -> str:
        return f"Agreement v{self.version} of {self.pair}"


class AgreementSignature(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(max_length=10, choices=Role.choices)
    member = models.ForeignKey(PairMember, null=True, on_delete=models.CASCADE, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "member"], condition=models.Q(member__isnull=False), name="agreement_signed_once_per_member"
            ),
            # Guards rows written without a member (code not yet converted); a circle's rows always carry one.
            models.UniqueConstraint(
                fields=["agreement", "role"], condition=models.Q(member__isnull=True), name="agreement_signed_once_per_side"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} signed v{self.agreement.version} at {self.signed_at:%Y-%m-%d %H:%M}"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Achieved")
    DROPPED = "dropped", _("Set aside")


class Goal(TimestampedModel):
    """A goal owned by one side: the senior's learning goal or the junior's leadership goal."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="goals")
    owner_role = models.CharField(max_length=10, choices=Role.choices)
    # The owner side's member for a pair; in a circle, None means a goal shared by the whole circle.
    owner_member = models.ForeignKey(PairMember, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["owner_role", "created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(progress_percent__lte=100), name="goal_progress_percent")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == GoalStatus.OPEN

    @property
    def is_done(self) -> bool:
        return self.status == GoalStatus.DONE

    @property
    def is_dropped(self) -> bool:
        return self.status == GoalStatus.DROPPED


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def scheduled(self) -> MeetingQuerySet:
        return self.filter(status=MeetingStatus.SCHEDULED)

    def held(self) -> MeetingQuerySet:
        return self.filter(status=MeetingStatus.HELD)


class Meeting(TimestampedModel):
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    mode = models.CharField(max_length=10, choices=MeetingMode.choices, default=MeetingMode.VIDEO)
    location = models.CharField(max_length=300, blank=True, help_text="A room, or a video link.")
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    cancelled_by_role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    cancelled_by_member = models.ForeignKey(PairMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    held_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    topics = models.JSONField(default=list, blank=True)
    agenda = models.TextField(blank=True, help_text="Sent by the mentor beforehand; visible to the pair only.")
    agenda_sent_at = models.DateTimeField(null=True, blank=True)
    # iCalendar identity: updates to the same meeting keep the UID and raise the sequence.
    ical_uid = models.CharField(max_length=100, unique=True, default=secrets.token_hex)
    ical_sequence = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["pair", "status", "starts_at"]), models.Index(fields=["status", "starts_at"])]

    objects = MeetingQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Meeting of {self.pair} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_scheduled(self) -> bool:
        return self.status == MeetingStatus.SCHEDULED

    @property
    def is_held(self) -> bool:
        return self.status == MeetingStatus.HELD

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


class Pulse(models.Model):
    """The one-minute check after a meeting, one per side. Ratings feed health; the text stays with the pair."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="pulses")
    # Always the meeting's pair, copied so that per-pair and per-program figures need not join the meetings.
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="pulses")
    role = models.CharField(max_length=10, choices=Role.choices)
    member = models.ForeignKey(PairMember, null=True, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField()
    learned = models.TextField(blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], condition=models.Q(member__isnull=False), name="pulse_once_per_member"),
            # Guards rows written without a member (code not yet converted); a circle's rows always carry one.
            models.UniqueConstraint(fields=["meeting", "role"], condition=models.Q(member__isnull=True), name="pulse_once_per_side"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="pulse_rating_range"),
        ]
        # Covers the insights dashboard's pass over a program's pulses: counts per role and rating without table reads.
        indexes = [models.Index(fields=["pair", "role", "rating"])]

    def __str__(self) -> str:
        return f"{self.role} rated {self.rating}"


class NoteVisibility(models.TextChoices):
    PRIVATE = "private", _("Only me")
    SHARED = "shared", _("Both of us")


class Note(TimestampedModel):
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author_role = models.CharField(max_length=10, choices=Role.choices)
    author_member = models.ForeignKey(PairMember, null=True, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.PRIVATE)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note #{self.pk} ({self.visibility})"


class Insight(TimestampedModel):
    """An idea or change the senior adopted because of the relationship."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="insights")
    description = models.CharField(max_length=300)
    owner = models.CharField(max_length=120, help_text="Who carries it forward.")
    adopted_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-adopted_on"]

    def __str__(self) -> str:
        return self.description


class ConcernStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Concern(TimestampedModel):
    """A participant's private message to the program manager about their pair."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="concerns")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    raised_by_role = models.CharField(max_length=10, choices=Role.choices)
    raised_by_member = models.ForeignKey(PairMember, null=True, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    status = models.CharField(max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Concern #{self.pk} about {self.pair}"

    @property
    def is_open(self) -> bool:
        return self.status == ConcernStatus.OPEN


class Reflection(TimestampedModel):
    """Each side's final reflection at closure; visible to the pair only."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="reflections")
    role = models.CharField(max_length=10, choices=Role.choices)
    member = models.ForeignKey(PairMember, null=True, on_delete=models.CASCADE, related_name="+")
    learned = models.TextField()
    proudest = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pair", "member"], condition=models.Q(member__isnull=False), name="reflection_once_per_member"),
            # Guards rows written without a member (code not yet converted); a circle's rows always carry one.
            models.UniqueConstraint(fields=["pair", "role"], condition=models.Q(member__isnull=True), name="reflection_once_per_side"),
        ]

    def __str__(self) -> str:
        return f"{self.role} reflection on {self.pair}"


class ManagerActionKind(StrEnum):
    """What a manager did (not shown to anyone, so not translated); a close is stored as "close:<reason>"."""

    CHECK_IN = "check_in"
    PAUSE = "pause"
    RESUME = "resume"


class ManagerAction(models.Model):
    """What a program manager did about a pair's health (check in, pause, close, rematch)."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="manager_actions")
    kind = models.CharField(max_length=20)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    taken_at = models.DateTimeField()
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.pair}"


class CalendarFeed(models.Model):
    """A secret address for a participant's personal calendar of pair meetings."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class QuoteAttribution(models.TextChoices):
    NAMED = "named", _("With my name and my role in the program")
    ANONYMOUS = "anonymous", _("Anonymously, as “A participant”")


class QuoteQuerySet(models.QuerySet["Quote"]):
    def offered(self) -> QuoteQuerySet:
        """Quotes still offered: every quote not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)

    def chosen(self) -> QuoteQuerySet:
        """Offered quotes a program manager chose for the dashboard and the executive report."""
        return self.offered().filter(chosen_at__isnull=False)


class Quote(TimestampedModel):
    """Words a participant wrote and explicitly offered for the program's report: the one piece of a pair's content that
    may reach program managers and sponsors, and only once a program manager chose it.

    Withdrawing empties the text and the choice and keeps the row (who, which pair, when withdrawn), so that a program
    manager choosing it from a page loaded earlier is told it was withdrawn rather than that it never existed.
    """

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="quotes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author_role = models.CharField(max_length=10, choices=Role.choices)
    author_member = models.ForeignKey(PairMember, null=True, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    attribution = models.CharField(max_length=10, choices=QuoteAttribution.choices, default=QuoteAttribution.ANONYMOUS)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    chosen_at = models.DateTimeField(null=True, blank=True)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | models.Q(chosen_at__isnull=True), name="quote_withdrawn_never_chosen"
            )
        ]

    objects = QuoteQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Quote #{self.pk} of {self.pair}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_chosen(self) -> bool:
        return self.chosen_at is not None and self.withdrawn_at is None

    @property
    def is_anonymous(self) -> bool:
        return self.attribution == QuoteAttribution.ANONYMOUS
