"""Computing a run of a circle program: pinned circles kept while they still fit, the rest of the pool formed into circles.

Called by ``runs.execute_match_run`` (the claim, progress and failure handling are the pair run's) for programs whose
pairing format is circles; stores ``ProposedCircle`` rows and the people left out as ``UnmatchedEnrolment`` rows with
the engine's codes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from turnabout.engine import Circle, CircleResult, CircleSpec, Problem, Rules, Unmatched, form_circles
from turnabout.matching.models import CirclePin, MatchRun, ProposedCircle, ProposedCircleMember, RunStatus, UnmatchedEnrolment
from turnabout.matching.pool import Pool, build_pool, engine_rules, engine_weights, participant_safe_reasons, rules_fingerprint
from turnabout.matching.rechecks import engine_pair_rules
from turnabout.programs.models import Enrolment, Role
from turnabout.programs.rules import circle_spec

# Seconds the engine may spend on a pinned circle, and on the rest of the pool.
PIN_TIME_LIMIT = 2.0
POOL_TIME_LIMIT = 20.0


def circle_pins_in_pool(run: MatchRun, pool: Pool) -> list[tuple[CirclePin, list[str]]]:
    """The program's circle pins with the engine ids of their members; a pin with someone no longer in the pool has None."""
    in_pool = {enrolment.pk: engine_id for engine_id, enrolment in pool.enrolments.items()}
    pins = []
    for pin in CirclePin.objects.filter(program=run.program).prefetch_related("members").order_by("pk"):
        ids = [in_pool.get(member.enrolment_id) for member in pin.members.all()]
        pins.append((pin, [engine_id for engine_id in ids if engine_id is not None] if all(ids) else []))
    return pins


def _pinned_circle(pool: Pool, ids: list[str], rules: Rules, weights: Any) -> Circle | None:
    """The circle of exactly these people when it still keeps every rule (checked by the engine on them alone), else None."""
    chosen = set(ids)
    mentors = tuple(p for p in pool.problem.mentors if p.id in chosen)
    mentees = tuple(p for p in pool.problem.mentees if p.id in chosen)
    if not mentors or not mentees or len(mentors) > 20 or len(mentees) > 20:
        return None
    spec = CircleSpec(mentors_per_circle=(len(mentors), len(mentors)), mentees_per_circle=(len(mentees), len(mentees)))
    result = form_circles(Problem(mentors, mentees, taxonomy=pool.problem.taxonomy), spec, rules, weights, time_limit=PIN_TIME_LIMIT)
    return result.circles[0] if len(result.circles) == 1 and not result.unplaced else None


def execute_circle_run(*, run_id: int) -> MatchRun:
    """Compute a claimed run of a circle program and store its circles in one transaction; a crash leaves it failed."""
    run = MatchRun.objects.select_related("program").get(pk=run_id)
    program = run.program
    try:
        pool = build_pool(program)
        pair_rules = engine_pair_rules(program, pool_ids=set(pool.enrolments))
        # Circles never take pair pins (a pin of a circle is a CirclePin); bans keep members apart.
        hard_rules = replace(engine_rules(program, **{**pair_rules, "pinned": []}), max_mentors_per_mentee=1)
        weights = engine_weights(program)
        MatchRun.objects.filter(pk=run_id).update(progress=0.1, stage="Scoring pairs")
        kept: list[tuple[CirclePin, Circle]] = []
        broken: list[int] = []
        for pin, ids in circle_pins_in_pool(run, pool):
            circle = _pinned_circle(pool, ids, hard_rules, weights) if ids else None
            if circle is None:
                broken.append(pin.pk)
            else:
                kept.append((pin, circle))
        taken = {engine_id for _pin, circle in kept for engine_id in (*circle.mentor_ids, *circle.mentee_ids)}
        rest = Problem(
            tuple(p for p in pool.problem.mentors if p.id not in taken),
            tuple(p for p in pool.problem.mentees if p.id not in taken),
            taxonomy=pool.problem.taxonomy,
        )
        MatchRun.objects.filter(pk=run_id).update(progress=0.3, stage="Forming circles")
        result = form_circles(rest, circle_spec(program), hard_rules, weights, time_limit=POOL_TIME_LIMIT)
        MatchRun.objects.filter(pk=run_id).update(progress=0.9, stage="Explaining")
        with transaction.atomic():
            _store_circles(
                run,
                pool.enrolments,
                [*((circle, True) for _pin, circle in kept), *((circle, False) for circle in result.circles)],
                result.unplaced,
            )
            summary = _summary(result, kept=len(kept), broken=broken)
            summary["rules_fingerprint"] = rules_fingerprint(hard_rules, weights, pool.problem.taxonomy)
            MatchRun.objects.filter(pk=run.pk).update(
                status=RunStatus.SUCCEEDED, progress=1.0, stage="Done", finished_at=timezone.now(), pool=pool.fingerprint, summary=summary
            )
    except Exception as error:
        MatchRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        raise
    run.refresh_from_db()
    return run


def _summary(result: CircleResult, *, kept: int, broken: list[int]) -> dict[str, Any]:
    certificate = result.certificate
    return {
        "circles": len(result.circles) + kept,
        "circles_pinned": kept,
        "unplaced": len(result.unplaced),
        "total_score": result.total_score,
        "certificate": {
            "optimal": certificate.optimal,
            "objective": certificate.objective,
            "upper_bound": certificate.upper_bound,
            "gap": certificate.gap,
            "method": certificate.method,
        },
        "pins_broken": broken,
        "seconds": dict(result.seconds),
    }


def _store_circles(
    run: MatchRun, enrolments: dict[str, Enrolment], circles: list[tuple[Circle, bool]], unplaced: tuple[Unmatched, ...]
) -> None:
    for circle, is_pinned in circles:
        proposed = ProposedCircle.objects.create(
            run=run, score=circle.score, languages=list(circle.languages), common_minutes=circle.common_minutes, is_pinned=is_pinned
        )
        ProposedCircleMember.objects.bulk_create(
            [
                ProposedCircleMember(
                    circle=proposed,
                    enrolment=enrolments[member.id],
                    role=Role.MENTOR if member.role == "mentor" else Role.MENTEE,
                    score=member.score,
                    reasons=participant_safe_reasons(member.explanations),
                )
                for member in circle.members
            ]
        )
    UnmatchedEnrolment.objects.bulk_create(
        [
            UnmatchedEnrolment(
                run=run,
                enrolment=enrolments[item.id],
                reason=item.reason,
                code=item.explanation.code if item.explanation else "",
                # The side is kept with the params: "circle_not_formed" reads differently for each.
                params={**dict(item.explanation.params), "side": item.role} if item.explanation else {"side": item.role},
            )
            for item in unplaced
        ],
        batch_size=1000,
    )
