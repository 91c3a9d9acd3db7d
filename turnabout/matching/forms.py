"""What the match pages post: the enrolments a pair rule or a mentor request names, read as ids of this program only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from turnabout.core.forms import BoundedForm
from turnabout.matching.models import PairRuleKind
from turnabout.programs.models import Enrolment, Program, Role

NOT_IN_PROGRAM = {"invalid_choice": _("That is not an enrolment of this program.")}


class PairRuleForm(BoundedForm):
    """Pin or forbid a mentor with a mentee of the program; no ``kind`` clears their rule."""

    mentor = forms.ModelChoiceField(queryset=Enrolment.objects.none(), error_messages=NOT_IN_PROGRAM)
    mentee = forms.ModelChoiceField(queryset=Enrolment.objects.none(), error_messages=NOT_IN_PROGRAM)
    kind = forms.TypedChoiceField(choices=PairRuleKind.choices, coerce=PairRuleKind, required=False, empty_value=None)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enrolments = Enrolment.objects.filter(program=program).select_related("person")
        self.fields["mentor"].queryset = enrolments  # type: ignore[attr-defined]
        self.fields["mentee"].queryset = enrolments  # type: ignore[attr-defined]


class MentorRequestForm(BoundedForm):
    """A self-select mentee's request: one of the program's mentors."""

    mentor = forms.ModelChoiceField(
        queryset=Enrolment.objects.none(), error_messages={"invalid_choice": _("That is not one of this program's suggestions for you.")}
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mentors = Enrolment.objects.filter(program=program, role=Role.MENTOR).select_related("person")
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]
