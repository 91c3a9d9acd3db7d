"""Shapes of the programs API. Writes refuse unknown names, so a typo answers 422 instead of changing nothing.

The settings and the invitations are parsed by the pages' own forms (``ProgramSetupForm``, ``InviteByEmailForm``),
which refuse in the pages' words; their bounds here (``Documented``, ``Text(by_form=True)``) only put into the
OpenAPI document what those forms accept, from the same constants.
"""

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict, Strict, StrictBool

from turnabout.core.api_types import CONTROL_CHARACTERS, SMALL_COUNT_MAX, Documented, JsonDatabaseId, JsonInteger, Text
from turnabout.engine import Mode
from turnabout.programs.forms import INVITE_EMAILS_MAX_LENGTH
from turnabout.programs.models import CIRCLE_MAX_SIZE, Cadence, PairingFormat, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.services import MAX_MIN_OVERLAP_MINUTES, PROGRAM_TEXT_MAX_LENGTHS

# A JSON number from 0 to 1: true and "0.5" are refused rather than read as 1.0 and 0.5; the form refuses out of range.
Weight = Annotated[float, Strict(), Documented(minimum=0, maximum=1)]
# A PositiveSmallIntegerField, refused beyond its range by the form.
FormSmallCount = Annotated[JsonInteger, Documented(minimum=0, maximum=SMALL_COUNT_MAX)]
# A side of a circle: the form refuses a size outside 1 to CIRCLE_MAX_SIZE, or the fewest above the most, naming the field.
CircleSize = Annotated[JsonInteger, Documented(minimum=1, maximum=CIRCLE_MAX_SIZE)]
# An address as the invitation form reads one (commas and line breaks would split it), within an EmailField's bound.
EMAIL_MAX_LENGTH = 254
_NOT_IN_ADDRESS = f"@\\s,{CONTROL_CHARACTERS}"
EMAIL_PATTERN = f"^ *[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+\\.[^{_NOT_IN_ADDRESS}]+ *$"
# As many addresses as the form's text takes, one a line, each at its longest.
INVITATION_MAX_EMAILS = INVITE_EMAILS_MAX_LENGTH // (EMAIL_MAX_LENGTH + 1)


# Version 1 of the API names the matching settings as programs stored them before they took the engine's names
# (``Weights`` and ``Rules``), and keeps those names until a version 2 (docs/api.md, "Versioning and stability").
# The API's name of each stored setting (turnabout/programs/rules.py, WEIGHT_NAMES and RULE_NAMES):
API_WEIGHT_NAMES = {
    "goals": "learning_goals",
    "common_ground": "common_ground",
    "availability": "availability",
    "boundaries": "crossing_boundaries",
    "diversity": "diversity",
    "grade_gap": "grade_gap",
}
API_RULE_NAMES = {
    "mode": "mode",
    "forbid_same_department": "require_different_department",
    "require_shared_language": "require_shared_language",
    "min_overlap_minutes": "min_availability_minutes",
    "min_pair_score": "min_pair_score",
    "use_diversity": "use_diversity_attributes",
}
# Each settings document of the API: its stored names → the API's.
API_SETTING_NAMES = {"match_weights": API_WEIGHT_NAMES, "match_rules": API_RULE_NAMES}


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
    pairing_format: str
    circle_min_mentors: int
    circle_max_mentors: int
    circle_min_mentees: int
    circle_max_mentees: int
    match_weights: dict[str, float]
    match_rules: dict[str, object]
    launch_problems: list[str] = []
    # A circle program enrolling or matching: why its approved enrolments cannot fill one circle yet.
    circle_pool_problems: list[str] = []


class ProgramCreateIn(Schema):
    driver: StrategicDriver


class MatchWeightsIn(Schema):
    """Any of the engine's weights (0 to 1), by their API names (API_WEIGHT_NAMES); the others keep their values."""

    model_config = ConfigDict(extra="forbid")

    learning_goals: Weight | None = None
    common_ground: Weight | None = None
    availability: Weight | None = None
    crossing_boundaries: Weight | None = None
    diversity: Weight | None = None
    grade_gap: Weight | None = None


class MatchRulesIn(Schema):
    """Any of the engine's rules, by their API names (API_RULE_NAMES); the others keep their values."""

    model_config = ConfigDict(extra="forbid")

    mode: Annotated[str, Documented(enum=[mode.value for mode in Mode])] | None = None
    require_different_department: StrictBool | None = None
    require_shared_language: StrictBool | None = None
    min_availability_minutes: Annotated[JsonInteger, Documented(minimum=0, maximum=MAX_MIN_OVERLAP_MINUTES)] | None = None
    min_pair_score: Weight | None = None
    use_diversity_attributes: StrictBool | None = None


class ProgramUpdateIn(Schema):
    """The settings to change, validated by the settings page's own form; null clears only what may be empty."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Text(Program._meta.get_field("name").max_length or 0, by_form=True)] | None = None
    purpose_statement: Annotated[str, Text(PROGRAM_TEXT_MAX_LENGTHS["purpose_statement"], multiline=True, by_form=True)] | None = None
    outcomes_for_mentors: Annotated[str, Text(PROGRAM_TEXT_MAX_LENGTHS["outcomes_for_mentors"], multiline=True, by_form=True)] | None = None
    outcomes_for_mentees: Annotated[str, Text(PROGRAM_TEXT_MAX_LENGTHS["outcomes_for_mentees"], multiline=True, by_form=True)] | None = None
    outcomes_for_organisation: (
        Annotated[str, Text(PROGRAM_TEXT_MAX_LENGTHS["outcomes_for_organisation"], multiline=True, by_form=True)] | None
    ) = None
    sponsor_id: JsonDatabaseId | None = None
    enrolment_opens_on: date | None = None
    enrolment_closes_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    cadence: Annotated[str, Documented(enum=Cadence.values)] | None = None
    target_meeting_count: FormSmallCount | None = None
    min_grade_gap: FormSmallCount | None = None
    pairing_format: Annotated[str, Documented(enum=PairingFormat.values)] | None = None
    circle_min_mentors: CircleSize | None = None
    circle_max_mentors: CircleSize | None = None
    circle_min_mentees: CircleSize | None = None
    circle_max_mentees: CircleSize | None = None
    match_weights: MatchWeightsIn | None = None
    match_rules: MatchRulesIn | None = None


class StatusIn(Schema):
    status: ProgramStatus


class InvitationIn(Schema):
    """Who to invite: people of the directory, by their work address."""

    role: Annotated[str, Documented(enum=Role.values)]
    emails: list[Annotated[str, Text(EMAIL_MAX_LENGTH, by_form=True), Documented(pattern=EMAIL_PATTERN)]] = Field(
        ..., min_length=1, max_length=INVITATION_MAX_EMAILS
    )


class InvitationOut(Schema):
    invited: int
    already_enrolled: int
    not_eligible: dict[str, list[str]]
    # Counted, never named: the people not in the program's communities when one of them is identity-based.
    outside_communities: int = 0


class EnrolmentOut(Schema):
    id: int
    person_id: int
    full_name: str
    role: str
    status: str
    applied_at: datetime | None


class DecisionIn(Schema):
    approve: StrictBool
