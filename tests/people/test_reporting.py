import pytest

from turnabout.people.errors import ManagerCycle
from turnabout.people.reporting import compute_reporting_paths


def test_paths_follow_managers_in_any_order():
    # given managers listed child-first
    managers = {3: 2, 2: 1, 1: None, 4: 1}

    # when
    paths = compute_reporting_paths(managers)

    # then
    assert paths == {1: ("/1/", 0), 2: ("/1/2/", 1), 3: ("/1/2/3/", 2), 4: ("/1/4/", 1)}


def test_a_cycle_is_refused_with_its_members():
    with pytest.raises(ManagerCycle, match=r"1 → 2 → 3 → 1|2 → 3 → 1 → 2|3 → 1 → 2 → 3"):
        compute_reporting_paths({1: 2, 2: 3, 3: 1, 4: None})
