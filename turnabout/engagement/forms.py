from __future__ import annotations

from typing import Any

from django import forms

from turnabout.core.forms import BoundedForm
from turnabout.engagement.agreements import filled_agreement_text
from turnabout.engagement.models import Agreement, GoalStatus, ManagerSharing, MeetingMode, NoteVisibility, Pair
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
    cadence = forms.ChoiceField(choices=Cadence.choices, label="How often we meet")
    meeting_mode = forms.ChoiceField(choices=MeetingMode.choices, label="How we meet")
    confidentiality = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=CONFIDENTIALITY_MAX_LENGTH, label="Confidentiality and its exceptions"
    )
    share_with_line_managers = forms.ChoiceField(choices=ManagerSharing.choices, label="What our line managers may be told")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), max_length=AGREEMENT_BODY_MAX_LENGTH, required=False, label="The rest of our agreement"
    )

    def __init__(self, *args: Any, program: Program, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentee_goals"].label = f"What the {program.mentee_label} wants to learn"
        self.fields["mentor_goals"].label = f"What the {program.mentor_label} wants to grow in (leadership, visibility)"
        if not self.is_bound:
            # The text starts with the pair's names, dates and cadence written into the program's template.
            self.initial = {name: getattr(agreement, name) for name in self.fields} | {"body": filled_agreement_text(agreement)}


class SignForm(BoundedForm):
    """The version of the pair's agreement being signed: an id of one of this pair's versions, nothing else."""

    agreement = forms.ModelChoiceField(
        queryset=Agreement.objects.none(), error_messages={"invalid_choice": "That is not a version of your agreement."}
    )

    def __init__(self, *args: Any, pair: Pair, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = pair.agreements.all()  # type: ignore[attr-defined]


class PauseForm(BoundedForm):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=PAUSE_MESSAGE_MAX_LENGTH, required=False, label="Why pause"
    )


class GoalForm(BoundedForm):
    owner_role = forms.ChoiceField(choices=Role.choices, label="Whose goal")
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=GOAL_DESCRIPTION_MAX_LENGTH, required=False)

    def __init__(self, *args: Any, program: Program, role: Role | None = None, **kwargs: Any) -> None:
        """``role``: the side adding the goal, who may add only their own goals (None offers both sides)."""
        super().__init__(*args, **kwargs)
        choices = [
            (Role.MENTEE, f"The {program.mentee_label}'s learning goal"),
            (Role.MENTOR, f"The {program.mentor_label}'s leadership goal"),
        ]
        self.fields["owner_role"].choices = [(value, label) for value, label in choices if role is None or value == role]  # type: ignore[attr-defined]


class GoalProgressForm(BoundedForm):
    # Left out for a goal with milestones: its progress is the share of them done.
    progress_percent = forms.IntegerField(min_value=0, max_value=100, label="Progress (%)", required=False)
    status = forms.ChoiceField(choices=GoalStatus.choices)


class MilestoneForm(BoundedForm):
    title = forms.CharField(max_length=200, label="Milestone")
    due_on = forms.DateField(required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), label="Due")


class NoteForm(BoundedForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_MAX_LENGTH, label="Note")
    visibility = forms.ChoiceField(choices=NoteVisibility.choices, initial=NoteVisibility.PRIVATE, label="Who can read it")


class InsightForm(BoundedForm):
    description = forms.CharField(max_length=300, label="What changed", help_text="e.g. We now webcast policy changes.")
    owner = forms.CharField(max_length=120, label="Who carries it forward")
    adopted_on = forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), label="Adopted on")


class ConcernForm(BoundedForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=CONCERN_MAX_LENGTH, label="What worries you?")


class ClosureForm(BoundedForm):
    learned = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=REFLECTION_MAX_LENGTH, label="What did you learn?")
    proudest = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=REFLECTION_MAX_LENGTH, required=False, label="What are you proudest of?"
    )
    next_steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=REFLECTION_MAX_LENGTH, required=False, label="What will you do next?"
    )
    continue_informally = forms.TypedChoiceField(
        coerce=lambda value: value == "yes",
        choices=[("yes", "Yes, we will keep meeting informally"), ("no", "No, we will end here")],
        widget=forms.RadioSelect,
        label="Continue informally?",
    )
