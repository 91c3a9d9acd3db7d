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
from turnabout.engagement.models import CloseReason, Pair, PairKind, PairMember, PairStatus
from turnabout.engagement.services import close_pair, end_membership, start_circle, start_pair
from turnabout.engine import suggest
from turnabout.matching.errors import (
    AlreadyPublished,
    CircleNoLongerAllowed,
    DeclineReasonRequired,
    InvalidCircleRule,
    InvalidPairRule,
    MatchClosed,
    NotYourTurn,
    PairNoLongerAllowed,
    PinNotForCircles,
    RunNotReady,
    StalePool,
)
from turnabout.matching.models import (
    OPEN_STATUSES,
    CircleMatch,
    CircleMatchMember,
    CirclePin,
    CirclePinMember,
    DeclineReason,
    Match,
    MatchRun,
    MatchStatus,
    PairRule,
    PairRuleKind,
    ProposedCircle,
    Response,
)
from turnabout.matching.pool import available_enrolments, build_pool, engine_rules, engine_weights, participant_id, participant_safe_reasons
from turnabout.matching.queries import roles_asked_first, waiting_for
from turnabout.matching.rechecks import (
    circle_rule_breaks,
    current_pair_rule_breaks,
    engine_pair_rules,
    open_circle_matches_to_recheck,
    open_matches_to_recheck,
    pairs_rule_breaks,
    stale_changes,
)
from turnabout.matching.rule_breaks import rule_break_texts, stored_rule_breaks
from turnabout.matching.runs import compute_match_run
from turnabout.matching.tasks import (
    send_circle_outcome_email,
    send_circle_proposed_email,
    send_match_outcome_email,
    send_match_proposed_email,
    send_partner_withdrawn_email,
)
from turnabout.programs.errors import CircleSizesUnfillable
from turnabout.programs.models import AcceptanceOrder, Enrolment, EnrolmentStatus, Program, Role
from turnabout.programs.rules import circle_size_problems, match_settings


@transaction.atomic
def start_match_run(*, program: Program, by: User, mode: str | None = None) -> MatchRun:
    """Queue a run of the engine over the program's current pool; the worker computes it after commit (``runs``)."""
    if not program.is_matching:
        raise RunNotReady(_("Move the program to matching before running the engine."))
    if program.is_circles:
        ready = available_enrolments(program)
        problems = circle_size_problems(
            program,
            mentors=sum(1 for enrolment in ready if enrolment.role == Role.MENTOR),
            mentees=sum(1 for enrolment in ready if enrolment.role == Role.MENTEE),
        )
        if problems:
            raise CircleSizesUnfillable(problems)
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
    if kind == PairRuleKind.PIN and program.is_circles:
        raise PinNotForCircles(_("In a program of circles, pin a whole circle on the review page instead of one pair."))
    if kind is None:
        PairRule.objects.filter(program=program, mentor=mentor, mentee=mentee).delete()
        return None
    rule, _created = PairRule.objects.update_or_create(
        program=program, mentor=mentor, mentee=mentee, defaults={"kind": kind, "created_by": by}
    )
    return rule


def _lock_run_to_publish(run: MatchRun) -> MatchRun:
    """The run row, locked, once it is finished and not yet published (``publish_match_run``, ``publish_circle_run``)."""
    run = MatchRun.objects.select_for_update().select_related("program").get(pk=run.pk)
    if run.published_at is not None:
        published = date_format(timezone.localtime(run.published_at), "j M Y, H:i")
        raise AlreadyPublished(_("This run was already published on %(date)s.") % {"date": published})
    if not run.has_succeeded:
        raise RunNotReady(_("Only a finished run can be published."))
    return run


@transaction.atomic
def publish_match_run(*, run: MatchRun, by: User) -> list[Match]:
    """Turn a run's proposals into matches awaiting acceptance, once; refuses stale runs.

    Locks the run row, so two managers publishing at once create each pair once; notifications go after commit.
    Audited in the same transaction.
    """
    run = _lock_run_to_publish(run)
    if run.program.is_circles:
        raise RunNotReady(_("This run proposes circles: publish it from the review page, where its circles are shown."))
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
    _take_withdrawn_out_of_circles(program=program, organisation_id=organisation_id)
    _end_withdrawn_memberships(program=program, organisation_id=organisation_id)
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


def _end_withdrawn_memberships(*, program: Program | None, organisation_id: int | None) -> list[PairMember]:
    """Take withdrawn members out of open circles (``end_membership``); a circle that falls below the program's
    minimum sizes closes, and its circle match ends. The memberships ended."""
    members = (
        PairMember.objects.current()
        .filter(pair__kind=PairKind.CIRCLE, enrolment__status=EnrolmentStatus.WITHDRAWN)
        .exclude(pair__status=PairStatus.CLOSED)
    )
    if program is not None:
        members = members.filter(pair__program=program)
    if organisation_id is not None:
        members = members.filter(pair__program__organisation_id=organisation_id)
    leaving = list(members.order_by("pair_id", "pk"))
    for member in leaving:
        pair = end_membership(member=member, reason=CloseReason.PARTNER_LEFT, by=None)
        if pair.is_closed:
            CircleMatch.objects.filter(pair=pair, status=MatchStatus.ACTIVE).update(status=MatchStatus.ENDED, updated_at=timezone.now())
    return leaving


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


def flag_rule_breaks(*, organisation_id: int) -> list[Match | CircleMatch]:
    """Check every open match and circle match of the organisation against the current directory; store what each breaks, or clear it.

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
    return [*flagged, *_flag_circle_rule_breaks(organisation_id=organisation_id)]


def _flag_circle_rule_breaks(*, organisation_id: int) -> list[CircleMatch]:
    """``flag_rule_breaks`` for circle matches: every mentor–mentee pair among the current members (``rechecks.circle_rule_breaks``)."""
    flagged = []
    for match in open_circle_matches_to_recheck(organisation_id=organisation_id):
        stored = stored_rule_breaks(circle_rule_breaks(match.program, [member.enrolment for member in match.current_members]))
        if stored != match.rule_breaks:
            CircleMatch.objects.filter(pk=match.pk).open().update(rule_breaks=stored, rule_breaks_checked_at=timezone.now())
            match.rule_breaks = stored
        if match.rule_breaks:
            flagged.append(match)
    return flagged


@transaction.atomic
def pin_circle(*, proposed_circle: ProposedCircle, by: User) -> CirclePin:
    """Keep this proposed circle's members together in the next runs, while they still fit together as one circle.

    Someone pinned into another circle before is moved: an enrolment is in one circle pin at most.
    """
    enrolment_ids = list(proposed_circle.members.values_list("enrolment_id", flat=True))
    program = proposed_circle.run.program
    CirclePinMember.objects.filter(enrolment_id__in=enrolment_ids).delete()
    CirclePin.objects.filter(program=program, members__isnull=True).delete()
    pin = CirclePin.objects.create(program=program, created_by=by)
    CirclePinMember.objects.bulk_create([CirclePinMember(pin=pin, enrolment_id=enrolment_id) for enrolment_id in enrolment_ids])
    ProposedCircle.objects.filter(pk=proposed_circle.pk).update(is_pinned=True)
    return pin


@transaction.atomic
def unpin_circle(*, pin: CirclePin, by: User) -> None:
    """Let the next runs form these people into any circle again."""
    CirclePin.objects.filter(pk=pin.pk).delete()


@transaction.atomic
def unpin_proposed_circle(*, proposed_circle: ProposedCircle, by: User) -> None:
    """Lift every circle pin holding a member of this proposed circle, so the next runs may form them into any circle."""
    pins = CirclePin.objects.filter(program=proposed_circle.run.program, members__enrolment__in=proposed_circle.members.values("enrolment"))
    for pin in pins.distinct():
        unpin_circle(pin=pin, by=by)
    ProposedCircle.objects.filter(pk=proposed_circle.pk).update(is_pinned=False)


@transaction.atomic
def ban_from_circle(*, proposed_circle: ProposedCircle, enrolment: Enrolment, by: User) -> list[PairRule]:
    """Keep one member out of this circle in the next runs: a ban between them and each member of the circle's other side.

    A circle pin holding them with those people is lifted, since it could no longer be kept. Each ban is lifted with
    ``set_pair_rule(kind=None)``.
    """
    members = list(proposed_circle.members.select_related("enrolment"))
    program = proposed_circle.run.program
    if enrolment.pk not in {member.enrolment_id for member in members}:
        raise InvalidCircleRule(_("%(name)s is not in this circle.") % {"name": enrolment.person.full_name})
    others = [member.enrolment for member in members if member.role != enrolment.role]
    rules = []
    for other in others:
        mentor, mentee = (enrolment, other) if enrolment.role == Role.MENTOR else (other, enrolment)
        rule = set_pair_rule(program=program, mentor=mentor, mentee=mentee, kind=PairRuleKind.FORBID, by=by)
        if rule is not None:
            rules.append(rule)
    CirclePin.objects.filter(program=program, members__enrolment=enrolment).delete()
    return rules


@transaction.atomic
def publish_circle_run(*, run: MatchRun, by: User) -> list[CircleMatch]:
    """Turn a circle run's proposed circles into circle matches awaiting every member's answer, once; refuses stale runs.

    Locks the program row, then the run row: two runs of the program published at once take turns, so an enrolment
    already in an open circle match is refused under that lock. Every member is emailed after commit; audited in the
    same transaction.
    """
    Program.objects.select_for_update().filter(pk=run.program_id).first()
    run = _lock_run_to_publish(run)
    changes = stale_changes(run)
    if changes:
        raise StalePool(changes)
    program = run.program
    circles = list(run.proposed_circles.prefetch_related("members__enrolment__person"))
    enrolment_ids = [member.enrolment_id for circle in circles for member in circle.members.all()]
    taken = (
        CircleMatchMember.objects.filter(enrolment_id__in=enrolment_ids, match__status__in=OPEN_STATUSES)
        .exclude(response=Response.DECLINED)
        .select_related("enrolment__person")
        .first()
    )
    if taken is not None:
        raise StalePool([_("%(name)s is already in an open circle") % {"name": taken.enrolment.person.full_name}])
    matches = []
    for circle in circles:
        match = CircleMatch.objects.create(program=program, run=run, score=circle.score)
        CircleMatchMember.objects.bulk_create(
            [
                CircleMatchMember(
                    match=match, enrolment_id=member.enrolment_id, role=member.role, score=member.score, reasons=member.reasons
                )
                for member in circle.members.all()
            ]
        )
        matches.append(match)
    run.published_at, run.published_by = timezone.now(), by
    run.save(update_fields=["published_at", "published_by", "updated_at"])
    record_audit_entry(
        organisation=program.organisation,
        actor=by,
        action=AuditAction.MATCH_RUN_PUBLISHED,
        summary=f"Match run #{run.pk} of {program.name} published: {len(matches)} circle{'s' if len(matches) != 1 else ''} proposed",
        details={"run_id": run.pk, "program_id": program.pk, "circles": len(matches)},
    )
    emails = [(match.pk, member.enrolment_id) for match, circle in zip(matches, circles, strict=True) for member in circle.members.all()]
    transaction.on_commit(lambda: [send_circle_proposed_email.enqueue(match_id, enrolment_id) for match_id, enrolment_id in emails])
    return matches


def _circle_reaches_minimum(program: Program, members: list[CircleMatchMember]) -> bool:
    mentors = sum(1 for member in members if member.role == Role.MENTOR)
    mentees = sum(1 for member in members if member.role == Role.MENTEE)
    return mentors >= program.circle_min_mentors and mentees >= program.circle_min_mentees


@transaction.atomic
def respond_to_circle_match(*, match: CircleMatch, enrolment: Enrolment, accept: bool, reason: DeclineReason | str = "") -> CircleMatch:
    """Record one member's answer; when every remaining member has accepted, the circle starts (``start_circle``).

    A decline takes that member out without fault: the circle goes on while its sides still reach the program's
    minimum sizes, else it is declined and everyone returns to the pool. An acceptance re-checks the circle's hard
    rules against the current directory (``rechecks.circle_rule_breaks``). Locks the match row; outcomes are emailed
    after commit.
    """
    match = CircleMatch.objects.select_for_update().select_related("program").get(pk=match.pk)
    if not match.is_proposed:
        raise MatchClosed(_("This match is %(status)s; it no longer takes answers.") % {"status": match.get_status_display().lower()})
    members = list(match.members.select_related("enrolment__person").order_by("pk"))
    member = next((item for item in members if item.enrolment_id == enrolment.pk), None)
    if member is None or not member.is_pending:
        raise NotYourTurn(_("Your answer is not needed yet, or you have already answered."))
    if not accept and reason not in DeclineReason.values:
        raise DeclineReasonRequired(_("Choose one of the reasons: none of them blames anyone."))
    remaining = [item for item in members if not item.has_declined and (accept or item.pk != member.pk)]
    if accept:
        breaks = circle_rule_breaks(match.program, [item.enrolment for item in remaining])
        if breaks:
            raise CircleNoLongerAllowed(rule_break_texts(breaks))
    member.response = Response.ACCEPTED if accept else Response.DECLINED
    member.responded_at = timezone.now()
    member.decline_reason = "" if accept else reason
    member.save(update_fields=["response", "responded_at", "decline_reason"])
    _settle_circle(match, remaining)
    return match


def _settle_circle(match: CircleMatch, remaining: list[CircleMatchMember]) -> None:
    """After an answer or a withdrawal: decline the proposal below the program's minimum sizes, start the circle once
    every remaining member has accepted (``start_circle``); the outcome is emailed after commit."""
    program = match.program
    if not _circle_reaches_minimum(program, remaining):
        match.status = MatchStatus.DECLINED
    elif all(item.has_accepted for item in remaining):
        mentors = [item.enrolment for item in remaining if item.role == Role.MENTOR]
        mentees = [item.enrolment for item in remaining if item.role == Role.MENTEE]
        match.pair = start_circle(program=program, mentors=mentors, mentees=mentees)
        match.status = MatchStatus.ACTIVE
    match.save(update_fields=["status", "pair", "updated_at"])
    if not match.is_proposed:
        transaction.on_commit(partial(send_circle_outcome_email.enqueue, match.pk))


def _take_withdrawn_out_of_circles(*, program: Program | None, organisation_id: int | None) -> list[CircleMatch]:
    """Take withdrawn members out of circle proposals still awaiting answers, as a decline would; the changed matches.

    A proposal that falls below the program's minimum sizes is declined and everyone returns to the pool; one whose
    remaining members have all accepted starts. A started circle loses a member through engagement's own closing.
    """
    members = CircleMatchMember.objects.filter(match__status=MatchStatus.PROPOSED, enrolment__status=EnrolmentStatus.WITHDRAWN).exclude(
        response=Response.DECLINED
    )
    if program is not None:
        members = members.filter(match__program=program)
    if organisation_id is not None:
        members = members.filter(match__program__organisation_id=organisation_id)
    match_ids = sorted(set(members.values_list("match_id", flat=True)))
    members.update(response=Response.DECLINED, responded_at=timezone.now())
    changed = []
    for match in CircleMatch.objects.select_for_update().select_related("program").filter(pk__in=match_ids).order_by("pk"):
        remaining = [item for item in match.members.select_related("enrolment").order_by("pk") if not item.has_declined]
        _settle_circle(match, remaining)
        changed.append(match)
    return changed
