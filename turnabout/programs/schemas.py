"""Shapes of the programs API. Writes refuse unknown names, so a typo answers 422 instead of changing nothing."""

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Strict, StrictBool, StrictInt

# JSON numbers only: true and "0.5" are refused rather than read as 1.0 and 0.5.
Number = Annotated[float, Strict()]


class ProgramOut(Schema):
    id: int
    name: str
    status: str
    strategic_driver: str
    purpose_statement: str
    mentor_label: str
    mentee_label: str
    cadence: str
    target_meeting_count: int
    enrolment_opens_on: date | None
    enrolment_closes_on: date | None
    starts_on: date | None
    ends_on: date | None
    sponsor_id: int | None
    match_weights: dict[str, float]
    match_rules: dict[str, object]
    launch_problems: list[str] = []


class ProgramCreateIn(Schema):
    driver: str


class MatchWeightsIn(Schema):
    """Any of the engine's weights (0 to 1); the others keep their values."""

    model_config = ConfigDict(extra="forbid")

    learning_goals: Number | None = None
    common_ground: Number | None = None
    availability: Number | None = None
    crossing_boundaries: Number | None = None
    diversity: Number | None = None
    grade_gap: Number | None = None


class MatchRulesIn(Schema):
    """Any of the engine's rules; the others keep their values."""

    model_config = ConfigDict(extra="forbid")

    mode: str | None = None
    require_different_department: StrictBool | None = None
    require_shared_language: StrictBool | None = None
    min_availability_minutes: StrictInt | None = None
    min_pair_score: Number | None = None
    use_diversity_attributes: StrictBool | None = None


class ProgramUpdateIn(Schema):
    """The settings to change, validated by the settings page's own form; null clears only what may be empty."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    purpose_statement: str | None = None
    outcomes_for_mentors: str | None = None
    outcomes_for_mentees: str | None = None
    outcomes_for_organisation: str | None = None
    sponsor_id: int | None = None
    enrolment_opens_on: date | None = None
    enrolment_closes_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    cadence: str | None = None
    target_meeting_count: int | None = None
    min_grade_gap: int | None = None
    match_weights: MatchWeightsIn | None = None
    match_rules: MatchRulesIn | None = None


class StatusIn(Schema):
    status: str


class InvitationIn(Schema):
    role: str
    emails: list[str]


class InvitationOut(Schema):
    invited: int
    already_enrolled: int
    not_eligible: dict[str, list[str]]


class EnrolmentOut(Schema):
    id: int
    person_id: int
    full_name: str
    role: str
    status: str
    applied_at: datetime | None


class DecisionIn(Schema):
    approve: bool
