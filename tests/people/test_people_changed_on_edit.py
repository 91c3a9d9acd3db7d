"""An edit of a person that changes what matching reads fires people_changed after commit, as an HRIS import does, so
a running pair the edit breaks is flagged to its program manager."""

import pytest

from tests.matching.test_rule_breaks import running_pair
from turnabout.matching.rule_breaks import GRADE_GAP, MENTOR_IN_MENTEE_LINE
from turnabout.people.services import update_person


@pytest.mark.parametrize(
    ("change", "code"),
    [("manager", MENTOR_IN_MENTEE_LINE), ("grade", GRADE_GAP)],
)
def test_an_edit_of_a_person_flags_the_running_pair_it_breaks(
    matching_program, pool, manager, acme, django_capture_on_commit_callbacks, change, code
):
    # given a running pair J1–S1
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    fields = {"manager": pool["S1"].person} if change == "manager" else {"grade": acme.grades.get(code="G9")}

    # when an administrator moves J1 under S1, or promotes J1 to S1's grade (the hook fires after commit)
    with django_capture_on_commit_callbacks(execute=True):
        update_person(person=pool["J1"].person, **fields)

    # then the pair is flagged with what broke
    match.refresh_from_db()
    assert [rule_break["code"] for rule_break in match.rule_breaks] == [code]
    assert match.breaks_rules


def test_an_edit_matching_does_not_read_fires_nothing(pool, django_capture_on_commit_callbacks):
    # given J1 of the directory
    junior = pool["J1"].person

    # when their job title changes, and their grade and manager are written unchanged
    with django_capture_on_commit_callbacks() as callbacks:
        update_person(person=junior, job_title="Staff engineer", grade=junior.grade, manager=junior.manager)

    # then no re-check is asked for
    assert callbacks == []
