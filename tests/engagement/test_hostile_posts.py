"""Ids and reasons posted by hand reach no query or service unchecked: a form error, never a 500, and nothing changes.

On the old code ``agreement=abc`` answered 500 (``ValueError: Field 'id' expected a number``), a pause reason with a
NUL answered 500 on PostgreSQL, and a reason over 500 characters was cut without a word.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from turnabout.engagement.forms import PAUSE_MESSAGE_MAX_LENGTH
from turnabout.engagement.models import AgreementSignature, ManagerAction, PairStatus
from turnabout.engagement.queries import current_agreement
from turnabout.programs.models import Role


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("value", ["abc", "", "9" * 30, "-1", "1.5", "\x00"])
def test_signing_a_version_that_is_not_an_id_of_the_pair_is_a_form_error(client, active_pair, value):
    # given
    client.force_login(active_pair.enrolment_for(Role.MENTEE).person.user)

    # when
    response = client.post(reverse("engagement:sign", args=[active_pair.pk]), {"agreement": value})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("engagement:agreement", args=[active_pair.pk])
    assert len(_messages(response)) == 1
    assert _messages(response)[0].startswith("Agreement: ")
    assert not AgreementSignature.objects.exists()


def test_an_id_that_is_no_version_of_the_pair_is_not_signed(client, active_pair):
    # given
    client.force_login(active_pair.enrolment_for(Role.MENTEE).person.user)

    # when
    response = client.post(reverse("engagement:sign", args=[active_pair.pk]), {"agreement": current_agreement(active_pair).pk + 1000})

    # then
    assert _messages(response) == ["Agreement: That is not a version of your agreement."]
    assert not AgreementSignature.objects.exists()


def test_a_version_of_the_pair_is_signed(client, active_pair):
    client.force_login(active_pair.enrolment_for(Role.MENTEE).person.user)
    client.post(reverse("engagement:sign", args=[active_pair.pk]), {"agreement": current_agreement(active_pair).pk})
    assert AgreementSignature.objects.get().role == Role.MENTEE


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("On leave\x00", "Why pause: Remove the control character (U+0000): it is not text."),
        ("x" * 501, f"Why pause: Ensure this value has at most {PAUSE_MESSAGE_MAX_LENGTH} characters (it has 501)."),
        ("On leave\u202egnp.exe", "Why pause: Remove the direction control character (U+202E): it would show the text after it reversed."),
    ],
    ids=["nul", "too-long", "direction-override"],
)
def test_a_pause_reason_that_cannot_be_kept_whole_is_refused_naming_why(client, manager, active_pair, message, error):
    # given
    client.force_login(manager)

    # when
    response = client.post(reverse("engagement:health_pause", args=[active_pair.pk]), {"message": message})

    # then
    assert response.status_code == 302
    [shown] = _messages(response)
    assert error in shown
    active_pair.refresh_from_db()
    assert active_pair.status == PairStatus.ACTIVE
    assert not ManagerAction.objects.exists()


def test_a_pause_reason_at_its_bound_is_kept_whole(client, manager, active_pair):
    # given
    client.force_login(manager)
    message = "On parental leave until March. " + "x" * (PAUSE_MESSAGE_MAX_LENGTH - 31)

    # when
    client.post(reverse("engagement:health_pause", args=[active_pair.pk]), {"message": f"  {message}\n"})

    # then
    active_pair.refresh_from_db()
    assert active_pair.status == PairStatus.PAUSED
    assert ManagerAction.objects.get(kind="pause").message == message
