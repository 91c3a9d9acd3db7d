from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictBool

from turnabout.core.api_types import JsonDatabaseId
from turnabout.engine import Mode
from turnabout.matching.models import DeclineReason, MatchRun, PairRuleKind


class RunIn(Schema):
    """The engine's goal for this run; null keeps the program's."""

    mode: Mode | None = None


class RunOut(Schema):
    id: int
    program_id: int
    status: str
    mode: str
    progress: float
    stage: str
    error: str
    summary: dict[str, object] = Field(description="Run figures; score figures leave out diversity when it counted.")
    published_at: datetime | None

    @staticmethod
    def resolve_error(obj: MatchRun) -> str:
        return obj.error_message


class ProposedPairOut(Schema):
    """A proposed pair; its diversity contribution shows only as ``adds_perspectives`` (see matching.queries.ReviewedPair)."""

    mentor_enrolment_id: int
    mentee_enrolment_id: int
    mentor_name: str
    mentee_name: str
    score: float = Field(description="The sum of `components`: the pair's fit without its diversity contribution.")
    components: dict[str, float] = Field(description="Each score component's contribution, diversity left out.")
    adds_perspectives: bool = Field(description="Whether the two differ on consented diversity answers the program weighs.")
    reasons: list[str]
    pinned: bool


class PairRuleIn(Schema):
    """Two enrolments of the program; ``kind`` null clears the rule between them."""

    mentor_enrolment_id: JsonDatabaseId
    mentee_enrolment_id: JsonDatabaseId
    kind: PairRuleKind | None


class MatchOut(Schema):
    id: int
    program_id: int
    status: str
    your_role: str | None = None
    partner_name: str | None = None
    reasons: list[str]
    mentor_response: str
    mentee_response: str


class ResponseIn(Schema):
    """An acceptance, or a decline with one of the no-fault reasons (a decline without one answers 409)."""

    accept: StrictBool
    reason: DeclineReason | Literal[""] = ""
