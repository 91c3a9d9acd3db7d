"""Computing a match run in the worker: its task, the claim, the engine, the stored proposals, and failing a lost run.

``services.start_match_run`` queues a run and enqueues ``compute_match_run``; nothing here calls the services back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_noop

from turnabout.core.services import task_arguments_waiting
from turnabout.engine import MatchResult, solve
from turnabout.matching.circle_runs import execute_circle_run
from turnabout.matching.models import MatchRun, ProposedPair, RunStatus, UnmatchedEnrolment
from turnabout.matching.pool import build_pool, engine_rules, engine_weights, participant_safe_reasons, rules_fingerprint
from turnabout.matching.rechecks import engine_pair_rules
from turnabout.programs.models import Enrolment

# The sweeper's log (core.services): what it ended.
logger = logging.getLogger("turnabout.tasks")

PROGRESS_STEP = 0.02

# Stored in English (MatchRun.error); MatchRun.error_message shows them in the reader's language.
WORKER_STOPPED = gettext_noop("The worker stopped while matching; run it again.")
NEVER_STARTED = gettext_noop("The run never reached a worker; run it again.")
# The task that computes a run, as the task queue names it (``compute_match_run.module_path``).
COMPUTE_MATCH_RUN_TASK = "turnabout.matching.runs.compute_match_run"


@task()
def compute_match_run(run_id: int) -> None:
    """Compute a queued run; a second delivery finds it claimed and does nothing."""
    if claim_match_run(run_id):
        execute_match_run(run_id=run_id)


def claim_match_run(run_id: int) -> bool:
    """Take a queued run for this worker; False when another worker already has it (conditional UPDATE)."""
    claimed = MatchRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), stage="Reading the pool"
    )
    return claimed == 1


def fail_abandoned_match_run(run_id: int) -> bool:
    """End a run whose task was abandoned (its worker stopped) as failed, saying so; False when it had finished.

    Called by the sweeper inside its transaction (``core.hooks.task_abandoned``). Proposals are stored in one
    transaction with the run's success, so an abandoned run has none to remove.
    """
    failed = MatchRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.FAILED, error=WORKER_STOPPED, finished_at=timezone.now()
    )
    return failed == 1


def fail_unqueued_match_runs(*, queued_before: datetime) -> list[int]:
    """End as failed, saying so, every run queued before ``queued_before`` that no task waits for or runs; their ids.

    Such a run was committed but its task was never enqueued (the process stopped between the commit and the
    enqueue, or the enqueue failed), or its task ended without claiming it. Called by the sweeper
    (``core.hooks.queued_work_swept``) with the heartbeat timeout behind it, long after any enqueue would have landed.
    The conditional UPDATE (still queued) leaves alone a run a worker claimed in the meantime.
    """
    stale = set(MatchRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=queued_before).values_list("pk", flat=True))
    if not stale:
        return []
    failed = []
    for run_id in sorted(stale - task_arguments_waiting(COMPUTE_MATCH_RUN_TASK)):
        if MatchRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED, error=NEVER_STARTED, finished_at=timezone.now()
        ):
            logger.warning("Match run %s was queued with no task coming for it; marked failed.", run_id)
            failed.append(run_id)
    return failed


def _progress_writer(run_id: int) -> Callable[[float, str], None]:
    last = [-1.0]

    def report(fraction: float, stage: str) -> None:
        # Throttled: a write per two percent keeps a 5,000 × 5,000 run from flooding the database.
        if fraction - last[0] >= PROGRESS_STEP or fraction >= 1.0:
            last[0] = fraction
            MatchRun.objects.filter(pk=run_id).update(progress=round(0.1 + 0.85 * fraction, 3), stage=stage[:100])

    return report


def execute_match_run(*, run_id: int) -> MatchRun:
    """Compute a claimed run and store its proposals in one transaction; a crash leaves the run failed, never half-written."""
    run = MatchRun.objects.select_related("program").get(pk=run_id)
    program = run.program
    if program.is_circles:
        return execute_circle_run(run_id=run_id)
    try:
        pool = build_pool(program)
        rules = engine_pair_rules(program, pool_ids=set(pool.enrolments))
        hard_rules, weights = engine_rules(program, **rules), engine_weights(program)
        MatchRun.objects.filter(pk=run_id).update(progress=0.1, stage="Scoring pairs")
        result = solve(pool.problem, hard_rules, weights, mode=run.engine_mode, progress=_progress_writer(run_id))
        with transaction.atomic():
            _store_result(
                run,
                pool.enrolments,
                pool.fingerprint,
                result,
                pinned=set(rules["pinned"]),
                rules_fingerprint=rules_fingerprint(hard_rules, weights, pool.problem.taxonomy),
            )
    except Exception as error:
        MatchRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        raise
    run.refresh_from_db()
    return run


def _store_result(
    run: MatchRun,
    enrolments: dict[str, Enrolment],
    fingerprint: dict[str, dict[str, str]],
    result: MatchResult,
    *,
    pinned: set[tuple[str, str]],
    rules_fingerprint: dict[str, str],
) -> None:
    ProposedPair.objects.bulk_create(
        [
            ProposedPair(
                run=run,
                mentor=enrolments[pair.mentor_id],
                mentee=enrolments[pair.mentee_id],
                score=pair.score,
                components=dict(pair.components),
                reasons=participant_safe_reasons(pair.explanations),
                is_pinned=(pair.mentor_id, pair.mentee_id) in pinned,
            )
            for pair in result.pairs
        ],
        batch_size=1000,
    )
    UnmatchedEnrolment.objects.bulk_create(
        [
            UnmatchedEnrolment(
                run=run,
                enrolment=enrolments[item.id],
                reason=item.reason,
                code=item.explanation.code if item.explanation else "",
                params=dict(item.explanation.params) if item.explanation else {},
            )
            for item in result.unmatched
        ],
        batch_size=1000,
    )
    diagnostics = asdict(result.diagnostics)
    scores = sorted(pair.score for pair in result.pairs)
    diagnostics["score_histogram"] = [
        sum(1 for s in scores if low <= s < low + 0.1 or (low == 0.9 and s == 1.0)) for low in [i / 10 for i in range(10)]
    ]
    diagnostics["changes"] = changes_since_previous_run(run, {(p.mentor_id, p.mentee_id) for p in result.pairs}, enrolments)
    diagnostics["rules_fingerprint"] = rules_fingerprint
    MatchRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, progress=1.0, stage="Done", finished_at=timezone.now(), pool=fingerprint, summary=diagnostics
    )


def changes_since_previous_run(run: MatchRun, pairs: set[tuple[str, str]], enrolments: dict[str, Enrolment]) -> dict[str, int]:
    previous = (
        MatchRun.objects.filter(program=run.program, status=RunStatus.SUCCEEDED, created_at__lt=run.created_at)
        .order_by("-created_at")
        .first()
    )
    if previous is None:
        return {}
    before = {
        (str(mentor_person), str(mentee_person))
        for mentor_person, mentee_person in previous.proposed_pairs.values_list("mentor__person_id", "mentee__person_id")
    }
    before_pool = {str(key) for key in previous.pool}
    now_pool = {str(enrolment.pk) for enrolment in enrolments.values()}
    return {
        "pairs_kept": len(pairs & before),
        "pairs_new": len(pairs - before),
        "pairs_dropped": len(before - pairs),
        "joined_pool": len(now_pool - before_pool),
        "left_pool": len(before_pool - now_pool),
    }
