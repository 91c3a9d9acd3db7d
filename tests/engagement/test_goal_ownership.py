"""Goal progress follows milestones without claiming achievement, and each side changes only its own goals."""

import pytest
from django.urls import reverse

from turnabout.engagement.errors import InvalidEntry, NotAllowed
from turnabout.engagement.models import Goal, GoalStatus, Milestone
from turnabout.engagement.services import add_goal, add_milestone, complete_milestone, update_goal_progress
from turnabout.programs.models import Role


@pytest.fixture
def pair(active_pair):
    """Ada (junior, mentor) and Ben (senior, mentee), both with logins, in an active pair."""
    return active_pair


def login(client, pair, role):
    client.force_login(pair.enrolment_for(role).person.user)


def test_ticking_a_milestone_sets_the_share_done_and_does_not_mark_the_goal_achieved(pair):
    # given an 80 % goal that its owner then splits into milestones
    goal = update_goal_progress(goal=add_goal(pair=pair, owner_role=Role.MENTEE, title="Post weekly"), progress_percent=80)
    first = add_milestone(goal=goal, title="First post", by_role=Role.MENTEE)
    add_milestone(goal=goal, title="Second post", by_role=Role.MENTEE)
    add_milestone(goal=goal, title="Third post", by_role=Role.MENTEE)
    add_milestone(goal=goal, title="Fourth post", by_role=Role.MENTEE)

    # when one of four is ticked
    complete_milestone(milestone=first, by_role=Role.MENTEE)

    # then
    goal.refresh_from_db()
    assert (goal.progress_percent, goal.status, goal.completed_at) == (25, GoalStatus.OPEN, None)


def test_ticking_the_only_milestone_of_an_80_percent_goal_is_not_achieved(pair):
    # given
    goal = update_goal_progress(goal=add_goal(pair=pair, owner_role=Role.MENTEE, title="Post weekly"), progress_percent=80)
    only = add_milestone(goal=goal, title="First post", by_role=Role.MENTEE)

    # when
    complete_milestone(milestone=only, by_role=Role.MENTEE)

    # then the goal is fully on track but its owner, not the milestone, calls it achieved
    goal.refresh_from_db()
    assert (goal.progress_percent, goal.status) == (100, GoalStatus.OPEN)
    update_goal_progress(goal=goal, status=GoalStatus.DONE, by_role=Role.MENTEE)
    goal.refresh_from_db()
    assert (goal.status, goal.completed_at is not None) == (GoalStatus.DONE, True)


def test_a_goal_with_milestones_refuses_a_typed_percentage(pair):
    # given
    goal = add_goal(pair=pair, owner_role=Role.MENTOR, title="Present to the board")
    add_milestone(goal=goal, title="Draft the deck", by_role=Role.MENTOR)

    # when / then
    with pytest.raises(InvalidEntry, match="follows its milestones"):
        update_goal_progress(goal=goal, progress_percent=90, by_role=Role.MENTOR)
    goal.refresh_from_db()
    assert goal.progress_percent == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda goal, milestone: update_goal_progress(goal=goal, progress_percent=50, by_role=Role.MENTOR),
        lambda goal, milestone: add_milestone(goal=goal, title="Mine now", by_role=Role.MENTOR),
        lambda goal, milestone: complete_milestone(milestone=milestone, by_role=Role.MENTOR),
        lambda goal, milestone: add_goal(pair=goal.pair, owner_role=Role.MENTEE, title="Yours", by_role=Role.MENTOR),
    ],
    ids=["progress", "add milestone", "tick milestone", "add goal for the partner"],
)
def test_the_service_refuses_the_partner_changing_a_goal(pair, change):
    # given the mentee's goal
    goal = add_goal(pair=pair, owner_role=Role.MENTEE, title="Learn prompting", by_role=Role.MENTEE)
    milestone = add_milestone(goal=goal, title="First prompt", by_role=Role.MENTEE)

    # when / then
    with pytest.raises(NotAllowed, match="Only the mentee"):
        change(goal, milestone)
    goal.refresh_from_db()
    assert (goal.progress_percent, goal.status, Goal.objects.count(), Milestone.objects.count()) == (0, GoalStatus.OPEN, 1, 1)
    assert Milestone.objects.get().done_at is None


def test_the_mentor_cannot_edit_the_mentees_goal_through_the_pages(client, pair):
    # given the mentee's goal (without milestones) and one with a milestone
    goal = add_goal(pair=pair, owner_role=Role.MENTEE, title="Learn prompting")
    stepped = add_goal(pair=pair, owner_role=Role.MENTEE, title="Use Copilot")
    milestone = add_milestone(goal=stepped, title="A first draft")
    login(client, pair, Role.MENTOR)

    # when
    responses = [
        client.post(reverse("engagement:goal_update", args=[goal.pk]), {"progress_percent": 90, "status": "done"}, follow=True),
        client.post(reverse("engagement:milestone_add", args=[goal.pk]), {"title": "Mine"}, follow=True),
        client.post(reverse("engagement:milestone_done", args=[milestone.pk]), follow=True),
        client.post(reverse("engagement:goal_add", args=[pair.pk]), {"owner_role": "mentee", "title": "Yours"}, follow=True),
    ]

    # then nothing changed and each answer says why
    goal.refresh_from_db()
    assert (goal.progress_percent, goal.status, Goal.objects.count(), Milestone.objects.count()) == (0, GoalStatus.OPEN, 2, 1)
    assert Milestone.objects.get().done_at is None
    for response in responses[:3]:
        assert "Only the mentee changes the mentee&#x27;s goals" in response.content.decode()
    assert "Select a valid choice" in responses[3].content.decode()


def test_the_partner_sees_the_goals_without_edit_controls(client, pair):
    # given
    goal = add_goal(pair=pair, owner_role=Role.MENTEE, title="Learn prompting")
    milestone = add_milestone(goal=goal, title="A first draft")
    own = add_goal(pair=pair, owner_role=Role.MENTOR, title="Present to the board")

    # when
    login(client, pair, Role.MENTOR)
    page = client.get(reverse("engagement:pair", args=[pair.pk])).content.decode()

    # then
    assert "Learn prompting" in page
    assert "A first draft" in page
    assert reverse("engagement:goal_update", args=[goal.pk]) not in page
    assert reverse("engagement:milestone_done", args=[milestone.pk]) not in page
    assert reverse("engagement:milestone_add", args=[goal.pk]) not in page
    assert reverse("engagement:goal_update", args=[own.pk]) in page
    assert '<option value="mentee"' not in page
