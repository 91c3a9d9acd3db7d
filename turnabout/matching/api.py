"""REST endpoints for match runs, review and acceptance."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status

from turnabout.accounts.models import User
from turnabout.core.api_types import DatabaseId, refusals
from turnabout.matching.access import access_match_run, access_own_match
from turnabout.matching.models import Match, MatchRun, RunStatus
from turnabout.matching.presentation import reason_texts
from turnabout.matching.queries import matches_of_user, run_proposals
from turnabout.matching.schemas import MatchOut, PairRuleIn, ProposedPairOut, ResponseIn, RunIn, RunOut
from turnabout.matching.services import publish_match_run, respond_to_match, set_pair_rule, start_match_run
from turnabout.programs.access import access_program
from turnabout.programs.models import Enrolment, Role

router = Router(tags=["matching"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _run_out(run: MatchRun) -> RunOut:
    out = RunOut.from_orm(run)
    if run.status == RunStatus.SUCCEEDED:
        out.summary = run_proposals(run).summary
    return out


def _match_out(match: Match, role: str | None = None) -> MatchOut:
    partner = None
    if role is not None:
        partner = (match.mentee if role == Role.MENTOR else match.mentor).person.full_name
    return MatchOut(
        id=match.pk,
        program_id=match.program_id,
        status=match.status,
        your_role=role,
        partner_name=partner,
        reasons=reason_texts(match.reasons, match.program),
        mentor_response=match.mentor_response,
        mentee_response=match.mentee_response,
    )


@router.post(
    "/programs/{program_id}/runs",
    response={202: RunOut, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Queue a run of the engine; poll it for progress",
)
def post_run(request: HttpRequest, program_id: Path[DatabaseId], payload: RunIn) -> Status[RunOut]:
    program = access_program(_user(request), program_id, write=True)
    run = start_match_run(program=program, by=_user(request), mode=payload.mode)
    run.refresh_from_db()
    return Status(202, _run_out(run))


@router.get("/runs/{run_id}", response={200: RunOut, **refusals(401, 403, 404, 422)})
def get_run(request: HttpRequest, run_id: Path[DatabaseId]) -> RunOut:
    return _run_out(access_match_run(_user(request), run_id))


@router.get(
    "/runs/{run_id}/pairs",
    response={200: list[ProposedPairOut], **refusals(401, 403, 404, 422)},
    summary="Every proposed pair with its explanation",
)
def get_run_pairs(request: HttpRequest, run_id: Path[DatabaseId]) -> list[ProposedPairOut]:
    run = access_match_run(_user(request), run_id)
    return [
        ProposedPairOut(
            mentor_enrolment_id=pair.proposal.mentor_id,
            mentee_enrolment_id=pair.proposal.mentee_id,
            mentor_name=pair.proposal.mentor.person.full_name,
            mentee_name=pair.proposal.mentee.person.full_name,
            score=pair.score,
            components=pair.components,
            adds_perspectives=pair.adds_perspectives,
            reasons=reason_texts(pair.reasons, run.program),
            pinned=pair.proposal.is_pinned,
        )
        for pair in run_proposals(run)
    ]


@router.post(
    "/runs/{run_id}/publish",
    response={200: list[MatchOut], **refusals(401, 403, 404, 409, 422)},
    summary="Publish once; 409 when already published or stale",
)
def post_publish(request: HttpRequest, run_id: Path[DatabaseId]) -> list[MatchOut]:
    run = access_match_run(_user(request), run_id)
    return [_match_out(match) for match in publish_match_run(run=run, by=_user(request))]


@router.post(
    "/programs/{program_id}/pair-rules",
    response={204: None, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Pin or forbid a pair (kind null clears it)",
)
def post_pair_rule(request: HttpRequest, program_id: Path[DatabaseId], payload: PairRuleIn) -> Status[None]:
    program = access_program(_user(request), program_id, write=True)
    mentor = get_object_or_404(Enrolment, pk=payload.mentor_enrolment_id, program=program)
    mentee = get_object_or_404(Enrolment, pk=payload.mentee_enrolment_id, program=program)
    set_pair_rule(program=program, mentor=mentor, mentee=mentee, kind=payload.kind, by=_user(request))
    return Status(204, None)


@router.get("/matches/mine", response={200: list[MatchOut], **refusals(401)}, summary="Your own matches")
def my_matches(request: HttpRequest) -> list[MatchOut]:
    user = _user(request)
    return [_match_out(m, Role.MENTOR if m.mentor.person.user_id == user.pk else Role.MENTEE) for m in matches_of_user(user.pk)]


@router.post(
    "/matches/{match_id}/response",
    response={200: MatchOut, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Accept, or decline with a no-fault reason",
)
def post_response(request: HttpRequest, match_id: Path[DatabaseId], payload: ResponseIn) -> MatchOut:
    match, role = access_own_match(_user(request), match_id)
    match = respond_to_match(match=match, role=role, accept=payload.accept, reason=payload.reason)
    return _match_out(match, role)
