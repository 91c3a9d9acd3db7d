"""The survey form: read answers from a POST, and lay out each instrument's items as radio rows in the program's wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from turnabout.core.content import content_text
from turnabout.programs.models import Program
from turnabout.surveys.catalogue import in_program_wording
from turnabout.surveys.models import Instrument, ScaleType


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
