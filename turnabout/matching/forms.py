"""What the match pages post: the enrolments a pair rule or a mentor request names, read as ids of this program only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from turnabout.core.forms import BoundedForm
from turnabout.matching.models import PairRuleKind, ProposedCircle
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


class CirclePinForm(BoundedForm):
    """Pin a proposed circle of one of the program's runs, or lift its pin (``unpin``)."""

    circle = forms.ModelChoiceField(
        queryset=ProposedCircle.objects.none(), error_messages={"invalid_choice": _("That is not a proposed circle of this program.")}
    )
    unpin = forms.BooleanField(required=False)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["circle"].queryset = ProposedCircle.objects.filter(run__program=program).select_related("run__program")  # type: ignore[attr-defined]


class CircleBanForm(CirclePinForm):
    """Keep one member of a proposed circle out of that circle in the next runs."""

    enrolment = forms.ModelChoiceField(queryset=Enrolment.objects.none(), error_messages=NOT_IN_PROGRAM)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, program=program, **kwargs)
        del self.fields["unpin"]
        self.fields["enrolment"].queryset = Enrolment.objects.filter(program=program).select_related("person")  # type: ignore[attr-defined]
