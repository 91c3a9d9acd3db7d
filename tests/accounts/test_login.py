import pytest
from django.core import mail
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


def test_password_reset_by_email_round_trip(client, manager):
    # when
    client.post(reverse("accounts:password_reset"), {"email": "alice@acme.test"})

    # then
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("a brand new passphrase")


def test_password_reset_for_unknown_email_sends_nothing(client, db):
    client.post(reverse("accounts:password_reset"), {"email": "nobody@acme.test"})
    assert mail.outbox == []


@pytest.mark.parametrize("path", ["/", "/people/", "/people/org-chart/"])
def test_pages_need_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_pages_carry_a_content_security_policy(client, manager):
    client.force_login(manager)
    response = client.get(reverse("people:directory"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy
