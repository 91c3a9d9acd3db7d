"""Every state change of matching: queuing runs, pins and bans, publishing, acceptance, flagging broken pairs, rematching.

A run is computed in the worker by ``matching.runs``; the checks against the current directory are ``matching.rechecks``.
"""

from __future__ import annotations

from functools import partial
from itertools import groupby
from operator import attrgetter
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from turnabout.accounts.models import AuditAction, User
from turnabout.accounts.services import record_audit_entry
from turnabout.engagement.models import CloseReason, Pair, PairStatus
from turnabout.engagement.services import close_pair, start_pair
from turnabout.engine import suggest
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
from turnabout.matching.models import DeclineReason, Match, MatchRun, MatchStatus, PairRule, PairRuleKind, Response
from turnabout.matching.pool import build_pool, engine_rules, engine_weights, participant_id, participant_safe_reasons
from turnabout.matching.queries import roles_asked_first, waiting_for
from turnabout.matching.rechecks import (
    current_pair_rule_breaks,
    engine_pair_rules,
    open_matches_to_recheck,
    pairs_rule_breaks,
    stale_changes,
)
from turnabout.matching.rule_breaks import rule_break_texts, stored_rule_breaks
from turnabout.matching.runs import compute_match_run
from turnabout.matching.tasks import send_match_outcome_email, send_match_proposed_email, send_partner_withdrawn_email
from turnabout.programs.models import AcceptanceOrder, Enrolment, EnrolmentStatus, Program, Role
from turnabout.programs.rules import match_settings


@transaction.atomic
def start_match_run(*, program: Program, by: User, mode: str | None = None) -> MatchRun:
    """Queue a run of the engine over the program's current pool; the worker computes it after commit (``runs``)."""
    if not program.is_matching:
        raise RunNotReady(_("Move the program to matching before running the engine."))
    run = MatchRun.objects.create(program=program, requested_by=by, mode=mode or match_settings(program).mode.value)
    transaction.on_commit(lambda: compute_match_run.enqueue(run.pk))
    return run


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


@transaction.atomic
def publish_match_run(*, run: MatchRun, by: User) -> list[Match]:
    """Turn a run's proposals into matches awaiting acceptance, once; refuses stale runs.

    Locks the run row, so two managers publishing at once create each pair once; notifications go after commit.
    Audited in the same transaction.
    """
    run = MatchRun.objects.select_for_update().select_related("program").get(pk=run.pk)
    if run.published_at is not None:
        published = date_format(timezone.localtime(run.published_at), "j M Y, H:i")
        raise AlreadyPublished(_("This run was already published on %(date)s.") % {"date": published})
    if not run.has_succeeded:
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


@transaction.atomic
def respond_to_match(*, match: Match, role: Role, accept: bool, reason: DeclineReason | str = "") -> Match:
    """Record one side's answer; both acceptances make the pair active, a decline returns both to the pool.

    Locks the match row; the other side is told after commit when it becomes their turn, or of the outcome.
    An acceptance re-checks the pair's hard rules against the current directory, and is refused if one now breaks.
    """
    match = Match.objects.select_for_update().select_related("program", "mentor__person", "mentee__person").get(pk=match.pk)
    if not match.is_proposed:
        raise MatchClosed(_("This match is %(status)s; it no longer takes answers.") % {"status": match.get_status_display().lower()})
    if role not in waiting_for(match):
        raise NotYourTurn(_("Your answer is not needed yet, or you have already answered."))
    if not accept and reason not in DeclineReason.values:
        raise DeclineReasonRequired(_("Choose one of the reasons: none of them blames anyone."))
    breaks = current_pair_rule_breaks(match) if accept else []
    if breaks:
        # Worded here, in the request, so the refusal reads in the language of whoever accepted.
        raise PairNoLongerAllowed(rule_break_texts(breaks))
    now = timezone.now()
    setattr(match, f"{role}_response", Response.ACCEPTED if accept else Response.DECLINED)
    setattr(match, f"{role}_responded_at", now)
    if not accept:
        match.status, match.decline_reason = MatchStatus.DECLINED, reason
    elif match.mentor_response == Response.ACCEPTED and match.mentee_response == Response.ACCEPTED:
        match.status = MatchStatus.ACTIVE
    match.save()
    if match.is_active:
        start_pair(program=match.program, mentor=match.mentor, mentee=match.mentee)
    match_id = match.pk
    if match.is_proposed:
        other = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
        if match.program.acceptance_order != AcceptanceOrder.BOTH_AT_ONCE:
            transaction.on_commit(lambda: send_match_proposed_email.enqueue(match_id, other))
    else:
        transaction.on_commit(lambda: send_match_outcome_email.enqueue(match_id))
    return match


@transaction.atomic
def end_matches_of_withdrawn(*, program: Program | None = None, organisation_id: int | None = None) -> list[Match]:
    """Close open matches in which someone was withdrawn (e.g. left the organisation); their partner is told."""
    matches = Match.objects.select_for_update().open().with_a_side_withdrawn()
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
    offered = {candidate.pk: (score, reasons) for candidate, score, reasons in suggestions_for(enrolment=mentee)}
    if mentor.pk not in offered:
        raise InvalidPairRule(_("You can request only one of your current suggestions."))
    # Lock both enrolments so two requests cannot race past the open-match check.
    list(Enrolment.objects.select_for_update().filter(pk__in=[mentee.pk, mentor.pk]))
    open_for_mentee = Match.objects.filter(mentee=mentee).open().count()
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


def flag_rule_breaks(*, organisation_id: int) -> list[Match]:
    """Check every open match of the organisation against the current directory; store what each breaks, or clear it.

    Run after a directory change (``core.hooks.people_changed``, by ``jobs.recheck_open_matches_task``): a pair
    proposed or running when an HRIS import, a SCIM update or an edit of a person moves a manager into the line, or
    changes a grade, a language or a time zone, is flagged to the program manager with what broke, stored as codes and
    params (``rule_breaks``) and worded in the reader's language (``Match.rule_break_texts``); the flag goes when the
    pair is valid again. Each match is written only when its flag changes. Returns the flagged matches.
    """
    flagged = []
    for _program_id, program_matches in groupby(open_matches_to_recheck(organisation_id=organisation_id), key=attrgetter("program_id")):
        matches = list(program_matches)
        breaks = pairs_rule_breaks(matches[0].program, matches)
        for match in matches:
            stored = stored_rule_breaks(breaks[match.pk])
            if stored != match.rule_breaks:
                Match.objects.filter(pk=match.pk).open().update(rule_breaks=stored, rule_breaks_checked_at=timezone.now())
                match.rule_breaks = stored
            if match.rule_breaks:
                flagged.append(match)
    return flagged
