"""Input parsing for program pages. Forms validate; services decide."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import AccountRole, User
from turnabout.core.forms import BoundedForm, BoundedTextMixin, set_max_length
from turnabout.people.models import Community, Department, Grade, Site, Skill
from turnabout.programs.models import (
    CIRCLE_MAX_SIZE,
    CIRCLE_SIZE_FIELDS,
    LABEL_MAX_LENGTH,
    PAIRING_FORMAT_WORDED,
    Enrolment,
    PairingFormat,
    Program,
    ProgramStatus,
    Role,
    TrainingModule,
    Wording,
)
from turnabout.programs.rules import EDITABLE_FIELDS, RULE_NAMES, WEIGHT_NAMES, circle_size_problems, match_settings
from turnabout.programs.services import (
    GUEST_NAME_MAX_LENGTH,
    GUEST_ORGANISATION_MAX_LENGTH,
    MAX_MIN_OVERLAP_MINUTES,
    PROGRAM_TEXT_MAX_LENGTHS,
    GuestInvitation,
)

# The label of each of the engine's weights (WEIGHT_NAMES), in order.
WEIGHT_LABELS = {
    "goals": _("Weight: learning goals covered"),
    "common_ground": _("Weight: common ground (interests and values)"),
    "availability": _("Weight: overlapping availability"),
    "boundaries": _("Weight: crossing departments and sites"),
    "diversity": _("Weight: different backgrounds (only with consent)"),
    "grade_gap": _("Weight: a clear grade gap"),
}
MODE_CHOICES = [
    ("score", _("Best total fit")),
    ("coverage", _("Match as many mentees as possible")),
    ("fair", _("Fairest: raise the weakest pair")),
]

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
AVAILABILITY_ROWS = 4
# A mentee's top goals get priority 3 (others 1); a mentor's strongest skills level 5 (others 3).
MAIN_STRENGTH = {Role.MENTEE: 3, Role.MENTOR: 5}
OTHER_STRENGTH = {Role.MENTEE: 1, Role.MENTOR: 3}
# A browser's time input sends HH:MM, or HH:MM:SS when it asks for seconds (which availability ignores).
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$")
# Invitations by email address: about a thousand addresses at once.
INVITE_EMAILS_MAX_LENGTH = 50_000
# Guests from outside, one a line ("given name, family name, email"): about two hundred at once.
INVITE_GUESTS_MAX_LENGTH = 20_000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def label_languages() -> list[tuple[str, str]]:
    """The shipped languages other than the default (settings.LANGUAGES), each of which can have its own custom labels."""
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def label_field_name(code: str, side: str) -> str:
    """The form field of one language's label for one side: "label_pt_br_mentor"."""
    return f"label_{code.replace('-', '_')}_{side}"


def skill_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Skills grouped by category, for a select with option groups."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for skill in Skill.objects.select_related("category"):
        groups.setdefault(skill.category.label, []).append((skill.pk, skill.label))
    # In the reader's language, sorted as it reads (a shipped skill's name is translated).
    return [(category, sorted(skills, key=lambda choice: choice[1].casefold())) for category, skills in sorted(groups.items())]


def split_list(value: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,;\n]", value) if item.strip()]


class ProgramSetupForm(BoundedTextMixin, forms.ModelForm[Program]):
    """Every setting of a program; fields locked in the current state are shown disabled."""

    class Meta:
        model = Program
        fields = [
            "name", "purpose_statement", "strategic_driver", "custom_driver", "outcomes_for_mentors", "outcomes_for_mentees",
            "outcomes_for_organisation", "topics", "sponsor", "enrolment_opens_on", "enrolment_closes_on", "starts_on", "ends_on",
            "cadence", "target_meeting_count", "pairing_format", "matching_style", "acceptance_order", "wording",
            "custom_mentor_label", "custom_mentee_label", "mentee_min_grade", "mentor_max_grade", "guest_grade", "min_grade_gap",
            "min_tenure_months", "eligible_sites", "eligible_departments", "eligible_communities", "code_of_conduct", "agreement_template",
            "training_required", "training_modules", "circle_min_mentors", "circle_max_mentors", "circle_min_mentees",
            "circle_max_mentees",
        ]  # fmt: skip
        widgets = {
            "purpose_statement": forms.Textarea(attrs={"rows": 3}),
            "outcomes_for_mentors": forms.Textarea(attrs={"rows": 2}),
            "outcomes_for_mentees": forms.Textarea(attrs={"rows": 2}),
            "outcomes_for_organisation": forms.Textarea(attrs={"rows": 2}),
            "code_of_conduct": forms.Textarea(attrs={"rows": 6}),
            "agreement_template": forms.Textarea(attrs={"rows": 8}),
            "enrolment_opens_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "enrolment_closes_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "starts_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "ends_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "topics": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = self.instance
        organisation = program.organisation
        self.fields["sponsor"].queryset = User.objects.filter(organisation=organisation, role=AccountRole.SPONSOR)  # type: ignore[attr-defined]
        for name in ("mentee_min_grade", "mentor_max_grade", "guest_grade"):
            self.fields[name].queryset = Grade.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["guest_grade"].label = _("Where guests from outside stand on the grade ladder")
        self.fields["guest_grade"].help_text = _(
            "Guests have no grade of their own: the grade rules and the grade gap read this one. Needed before inviting guests "
            "to a program with grade rules."
        )
        self.fields["eligible_sites"].queryset = Site.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["eligible_departments"].queryset = Department.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["eligible_communities"].queryset = Community.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["topics"].queryset = Skill.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["training_modules"].queryset = TrainingModule.objects.all()  # type: ignore[attr-defined]
        for name, limit in PROGRAM_TEXT_MAX_LENGTHS.items():
            field = self.fields[name]
            assert isinstance(field, forms.CharField)
            set_max_length(field, limit)
        current = match_settings(program)
        for name, label in WEIGHT_LABELS.items():
            self.fields[f"weight_{name}"] = forms.FloatField(min_value=0, max_value=1, label=label, initial=getattr(current, name))
        self.fields["rule_mode"] = forms.ChoiceField(choices=MODE_CHOICES, label=_("Matching goal"), initial=current.mode.value)
        self.fields["rule_forbid_same_department"] = forms.BooleanField(
            required=False, label=_("Never pair people from the same department"), initial=current.forbid_same_department
        )
        self.fields["rule_require_shared_language"] = forms.BooleanField(
            required=False, label=_("Pairs must share a language"), initial=current.require_shared_language
        )
        self.fields["rule_min_overlap_minutes"] = forms.IntegerField(
            min_value=0,
            max_value=MAX_MIN_OVERLAP_MINUTES,
            label=_("Minimum overlapping availability (minutes a week)"),
            initial=current.min_overlap_minutes,
        )
        self.fields["rule_min_pair_score"] = forms.FloatField(
            min_value=0, max_value=1, label=_("Lowest acceptable pair score (0–1)"), initial=current.min_pair_score
        )
        self.fields["rule_use_diversity"] = forms.BooleanField(
            required=False,
            label=_("Use consented diversity answers to pair across backgrounds"),
            initial=current.use_diversity,
        )
        words = {"mentor": program.mentor_label, "mentee": program.mentee_label}
        words |= {"mentors": program.mentors_label, "mentees": program.mentees_label}
        self.fields["pairing_format"].choices = [  # type: ignore[attr-defined]
            (value, str(PAIRING_FORMAT_WORDED[value]).format(**words)) for value in PairingFormat.values
        ]
        self._label_circle_sizes(program)
        self.fields["custom_mentor_label"].help_text = _("With the custom wording: what the program calls the junior side.")
        self.fields["custom_mentee_label"].help_text = _("With the custom wording: what the program calls the senior side.")
        given = program.custom_labels if isinstance(program.custom_labels, dict) else {}
        for code, language in label_languages():
            for side, side_label in (
                (Role.MENTOR, gettext("Junior side in %(language)s")),
                (Role.MENTEE, gettext("Senior side in %(language)s")),
            ):
                self.fields[label_field_name(code, side)] = forms.CharField(
                    required=False,
                    max_length=LABEL_MAX_LENGTH,
                    label=side_label % {"language": language},
                    initial=(given.get(code) or {}).get(side, ""),
                    help_text=_("Leave both sides empty to use the labels above in this language."),
                )
        editable = EDITABLE_FIELDS[ProgramStatus(program.status)]
        for name, field in self.fields.items():
            setting = "match_weights" if name.startswith("weight_") else "match_rules" if name.startswith("rule_") else name
            setting = "custom_labels" if name.startswith("label_") else setting
            if setting not in editable:
                field.disabled = True

    def _label_circle_sizes(self, program: Program) -> None:
        """The four circle sizes, labelled in the program's own words, each a number from 1 to CIRCLE_MAX_SIZE."""
        labels = {
            "circle_min_mentors": gettext("Fewest %(side)s in a circle"),
            "circle_max_mentors": gettext("Most %(side)s in a circle"),
            "circle_min_mentees": gettext("Fewest %(side)s in a circle"),
            "circle_max_mentees": gettext("Most %(side)s in a circle"),
        }
        for side, names in CIRCLE_SIZE_FIELDS.items():
            for name in names:
                field = self.fields[name]
                assert isinstance(field, forms.IntegerField)
                field.label = labels[name] % {"side": program.plural_for(side)}
                field.help_text = gettext("From 1 to %(limit)s; used only when the program forms circles.") % {"limit": CIRCLE_MAX_SIZE}
                field.widget.attrs.update({"min": 1, "max": CIRCLE_MAX_SIZE})

    @property
    def circle_size_fields(self) -> list[forms.BoundField]:
        """The circle sizes, shown together on the settings page."""
        return [self[name] for names in CIRCLE_SIZE_FIELDS.values() for name in names]

    @property
    def other_fields(self) -> list[forms.BoundField]:
        """Every field but the circle sizes, in the form's order."""
        sizes = {name for names in CIRCLE_SIZE_FIELDS.values() for name in names}
        return [self[name] for name in self.fields if name not in sizes]

    @classmethod
    def bound_to_changes(cls, program: Program, changes: Mapping[str, Any]) -> ProgramSetupForm:
        """The form as the page would post it with ``changes`` applied to the current settings: a partial write (the API's PATCH).

        ``changes`` names model fields; ``match_weights`` and ``match_rules`` may hold some of their keys, and
        null stands for no value in each. A name the form does not have is a programming error (ValueError).
        """
        documents = {"match_weights": ("weight_", WEIGHT_NAMES), "match_rules": ("rule_", RULE_NAMES)}
        current = cls(instance=program)
        data = {name: current[name].value() for name in current.fields}
        for name, value in changes.items():
            if name in documents:
                prefix, keys = documents[name]
                items = value.items() if isinstance(value, Mapping) else dict.fromkeys(keys).items()
                data.update({f"{prefix}{key}": item for key, item in items})
            else:
                data[name] = value
        unknown = sorted(set(data) - set(current.fields))
        if unknown:
            raise ValueError(f"Not a setting of the program form: {', '.join(unknown)}")
        return cls(data, instance=program)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weights = [cleaned.get(f"weight_{name}") for name in WEIGHT_LABELS]
        if all(weight is not None for weight in weights) and sum(weights) <= 0:  # type: ignore[arg-type]
            self.add_error("weight_goals", gettext("At least one weight must be above zero."))
        self._clean_labels(cleaned)
        self._clean_circle_pool(cleaned)
        return cleaned

    def _clean_circle_pool(self, cleaned: dict[str, Any]) -> None:
        """While a circle program is matching, a change of sizes its approved enrolments cannot fill is refused, naming why."""
        program = self.instance
        sizes = [name for names in CIRCLE_SIZE_FIELDS.values() for name in names]
        changed = [name for name in sizes if name in self.changed_data and not self.fields[name].disabled]
        if not (program.is_circles and program.is_matching and changed) or any(name in self.errors for name in sizes):
            return
        proposed = Program(
            wording=program.wording,
            custom_mentor_label=program.custom_mentor_label,
            custom_mentee_label=program.custom_mentee_label,
            custom_labels=program.custom_labels,
            **{name: cleaned.get(name, getattr(program, name)) for name in sizes},
        )
        counts = program.approved_counts()
        for sentence in circle_size_problems(proposed, mentors=counts[Role.MENTOR], mentees=counts[Role.MENTEE]):
            self.add_error(changed[0], sentence)

    def _clean_labels(self, cleaned: dict[str, Any]) -> None:
        """A custom wording names both sides; a language's own labels name both sides or neither."""
        if cleaned.get("wording") == Wording.CUSTOM:
            for name in ("custom_mentor_label", "custom_mentee_label"):
                if name in cleaned and not (cleaned.get(name) or "").strip():
                    self.add_error(name, gettext("Give a label for this side: the custom wording names both sides."))
        for code, language in label_languages():
            names = [label_field_name(code, side) for side in Role]
            if any(name in self.errors for name in names):
                continue
            given = [(cleaned.get(name) or "").strip() for name in names]
            if any(given) and not all(given):
                missing = names[given.index("")]
                self.add_error(
                    missing,
                    gettext("Give the %(language)s label for this side too, or leave both sides empty.") % {"language": language},
                )

    def custom_labels(self) -> dict[str, dict[str, str]]:
        """The labels given per language, as the program stores them."""
        labels: dict[str, dict[str, str]] = {}
        for code, _language in label_languages():
            mentor, mentee = (self.cleaned_data.get(label_field_name(code, side)) or "" for side in Role)
            if mentor.strip() and mentee.strip():
                labels[code] = {Role.MENTOR.value: mentor.strip(), Role.MENTEE.value: mentee.strip()}
        return labels

    def changes(self) -> dict[str, Any]:
        """Only the fields the user changed, as the service expects them; engine settings as whole documents."""
        changed = [name for name in self.changed_data if not self.fields[name].disabled]
        result = {name: self.cleaned_data[name] for name in changed if not name.startswith(("weight_", "rule_", "label_"))}
        if any(name.startswith("label_") for name in changed):
            result["custom_labels"] = self.custom_labels()
        if any(name.startswith("weight_") for name in changed):
            result["match_weights"] = {name: self.cleaned_data[f"weight_{name}"] for name in WEIGHT_LABELS}
        if any(name.startswith("rule_") for name in changed):
            result["match_rules"] = {
                **self.instance.match_rules,
                **{name.removeprefix("rule_"): self.cleaned_data[name] for name in self.fields if name.startswith("rule_")},
            }
        return result


class InviteByFilterForm(BoundedForm):
    prefix = "filter"
    role = forms.ChoiceField(choices=Role.choices)
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False, empty_label=_("Any department"))
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label=_("Any site"))
    grade = forms.ModelChoiceField(queryset=Grade.objects.none(), required=False, empty_label=_("Any grade"))
    limit = forms.IntegerField(min_value=1, max_value=5000, initial=50, help_text=_("Invite at most this many eligible people."))

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(Role.MENTOR, program.mentor_label.capitalize()), (Role.MENTEE, program.mentee_label.capitalize())]  # type: ignore[attr-defined]
        self.fields["department"].queryset = Department.objects.filter(organisation=program.organisation)  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.filter(organisation=program.organisation)  # type: ignore[attr-defined]
        self.fields["grade"].queryset = Grade.objects.filter(organisation=program.organisation)  # type: ignore[attr-defined]


class InviteByEmailForm(BoundedForm):
    prefix = "email"
    role = forms.ChoiceField(choices=Role.choices)
    emails = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=INVITE_EMAILS_MAX_LENGTH,
        help_text=_("One or more work email addresses, separated by commas or new lines."),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(Role.MENTOR, program.mentor_label.capitalize()), (Role.MENTEE, program.mentee_label.capitalize())]  # type: ignore[attr-defined]

    @classmethod
    def for_values(cls, *, program: Program, role: str, emails: list[str]) -> InviteByEmailForm:
        """The form as if ``role`` and ``emails`` (one address an item) had been posted: the API's invitations parse the same way."""
        return cls({f"{cls.prefix}-role": role, f"{cls.prefix}-emails": "\n".join(emails)}, program=program)

    def clean_emails(self) -> list[str]:
        emails = [email.lower() for email in split_list(self.cleaned_data["emails"])]
        bad = [email for email in emails if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)]
        if bad:
            raise ValidationError(
                ngettext("Not an email address: %(bad)s", "Not email addresses: %(bad)s", len(bad)) % {"bad": ", ".join(bad)}
            )
        return emails


class GuestInvitationForm(BoundedForm):
    """Guests from outside, one a line, with the organisation they come from and the last day of their access."""

    prefix = "guest"
    guests = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=INVITE_GUESTS_MAX_LENGTH,
        label=_("Guests"),
        help_text=_("One guest per line: given name, family name, email."),
    )
    guest_organisation = forms.CharField(
        max_length=GUEST_ORGANISATION_MAX_LENGTH, label=_("Their organisation"), help_text=_("For example University of Miami.")
    )
    access_ends_on = forms.DateField(
        label=_("Access until"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("The last day they can sign in."),
    )

    def clean_guests(self) -> list[tuple[str, str, str]]:
        """Each line as (given name, family name, email); every line's problem is named with its number."""
        rows: list[tuple[str, str, str]] = []
        problems: list[str] = []
        first_line: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["guests"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(",")]
            if len(parts) != 3 or not all(parts):
                problems.append(
                    gettext("Line %(line)d: give the given name, family name and email, separated by commas.") % {"line": number}
                )
                continue
            given_name, family_name, email = parts[0], parts[1], parts[2].lower()
            if not _EMAIL.fullmatch(email):
                problems.append(gettext("Line %(line)d: “%(value)s” is not an email address.") % {"line": number, "value": parts[2]})
            elif email in first_line:
                repeated = gettext("Line %(line)d: %(email)s is on line %(first)d too.")
                problems.append(repeated % {"line": number, "email": email, "first": first_line[email]})
            elif len(given_name) > GUEST_NAME_MAX_LENGTH or len(family_name) > GUEST_NAME_MAX_LENGTH:
                problems.append(
                    gettext("Line %(line)d: keep each name to %(limit)d characters.") % {"line": number, "limit": GUEST_NAME_MAX_LENGTH}
                )
            else:
                first_line[email] = number
                rows.append((given_name, family_name, email))
        if problems:
            raise ValidationError(problems)
        if not rows:
            raise ValidationError(gettext("Give at least one guest to invite."))
        return rows

    def invitations(self) -> list[GuestInvitation]:
        """The guests as the service invites them; call once the form is valid."""
        data = self.cleaned_data
        return [
            GuestInvitation(
                given_name=given_name,
                family_name=family_name,
                email=email,
                guest_organisation=data["guest_organisation"],
                access_ends_on=data["access_ends_on"],
            )
            for given_name, family_name, email in data["guests"]
        ]


class ApplicationForm(BoundedForm):
    """A participant's application, in their own words and their own time zone."""

    motivation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label=_("Why do you want to take part?"))
    main_skills = forms.TypedMultipleChoiceField(coerce=int, label="", required=True)
    other_skills = forms.TypedMultipleChoiceField(coerce=int, label="", required=False)
    goals_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False, label=_("Anything else, in your own words")
    )
    timezone = forms.ChoiceField(label=_("Your time zone"))
    interests = forms.CharField(
        max_length=500,
        required=False,
        label=_("Interests outside work"),
        help_text=_("Separated by commas, e.g. running, jazz, gardening."),
    )
    values = forms.CharField(
        max_length=500,
        required=False,
        label=_("What matters to you at work"),
        help_text=_("Separated by commas, e.g. fairness, curiosity."),
    )
    languages = forms.CharField(
        max_length=100, label=_("Languages you can mentor or be mentored in"), help_text=_("ISO codes separated by commas, e.g. en, fr.")
    )
    capacity = forms.TypedChoiceField(coerce=int, choices=[(1, "1")], initial=1)
    diversity_consent = forms.BooleanField(required=False)
    conduct_acknowledged = forms.BooleanField(required=True, label=_("I have read the code of conduct and will follow it."))

    def __init__(self, *args: Any, enrolment: Enrolment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program, role = enrolment.program, enrolment.role
        choices = skill_choices()
        self.fields["main_skills"].choices = choices  # type: ignore[attr-defined]
        self.fields["other_skills"].choices = choices  # type: ignore[attr-defined]
        if role == Role.MENTEE:
            self.fields["main_skills"].label = _("What do you most want to learn? (top priority)")
            self.fields["other_skills"].label = _("What else would you like to learn?")
        else:
            self.fields["main_skills"].label = _("Where are you strongest? (you could teach it)")
            self.fields["other_skills"].label = _("What else do you know well enough to share?")
        self.fields["timezone"].choices = [(name, name) for name in sorted(zoneinfo.available_timezones())]  # type: ignore[attr-defined]
        most = 1
        if role == Role.MENTEE and program.pairing_format == PairingFormat.TWO_MENTORS_ONE_MENTEE:
            most = 2
        if role == Role.MENTOR and program.pairing_format == PairingFormat.ONE_MENTOR_SEVERAL_MENTEES:
            most = 3
        self.fields["capacity"].choices = [(n, str(n)) for n in range(1, most + 1)]  # type: ignore[attr-defined]
        partners = program.plural_for(Role.MENTEE if role == Role.MENTOR else Role.MENTOR)
        self.fields["capacity"].label = gettext("How many %(partners)s could you take on?") % {"partners": partners}
        if not match_settings(program).use_diversity:
            del self.fields["diversity_consent"]
        else:
            self.fields["diversity_consent"].label = _(
                "I agree that the matching may use the diversity answers I gave in My privacy, for this program's purpose only."
            )
        for row in range(AVAILABILITY_ROWS):
            self.fields[f"day_{row}"] = forms.TypedChoiceField(
                coerce=int, empty_value=None, choices=[("", "—"), *WEEKDAYS], required=False, label=_("Day")
            )
            for name, label in ((f"start_{row}", _("From")), (f"end_{row}", _("To"))):
                time_input = forms.TimeInput(attrs={"type": "time"})
                self.fields[name] = forms.CharField(required=False, max_length=len("HH:MM:SS"), label=label, widget=time_input)
        if not self.is_bound:
            self.initial.update(_initial_from(enrolment))

    def availability_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"day_{row}"], self[f"start_{row}"], self[f"end_{row}"]) for row in range(AVAILABILITY_ROWS)]

    def clean_languages(self) -> list[str]:
        codes = [code.lower() for code in split_list(self.cleaned_data["languages"])]
        bad = [code for code in codes if not re.fullmatch(r"[a-z]{2}", code)]
        if bad or not codes:
            if bad:
                raise ValidationError(gettext("Give two-letter language codes such as en, fr, es (not %(bad)s).") % {"bad": ", ".join(bad)})
            raise ValidationError(gettext("Give two-letter language codes such as en, fr, es."))
        return codes

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        windows = []
        for row in range(AVAILABILITY_ROWS):
            day, start, end = cleaned.get(f"day_{row}"), cleaned.get(f"start_{row}") or "", cleaned.get(f"end_{row}") or ""
            if day is None and not start and not end:
                continue
            if day is None or not _TIME.match(start) or not _TIME.match(end):
                self.add_error(
                    f"day_{row}", gettext("Availability row %(row)d: choose a day and give both times as HH:MM.") % {"row": row + 1}
                )
                continue
            start, end = start[:5], end[:5]  # HH:MM of a checked time: only seconds are dropped
            if end <= start:
                self.add_error(f"end_{row}", gettext("Availability row %(row)d: the end must be after the start.") % {"row": row + 1})
                continue
            windows.append({"day": day, "start": start, "end": end})
        if not windows and not self.errors:
            self.add_error(None, _("Give at least one weekly time when you could meet."))
        cleaned["availability"] = windows
        overlap = set(cleaned.get("main_skills") or []) & set(cleaned.get("other_skills") or [])
        if overlap:
            self.add_error("other_skills", _("A skill can be in only one of the two lists."))
        if len(cleaned.get("main_skills") or []) > 5:
            self.add_error("main_skills", _("Choose at most five, so the match can focus."))
        return cleaned


def _initial_from(enrolment: Enrolment) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "motivation": enrolment.motivation,
        "goals_text": enrolment.goals_text,
        "timezone": enrolment.timezone or enrolment.person.timezone,
        "interests": ", ".join(enrolment.interests),
        "values": ", ".join(enrolment.values),
        "languages": ", ".join(enrolment.languages or enrolment.person.languages),
        "capacity": enrolment.capacity,
        "diversity_consent": enrolment.diversity_consent,
        "conduct_acknowledged": enrolment.conduct_acknowledged_at is not None,
    }
    top = MAIN_STRENGTH[Role(enrolment.role)]
    skills = list(enrolment.skills.all())
    initial["main_skills"] = [item.skill_id for item in skills if item.strength >= top]
    initial["other_skills"] = [item.skill_id for item in skills if item.strength < top]
    for row, window in enumerate(enrolment.availability[:AVAILABILITY_ROWS]):
        initial.update({f"day_{row}": window["day"], f"start_{row}": window["start"], f"end_{row}": window["end"]})
    return initial


class TrainingCheckForm(BoundedForm):
    def __init__(self, *args: Any, module: TrainingModule, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, question in enumerate(module.check_questions_label):
            self.fields[f"question_{index}"] = forms.TypedChoiceField(
                coerce=int, label=question["question"], widget=forms.RadioSelect, choices=list(enumerate(question["options"]))
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"question_{index}"] for index in range(len(self.fields))]
