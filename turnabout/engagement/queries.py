"""Reads for pair pages and manager views. Managers' reads return metadata only, never content."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from turnabout.accounts.models import User
from turnabout.engagement.models import GoalStatus, MeetingStatus, Pair


def pairs_of_user(user: User) -> QuerySet[Pair]:
    return (
        Pair.objects.filter(Q(mentor__person__user=user) | Q(mentee__person__user=user))
        .select_related("program", "mentor__person", "mentee__person")
        .order_by("status", "-started_on")
    )


@dataclass(frozen=True)
class Achievements:
    meetings_held: int
    minutes_together: int
    goals_achieved_by_mentee: int
    goals_achieved_by_mentor: int
    insights_adopted: int

    @property
    def goals_achieved(self) -> int:
        return self.goals_achieved_by_mentee + self.goals_achieved_by_mentor


def achievements(pair: Pair) -> Achievements:
    """What the pair did together, in two queries."""
    meetings = pair.meetings.filter(status=MeetingStatus.HELD)
    held = list(meetings.values_list("held_minutes", "duration_minutes"))
    goals = dict(pair.goals.filter(status=GoalStatus.DONE).values_list("owner_role").annotate(n=Count("pk")))
    return Achievements(
        meetings_held=len(held),
        minutes_together=sum(held_minutes or planned for held_minutes, planned in held),
        goals_achieved_by_mentee=goals.get("mentee", 0),
        goals_achieved_by_mentor=goals.get("mentor", 0),
        insights_adopted=pair.insights.count(),
    )
