import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from turnabout.accounts.http import client_address
from turnabout.accounts.models import AttemptKind, SignInAttempt
from turnabout.accounts.services import sign_in_wait_seconds


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
    assert "Too many failed sign-in attempts. Try again in 2 seconds" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_from_another_client_never_lock_the_owner_out(client, manager, settings):
    # given: someone who knows Alice's address guesses from elsewhere, more than the per-client allowance
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(10):
        client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")

    # when: Alice signs in from her own machine
    response = client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_the_wait_doubles_with_each_failure_and_then_the_right_password_works(client, manager, settings):
    # given
    settings.LOGIN_FAILURE_LIMIT = 2
    start = timezone.now()
    waits = []
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(2):
            client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": "wrong"})
        for _ in range(3):
            waits.append(sign_in_wait_seconds(kind=AttemptKind.FAILED_PASSWORD, email="alice@acme.test", ip_address="127.0.0.1"))
            clock.shift(waits[-1])
            client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": "wrong"})
        final_wait = sign_in_wait_seconds(kind=AttemptKind.FAILED_PASSWORD, email="alice@acme.test", ip_address="127.0.0.1")

        # when
        clock.shift(final_wait)
        response = client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": PASSWORD})

    # then
    assert waits == [2, 4, 8]
    assert final_wait == 16
    assert response.status_code == 302


def test_behind_a_proxy_throttling_counts_the_real_client_address(client, manager, settings):
    # given: one reverse proxy (REMOTE_ADDR is always the proxy), and 60 bad requests from one client
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FAILURE_LIMIT = 5
    for index in range(60):
        client.post(
            reverse("accounts:login"),
            {"username": f"guess{index}@acme.test", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
        )

    # when: another client signs in through the same proxy
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice@acme.test", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    # then
    assert response.status_code == 302
    assert set(SignInAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.3", "198.51.100.7"),
        (1, "not-an-address", "10.0.0.2"),
        (2, "198.51.100.7", "10.0.0.2"),
    ],
)
def test_the_client_address_is_read_only_from_trusted_proxies(rf, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


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
