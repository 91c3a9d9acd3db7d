"""Reads for the match review and participants' match pages, in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from turnabout.matching.models import Match, MatchRun, MatchStatus, PairRule, ProposedPair, UnmatchedEnrolment
from turnabout.programs.models import Enrolment, Program

_PERSON = ["person", "person__grade", "person__department", "person__site"]


def latest_run(program: Program) -> MatchRun | None:
    return program.match_runs.order_by("-created_at").first()


def run_proposals(run: MatchRun) -> list[ProposedPair]:
    return list(
        run.proposed_pairs.select_related(*[f"mentor__{path}" for path in _PERSON], *[f"mentee__{path}" for path in _PERSON]).order_by(
            "-is_pinned", "-score", "pk"
        )
    )


def run_unmatched(run: MatchRun) -> list[UnmatchedEnrolment]:
    return list(run.unmatched.select_related(*[f"enrolment__{path}" for path in _PERSON]).order_by("enrolment__role", "pk"))


def program_pair_rules(program: Program) -> list[PairRule]:
    return list(program.pair_rules.select_related("mentor__person", "mentee__person").order_by("kind", "pk"))


def program_matches(program: Program) -> list[Match]:
    return list(program.matches.select_related("mentor__person", "mentee__person").order_by("status", "-score"))


def matches_of_user(user_id: int) -> QuerySet[Match]:
    return (
        Match.objects.filter(Q(mentor__person__user_id=user_id) | Q(mentee__person__user_id=user_id))
        .select_related("program", "mentor__person", "mentee__person")
        .order_by("-created_at")
    )


def open_match_for(enrolment: Enrolment) -> Match | None:
    return (
        Match.objects.filter(Q(mentor=enrolment) | Q(mentee=enrolment), status__in=[MatchStatus.PROPOSED, MatchStatus.ACTIVE])
        .select_related("mentor__person", "mentee__person")
        .first()
    )
