"""REST endpoints for match runs, review and acceptance."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status

from turnabout.accounts.models import User
from turnabout.core.api_types import DatabaseId, refusals
from turnabout.matching.access import access_circle_match, access_match_run, access_own_match
from turnabout.matching.models import CircleMatch, CircleMatchMember, Match, MatchRun, ProposedCircle, RunStatus
from turnabout.matching.presentation import circle_certificate_line, reason_texts
from turnabout.matching.queries import circle_matches_of_user, matches_of_user, run_circles, run_proposals
from turnabout.matching.schemas import (
    CertificateOut,
    CircleBanIn,
    CircleMatchOut,
    CircleMemberOut,
    MatchOut,
    PairRuleIn,
    ProposedCircleMemberOut,
    ProposedCircleOut,
    ProposedPairOut,
    ResponseIn,
    RunCirclesOut,
    RunIn,
    RunOut,
)
from turnabout.matching.services import (
    ban_from_circle,
    pin_circle,
    publish_circle_run,
    publish_match_run,
    respond_to_circle_match,
    respond_to_match,
    set_pair_rule,
    start_match_run,
    unpin_proposed_circle,
)
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


# --- Circles --------------------------------------------------------------------------------------------


def _certificate_out(run: MatchRun) -> CertificateOut | None:
    certificate = run.summary.get("certificate") if run.has_succeeded else None
    if not isinstance(certificate, dict) or not certificate:
        return None
    return CertificateOut(
        optimal=bool(certificate.get("optimal")),
        objective=float(certificate.get("objective") or 0),
        upper_bound=float(certificate.get("upper_bound") or 0),
        gap=float(certificate.get("gap") or 0),
        method=str(certificate.get("method") or ""),
        summary=circle_certificate_line(run.summary),
    )


def _circle_match_out(match: CircleMatch, mine: CircleMatchMember | None = None) -> CircleMatchOut:
    return CircleMatchOut(
        id=match.pk,
        program_id=match.program_id,
        status=match.status,
        pair_id=match.pair_id,
        your_role=mine.role if mine else None,
        your_response=mine.response if mine else None,
        reasons=reason_texts(mine.reasons, match.program) if mine else [],
        members=[CircleMemberOut(name=member.enrolment.person.full_name, role=member.role) for member in match.current_members],
    )


def _proposed_circle(request: HttpRequest, program_id: int, circle_id: int) -> ProposedCircle:
    """A proposed circle of a run of a program the user may change (404 for another program's or organisation's)."""
    program = access_program(_user(request), program_id, write=True)
    return get_object_or_404(ProposedCircle.objects.select_related("run__program"), pk=circle_id, run__program=program)


@router.get(
    "/runs/{run_id}/circles",
    response={200: RunCirclesOut, **refusals(401, 403, 404, 422)},
    summary="A circle run's proposed circles, each member's place, and the certificate",
)
def get_run_circles(request: HttpRequest, run_id: Path[DatabaseId]) -> RunCirclesOut:
    run = access_match_run(_user(request), run_id)
    circles = run_circles(run) if run.has_succeeded else []
    return RunCirclesOut(
        certificate=_certificate_out(run),
        circles=[
            ProposedCircleOut(
                id=circle.pk,
                score=circle.score,
                languages=[str(language) for language in circle.languages],
                common_minutes=circle.common_minutes,
                pinned=circle.is_pinned,
                members=[
                    ProposedCircleMemberOut(
                        enrolment_id=member.enrolment_id,
                        name=member.enrolment.person.full_name,
                        role=member.role,
                        score=member.score,
                        reasons=reason_texts(member.reasons, run.program),
                    )
                    for member in circle.members.all()
                ],
            )
            for circle in circles
        ],
    )


@router.post(
    "/programs/{program_id}/proposed-circles/{circle_id}/pin",
    response={204: None, **refusals(401, 403, 404, 409, 422)},
    summary="Keep a proposed circle together in the next runs",
)
def post_circle_pin(request: HttpRequest, program_id: Path[DatabaseId], circle_id: Path[DatabaseId]) -> Status[None]:
    pin_circle(proposed_circle=_proposed_circle(request, program_id, circle_id), by=_user(request))
    return Status(204, None)


@router.delete(
    "/programs/{program_id}/proposed-circles/{circle_id}/pin",
    response={204: None, **refusals(401, 403, 404, 409, 422)},
    summary="Lift the pin holding a proposed circle's members together",
)
def delete_circle_pin(request: HttpRequest, program_id: Path[DatabaseId], circle_id: Path[DatabaseId]) -> Status[None]:
    unpin_proposed_circle(proposed_circle=_proposed_circle(request, program_id, circle_id), by=_user(request))
    return Status(204, None)


@router.post(
    "/programs/{program_id}/proposed-circles/{circle_id}/bans",
    response={204: None, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Keep one member out of a proposed circle in the next runs (clear each ban with a pair rule of kind null)",
)
def post_circle_ban(request: HttpRequest, program_id: Path[DatabaseId], circle_id: Path[DatabaseId], payload: CircleBanIn) -> Status[None]:
    circle = _proposed_circle(request, program_id, circle_id)
    enrolment = get_object_or_404(Enrolment.objects.select_related("person"), pk=payload.enrolment_id, program_id=program_id)
    ban_from_circle(proposed_circle=circle, enrolment=enrolment, by=_user(request))
    return Status(204, None)


@router.post(
    "/runs/{run_id}/publish-circles",
    response={200: list[CircleMatchOut], **refusals(401, 403, 404, 409, 422)},
    summary="Publish a circle run once; 409 when already published or stale",
)
def post_publish_circles(request: HttpRequest, run_id: Path[DatabaseId]) -> list[CircleMatchOut]:
    run = access_match_run(_user(request), run_id)
    matches = publish_circle_run(run=run, by=_user(request))
    published = CircleMatch.objects.filter(pk__in=[match.pk for match in matches]).select_related("program")
    return [_circle_match_out(match) for match in published.prefetch_related("members__enrolment__person").order_by("pk")]


@router.get("/circles/mine", response={200: list[CircleMatchOut], **refusals(401)}, summary="Your own circle proposals")
def my_circles(request: HttpRequest) -> list[CircleMatchOut]:
    user = _user(request)
    answers = []
    for match in circle_matches_of_user(user.pk):
        mine = next(member for member in match.members.all() if member.enrolment.person.user_id == user.pk)
        answers.append(_circle_match_out(match, mine))
    return answers


@router.get("/circles/{circle_match_id}", response={200: CircleMatchOut, **refusals(401, 404, 422)}, summary="One of your circle proposals")
def get_circle(request: HttpRequest, circle_match_id: Path[DatabaseId]) -> CircleMatchOut:
    match, mine = access_circle_match(_user(request), circle_match_id)
    return _circle_match_out(match, mine)


@router.post(
    "/circles/{circle_match_id}/response",
    response={200: CircleMatchOut, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Accept a circle proposal, or decline it with a no-fault reason",
)
def post_circle_response(request: HttpRequest, circle_match_id: Path[DatabaseId], payload: ResponseIn) -> CircleMatchOut:
    match, mine = access_circle_match(_user(request), circle_match_id)
    respond_to_circle_match(match=match, enrolment=mine.enrolment, accept=payload.accept, reason=payload.reason)
    match, mine = access_circle_match(_user(request), circle_match_id)
    return _circle_match_out(match, mine)
