import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from turnabout.accounts.models import SignInAttempt


def test_sign_in_with_email_and_password(client, manager):
    # when
    response = client.post(reverse("accounts:login"), {"username": "ALICE@acme.test", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_wrong_password_is_refused_and_counted(client, manager):
    # when
    response = client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": "wrong"})

    # then
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.filter(email="alice@acme.test").count() == 1


def test_repeated_failures_throttle_even_the_right_password(client, manager, settings):
    # given
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": "wrong"})

    # when
    response = client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": PASSWORD})

    # then
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_earlier_failures(client, manager):
    # given
    client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": "wrong"})

    # when
    client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": PASSWORD})

    # then
    assert SignInAttempt.objects.count() == 0


def test_sign_out_needs_post(client, manager):
    # given
    client.force_login(manager)

    # when
    response = client.post(reverse("accounts:logout"))

    # then
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ["/", "/people/", "/people/org-chart/"])
def test_pages_need_sign_in(client, acme, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_pages_carry_a_content_security_policy(client, manager):
    client.force_login(manager)
    response = client.get(reverse("people:directory"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy
