"""Oversized bodies are refused before they are read; the Django admin is for the install's operators only."""

from django.urls import reverse

from turnabout.accounts.models import Organisation, SignInAttempt, User


def test_an_anonymous_oversized_post_is_refused_unread(client, acme):
    # when: a 200 MiB body is announced, and none is sent
    response = client.generic(
        "POST", reverse("accounts:login"), b"", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=str(200 * 1024 * 1024)
    )

    # then
    assert response.status_code == 413
    assert "at most 65,536 are accepted before signing in" in response.content.decode()
    assert SignInAttempt.objects.count() == 0


def test_a_signed_in_upload_may_be_as_large_as_the_upload_limit(client, manager, settings):
    # given
    client.force_login(manager)

    # when
    within = client.generic("POST", reverse("people:import_upload"), b"", CONTENT_LENGTH=str(1024 * 1024))
    beyond = client.generic("POST", reverse("people:import_upload"), b"", CONTENT_LENGTH=str(settings.UPLOAD_MAX_BYTES + 1))

    # then
    assert within.status_code != 413
    assert beyond.status_code == 413


def test_a_malformed_content_length_is_refused(client, acme):
    response = client.generic("POST", reverse("accounts:login"), b"", CONTENT_LENGTH="lots")
    assert response.status_code == 400


def test_an_organisation_admin_cannot_use_the_django_admin(client, admin):
    # given: even one marked as staff
    User.objects.filter(pk=admin.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=admin.pk))

    # when
    response = client.get("/admin/accounts/organisation/")

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_installs_superuser_can_use_the_django_admin(client, acme):
    operator = User.objects.create_superuser("ops@turnabout.example", "a long operator passphrase")
    client.force_login(operator)
    response = client.get("/admin/accounts/organisation/")
    assert response.status_code == 200
    assert Organisation.objects.get().name in response.content.decode()
