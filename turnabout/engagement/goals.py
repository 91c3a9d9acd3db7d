"""Two-way goals: the senior's learning goals and the junior's leadership goals, with milestones."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from turnabout.engagement.errors import PairNotActive
from turnabout.engagement.models import Goal, GoalStatus, Milestone, Pair, PairStatus
from turnabout.programs.models import Role


def _require_open(pair: Pair) -> None:
    if pair.status == PairStatus.CLOSED:
        raise PairNotActive("This pair is closed.")


@transaction.atomic
def add_goal(*, pair: Pair, owner_role: Role, title: str, description: str = "") -> Goal:
    _require_open(pair)
    if not title.strip():
        raise ValueError("A goal needs a title.")
    return Goal.objects.create(pair=pair, owner_role=owner_role, title=title.strip()[:200], description=description)


@transaction.atomic
def update_goal_progress(*, goal: Goal, progress_percent: int, status: GoalStatus | None = None) -> Goal:
    """Set progress (0–100); 100 % or status 'done' marks the goal achieved."""
    _require_open(goal.pair)
    if not 0 <= progress_percent <= 100:
        raise ValueError("Progress is a percentage from 0 to 100.")
    goal.progress_percent = progress_percent
    if status is not None:
        goal.status = status
    if progress_percent == 100 and goal.status == GoalStatus.OPEN:
        goal.status = GoalStatus.DONE
    if goal.status == GoalStatus.DONE:
        goal.progress_percent = 100
        goal.completed_at = goal.completed_at or timezone.now()
    else:
        goal.completed_at = None
    goal.save()
    return goal


@transaction.atomic
def add_milestone(*, goal: Goal, title: str, due_on: date | None = None) -> Milestone:
    _require_open(goal.pair)
    milestone = Milestone.objects.create(goal=goal, title=title.strip()[:200], due_on=due_on)
    Goal.objects.filter(pk=goal.pk).update(updated_at=timezone.now())
    return milestone


@transaction.atomic
def complete_milestone(*, milestone: Milestone) -> Milestone:
    """Mark a milestone done and move its goal's progress to the share of milestones done."""
    goal = milestone.goal
    _require_open(goal.pair)
    if milestone.done_at is None:
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
    milestones = list(goal.milestones.all())
    done = sum(1 for item in milestones if item.done_at is not None)
    update_goal_progress(goal=goal, progress_percent=max(goal.progress_percent, round(100 * done / len(milestones))))
    return milestone
