"""The survey form: read answers from a POST, and lay out each instrument's items as radio rows in the program's wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import Organisation
from turnabout.core.content import content_text
from turnabout.core.forms import BoundedForm
from turnabout.people.models import Community, Department, Grade, Site, Skill
from turnabout.programs.models import Program, Role, StrategicDriver
from turnabout.surveys.catalogue import in_program_wording
from turnabout.surveys.models import Instrument, InterestAnswer, InterestSurvey, ScaleType
from turnabout.surveys.queries import PopulationFilter


def answers_from_post(data: QueryDict, instruments: list[Instrument]) -> dict[str, dict[str, str]]:
    """The submitted value of every item, by instrument slug; unanswered items are left out for the service to name."""
    return {
        instrument.slug: {item["id"]: str(data.get(item["id"], "")) for item in instrument.items if data.get(item["id"], "") != ""}
        for instrument in instruments
    }


@dataclass(frozen=True)
class Choice:
    value: int
    label: str
    detail: str
    is_selected: bool


@dataclass(frozen=True)
class QuestionRow:
    item_id: str
    field_id: str
    text: str
    choices: list[Choice]
    error: str


@dataclass(frozen=True)
class Section:
    instrument: Instrument
    name: str
    instructions: str
    scale_type: str
    anchors: tuple[str, str] | None
    rows: list[QuestionRow]
    scale_labels: list[str]  # the column headings of a Likert grid, lowest point first

    @property
    def is_likert(self) -> bool:
        return self.scale_type == ScaleType.LIKERT

    @property
    def is_proficiency(self) -> bool:
        return self.scale_type == ScaleType.PROFICIENCY


def _choice_labels(instrument: Instrument) -> list[str]:
    values = range(instrument.scale_min, instrument.scale_max + 1)
    if instrument.scale_type == ScaleType.NPS:
        return [str(value) for value in values]
    return [content_text(str(label)) for label in instrument.scale["labels"]]


def survey_sections(
    program: Program, instruments: list[Instrument], *, answers: Mapping[str, Mapping[str, Any]], errors: Mapping[str, str]
) -> list[Section]:
    """One section per instrument, each item a radio row labelled from the scale, with the respondent's own answers
    (earlier or just posted) selected and the item's error, if any.
    """

    def wording(text: str) -> str:
        return in_program_wording(text, mentor_label=program.mentor_label, mentee_label=program.mentee_label)

    sections = []
    for instrument in instruments:
        labels = _choice_labels(instrument)
        given = answers.get(instrument.slug, {})
        rows = []
        for item in instrument.items:
            selected = str(given.get(item["id"], ""))
            descriptors = [content_text(text) for text in item.get("descriptors") or [""] * len(labels)]
            choices = [
                Choice(value=value, label=label, detail=descriptor, is_selected=selected == str(value))
                for value, label, descriptor in zip(range(instrument.scale_min, instrument.scale_max + 1), labels, descriptors, strict=True)
            ]
            field_id = "item-" + item["id"].replace(".", "-")
            rows.append(QuestionRow(item_id=item["id"], field_id=field_id, text=wording(item["text"]), choices=choices,
                                    error=errors.get(item["id"], "")))  # fmt: skip
        anchors = None
        if instrument.scale_type == ScaleType.NPS:
            anchors = (content_text(str(instrument.scale["labels"][0])), content_text(str(instrument.scale["labels"][-1])))
        sections.append(Section(instrument=instrument, name=wording(instrument.name), instructions=wording(instrument.instructions),
                                scale_type=instrument.scale_type, anchors=anchors, rows=rows, scale_labels=labels))  # fmt: skip
    return sections


# --- Interest surveys ---------------------------------------------------------------------------------------------


class InterestSurveyForm(BoundedForm):
    """A new interest survey: its title, the population by filter, and the topics to ask about."""

    title = forms.CharField(max_length=200, label=_("Title"), help_text=_("What you ask about, as people will read it."))
    min_grade = forms.ModelChoiceField(queryset=Grade.objects.none(), required=False, label=_("Grade at least"), empty_label=_("Any grade"))
    max_grade = forms.ModelChoiceField(queryset=Grade.objects.none(), required=False, label=_("Grade at most"), empty_label=_("Any grade"))
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("Department"), empty_label=_("Any department")
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, label=_("Site"), empty_label=_("Any site"))
    community = forms.ModelChoiceField(
        queryset=Community.objects.none(), required=False, label=_("Community"), empty_label=_("Any community")
    )
    topics = forms.ModelMultipleChoiceField(queryset=Skill.objects.none(), required=False, label=_("Topics to ask about"),
                                            widget=forms.SelectMultiple(attrs={"size": 8}))  # fmt: skip

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_grade"].queryset = Grade.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["max_grade"].queryset = Grade.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["department"].queryset = Department.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["community"].queryset = Community.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["topics"].queryset = Skill.objects.order_by("name")  # type: ignore[attr-defined]

    @property
    def population(self) -> PopulationFilter:
        data = self.cleaned_data
        return PopulationFilter(min_grade=data["min_grade"], max_grade=data["max_grade"], department=data["department"], site=data["site"],
                                community=data["community"])  # fmt: skip


class InterestAnswerForm(BoundedForm):
    """The three questions: would you take part, on which side, which topics."""

    answer = forms.ChoiceField(
        choices=InterestAnswer.choices, widget=forms.RadioSelect, label=_("Would you take part in a reverse-mentoring program?")
    )
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect, required=False, label=_("Which role would you take?"))
    topics = forms.ModelMultipleChoiceField(queryset=Skill.objects.none(), widget=forms.CheckboxSelectMultiple, required=False,
                                            label=_("Which topics interest you?"))  # fmt: skip

    def __init__(self, *args: Any, survey: InterestSurvey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = survey.topics.order_by("name")  # type: ignore[attr-defined]


class CreateProgramFromSurveyForm(BoundedForm):
    driver = forms.ChoiceField(choices=StrategicDriver.choices, label=_("Strategic driver"), initial=StrategicDriver.LEADERSHIP_DEVELOPMENT)
