"""Stale means stale: a run's proposals and a match's pair checked again against the current directory and rules.

Reads only: publishing and accepting refuse what these name (``matching.services``), and a pair already proposed or
running that a directory change breaks is flagged to the program manager (``services.flag_rule_breaks``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from turnabout.engine import Participant, Rules, overlap_minutes
from turnabout.matching.models import CircleMatch, Match, MatchRun, PairRule, PairRuleKind
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
    rules_fingerprint,
)
from turnabout.matching.rule_breaks import NO_SHARED_AVAILABILITY, RuleBreak, rule_break_texts
from turnabout.programs.models import Enrolment, Program, Role
from turnabout.programs.rules import grade_of


def engine_pair_rules(program: Program, *, pool_ids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Pins, bans and past pairs in engine ids, restricted to the pool (a pin on someone matched since is moot).

    A pair that was declined or ended is never proposed again, so its pin, if any, no longer applies.
    """
    past = [
        (participant_id(match.mentor), participant_id(match.mentee))
        for match in Match.objects.filter(program=program).closed().select_related("mentor", "mentee")
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


def stale_changes(run: MatchRun) -> list[str]:
    """How the pool differs from the run's, in words naming each person and what changed; empty when the run is current.

    Every proposed pair's hard rules are checked again against the current directory, so a change that now
    breaks one is named as such ("Ana Ruiz now reports to Ben Cole's line"); sensitive values are never shown.
    A change of availability or time zone is named by the fingerprint ("… time zone is now Asia/Tokyo").
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
    changes.extend(rule_break_texts(_broken_pairs(run, pool, rules)))
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
        zone = participants[participant_id(enrolment)].timezone
        changes.extend(_describe_change(program, enrolment, zone, aspect) for aspect in aspects)
    then_rules = run.summary.get("rules_fingerprint", {})
    now_rules = rules_fingerprint(rules, engine_weights(program), pool.problem.taxonomy)
    changes.extend(
        _("the program's %(aspect)s changed") % {"aspect": aspect_words(aspect)}
        for aspect in sorted(now_rules)
        if then_rules.get(aspect) != now_rules[aspect]
    )
    return changes


def _broken_pairs(run: MatchRun, pool: Pool, rules: Rules) -> list[RuleBreak]:
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


def _describe_change(program: Program, enrolment: Enrolment, timezone_now: str, aspect: str) -> str:
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
        # A guest's grade is the program's guest grade.
        grade = grade_of(program, person)
        if grade is None:
            return _("%(name)s's grade is now unset") % {"name": name}
        return _("%(name)s's grade is now %(grade)s") % {"name": name, "grade": grade.code}
    if aspect == "time zone":
        return _("%(name)s's time zone is now %(zone)s") % {"name": name, "zone": timezone_now}
    return _("%(name)s's %(aspect)s changed") % {"name": name, "aspect": aspect_words(aspect)}


def availability_break(mentor: Participant, mentee: Participant, rules: Rules, *, mentor_name: str, mentee_name: str) -> list[RuleBreak]:
    """The program's minimum weekly overlap, when the pair no longer has it (after a change of availability or time zone).

    The overlap is the engine's own (``engine.overlap_minutes``), so a pair flagged here is one a run would not propose.
    """
    minimum = rules.min_overlap_minutes
    if not minimum or overlap_minutes(mentor, mentee, rules) >= minimum:
        return []
    return [RuleBreak(NO_SHARED_AVAILABILITY, {"mentor": mentor_name, "mentee": mentee_name, "minutes": minimum})]


def current_pair_rule_breaks(match: Match) -> list[RuleBreak]:
    """Every hard rule a match's pair breaks against the current directory and the program's current rules.

    The reporting line, grade gap, shared language, department and bans (``pool.pair_rule_breaks``), and the
    minimum weekly overlap of availability in each one's time zone; as codes and params (``rule_breaks``).
    """
    return pairs_rule_breaks(match.program, [match])[match.pk]


def pairs_rule_breaks(program: Program, matches: Iterable[Match]) -> dict[int, list[RuleBreak]]:
    """``current_pair_rule_breaks`` for many matches of one program, by match id, in a fixed number of queries."""
    matches = list(matches)
    enrolments = (
        Enrolment.objects.filter(pk__in={match.mentor_id for match in matches} | {match.mentee_id for match in matches})
        .select_related(*ENROLMENT_RELATED)
        .prefetch_related("skills__skill")
    )
    people = {enrolment.pk: (participant, enrolment) for participant, enrolment in build_participants(program, enrolments)}
    pair_rules = engine_pair_rules(program, pool_ids={participant.id for participant, _enrolment in people.values()})
    rules = engine_rules(program, pinned=[], forbidden=pair_rules["forbidden"], past=[])
    breaks = {}
    for match in matches:
        (mentor, mentor_enrolment), (mentee, mentee_enrolment) = people[match.mentor_id], people[match.mentee_id]
        names = {"mentor_name": mentor_enrolment.person.full_name, "mentee_name": mentee_enrolment.person.full_name}
        breaks[match.pk] = [*pair_rule_breaks(mentor, mentee, rules, **names), *availability_break(mentor, mentee, rules, **names)]
    return breaks


def open_matches_to_recheck(*, organisation_id: int) -> list[Match]:
    """The organisation's proposed and running matches: those a directory change may have broken, or mended."""
    matches = Match.objects.filter(program__organisation_id=organisation_id).open().select_related("program")
    return list(matches.order_by("program_id", "pk"))


def open_circle_matches_to_recheck(*, organisation_id: int) -> list[CircleMatch]:
    """The organisation's proposed and running circle matches, with their members: those a directory change may have broken, or mended."""
    matches = CircleMatch.objects.filter(program__organisation_id=organisation_id).open().select_related("program")
    return list(matches.prefetch_related("members__enrolment").order_by("program_id", "pk"))


def circle_rule_breaks(program: Program, enrolments: Iterable[Enrolment]) -> list[RuleBreak]:
    """The hard rules a circle of these enrolments breaks against the current directory: every mentor–mentee pair inside it.

    Each pair is checked as ``pairs_rule_breaks`` checks a pair (reporting line, grade gap, language, department, bans and
    the weekly overlap), in a fixed number of queries.
    """
    chosen = Enrolment.objects.filter(pk__in=[enrolment.pk for enrolment in enrolments]).select_related(*ENROLMENT_RELATED)
    people = build_participants(program, chosen.prefetch_related("skills__skill").order_by("pk"))
    pair_rules = engine_pair_rules(program, pool_ids={participant.id for participant, _enrolment in people})
    rules = engine_rules(program, pinned=[], forbidden=pair_rules["forbidden"], past=[])
    breaks: list[RuleBreak] = []
    mentors = [(participant, enrolment) for participant, enrolment in people if enrolment.role == Role.MENTOR]
    mentees = [(participant, enrolment) for participant, enrolment in people if enrolment.role == Role.MENTEE]
    for mentor, mentor_enrolment in mentors:
        for mentee, mentee_enrolment in mentees:
            names = {"mentor_name": mentor_enrolment.person.full_name, "mentee_name": mentee_enrolment.person.full_name}
            breaks += [*pair_rule_breaks(mentor, mentee, rules, **names), *availability_break(mentor, mentee, rules, **names)]
    return breaks
