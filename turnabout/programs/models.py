"""Programs: purpose, scope, schedule, wording and rules; enrolment and training."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import Organisation
from turnabout.core.content import content_text
from turnabout.core.models import TimestampedModel
from turnabout.people.models import Community, Department, Grade, Person, Site, Skill
from turnabout.programs.catalogue import structure_section, training_catalogue


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ENROLLING = "enrolling", _("Enrolling")
    MATCHING = "matching", _("Matching")
    RUNNING = "running", _("Running")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")


class StrategicDriver(models.TextChoices):
    DIGITAL_TRANSFORMATION = "digital_transformation", _("Digital transformation")
    DIVERSITY_INCLUSION = "diversity_inclusion", _("Diversity and inclusion")
    LEADERSHIP_DEVELOPMENT = "leadership_development", _("Leadership development")
    CHANGE_MANAGEMENT = "change_management", _("Change management")
    INNOVATION = "innovation", _("Innovation")
    CUSTOM = "custom", _("Custom")


class Cadence(models.TextChoices):
    EVERY_2_WEEKS = "every_2_weeks", _("Every 2 weeks")
    MONTHLY = "monthly", _("Monthly")
    EVERY_2_MONTHS = "every_2_months", _("Every 2 months")
    QUARTERLY = "quarterly", _("Quarterly")


CADENCE_DAYS = {Cadence.EVERY_2_WEEKS: 14, Cadence.MONTHLY: 30, Cadence.EVERY_2_MONTHS: 61, Cadence.QUARTERLY: 91}


class PairingFormat(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One mentor, one mentee")
    TWO_MENTORS_ONE_MENTEE = "two_mentors_one_mentee", _("Two mentors for one mentee")
    ONE_MENTOR_SEVERAL_MENTEES = "one_mentor_several_mentees", _("One mentor with several mentees")
    CIRCLES = "circles", _("Circles of mentors and mentees")


# Each format in the program's own wording ({mentor}, {mentee}: the program's labels; {mentors}, {mentees}: the plurals).
PAIRING_FORMAT_WORDED: dict[str, Promise] = {
    PairingFormat.ONE_TO_ONE: _("One {mentor}, one {mentee}"),
    PairingFormat.TWO_MENTORS_ONE_MENTEE: _("Two {mentors} for one {mentee}"),
    PairingFormat.ONE_MENTOR_SEVERAL_MENTEES: _("One {mentor} with several {mentees}"),
    PairingFormat.CIRCLES: _("Circles of {mentors} and {mentees}"),
}
# A circle program's format with its sizes: {mentors}, {mentees} are each side's size in words ("1 junior", "3–5 leaders").
CIRCLES_WORDED_WITH_SIZES = _("Circles of {mentors} with {mentees}")
# The largest number of people on one side of a circle (the engine's CircleSpec refuses more).
CIRCLE_MAX_SIZE = 20
# The four sizes of a program's circles, by side: (smallest field, largest field).
CIRCLE_SIZE_FIELDS: dict[str, tuple[str, str]] = {
    "mentor": ("circle_min_mentors", "circle_max_mentors"),
    "mentee": ("circle_min_mentees", "circle_max_mentees"),
}


class MatchingStyle(models.TextChoices):
    MANAGED = "managed", _("The program manager matches pairs")
    SELF_SELECT = "self_select", _("Mentees choose from suggestions")


class AcceptanceOrder(models.TextChoices):
    BOTH_AT_ONCE = "both_at_once", _("Both are asked at once")
    MENTEE_FIRST = "mentee_first", _("The mentee is asked first")
    MENTOR_FIRST = "mentor_first", _("The mentor is asked first")


class Wording(models.TextChoices):
    MENTOR_MENTEE = "mentor_mentee", _("Mentor / mentee")
    ADVISOR_LEARNER = "advisor_learner", _("Advisor / learner")
    RECIPROCAL = "reciprocal", _("Reciprocal partners")
    CUSTOM = "custom", _("Custom")


# The built-in wordings, (mentor side, mentee side), in the active language ("role": a side of a pair, not a job title).
# str() of a label gives it in the language of the page or email being written.
WORDING_LABELS: dict[str, tuple[Promise, Promise]] = {
    Wording.MENTOR_MENTEE: (pgettext_lazy("role", "mentor"), pgettext_lazy("role", "mentee")),
    Wording.ADVISOR_LEARNER: (pgettext_lazy("role", "advisor"), pgettext_lazy("role", "learner")),
    Wording.RECIPROCAL: (pgettext_lazy("role", "reverse partner"), pgettext_lazy("role", "senior partner")),
}
WORDING_PLURALS: dict[str, tuple[Promise, Promise]] = {
    Wording.MENTOR_MENTEE: (pgettext_lazy("role", "mentors"), pgettext_lazy("role", "mentees")),
    Wording.ADVISOR_LEARNER: (pgettext_lazy("role", "advisors"), pgettext_lazy("role", "learners")),
    Wording.RECIPROCAL: (pgettext_lazy("role", "reverse partners"), pgettext_lazy("role", "senior partners")),
}
# A program's own labels are at most this long, in every language.
LABEL_MAX_LENGTH = 40
# Where a text of the program (code of conduct, purpose, a template's text) names a side: {mentor}, {Mentee}, {mentors} …
_WORDING_PLACEHOLDER = re.compile(r"\{(mentor|mentee|Mentor|Mentee|mentors|mentees|Mentors|Mentees)\}")


def plural_label(label: str) -> str:
    """The plural of a custom label: the label with an "s" in English; the translation says how each language forms it."""
    return pgettext("role plural", "%(label)ss") % {"label": label}


def in_wording(text: str, *, mentor: str, mentee: str, mentors: str | None = None, mentees: str | None = None) -> str:
    """``text`` with each {mentor}/{mentee} placeholder (capitalised or plural: {Mentor}, {mentees}) written in the given labels.

    Any other text in braces is left as it is, so a code of conduct may contain braces of its own.
    """
    words = {"mentor": mentor, "mentee": mentee, "mentors": mentors or plural_label(mentor), "mentees": mentees or plural_label(mentee)}

    def word(match: re.Match[str]) -> str:
        name = match.group(1)
        label = words[name.lower()]
        return label[:1].upper() + label[1:] if name[0].isupper() else label

    return _WORDING_PLACEHOLDER.sub(word, text)


class Role(models.TextChoices):
    """A participant's side in a program. Code says mentor (the junior) and mentee (the senior)."""

    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")


class TrainingAudience(models.TextChoices):
    BOTH = "both", _("Both sides")
    MENTOR = "mentor", _("Mentors")
    MENTEE = "mentee", _("Mentees")


class TrainingModule(models.Model):
    """A short module of our own writing; its content lives in programs/data/training.json."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    audience = models.CharField(max_length=10, choices=TrainingAudience.choices)
    minutes = models.PositiveSmallIntegerField()
    summary = models.TextField()
    sections = models.JSONField(default=list)
    check_questions = models.JSONField(default=list)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title_label

    def is_for(self, role: str) -> bool:
        return self.audience in (TrainingAudience.BOTH, role)

    # The module as its reader reads it: a shipped module's text in the reader's language (turnabout.core.content).
    @property
    def title_label(self) -> str:
        return content_text(self.title)

    @property
    def summary_label(self) -> str:
        return content_text(self.summary)

    @property
    def sections_label(self) -> list[dict[str, Any]]:
        """The sections, translated from the shipped module's own text (its paragraphs are split after translation)."""
        shipped = next((item for item in training_catalogue() if item["slug"] == self.slug), None)
        if shipped is None or (get_language() or "en").lower().startswith("en"):
            return list(self.sections)
        return [structure_section({"heading": content_text(s["heading"]), "body": content_text(s["body"])}) for s in shipped["sections"]]

    @property
    def check_questions_label(self) -> list[dict[str, Any]]:
        """The check questions with their question, options and explanation in the reader's language (answers unchanged)."""
        return [
            {
                **question,
                "question": content_text(question["question"]),
                "options": [content_text(option) for option in question["options"]],
                **({"explanation": content_text(question["explanation"])} if "explanation" in question else {}),
            }
            for question in self.check_questions
        ]


# The program's dates in the order they must come, each with whether the next one may fall on the same day: enrolment may
# open and close on one day, and the program may start the day enrolment closes, but a program ends after the day it starts.
SCHEDULE_ORDER: tuple[tuple[str, bool], ...] = (
    ("enrolment_opens_on", True),
    ("enrolment_closes_on", True),
    ("starts_on", False),
    ("ends_on", False),
)

# What each pair of dates out of order says, by (earlier field, later field): the earlier field's message (naming the
# later date), then the later field's (naming the earlier date). %(date)s is the other field's date.
SCHEDULE_ORDER_MESSAGES: dict[tuple[str, str], tuple[Promise, Promise]] = {
    ("enrolment_opens_on", "enrolment_closes_on"): (
        _("The day enrolment opens must be on or before the day enrolment closes (%(date)s)."),
        _("The day enrolment closes must be on or after the day enrolment opens (%(date)s)."),
    ),
    ("enrolment_opens_on", "starts_on"): (
        _("The day enrolment opens must be on or before the start date (%(date)s)."),
        _("The start date must be on or after the day enrolment opens (%(date)s)."),
    ),
    ("enrolment_opens_on", "ends_on"): (
        _("The day enrolment opens must be on or before the end date (%(date)s)."),
        _("The end date must be on or after the day enrolment opens (%(date)s)."),
    ),
    ("enrolment_closes_on", "starts_on"): (
        _("The day enrolment closes must be on or before the start date (%(date)s)."),
        _("The start date must be on or after the day enrolment closes (%(date)s)."),
    ),
    ("enrolment_closes_on", "ends_on"): (
        _("The day enrolment closes must be on or before the end date (%(date)s)."),
        _("The end date must be on or after the day enrolment closes (%(date)s)."),
    ),
    ("starts_on", "ends_on"): (
        _("The start date must be before the end date (%(date)s)."),
        _("The end date must be after the start date (%(date)s)."),
    ),
}


def schedule_order_errors(dates: dict[str, date | None]) -> dict[str, list[str]]:
    """Each date of ``dates`` (field → value) that is out of order with the nearest earlier date given, by field; empty when none is.

    Both fields of a pair out of order are named, each with the other's date. A date that is not set is skipped, so
    enrolment closing after the program starts is caught even before the end date is chosen.
    """
    errors: dict[str, list[str]] = {}
    earlier: tuple[str, bool, date] | None = None
    for name, same_day_after in SCHEDULE_ORDER:
        value = dates.get(name)
        if value is None:
            continue
        if earlier is not None:
            earlier_name, same_day, earlier_value = earlier
            if value < earlier_value or (value == earlier_value and not same_day):
                earlier_message, later_message = SCHEDULE_ORDER_MESSAGES[(earlier_name, name)]
                errors.setdefault(earlier_name, []).append(str(earlier_message) % {"date": value.isoformat()})
                errors.setdefault(name, []).append(str(later_message) % {"date": earlier_value.isoformat()})
        earlier = (name, same_day_after, value)
    return errors


class Program(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The community that runs the program (an employee resource group, a network): its leads manage the program.
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.PROTECT, related_name="programs")

    # Purpose: required before enrolment opens.
    purpose_statement = models.TextField(blank=True)
    strategic_driver = models.CharField(max_length=30, choices=StrategicDriver.choices, default=StrategicDriver.CUSTOM)
    custom_driver = models.CharField(max_length=120, blank=True, help_text=_("Name the driver when it is 'Custom'."))
    outcomes_for_mentors = models.TextField(blank=True)
    outcomes_for_mentees = models.TextField(blank=True)
    outcomes_for_organisation = models.TextField(blank=True)
    topics = models.ManyToManyField(Skill, blank=True, related_name="programs")
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sponsored_programs"
    )

    # Schedule and format.
    enrolment_opens_on = models.DateField(null=True, blank=True)
    enrolment_closes_on = models.DateField(null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.MONTHLY)
    target_meeting_count = models.PositiveSmallIntegerField(default=6)
    pairing_format = models.CharField(max_length=30, choices=PairingFormat.choices, default=PairingFormat.ONE_TO_ONE)
    matching_style = models.CharField(max_length=20, choices=MatchingStyle.choices, default=MatchingStyle.MANAGED)
    acceptance_order = models.CharField(max_length=20, choices=AcceptanceOrder.choices, default=AcceptanceOrder.BOTH_AT_ONCE)

    # What the program calls each side, on every page and email.
    wording = models.CharField(max_length=20, choices=Wording.choices, default=Wording.MENTOR_MENTEE)
    custom_mentor_label = models.CharField(max_length=LABEL_MAX_LENGTH, blank=True)
    custom_mentee_label = models.CharField(max_length=LABEL_MAX_LENGTH, blank=True)
    # The custom labels in other languages: {"es": {"mentor": "…", "mentee": "…"}}; a language without them uses the two above.
    custom_labels = models.JSONField(default=dict, blank=True)

    # Eligibility.
    mentee_min_grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    mentor_max_grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    # Grades the mentee stands above the mentor, at least; 1 is the smallest (the engine's Rules refuse less).
    min_grade_gap = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    # Where guests (people from outside, people.PersonKind.GUEST) stand on the grade ladder, for eligibility and the
    # grade-gap rule; guests cannot be invited to a program with grade rules until it is set.
    guest_grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    min_tenure_months = models.PositiveSmallIntegerField(default=0)
    eligible_sites = models.ManyToManyField(Site, blank=True, related_name="+")
    eligible_departments = models.ManyToManyField(Department, blank=True, related_name="+")
    # Members of any of these communities are eligible (a membership that counts: see CommunityMembership).
    eligible_communities = models.ManyToManyField(Community, blank=True, related_name="+")

    # The engine's weights and rules (see programs.rules.match_settings for defaults and meaning).
    match_weights = models.JSONField(default=dict, blank=True)
    match_rules = models.JSONField(default=dict, blank=True)

    code_of_conduct = models.TextField(blank=True)
    agreement_template = models.TextField(blank=True)
    training_required = models.BooleanField(default=True, help_text=_("Participants finish their training before matching."))
    training_modules = models.ManyToManyField(TrainingModule, blank=True, related_name="programs")

    # The sizes of a circle program's circles (PairingFormat.CIRCLES), each side from 1 to CIRCLE_MAX_SIZE.
    circle_min_mentors = models.PositiveSmallIntegerField(default=1, help_text=_("The fewest mentors in a circle."))
    circle_max_mentors = models.PositiveSmallIntegerField(default=1, help_text=_("The most mentors in a circle."))
    circle_min_mentees = models.PositiveSmallIntegerField(default=3, help_text=_("The fewest mentees in a circle."))
    circle_max_mentees = models.PositiveSmallIntegerField(default=5, help_text=_("The most mentees in a circle."))

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(circle_min_mentors__gte=1)
                & models.Q(circle_min_mentors__lte=models.F("circle_max_mentors"))
                & models.Q(circle_max_mentors__lte=CIRCLE_MAX_SIZE)
                & models.Q(circle_min_mentees__gte=1)
                & models.Q(circle_min_mentees__lte=models.F("circle_max_mentees"))
                & models.Q(circle_max_mentees__lte=CIRCLE_MAX_SIZE),
                name="program_circle_sizes",
                violation_error_message=_("A circle has from 1 to 20 people on each side, the fewest no more than the most."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == ProgramStatus.DRAFT

    @property
    def is_matching(self) -> bool:
        return self.status == ProgramStatus.MATCHING

    @property
    def accepts_invitations(self) -> bool:
        """A draft or enrolling program: people can still be invited."""
        return self.status in (ProgramStatus.DRAFT, ProgramStatus.ENROLLING)

    @property
    def is_past_enrolment(self) -> bool:
        """Enrolment has closed: the program is matching, running, closing or closed."""
        return not self.accepts_invitations

    @property
    def is_circles(self) -> bool:
        """The program forms circles of several mentors and mentees rather than pairs."""
        return self.pairing_format == PairingFormat.CIRCLES

    @property
    def is_under_way(self) -> bool:
        """Pairs are meeting: the program is running or closing."""
        return self.status in (ProgramStatus.RUNNING, ProgramStatus.CLOSING)

    def clean(self) -> None:
        """Refuse dates out of order (enrolment opens ≤ closes ≤ start < end), naming both fields of each pair, circle
        sizes out of range or order, and circles with a matching style or acceptance order circles cannot have."""
        errors = schedule_order_errors({name: getattr(self, name) for name, _same_day in SCHEDULE_ORDER})
        for name, messages in self.circle_settings_errors().items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def circle_settings_errors(self) -> dict[str, list[str]]:
        """What is wrong with the circle settings, by field: each size from 1 to CIRCLE_MAX_SIZE, the smallest no larger than
        the largest; a circle program matched by its manager, every member asked at once. Empty when nothing is."""
        errors: dict[str, list[str]] = {}
        for side, (low_name, high_name) in CIRCLE_SIZE_FIELDS.items():
            plural = self.plural_for(side)
            sizes = {name: getattr(self, name) for name in (low_name, high_name)}
            for name, value in sizes.items():
                if value is None or not 1 <= value <= CIRCLE_MAX_SIZE:
                    errors[name] = [
                        str(_("Give a number of %(side)s per circle from 1 to %(limit)s.")) % {"side": plural, "limit": CIRCLE_MAX_SIZE}
                    ]
            if not errors.keys() & sizes.keys() and sizes[low_name] > sizes[high_name]:
                errors[low_name] = [
                    str(_("The fewest %(side)s in a circle (%(low)s) must not be more than the most (%(high)s)."))
                    % {"side": plural, "low": sizes[low_name], "high": sizes[high_name]}
                ]
        if self.is_circles:
            if self.matching_style != MatchingStyle.MANAGED:
                errors["matching_style"] = [
                    str(_("Circles are formed by the program manager: choose managed matching, or another format."))
                ]
            if self.acceptance_order != AcceptanceOrder.BOTH_AT_ONCE:
                errors["acceptance_order"] = [
                    str(_("Everyone in a circle is asked at once: choose that acceptance order, or another format."))
                ]
        return errors

    def _label(self, side: str) -> str:
        """What the program calls ``side`` ("mentor" or "mentee") in the active language.

        A custom wording reads the active language's own labels (``custom_labels``, by language code, then by its
        primary language: "pt" for "pt-br"), else the default custom labels; a built-in wording is translated.
        """
        index = 0 if side == Role.MENTOR else 1
        if self.wording != Wording.CUSTOM:
            return str(WORDING_LABELS.get(self.wording, WORDING_LABELS[Wording.MENTOR_MENTEE])[index])
        language = (get_language() or settings.LANGUAGE_CODE).lower()
        labels = self.custom_labels if isinstance(self.custom_labels, dict) else {}
        for code in (language, language.split("-")[0]):
            given = labels.get(code)
            label = given.get(side) if isinstance(given, dict) else None
            if isinstance(label, str) and label.strip():
                return label.strip()
        default = self.custom_mentor_label if side == Role.MENTOR else self.custom_mentee_label
        return default or str(WORDING_LABELS[Wording.MENTOR_MENTEE][index])

    @property
    def mentor_label(self) -> str:
        return self._label(Role.MENTOR)

    @property
    def mentee_label(self) -> str:
        return self._label(Role.MENTEE)

    def label_for(self, role: str) -> str:
        return self.mentor_label if role == Role.MENTOR else self.mentee_label

    def plural_for(self, role: str) -> str:
        """The plural of the side's label in the active language: "mentors", "advisors", or a custom label's plural."""
        index = 0 if role == Role.MENTOR else 1
        if self.wording != Wording.CUSTOM and self.wording in WORDING_PLURALS:
            return str(WORDING_PLURALS[self.wording][index])
        return plural_label(self.label_for(role))

    @property
    def mentors_label(self) -> str:
        return self.plural_for(Role.MENTOR)

    @property
    def mentees_label(self) -> str:
        return self.plural_for(Role.MENTEE)

    def worded(self, text: str) -> str:
        """``text`` of the program (its code of conduct, purpose, outcomes) with {mentor}/{mentee} in the program's labels."""
        return in_wording(text, mentor=self.mentor_label, mentee=self.mentee_label, mentors=self.mentors_label, mentees=self.mentees_label)

    @property
    def worded_texts(self) -> dict[str, str]:
        """The program's own texts as participants read them, by field: placeholders in the program's wording."""
        names = ("purpose_statement", "outcomes_for_mentors", "outcomes_for_mentees", "outcomes_for_organisation", "code_of_conduct")
        return {name: self.worded(getattr(self, name)) for name in names}

    @property
    def pairing_format_label(self) -> str:
        """The pairing format in the program's wording: "One advisor, one learner"."""
        if self.is_circles:
            return str(CIRCLES_WORDED_WITH_SIZES).format(
                mentors=self.circle_side_size_label(Role.MENTOR), mentees=self.circle_side_size_label(Role.MENTEE)
            )
        worded = PAIRING_FORMAT_WORDED.get(self.pairing_format)
        if worded is None:
            return self.get_pairing_format_display()
        return str(worded).format(
            mentor=self.mentor_label, mentee=self.mentee_label, mentors=self.mentors_label, mentees=self.mentees_label
        )

    def count_label(self, role: str, count: int) -> str:
        """``count`` people of the side in the program's labels: "1 junior", "4 juniors"."""
        label = self.label_for(role) if count == 1 else self.plural_for(role)
        return pgettext("people of a side", "%(count)s %(label)s") % {"count": count, "label": label}

    def circle_side_size_label(self, role: str) -> str:
        """A circle's size on the side in the program's labels: "1 junior", "3–5 leaders"."""
        low_name, high_name = CIRCLE_SIZE_FIELDS[str(role)]
        low, high = getattr(self, low_name), getattr(self, high_name)
        if low == high:
            return self.count_label(role, low)
        return pgettext("a range of people of a side", "%(low)s–%(high)s %(label)s") % {
            "low": low,
            "high": high,
            "label": self.plural_for(role),
        }

    def circle_size_problems(self, *, mentors: int, mentees: int) -> list[str]:
        """Why a pool of ``mentors`` and ``mentees`` cannot fill even one circle, in the program's labels; empty when it can.

        "A circle needs at least 4 juniors and 3 executives; the pool has 2 juniors."
        """
        sides = ((Role.MENTOR, mentors, self.circle_min_mentors), (Role.MENTEE, mentees, self.circle_min_mentees))
        short = [self.count_label(role, count) for role, count, least in sides if count < least]
        if not short:
            return []
        has = gettext("%(first)s and %(second)s") % {"first": short[0], "second": short[1]} if len(short) == 2 else short[0]
        return [
            gettext("A circle needs at least %(mentors)s and %(mentees)s; the pool has %(short)s.")
            % {
                "mentors": self.count_label(Role.MENTOR, self.circle_min_mentors),
                "mentees": self.count_label(Role.MENTEE, self.circle_min_mentees),
                "short": has,
            }
        ]

    def approved_counts(self) -> dict[str, int]:
        """How many approved enrolments the program has on each side, by role."""
        counts = dict.fromkeys(Role.values, 0)
        for role in self.enrolments.filter(status=EnrolmentStatus.APPROVED).values_list("role", flat=True):
            counts[role] += 1
        return counts

    @property
    def circle_pool_problems(self) -> list[str]:
        """For a circle program enrolling or matching, why its approved enrolments cannot fill one circle yet; else empty."""
        if not self.is_circles or self.status not in (ProgramStatus.ENROLLING, ProgramStatus.MATCHING):
            return []
        counts = self.approved_counts()
        return self.circle_size_problems(mentors=counts[Role.MENTOR], mentees=counts[Role.MENTEE])

    @property
    def driver_label(self) -> str:
        if self.strategic_driver == StrategicDriver.CUSTOM and self.custom_driver:
            return self.custom_driver
        return self.get_strategic_driver_display()


class EnrolmentStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(TimestampedModel):
    """One person's place in a program on one side, from invitation to approval."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.INVITED)
    invited_at = models.DateTimeField(null=True, blank=True)
    invitation_emailed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_reason = models.CharField(max_length=200, blank=True)

    # The application.
    motivation = models.TextField(blank=True)
    goals_text = models.TextField(blank=True, help_text=_("Learning goals (mentee) or expertise (mentor) in the person's own words."))
    capacity = models.PositiveSmallIntegerField(default=1)
    availability = models.JSONField(
        default=list, blank=True, help_text=_('Weekly windows: [{"day": 0, "start": "09:00", "end": "11:00"}] in timezone.')
    )
    timezone = models.CharField(max_length=64, blank=True)
    interests = models.JSONField(default=list, blank=True)
    values = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    diversity_consent = models.BooleanField(default=False, help_text=_("May the engine use the person's consented diversity answers?"))
    conduct_acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "role", "person__family_name"]
        constraints = [models.UniqueConstraint(fields=["program", "person"], name="enrolment_once_per_program")]
        indexes = [models.Index(fields=["program", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.person} as {self.role} in {self.program}"

    @property
    def is_invited(self) -> bool:
        return self.status == EnrolmentStatus.INVITED

    @property
    def may_choose_mentor(self) -> bool:
        """An approved mentee of a self-select program that is matching: they choose from suggestions now."""
        program = self.program
        return (
            program.matching_style == MatchingStyle.SELF_SELECT
            and self.role == Role.MENTEE
            and self.status == EnrolmentStatus.APPROVED
            and program.is_matching
        )


class EnrolmentSkill(models.Model):
    """A mentee's learning goal (priority 1–3) or a mentor's expertise (level 1–5)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    strength = models.PositiveSmallIntegerField(help_text=_("Priority 1–3 for a learning goal, level 1–5 for expertise."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "skill"], name="enrolment_skill_once")]

    def __str__(self) -> str:
        return f"{self.skill} ({self.strength})"


class TrainingCompletion(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="training_completions")
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "module"], name="training_completed_once")]

    def __str__(self) -> str:
        return f"{self.module} completed {self.completed_at:%Y-%m-%d}"
