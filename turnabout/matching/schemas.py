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


class CertificateOut(Schema):
    """How close a circle run is to the best possible total under the program's rules (the engine's certificate)."""

    optimal: bool
    objective: float
    upper_bound: float
    gap: float
    method: str
    summary: str = Field(description="The certificate in words, as the review page shows it.")


class ProposedCircleMemberOut(Schema):
    enrolment_id: int
    name: str
    role: str
    score: float = Field(description="The member's fit with the other side of the circle.")
    reasons: list[str] = Field(description="Why the member is in this circle, in the reader's language.")


class ProposedCircleOut(Schema):
    """A proposed circle of a run: its members by side, its score, the languages all share and their common weekly time."""

    id: int
    score: float
    languages: list[str]
    common_minutes: int
    pinned: bool
    members: list[ProposedCircleMemberOut]


class RunCirclesOut(Schema):
    """A circle run's proposals; ``certificate`` is null until the run has finished."""

    certificate: CertificateOut | None
    circles: list[ProposedCircleOut]


class CircleBanIn(Schema):
    """A member of the proposed circle to keep out of it in the next runs."""

    enrolment_id: JsonDatabaseId


class CircleMemberOut(Schema):
    name: str
    role: str


class CircleMatchOut(Schema):
    """A circle proposal as one of its members sees it: every current member by name and side, and their own answer."""

    id: int
    program_id: int
    status: str
    pair_id: int | None = Field(description="The engagement circle, once every member has accepted.")
    your_role: str | None = None
    your_response: str | None = None
    reasons: list[str] = Field(description="Why you are in this circle (empty for a program manager).")
    members: list[CircleMemberOut]
