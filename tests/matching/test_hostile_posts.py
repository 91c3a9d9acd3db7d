"""The enrolments a pair rule or a mentor request names are read by a form: an id that is not one of the program's is
a form error, never a 500, and nothing changes.

On the old code ``mentor=abc`` answered 500 (``ValueError: Field 'id' expected a number``) on both pages.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.matching.models import Match, PairRule
from turnabout.people.services import link_user
from turnabout.programs.models import MatchingStyle

NOT_IDS = ["abc", "", "9" * 30, "-1", "1e3", "\x00"]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("field", ["mentor", "mentee"])
@pytest.mark.parametrize("value", NOT_IDS)
def test_a_pair_rule_naming_no_enrolment_of_the_program_is_a_form_error(client, manager, matching_program, pool, field, value):
    # given
    client.force_login(manager)
    data = {"mentor": pool["J1"].pk, "mentee": pool["S1"].pk, "kind": "pin", field: value}

    # when
    response = client.post(reverse("matching:pair_rule", args=[matching_program.pk]), data)

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:review", args=[matching_program.pk])
    [message] = _messages(response)
    assert message.startswith(f"{field.capitalize()}: ")
    assert not PairRule.objects.exists()


def test_a_pair_rule_of_an_unknown_kind_is_a_form_error_and_keeps_the_rule(client, manager, matching_program, pool):
    # given a pin
    client.force_login(manager)
    url = reverse("matching:pair_rule", args=[matching_program.pk])
    client.post(url, {"mentor": pool["J1"].pk, "mentee": pool["S1"].pk, "kind": "pin"})

    # when
    response = client.post(url, {"mentor": pool["J1"].pk, "mentee": pool["S1"].pk, "kind": "delete"})

    # then
    assert _messages(response)[-1] == "Kind: Select a valid choice. delete is not one of the available choices."
    assert PairRule.objects.get().kind == "pin"


def test_a_pair_rule_without_a_kind_clears_it(client, manager, matching_program, pool):
    client.force_login(manager)
    url = reverse("matching:pair_rule", args=[matching_program.pk])
    client.post(url, {"mentor": pool["J1"].pk, "mentee": pool["S1"].pk, "kind": "forbid"})
    response = client.post(url, {"mentor": pool["J1"].pk, "mentee": pool["S1"].pk})
    assert _messages(response)[-1:] == ["Cleared the rule for J1 Tester with S1 Tester. Re-run matching to apply it."]
    assert not PairRule.objects.exists()


@pytest.mark.parametrize("value", [*NOT_IDS, "mentee"])
def test_a_mentor_request_naming_no_mentor_of_the_program_is_a_form_error(client, acme, matching_program, pool, value):
    # given a self-select program whose mentee S1 has a login
    matching_program.matching_style = MatchingStyle.SELF_SELECT
    matching_program.save()
    senior = pool["S1"].person
    link_user(person=senior, user=create_user(organisation=acme, email=senior.email, role=AccountRole.PARTICIPANT, password="x" * 12))
    client.force_login(senior.user)
    # "mentee": an enrolment of the program, but not a mentor's
    posted = str(pool["S2"].pk) if value == "mentee" else value

    # when
    response = client.post(reverse("matching:suggestions", args=[pool["S1"].pk]), {"mentor": posted})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:suggestions", args=[pool["S1"].pk])
    [message] = _messages(response)
    assert message.startswith("Mentor: ")
    assert not Match.objects.exists()
