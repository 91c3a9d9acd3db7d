"""The pairs' part of erasing a person: what they wrote goes; what happened, and its figures, stays.

Called by ``turnabout.personal_data.services.erase_person`` inside its transaction. Deleted: the notes they wrote
(private and shared), the quotes they offered for the report (withdrawn or not) and their calendar feed. Emptied, on
their side of each pair: pulse comments, reflections, goal descriptions, their half of each agreement's goals, the
concerns they raised and the insights they logged. Kept: pairs, meetings, pulse ratings, goals and their progress,
signatures, concerns and insights as rows, so every count and rating in the reports stays the same. Nothing the
partner wrote is touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from turnabout.accounts.models import User
from turnabout.engagement.models import Agreement, CalendarFeed, Concern, Goal, Insight, Note, Pair, PairKind, Pulse, Quote, Reflection
from turnabout.people.models import Person
from turnabout.programs.models import Role


@dataclass(frozen=True)
class EngagementErasure:
    notes_deleted: int
    pulse_comments_emptied: int
    reflections_emptied: int
    goal_descriptions_emptied: int
    agreements_emptied: int
    concerns_emptied: int
    insights_emptied: int
    quotes_deleted: int

    def as_counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def open_pair_count(person: Person) -> int:
    """How many active or paused pairs or circles ``person`` is in, on either side. Reads only."""
    return (
        Pair.objects.open()
        .filter(Q(mentor__person=person) | Q(mentee__person=person) | Q(members__enrolment__person=person, members__left_at__isnull=True))
        .distinct()
        .count()
    )


def _own_side(person: Person) -> Q:
    """Rows of a relationship (pulses, reflections) that are ``person``'s: their member's rows, and the rows without a
    member on their side of a pair (``role`` names the side)."""
    as_mentor = Pair.objects.filter(mentor__person=person).values("pk")
    as_mentee = Pair.objects.filter(mentee__person=person).values("pk")
    by_side = Q(pair__in=as_mentor, role=Role.MENTOR) | Q(pair__in=as_mentee, role=Role.MENTEE)
    return Q(member__enrolment__person=person) | Q(member__isnull=True) & by_side


@transaction.atomic
def erase_engagement_content(*, person: Person, user: User | None) -> EngagementErasure:
    """Delete or empty what ``person`` (signed in as ``user``, if they had a login) wrote in their pairs.

    Call only from the erasure service, before their login is renamed. Idempotent.
    """
    side = _own_side(person)
    notes_deleted = Note.objects.filter(author=user).delete()[0] if user is not None else 0
    pulses = Pulse.objects.filter(side).exclude(learned="").update(learned="")
    reflections = Reflection.objects.filter(side).update(learned="", proudest="", next_steps="")
    goals = Goal.objects.filter(
        Q(owner_member__enrolment__person=person)
        | Q(owner_member__isnull=True, pair__kind=PairKind.PAIR)
        & (Q(pair__mentor__person=person, owner_role=Role.MENTOR) | Q(pair__mentee__person=person, owner_role=Role.MENTEE))
    )
    goal_descriptions = goals.exclude(description="").update(description="")
    # A circle's agreement goals are the circle's shared text, not one person's data.
    agreements = Agreement.objects.filter(pair__kind=PairKind.PAIR, pair__mentor__person=person).update(mentor_goals="")
    agreements += Agreement.objects.filter(pair__kind=PairKind.PAIR, pair__mentee__person=person).update(mentee_goals="")
    concerns = insights = quotes = 0
    if user is not None:
        concerns = Concern.objects.filter(raised_by=user).update(body="")
        insights = Insight.objects.filter(created_by=user).update(description="", owner="")
        quotes = Quote.objects.filter(author=user).delete()[0]
        CalendarFeed.objects.filter(user=user).delete()
    return EngagementErasure(
        notes_deleted=notes_deleted,
        pulse_comments_emptied=pulses,
        reflections_emptied=reflections,
        goal_descriptions_emptied=goal_descriptions,
        agreements_emptied=agreements,
        concerns_emptied=concerns,
        insights_emptied=insights,
        quotes_deleted=quotes,
    )
