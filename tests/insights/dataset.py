"""A small running program with hand-countable figures, built through the services (meetings and pulses via the ORM,
as the engagement tests do). Ten pairs started 5 January 2026; figures are read on 6 March 2026 (60 days later).
"""

from __future__ import annotations

import time_machine

from tests.engagement.health_builders import at, held, running_program_with_cast_pair
from turnabout.accounts.models import User
from turnabout.engagement.models import Goal, GoalStatus, Insight, Pair
from turnabout.programs.models import Program, Role


def seeded_program(program: Program, *, manager: User, mentor: User, mentee: User) -> list[Pair]:
    """Charlie–Bob plus nine pairs JR0–JR8 with SR0: ten mentors and two mentees, all ready and matched on 5 January.

    - The first five pairs (Charlie–Bob, JR0–JR3) met twice, 7 or 14 days after starting and a month later; the
      other five never met.
    - Pulses: Charlie rated 5 and Bob 4 at both meetings; JR0–JR3 rated 4 and SR0 5.
    - Goals of the senior side: pairs 1–3 achieved one of two, pairs 4–5 both of two.
    - Ideas adopted: three by Bob, one by SR0 with JR0.
    """
    with time_machine.travel(at(2026, 1, 5), tick=False):
        running_program_with_cast_pair(program, manager=manager, mentor=mentor, mentee=mentee, extra_mentors=9, extra_mentees=1)
    pairs = list(Pair.objects.filter(program=program).order_by("mentor__person__employee_id"))
    cast = next(pair for pair in pairs if pair.mentor.person.user_id == mentor.pk)
    others = sorted((pair for pair in pairs if pair.pk != cast.pk), key=lambda pair: pair.mentor.person.employee_id)
    met = [cast, *others[:4]]
    held(cast, at=at(2026, 1, 12), ratings=(5, 4))
    held(cast, at=at(2026, 2, 12), ratings=(5, 4))
    for pair in others[:4]:
        held(pair, at=at(2026, 1, 19), ratings=(4, 5))
        held(pair, at=at(2026, 2, 19), ratings=(4, 5))
    for position, pair in enumerate(met):
        done = 1 if position < 3 else 2
        for number in range(2):
            status = GoalStatus.DONE if number < done else GoalStatus.OPEN
            Goal.objects.create(pair=pair, owner_role=Role.MENTEE, title=f"Goal {number}", status=status)
    for number in range(3):
        Insight.objects.create(pair=cast, description=f"Idea {number}", owner="Bob", adopted_on=at(2026, 2, 1).date())
    Insight.objects.create(pair=others[0], description="Idea", owner="SR0", adopted_on=at(2026, 2, 1).date())
    return [*met, *others[4:]]
