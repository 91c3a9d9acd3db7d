from datetime import date, datetime

from ninja import Schema


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


class ProgramUpdateIn(Schema):
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
    match_weights: dict[str, float] | None = None
    match_rules: dict[str, object] | None = None


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
