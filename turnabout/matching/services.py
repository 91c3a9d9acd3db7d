"""Every state change of matching: runs, pins and bans, publishing, acceptance, rematching."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from turnabout.accounts.models import AuditAction, User
from turnabout.accounts.services import record_audit_entry
from turnabout.core.services import task_arguments_waiting
from turnabout.engagement.models import CloseReason, Pair, PairStatus
from turnabout.engagement.pairs import close_pair, start_pair
from turnabout.engine import MatchResult, Rules, solve, suggest
from turnabout.matching.errors import (
    AlreadyPublished,
    DeclineReasonRequired,
    InvalidPairRule,
    MatchClosed,
    NotYourTurn,
    PairNoLongerAllowed,
    RunNotReady,
    StalePool,
)
from turnabout.matching.models import (
    DeclineReason,
    Match,
    MatchRun,
    MatchStatus,
    PairRule,
    PairRuleKind,
    ProposedPair,
    Response,
    RunStatus,
    UnmatchedEnrolment,
)
from turnabout.matching.pool import (
    ENROLMENT_RELATED,
    Pool,
    aspect_words,
    build_participants,
    build_pool,
    engine_rules,
    engine_weights,
    pair_rule_breaks,
    participant_id,
    participant_safe_reasons,
    rules_fingerprint,
)
from turnabout.programs.models import AcceptanceOrder, Enrolment, EnrolmentStatus, Program, ProgramStatus, Role

# The sweeper's log (core.services): what it ended.
logger = logging.getLogger("turnabout.tasks")

PROGRESS_STEP = 0.02


@transaction.atomic
def start_match_run(*, program: Program, by: User, mode: str | None = None) -> MatchRun:
    """Queue a run of the engine over the program's current pool; the worker computes it after commit."""
    from turnabout.matching.tasks import compute_match_run

    if program.status != ProgramStatus.MATCHING:
        raise RunNotReady(_("Move the program to matching before running the engine."))
    run = MatchRun.objects.create(program=program, requested_by=by, mode=mode or str(program.match_rules.get("mode", "score")))
    transaction.on_commit(lambda: compute_match_run.enqueue(run.pk))
    return run


def claim_match_run(run_id: int) -> bool:
    """Take a queued run for this worker; False when another worker already has it (conditional UPDATE)."""
    claimed = MatchRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), stage="Reading the pool"
    )
    return claimed == 1


# Stored in English (MatchRun.error); MatchRun.error_message shows them in the reader's language.
WORKER_STOPPED = gettext_noop("The worker stopped while matching; run it again.")
NEVER_STARTED = gettext_noop("The run never reached a worker; run it again.")
# The task that computes a run (matching.tasks imports this module, so it is named here, not imported).
COMPUTE_MATCH_RUN_TASK = "turnabout.matching.tasks.compute_match_run"


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
    try:
        pool = build_pool(program)
        rules = engine_pair_rules(program, pool_ids=set(pool.enrolments))
        hard_rules, weights = engine_rules(program, **rules), engine_weights(program)
        MatchRun.objects.filter(pk=run_id).update(progress=0.1, stage="Scoring pairs")
        result = solve(pool.problem, hard_rules, weights, mode=run.mode, progress=_progress_writer(run_id))
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


def engine_pair_rules(program: Program, *, pool_ids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Pins, bans and past pairs in engine ids, restricted to the pool (a pin on someone matched since is moot).

    A pair that was declined or ended is never proposed again, so its pin, if any, no longer applies.
    """
    past = [
        (participant_id(match.mentor), participant_id(match.mentee))
        for match in Match.objects.filter(program=program, status__in=[MatchStatus.DECLINED, MatchStatus.ENDED]).select_related(
            "mentor", "mentee"
        )
    ]
    rules: dict[str, list[tuple[str, str]]] = {"pinned": [], "forbidden": [], "past": past}
    for rule in PairRule.objects.filter(program=program).select_related("mentor", "mentee"):
        pair = (participant_id(rule.mentor), participant_id(rule.mentee))
        if pair[0] not in pool_ids or pair[1] not in pool_ids:
            continue
        if rule.kind == PairRuleKind.FORBID:
            rules["forbidden"].append(pair)
        elif pair not in past:
            rules["pinned"].append(pair)
    return rules


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


@transaction.atomic
def set_pair_rule(*, program: Program, mentor: Enrolment, mentee: Enrolment, kind: PairRuleKind | None, by: User) -> PairRule | None:
    """Pin or forbid a pair for the next runs, or clear the rule (kind None)."""
    if mentor.program_id != program.pk or mentee.program_id != program.pk or mentor.role != Role.MENTOR or mentee.role != Role.MENTEE:
        raise InvalidPairRule(
            _("A pin or ban joins a %(mentor)s and a %(mentee)s of this program.")
            % {"mentor": program.mentor_label, "mentee": program.mentee_label}
        )
    if kind is None:
        PairRule.objects.filter(program=program, mentor=mentor, mentee=mentee).delete()
        return None
    rule, _created = PairRule.objects.update_or_create(
        program=program, mentor=mentor, mentee=mentee, defaults={"kind": kind, "created_by": by}
    )
    return rule


def stale_changes(run: MatchRun) -> list[str]:
    """How the pool differs from the run's, in words naming each person and what changed; empty when the run is current.

    Every proposed pair's hard rules are checked again against the current directory, so a change that now
    breaks one is named as such ("Ana Ruiz now reports to Ben Cole's line"); sensitive values are never shown.
    """
    program = run.program
    pool = build_pool(program)
    rules = engine_rules(program, **engine_pair_rules(program, pool_ids=set(pool.enrolments)))
    now = pool.fingerprint
    then = {str(key): value for key, value in run.pool.items()}
    changes = []
    joined, left = set(now) - set(then), set(then) - set(now)
    if joined:
        changes.append(
            ngettext("%(count)d person joined the pool", "%(count)d people joined the pool", len(joined)) % {"count": len(joined)}
        )
    if left:
        changes.append(
            ngettext(
                "%(count)d person left the pool (withdrawn, matched elsewhere or no longer ready)",
                "%(count)d people left the pool (withdrawn, matched elsewhere or no longer ready)",
                len(left),
            )
            % {"count": len(left)}
        )
    changes.extend(_broken_pairs(run, pool, rules))
    by_enrolment = {str(enrolment.pk): enrolment for enrolment in pool.enrolments.values()}
    participants = {participant.id: participant for participant in (*pool.problem.mentors, *pool.problem.mentees)}
    for key in sorted(set(now) & set(then), key=int):
        before, after = then[key], now[key]
        if before == after:
            continue
        enrolment = by_enrolment[key]
        if not isinstance(before, dict):
            changes.append(_("%(name)s's details changed") % {"name": enrolment.person.full_name})
            continue
        aspects = sorted(aspect for aspect in set(before) | set(after) if before.get(aspect) != after.get(aspect))
        changes.extend(_describe_change(enrolment, participants[participant_id(enrolment)].timezone, aspect) for aspect in aspects)
    then_rules = run.summary.get("rules_fingerprint", {})
    now_rules = rules_fingerprint(rules, engine_weights(program), pool.problem.taxonomy)
    changes.extend(
        _("the program's %(aspect)s changed") % {"aspect": aspect_words(aspect)}
        for aspect in sorted(now_rules)
        if then_rules.get(aspect) != now_rules[aspect]
    )
    return changes


def _broken_pairs(run: MatchRun, pool: Pool, rules: Rules) -> list[str]:
    """The hard rules the run's proposed pairs break against the current directory (pairs still in the pool)."""
    participants = {participant.id: participant for participant in (*pool.problem.mentors, *pool.problem.mentees)}
    by_enrolment = {enrolment.pk: (participants[key], enrolment) for key, enrolment in pool.enrolments.items()}
    breaks = []
    for mentor_id, mentee_id in run.proposed_pairs.values_list("mentor_id", "mentee_id"):
        if mentor_id not in by_enrolment or mentee_id not in by_enrolment:
            continue
        (mentor, mentor_enrolment), (mentee, mentee_enrolment) = by_enrolment[mentor_id], by_enrolment[mentee_id]
        breaks += pair_rule_breaks(
            mentor, mentee, rules, mentor_name=mentor_enrolment.person.full_name, mentee_name=mentee_enrolment.person.full_name
        )
    return breaks


def _describe_change(enrolment: Enrolment, timezone_now: str, aspect: str) -> str:
    person = enrolment.person
    name = person.full_name
    if aspect == "reporting line":
        if person.manager is None:
            return _("%(name)s's reporting line changed (they now report to nobody)") % {"name": name}
        return _("%(name)s's reporting line changed (their manager is now %(manager)s)") % {
            "name": name,
            "manager": person.manager.full_name,
        }
    if aspect == "grade":
        if person.grade is None:
            return _("%(name)s's grade is now unset") % {"name": name}
        return _("%(name)s's grade is now %(grade)s") % {"name": name, "grade": person.grade.code}
    if aspect == "time zone":
        return _("%(name)s's time zone is now %(zone)s") % {"name": name, "zone": timezone_now}
    return _("%(name)s's %(aspect)s changed") % {"name": name, "aspect": aspect_words(aspect)}


@transaction.atomic
def publish_match_run(*, run: MatchRun, by: User) -> list[Match]:
    """Turn a run's proposals into matches awaiting acceptance, once; refuses stale runs.

    Locks the run row, so two managers publishing at once create each pair once; notifications go after commit.
    Audited in the same transaction.
    """
    from turnabout.matching.tasks import send_match_proposed_email

    run = MatchRun.objects.select_for_update().select_related("program").get(pk=run.pk)
    if run.published_at is not None:
        published = date_format(timezone.localtime(run.published_at), "j M Y, H:i")
        raise AlreadyPublished(_("This run was already published on %(date)s.") % {"date": published})
    if run.status != RunStatus.SUCCEEDED:
        raise RunNotReady(_("Only a finished run can be published."))
    changes = stale_changes(run)
    if changes:
        raise StalePool(changes)
    program = run.program
    matches = Match.objects.bulk_create(
        [
            Match(
                program=program,
                mentor_id=pair.mentor_id,
                mentee_id=pair.mentee_id,
                run=run,
                score=pair.score,
                components=pair.components,
                reasons=pair.reasons,
            )
            for pair in run.proposed_pairs.all()
        ]
    )
    run.published_at, run.published_by = timezone.now(), by
    run.save(update_fields=["published_at", "published_by", "updated_at"])
    record_audit_entry(
        organisation=program.organisation,
        actor=by,
        action=AuditAction.MATCH_RUN_PUBLISHED,
        summary=f"Match run #{run.pk} of {program.name} published: {len(matches)} pair{'s' if len(matches) != 1 else ''} proposed",
        details={"run_id": run.pk, "program_id": program.pk, "matches": len(matches)},
    )
    first_roles = roles_asked_first(program)
    match_ids = [match.pk for match in matches]
    transaction.on_commit(lambda: [send_match_proposed_email.enqueue(match_id, role) for match_id in match_ids for role in first_roles])
    return matches


def roles_asked_first(program: Program) -> list[str]:
    """The sides a published match asks first, by the program's acceptance order (both at once by default)."""
    if program.acceptance_order == AcceptanceOrder.MENTEE_FIRST:
        return [Role.MENTEE]
    if program.acceptance_order == AcceptanceOrder.MENTOR_FIRST:
        return [Role.MENTOR]
    return [Role.MENTOR, Role.MENTEE]


def waiting_for(match: Match) -> list[str]:
    """The sides whose answer is awaited now, given the program's acceptance order."""
    if match.status != MatchStatus.PROPOSED:
        return []
    pending: list[str] = [role for role in (Role.MENTOR, Role.MENTEE) if getattr(match, f"{role}_response") == Response.PENDING]
    order = match.program.acceptance_order
    first = Role.MENTEE if order == AcceptanceOrder.MENTEE_FIRST else Role.MENTOR if order == AcceptanceOrder.MENTOR_FIRST else None
    if first is not None and first in pending:
        return [first]
    return pending


@transaction.atomic
def respond_to_match(*, match: Match, role: Role, accept: bool, reason: DeclineReason | str = "") -> Match:
    """Record one side's answer; both acceptances make the pair active, a decline returns both to the pool.

    Locks the match row; the other side is told after commit when it becomes their turn, or of the outcome.
    An acceptance re-checks the pair's hard rules against the current directory, and is refused if one now breaks.
    """
    from turnabout.matching.tasks import send_match_outcome_email, send_match_proposed_email

    match = Match.objects.select_for_update().select_related("program", "mentor__person", "mentee__person").get(pk=match.pk)
    if match.status != MatchStatus.PROPOSED:
        raise MatchClosed(_("This match is %(status)s; it no longer takes answers.") % {"status": match.get_status_display().lower()})
    if role not in waiting_for(match):
        raise NotYourTurn(_("Your answer is not needed yet, or you have already answered."))
    if not accept and reason not in DeclineReason.values:
        raise DeclineReasonRequired(_("Choose one of the reasons: none of them blames anyone."))
    breaks = current_pair_rule_breaks(match) if accept else []
    if breaks:
        raise PairNoLongerAllowed(breaks)
    now = timezone.now()
    setattr(match, f"{role}_response", Response.ACCEPTED if accept else Response.DECLINED)
    setattr(match, f"{role}_responded_at", now)
    if not accept:
        match.status, match.decline_reason = MatchStatus.DECLINED, reason
    elif match.mentor_response == Response.ACCEPTED and match.mentee_response == Response.ACCEPTED:
        match.status = MatchStatus.ACTIVE
    match.save()
    if match.status == MatchStatus.ACTIVE:
        start_pair(program=match.program, mentor=match.mentor, mentee=match.mentee)
    match_id = match.pk
    if match.status == MatchStatus.PROPOSED:
        other = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
        if match.program.acceptance_order != AcceptanceOrder.BOTH_AT_ONCE:
            transaction.on_commit(lambda: send_match_proposed_email.enqueue(match_id, other))
    else:
        transaction.on_commit(lambda: send_match_outcome_email.enqueue(match_id))
    return match


def current_pair_rule_breaks(match: Match) -> list[str]:
    """The hard rules a match's pair breaks against the current directory and the program's current rules."""
    program = match.program
    enrolments = (
        Enrolment.objects.filter(pk__in=[match.mentor_id, match.mentee_id])
        .select_related(*ENROLMENT_RELATED)
        .prefetch_related("skills__skill")
    )
    people = {enrolment.pk: (participant, enrolment) for participant, enrolment in build_participants(program, enrolments)}
    (mentor, mentor_enrolment), (mentee, mentee_enrolment) = people[match.mentor_id], people[match.mentee_id]
    pair_rules = engine_pair_rules(program, pool_ids={mentor.id, mentee.id})
    rules = engine_rules(program, pinned=[], forbidden=pair_rules["forbidden"], past=[])
    return pair_rule_breaks(
        mentor, mentee, rules, mentor_name=mentor_enrolment.person.full_name, mentee_name=mentee_enrolment.person.full_name
    )


@transaction.atomic
def end_matches_of_withdrawn(*, program: Program | None = None, organisation_id: int | None = None) -> list[Match]:
    """Close open matches in which someone was withdrawn (e.g. left the organisation); their partner is told."""
    from turnabout.matching.tasks import send_partner_withdrawn_email

    matches = Match.objects.select_for_update().filter(status__in=[MatchStatus.PROPOSED, MatchStatus.ACTIVE])
    matches = matches.filter(Q(mentor__status=EnrolmentStatus.WITHDRAWN) | Q(mentee__status=EnrolmentStatus.WITHDRAWN))
    if program is not None:
        matches = matches.filter(program=program)
    if organisation_id is not None:
        matches = matches.filter(program__organisation_id=organisation_id)
    ended = list(matches.select_related("mentor", "mentee"))
    for match in ended:
        match.status = MatchStatus.ENDED
        match.ended_reason = "A partner is no longer in the program"
        match.save(update_fields=["status", "ended_reason", "updated_at"])
        for pair in Pair.objects.filter(program_id=match.program_id, mentor=match.mentor, mentee=match.mentee).exclude(
            status=PairStatus.CLOSED
        ):
            close_pair(pair=pair, reason=CloseReason.PARTNER_LEFT, by=None)
        leaving_role = Role.MENTOR if match.mentor.status == EnrolmentStatus.WITHDRAWN else Role.MENTEE
        transaction.on_commit(partial(send_partner_withdrawn_email.enqueue, match.pk, leaving_role))
    return ended


def suggestions_for(*, enrolment: Enrolment, top_n: int = 3) -> list[tuple[Enrolment, float, list[dict[str, Any]]]]:
    """Top mentors for a mentee of a self-select program, spread across the pool; (mentor enrolment, score, reasons)."""
    program = enrolment.program
    pool = build_pool(program)
    me = participant_id(enrolment)
    if me not in pool.enrolments:
        return []
    rules = engine_pair_rules(program, pool_ids=set(pool.enrolments))
    suggestions = suggest(pool.problem, engine_rules(program, **rules), engine_weights(program), top_n=top_n)
    mine = sorted((s for s in suggestions if s.mentee_id == me), key=lambda s: s.rank)
    return [(pool.enrolments[s.mentor_id], s.score, participant_safe_reasons(s.explanations)) for s in mine]


@transaction.atomic
def request_mentor(*, mentee: Enrolment, mentor: Enrolment) -> Match:
    """A mentee of a self-select program asks for one of their suggestions; the mentor then accepts or declines."""
    from turnabout.matching.tasks import send_match_proposed_email

    offered = {candidate.pk: (score, reasons) for candidate, score, reasons in suggestions_for(enrolment=mentee)}
    if mentor.pk not in offered:
        raise InvalidPairRule(_("You can request only one of your current suggestions."))
    # Lock both enrolments so two requests cannot race past the open-match check.
    list(Enrolment.objects.select_for_update().filter(pk__in=[mentee.pk, mentor.pk]))
    open_for_mentee = Match.objects.filter(mentee=mentee, status__in=[MatchStatus.PROPOSED, MatchStatus.ACTIVE]).count()
    if open_for_mentee >= mentee.capacity:
        raise MatchClosed(_("You already have an open request or pair; wait for the answer first."))
    score, reasons = offered[mentor.pk]
    match = Match.objects.create(
        program=mentee.program,
        mentor=mentor,
        mentee=mentee,
        score=score,
        reasons=reasons,
        mentee_response=Response.ACCEPTED,
        mentee_responded_at=timezone.now(),
        requested_by_mentee=True,
    )
    transaction.on_commit(lambda: send_match_proposed_email.enqueue(match.pk, Role.MENTOR))
    return match


@transaction.atomic
def rematch_pair(*, pair: Pair, by: User) -> Pair:
    """End a pair without fault and its match, so both people return to the pool for the next run."""
    pair = close_pair(pair=pair, reason=CloseReason.REMATCHED, by=by)
    Match.objects.filter(program_id=pair.program_id, mentor_id=pair.mentor_id, mentee_id=pair.mentee_id, status=MatchStatus.ACTIVE).update(
        status=MatchStatus.ENDED, ended_reason="Rematched by the program manager", updated_at=timezone.now()
    )
    return pair
