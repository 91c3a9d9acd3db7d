"""First run: `turnabout setup` and the /setup/ page create the organisation and its first admin, once."""

import logging

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.identity.conftest import link_path_in
from turnabout.accounts.models import AccountRole, AuditAction, AuditEntry, Organisation, User
from turnabout.identity.views import _setup_token


def test_setup_creates_the_organisation_its_admin_and_a_sign_in_link(db, client, capsys):
    # when
    call_command("setup", "--organisation", "Acme Ltd", "--admin-email", "IT@acme.example", "--admin-name", "Ivy Tech")

    # then
    organisation = Organisation.objects.get()
    admin = User.objects.get()
    assert (organisation.name, organisation.slug) == ("Acme Ltd", "acme-ltd")
    assert (admin.email, admin.role, admin.organisation, admin.full_name, admin.has_usable_password()) == (
        "it@acme.example",
        AccountRole.ADMIN,
        organisation,
        "Ivy Tech",
        False,
    )
    assert organisation.grades.count() > 0
    assert [message.to for message in mail.outbox] == [["it@acme.example"]]
    path = link_path_in(mail.outbox[0].body)
    assert path in capsys.readouterr().out
    assert client.post(path).status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        AuditAction.ORGANISATION_CREATED,
        AuditAction.SIGNED_IN,
    ]


def test_setup_runs_once(acme, capsys):
    # when
    with pytest.raises(CommandError, match="already set up"):
        call_command("setup", "--organisation", "Again", "--admin-email", "it@again.example")

    # then
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Acme"]
    assert not User.objects.filter(email="it@again.example").exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--organisation", "Acme", "--admin-email", "not-an-address"], "--admin-email is not an email address"),
        (["--organisation", "  ", "--admin-email", "it@acme.example"], "--organisation must be a name"),
    ],
)
def test_setup_refuses_bad_input_and_writes_nothing(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("setup", *arguments)
    assert not Organisation.objects.exists()
    assert not User.objects.exists()


def test_an_empty_install_sends_everyone_to_the_first_run_page(db, client):
    assert client.get("/")["Location"] == reverse("identity:setup")
    assert "not set up yet" in client.get(reverse("accounts:login")).content.decode()


def test_the_first_run_page_needs_the_token_from_the_server_log(db, client, caplog):
    # when
    with caplog.at_level(logging.WARNING, logger="turnabout.identity.views"):
        locked = client.get(reverse("identity:setup"))
    wrong = client.post(reverse("identity:setup"), {"token": "guess", "organisation_name": "Evil", "admin_email": "x@evil.example"})

    # then
    assert locked.status_code == 200
    assert "server has just written to its log" in locked.content.decode()
    assert f"/setup/?token={_setup_token()}" in caplog.text
    assert wrong.status_code == 403
    assert not Organisation.objects.exists()


def test_the_first_run_page_sets_up_and_then_closes(db, client):
    # given
    token = _setup_token()

    # when
    form = client.get(reverse("identity:setup"), {"token": token})
    created = client.post(
        reverse("identity:setup"), {"token": token, "organisation_name": "Acme Ltd", "admin_email": "it@acme.example", "admin_name": ""}
    )
    again = client.get(reverse("identity:setup"), {"token": token})

    # then
    assert form.status_code == 200
    assert created.status_code == 200
    assert "on its way to <strong>it@acme.example</strong>" in created.content.decode()
    assert User.objects.get().role == AccountRole.ADMIN
    assert [message.to for message in mail.outbox] == [["it@acme.example"]]
    assert again.status_code == 410
    assert Organisation.objects.count() == 1


def test_the_first_run_page_reports_a_bad_field_and_writes_nothing(db, client):
    response = client.post(reverse("identity:setup"), {"token": _setup_token(), "organisation_name": "", "admin_email": "nope"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert "Enter a valid email address" in response.content.decode()
    assert not Organisation.objects.exists()


def test_importing_people_before_setup_says_what_to_do(db, tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("employee_id,given_name,family_name,email\nE1,Ann,Lee,ann@acme.example\n")
    with pytest.raises(CommandError, match="turnabout setup"):
        call_command("import_people", str(staff))


def test_a_non_ascii_setup_token_is_refused_not_a_server_error(db, client):
    # when
    response = client.get(reverse("identity:setup"), {"token": "é" * 32})

    # then
    assert response.status_code == 403
    assert not Organisation.objects.exists()


def test_setup_refuses_an_address_that_already_has_a_login_and_writes_nothing(db):
    # given: the install's operator made a superuser with that address
    User.objects.create_superuser("it@acme.example", "a long operator passphrase")

    # when
    with pytest.raises(CommandError, match="already exists"):
        call_command("setup", "--organisation", "Acme Ltd", "--admin-email", "it@acme.example")

    # then
    assert not Organisation.objects.exists()
    assert mail.outbox == []
