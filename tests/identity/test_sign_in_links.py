"""Emailed sign-in links: single use, expiry, bound to one person, stored hashed, no enumeration, throttled."""

import hashlib
from datetime import timedelta

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.identity.conftest import last_link_to
from turnabout.accounts.models import AccountRole, AttemptKind, SignInAttempt, User
from turnabout.identity.links import issue_sign_in_link, sign_in_url
from turnabout.identity.models import SignInLink
from turnabout.people.services import mark_leaver


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_a_link_creates_the_persons_login_and_opens_where_the_email_pointed(client, frank):
    # given
    path = _path(sign_in_url(person=frank, next_path="/programs/"))

    # when
    shown = client.get(path)
    response = client.post(path)

    # then
    assert shown.status_code == 200
    assert "frank@acme.test" in shown.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/programs/"
    frank.refresh_from_db()
    assert frank.user is not None
    assert (frank.user.email, frank.user.role, frank.user.organisation_id, frank.user.full_name) == (
        "frank@acme.test",
        AccountRole.PARTICIPANT,
        frank.organisation_id,
        "Frank Field",
    )
    assert not frank.user.has_usable_password()
    assert client.session["_auth_user_id"] == str(frank.user.pk)


def test_opening_a_link_without_continuing_uses_nothing(client, frank):
    # given: mail scanners open links with GET
    path = _path(sign_in_url(person=frank, next_path=""))

    # when
    client.get(path)
    client.get(path)

    # then
    assert "_auth_user_id" not in client.session
    assert SignInLink.objects.get().used_at is None
    assert User.objects.filter(email="frank@acme.test").count() == 0


def test_a_link_works_once(client, frank):
    # given
    path = _path(sign_in_url(person=frank, next_path=""))
    client.post(path)
    client.logout()

    # when
    again = client.post(path)

    # then
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert "Send me a new link" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_expired_link_is_refused_and_changes_nothing(client, frank, settings):
    # given
    settings.SIGN_IN_LINK_MAX_AGE_DAYS = 7
    path = _path(sign_in_url(person=frank, next_path=""))

    # when
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        response = client.post(path)

    # then
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Send me a new link" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInLink.objects.get().used_at is None
    assert User.objects.filter(email="frank@acme.test").count() == 0


def test_a_link_still_works_just_before_it_expires(client, frank, settings):
    settings.SIGN_IN_LINK_MAX_AGE_DAYS = 7
    path = _path(sign_in_url(person=frank, next_path=""))
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert client.post(path).status_code == 302


def test_a_tampered_link_is_refused(client, frank):
    # given
    path = _path(sign_in_url(person=frank, next_path=""))
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    # when
    response = client.post(tampered)

    # then
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert SignInLink.objects.get().used_at is None


def test_a_link_is_bound_to_its_person_whoever_opens_it(client, frank, mentor):
    # given: Charlie is signed in in this browser and opens Frank's link
    client.force_login(mentor)
    path = _path(sign_in_url(person=frank, next_path=""))

    # when
    client.post(path)

    # then
    frank.refresh_from_db()
    assert client.session["_auth_user_id"] == str(frank.user.pk)
    assert frank.user.pk != mentor.pk


def test_a_link_for_a_person_who_has_a_login_signs_in_that_login(client, mentor):
    # given
    path = _path(sign_in_url(person=mentor.person, next_path=""))

    # when
    client.post(path)

    # then
    assert client.session["_auth_user_id"] == str(mentor.pk)
    assert User.objects.filter(email="charlie@acme.test").count() == 1


def test_only_a_hash_of_the_token_is_stored(frank):
    # when
    url = sign_in_url(person=frank, next_path="")

    # then
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = SignInLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(SignInLink.objects.values().get())


def test_a_link_never_redirects_off_the_site(client, frank):
    path = _path(issue_sign_in_link(person=frank, next_path="//evil.example/phish"))
    response = client.post(path)
    assert response["Location"] == "/"


def test_asking_for_a_link_emails_one_to_a_directory_person(client, frank, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("identity:request_link"), {"email": "FRANK@acme.test", "next": "/programs/"})

    # then
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["frank@acme.test"]
    assert client.post(last_link_to("frank@acme.test"))["Location"] == "/programs/"


def test_asking_for_a_link_answers_the_same_for_unknown_addresses(client, frank, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("identity:request_link"), {"email": "frank@acme.test"})
        unknown = client.post(reverse("identity:request_link"), {"email": "nobody@acme.test"})

    # then
    assert known.status_code == unknown.status_code == 200
    assert _main(known).replace("frank@acme.test", "X") == _main(unknown).replace("nobody@acme.test", "X")
    assert [message.to for message in mail.outbox] == [["frank@acme.test"]]


def test_asking_for_links_is_throttled_alike_for_known_and_unknown_addresses(client, frank, settings, django_capture_on_commit_callbacks):
    # given
    settings.LOGIN_FAILURE_LIMIT = 3
    with django_capture_on_commit_callbacks(execute=True):
        for email in ["frank@acme.test", "nobody@acme.test"]:
            for _ in range(3):
                client.post(reverse("identity:request_link"), {"email": email})

    # when
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("identity:request_link"), {"email": "frank@acme.test"})
        unknown = client.post(reverse("identity:request_link"), {"email": "nobody@acme.test"})

    # then
    assert known.status_code == unknown.status_code == 429
    assert "Too many sign-in links" in known.content.decode()
    assert len(mail.outbox) == 3
    assert SignInAttempt.objects.filter(kind=AttemptKind.LINK_REQUEST).count() == 6


def test_asking_for_links_from_one_address_is_throttled_across_emails(client, acme, settings):
    # given
    settings.LOGIN_FAILURE_LIMIT = 2
    for index in range(20):
        client.post(reverse("identity:request_link"), {"email": f"guess{index}@acme.test"})

    # when
    response = client.post(reverse("identity:request_link"), {"email": "another@acme.test"})

    # then
    assert response.status_code == 429


def test_a_malformed_address_gets_a_form_error(client, acme):
    response = client.post(reverse("identity:request_link"), {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert SignInAttempt.objects.count() == 0


def test_a_leaver_gets_no_link_and_an_old_link_no_longer_works(client, frank, django_capture_on_commit_callbacks):
    # given
    path = _path(sign_in_url(person=frank, next_path=""))
    with django_capture_on_commit_callbacks(execute=True):
        mark_leaver(person=frank, end_date=timezone.localdate())

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:request_link"), {"email": "frank@acme.test"})
    response = client.post(path)

    # then
    assert mail.outbox == []
    assert response.status_code == 410
    assert "lists you as having left" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.filter(email="frank@acme.test").count() == 0


def test_a_leaver_cannot_sign_in_and_their_open_session_ends(client, mentor, django_capture_on_commit_callbacks):
    # given: Charlie is signed in
    client.force_login(mentor)
    assert client.get(reverse("programs:list")).status_code == 200

    # when: the directory marks him as a leaver
    with django_capture_on_commit_callbacks(execute=True):
        mark_leaver(person=mentor.person, end_date=timezone.localdate())

    # then
    mentor.refresh_from_db()
    assert mentor.is_active is False
    assert client.get(reverse("programs:list"))["Location"].startswith(reverse("accounts:login"))
    refused = client.post(reverse("accounts:login"), {"username": "charlie@acme.test", "password": PASSWORD})
    assert refused.status_code == 200
    assert not refused.wsgi_request.user.is_authenticated
    assert client.post(_path(sign_in_url(person=mentor.person, next_path=""))).status_code == 410


def test_after_a_link_a_person_may_choose_a_password_and_use_it(client, frank):
    # given
    client.post(_path(sign_in_url(person=frank, next_path="")))

    # when
    response = client.post(reverse("identity:my_account"), {"password": "a long river stone", "confirm": "a long river stone"})
    client.logout()
    signed_in = client.post(reverse("accounts:login"), {"username": "frank@acme.test", "password": "a long river stone"})

    # then
    assert response.status_code == 302
    assert signed_in.status_code == 302


def test_changing_a_password_with_a_password_session_needs_the_current_one(client, manager):
    # given
    client.post(reverse("accounts:login"), {"username": "alice@acme.test", "password": PASSWORD})

    # when
    refused = client.post(reverse("identity:my_account"), {"password": "a long river stone", "confirm": "a long river stone"})

    # then
    assert refused.status_code == 400
    assert "current password is not right" in refused.content.decode()
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)


def test_a_weak_or_mismatched_password_is_refused(client, frank):
    client.post(_path(sign_in_url(person=frank, next_path="")))
    weak = client.post(reverse("identity:my_account"), {"password": "12345678", "confirm": "12345678"})
    mismatched = client.post(reverse("identity:my_account"), {"password": "a long river stone", "confirm": "a long river stoned"})
    assert weak.status_code == mismatched.status_code == 400
    assert "The two passwords differ" in mismatched.content.decode()
    frank.refresh_from_db()
    assert not frank.user.has_usable_password()


def test_a_link_opened_while_signed_in_as_its_holder_goes_straight_on_and_stays_unused(client, mentor):
    # given
    client.force_login(mentor)
    path = _path(sign_in_url(person=mentor.person, next_path="/programs/"))

    # when
    response = client.get(path)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/programs/"
    assert SignInLink.objects.get().used_at is None


def test_a_person_with_a_service_logins_address_never_signs_in_as_that_login(client, acme, admin):
    # given: the SCIM service login (administrator role), and a directory person given its address
    from turnabout.identity.scim.services import rotate_scim_token
    from turnabout.people.services import create_person

    service = rotate_scim_token(organisation=acme, by=admin).token.user
    person = create_person(organisation=acme, employee_id="A900", given_name="Sam", family_name="Spoof", email=service.email)
    path = _path(issue_sign_in_link(person=person))

    # when
    response = client.post(path)

    # then
    assert response.status_code == 410
    person.refresh_from_db()
    assert person.user is None
    assert "_auth_user_id" not in client.session
