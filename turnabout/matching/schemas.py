from datetime import datetime

from ninja import Schema


class RunIn(Schema):
    mode: str | None = None


class RunOut(Schema):
    id: int
    program_id: int
    status: str
    mode: str
    progress: float
    stage: str
    error: str
    summary: dict[str, object]
    published_at: datetime | None


class ProposedPairOut(Schema):
    mentor_enrolment_id: int
    mentee_enrolment_id: int
    mentor_name: str
    mentee_name: str
    score: float
    components: dict[str, float]
    reasons: list[str]
    pinned: bool


class PairRuleIn(Schema):
    mentor_enrolment_id: int
    mentee_enrolment_id: int
    kind: str | None


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
    accept: bool
    reason: str = ""
