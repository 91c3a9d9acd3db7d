from django.core.management import call_command
from django.db.models import Q

from turnabout.engagement.models import Pair
from turnabout.matching.demo import ENROLLING_NAME, RUNNING_NAME, seed_demo_programs
from turnabout.programs.models import Program, ProgramStatus


def test_demo_programs_give_the_demo_logins_a_live_pair_and_load_once(db: None) -> None:
    # given
    call_command("seed_demo", employees=2000, seed=1, verbosity=0)

    # when
    first = seed_demo_programs(seed=1)
    second = seed_demo_programs(seed=1)

    # then
    assert first.created == [RUNNING_NAME, ENROLLING_NAME]
    assert second.created == []
    assert second.pairs == first.pairs >= 10
    running = Program.objects.get(name=RUNNING_NAME)
    assert running.status == ProgramStatus.RUNNING
    assert Program.objects.get(name=ENROLLING_NAME).status == ProgramStatus.ENROLLING
    pairs = set()
    for email in ("mentor@northwind.example", "mentee@northwind.example"):
        pair = Pair.objects.filter(program=running).get(Q(mentor__person__user__email=email) | Q(mentee__person__user__email=email))
        assert pair.agreements.get().signatures.count() == 2
        pairs.add(pair.pk)
    # The two sign-ins are partners: one pair shows both sides of the relationship.
    assert len(pairs) == 1
