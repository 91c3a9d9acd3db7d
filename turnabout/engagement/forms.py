from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from turnabout.core.forms import BoundedForm
from turnabout.engagement.agreements import filled_agreement_text
from turnabout.engagement.models import Agreement, GoalStatus, ManagerSharing, MeetingMode, NoteVisibility, Pair, QuoteAttribution
from turnabout.engagement.services import LONGEST_QUOTE_CHARACTERS
from turnabout.programs.models import Cadence, Program, Role
from turnabout.programs.services import PROGRAM_TEXT_MAX_LENGTHS

# The pair's own words have no database limit; these keep the pair page, emails and exports bounded.
NOTE_MAX_LENGTH = 10_000
CONCERN_MAX_LENGTH = 5_000
REFLECTION_MAX_LENGTH = 5_000
GOAL_DESCRIPTION_MAX_LENGTH = 2_000
AGREEMENT_GOALS_MAX_LENGTH = 2_000
CONFIDENTIALITY_MAX_LENGTH = 5_000
# Why a manager paused a pair: a sentence or two on the pair-health page.
PAUSE_MESSAGE_MAX_LENGTH = 500
# The body starts as the program's agreement template, so it may be at least as long, or a pair could not keep it.
AGREEMENT_BODY_MAX_LENGTH = PROGRAM_TEXT_MAX_LENGTHS["agreement_template"]


class AgreementForm(BoundedForm):
    mentee_goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=AGREEMENT_GOALS_MAX_LENGTH)
    mentor_goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=AGREEMENT_GOALS_MAX_LENGTH)
    cadence = forms.ChoiceField(choices=Cadence.choices, label=_("How often we meet"))
    meeting_mode = forms.ChoiceField(choices=MeetingMode.choices, label=_("How we meet"))
    confidentiality = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=CONFIDENTIALITY_MAX_LENGTH, label=_("Confidentiality and its exceptions")
    )
    share_with_line_managers = forms.ChoiceField(choices=ManagerSharing.choices, label=_("What our line managers may be told"))
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=AGREEMENT_BODY_MAX_LENGTH,
        required=False,
        label=_("The rest of our agreement"),
    )

    def __init__(self, *args: Any, program: Program, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentee_goals"].label = gettext("What the %(mentee)s wants to learn") % {"mentee": program.mentee_label}
        self.fields["mentor_goals"].label = gettext("What the %(mentor)s wants to grow in (leadership, visibility)") % {
            "mentor": program.mentor_label
        }
        if not self.is_bound:
            # The text starts with the pair's names, dates and cadence written into the program's template.
            self.initial = {name: getattr(agreement, name) for name in self.fields} | {"body": filled_agreement_text(agreement)}


class SignForm(BoundedForm):
    """The version of the pair's agreement being signed: an id of one of this pair's versions, nothing else."""

    agreement = forms.ModelChoiceField(
        queryset=Agreement.objects.none(),
        label=_("Agreement"),
        error_messages={"invalid_choice": _("That is not a version of your agreement.")},
    )

    def __init__(self, *args: Any, pair: Pair, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = pair.agreements.all()  # type: ignore[attr-defined]


class PauseForm(BoundedForm):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=PAUSE_MESSAGE_MAX_LENGTH, required=False, label=_("Why pause")
    )


CIRCLE_PERSONAL_GOAL = "personal"
CIRCLE_SHARED_GOAL = "shared"


class GoalForm(BoundedForm):
    owner_role = forms.ChoiceField(choices=Role.choices, label=_("Whose goal"))
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=GOAL_DESCRIPTION_MAX_LENGTH, required=False, label=_("Description")
    )

    def __init__(self, *args: Any, program: Program, role: Role | None = None, circle: bool = False, **kwargs: Any) -> None:
        """``role``: the side adding the goal, who may add only their own goals (None offers both sides).

        In a circle the choice is a personal goal of the member adding it or a goal shared by the whole circle.
        """
        super().__init__(*args, **kwargs)
        if circle:
            self.fields["owner_role"].choices = [  # type: ignore[attr-defined]
                (CIRCLE_PERSONAL_GOAL, gettext("My personal goal")),
                (CIRCLE_SHARED_GOAL, gettext("A goal of the whole circle")),
            ]
            return
        choices = [
            (Role.MENTEE, gettext("The %(mentee)s's learning goal") % {"mentee": program.mentee_label}),
            (Role.MENTOR, gettext("The %(mentor)s's leadership goal") % {"mentor": program.mentor_label}),
        ]
        self.fields["owner_role"].choices = [(value, label) for value, label in choices if role is None or value == role]  # type: ignore[attr-defined]


class GoalProgressForm(BoundedForm):
    # Left out for a goal with milestones: its progress is the share of them done.
    progress_percent = forms.IntegerField(min_value=0, max_value=100, label=_("Progress (%)"), required=False)
    status = forms.ChoiceField(choices=GoalStatus.choices, label=_("Status"))


class MilestoneForm(BoundedForm):
    title = forms.CharField(max_length=200, label=_("Milestone"))
    due_on = forms.DateField(required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), label=_("Due"))


class NoteForm(BoundedForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_MAX_LENGTH, label=_("Note"))
    visibility = forms.ChoiceField(choices=NoteVisibility.choices, initial=NoteVisibility.PRIVATE, label=_("Who can read it"))

    def __init__(self, *args: Any, circle: bool = False, **kwargs: Any) -> None:
        """In a circle a shared note is the whole circle's."""
        super().__init__(*args, **kwargs)
        if circle:
            self.fields["visibility"].choices = [  # type: ignore[attr-defined]
                (NoteVisibility.PRIVATE, gettext("Only me")),
                (NoteVisibility.SHARED, gettext("The whole circle")),
            ]


class InsightForm(BoundedForm):
    description = forms.CharField(max_length=300, label=_("What changed"), help_text=_("e.g. We now webcast policy changes."))
    owner = forms.CharField(max_length=120, label=_("Who carries it forward"))
    adopted_on = forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), label=_("Adopted on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the pair page shows it beside the goal form, whose description would otherwise share the id.
        kwargs.setdefault("auto_id", "id_insight_%s")
        super().__init__(*args, **kwargs)


class ConcernForm(BoundedForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=CONCERN_MAX_LENGTH, label=_("What worries you?"))


class ClosureForm(BoundedForm):
    learned = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=REFLECTION_MAX_LENGTH, label=_("What did you learn?"))
    proudest = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=REFLECTION_MAX_LENGTH, required=False, label=_("What are you proudest of?")
    )
    next_steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=REFLECTION_MAX_LENGTH, required=False, label=_("What will you do next?")
    )
    continue_informally = forms.TypedChoiceField(
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Yes, we will keep meeting informally")), ("no", _("No, we will end here"))],
        widget=forms.RadioSelect,
        label=_("Continue informally?"),
    )


class QuoteForm(BoundedForm):
    """Words a participant offers for the program's report, how they are signed, and the consent sentence, ticked."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONGEST_QUOTE_CHARACTERS,
        label=_("Your quote"),
        help_text=_("Write it as you would like it read, e.g. “I now try a new tool before I decide on it.”"),
    )
    attribution = forms.ChoiceField(
        choices=QuoteAttribution.choices, initial=QuoteAttribution.ANONYMOUS, widget=forms.RadioSelect, label=_("Signed")
    )
    consent = forms.BooleanField(
        label=_(
            "I offer these words for the program's report. Program managers may show them on the outcomes dashboard and in "
            "the executive report, which the program's sponsor and leaders read. I can withdraw them at any time."
        ),
    )


class QuoteChoiceForm(BoundedForm):
    """Which quote a button acts on: its id, nothing else (the view checks it belongs to the page's pair or program)."""

    quote = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
