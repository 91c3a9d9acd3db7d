"""Two-way goals: the senior's learning goals and the junior's leadership goals, with milestones.

Each goal belongs to one side of the pair: only its owner adds, updates and ticks it; the partner reads it. A goal
with milestones measures its progress by them (the share of milestones done); a goal without milestones takes the
progress its owner sets. Ticking milestones never marks a goal achieved: its owner does (or sets 100 % on a goal
without milestones).

``by_role`` is the side acting; ``None`` means no participant acts (the demo seeding its pairs).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turnabout.engagement.errors import NotAllowed, PairNotActive
from turnabout.engagement.models import Goal, GoalStatus, Milestone, Pair, PairStatus
from turnabout.programs.models import Role


def _require_open(pair: Pair) -> None:
    if pair.status == PairStatus.CLOSED:
        raise PairNotActive(_("This pair is closed."))


def _require_owner(*, pair: Pair, owner_role: str, by_role: Role | None) -> None:
    if by_role is not None and by_role != owner_role:
        owner = pair.program.label_for(owner_role)
        raise NotAllowed(_("Only the %(owner)s changes the %(owner)s's goals; you can read them.") % {"owner": owner})


def milestone_share(goal: Goal) -> int | None:
    """The percentage of the goal's milestones done, or None when it has none."""
    total = goal.milestones.count()
    if total == 0:
        return None
    done = goal.milestones.filter(done_at__isnull=False).count()
    return round(100 * done / total)


def _save_progress(goal: Goal, progress_percent: int) -> Goal:
    goal.progress_percent = progress_percent
    if goal.status == GoalStatus.DONE:
        goal.progress_percent = 100
        goal.completed_at = goal.completed_at or timezone.now()
    else:
        goal.completed_at = None
    goal.save()
    return goal


@transaction.atomic
def add_goal(*, pair: Pair, owner_role: Role, title: str, description: str = "", by_role: Role | None = None) -> Goal:
    _require_open(pair)
    _require_owner(pair=pair, owner_role=owner_role, by_role=by_role)
    if not title.strip():
        raise ValueError(_("A goal needs a title."))
    return Goal.objects.create(pair=pair, owner_role=owner_role, title=title.strip()[:200], description=description)


@transaction.atomic
def update_goal_progress(
    *, goal: Goal, progress_percent: int | None = None, status: GoalStatus | None = None, by_role: Role | None = None
) -> Goal:
    """Set the status and, on a goal without milestones, the progress (0–100); 100 % there marks it achieved.

    A goal with milestones keeps the share of its milestones done (a different percentage is refused); marking
    any goal achieved sets it to 100 %.
    """
    _require_open(goal.pair)
    _require_owner(pair=goal.pair, owner_role=goal.owner_role, by_role=by_role)
    if progress_percent is not None and not 0 <= progress_percent <= 100:
        raise ValueError(_("Progress is a percentage from 0 to 100."))
    share = milestone_share(goal)
    if share is None:
        if progress_percent is None:
            raise ValueError(_("Progress is a percentage from 0 to 100."))
    elif progress_percent is not None and progress_percent != share:
        raise ValueError(
            _("This goal's progress follows its milestones (%(share)d %% done): tick a milestone to move it.") % {"share": share}
        )
    if status is not None:
        goal.status = status
    if share is None and progress_percent == 100 and goal.status == GoalStatus.OPEN:
        goal.status = GoalStatus.DONE
    return _save_progress(goal, share if share is not None else progress_percent or 0)


@transaction.atomic
def add_milestone(*, goal: Goal, title: str, due_on: date | None = None, by_role: Role | None = None) -> Milestone:
    """Add a milestone; from then on the goal's progress is the share of its milestones done."""
    _require_open(goal.pair)
    _require_owner(pair=goal.pair, owner_role=goal.owner_role, by_role=by_role)
    if not title.strip():
        raise ValueError(_("A milestone needs a title."))
    milestone = Milestone.objects.create(goal=goal, title=title.strip()[:200], due_on=due_on)
    _save_progress(goal, milestone_share(goal) or 0)
    return milestone


@transaction.atomic
def complete_milestone(*, milestone: Milestone, by_role: Role | None = None) -> Milestone:
    """Mark a milestone done and set its goal's progress to the share of milestones done (its status stays)."""
    goal = milestone.goal
    _require_open(goal.pair)
    _require_owner(pair=goal.pair, owner_role=goal.owner_role, by_role=by_role)
    if milestone.done_at is None:
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
    _save_progress(goal, milestone_share(goal) or 0)
    return milestone
