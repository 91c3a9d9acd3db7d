"""User administration without the Django admin: roles, invitations, deactivation, the last admin, the audit log."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.identity.conftest import last_link_to
from turnabout.accounts.models import AccountRole, AuditAction, AuditEntry, User
from turnabout.accounts.services import create_user
from turnabout.people.models import Person


@pytest.mark.parametrize("name", ["identity:users", "identity:audit", "identity:api_tokens"])
def test_only_admins_administer_users(client, manager, mentor, sponsor, name):
    for user in (manager, mentor, sponsor):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_an_admin_sees_nothing_of_another_organisations_logins(client, admin, outsider):
    # given
    client.force_login(admin)

    # then
    assert client.get(reverse("identity:user", args=[outsider.pk])).status_code == 404
    assert client.post(reverse("identity:user_action", args=[outsider.pk, "deactivate"])).status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active is True
    assert outsider.email not in client.get(reverse("identity:users")).content.decode()


def test_the_list_shows_each_login_with_role_person_and_last_sign_in(client, admin, manager, mentor, django_assert_max_num_queries):
    # given
    client.force_login(admin)

    # when
    with django_assert_max_num_queries(8):
        response = client.get(reverse("identity:users"))
    searched = client.get(reverse("identity:users"), {"q": "alice"})
    by_role = client.get(reverse("identity:users"), {"role": AccountRole.PARTICIPANT})

    # then
    assert [login.email for login in response.context["page"].object_list] == [
        "ada@acme.test",
        "alice@acme.test",
        "bob@acme.test",
        "charlie@acme.test",
    ]
    assert "Alice Manager (A002)" in response.content.decode()
    assert [login.email for login in searched.context["page"].object_list] == ["alice@acme.test"]
    assert [login.email for login in by_role.context["page"].object_list] == ["bob@acme.test", "charlie@acme.test"]


def test_giving_a_directory_person_a_role_creates_their_login_and_tells_them(client, admin, acme, django_capture_on_commit_callbacks):
    # given: Priya is in the directory without a login
    priya = Person.objects.create(organisation=acme, employee_id="A200", given_name="Priya", family_name="Patel", email="priya@acme.test")
    client.force_login(admin)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("identity:users"), {"email": "Priya@acme.test", "role": AccountRole.PROGRAM_MANAGER, "full_name": ""}
        )

    # then
    assert response.status_code == 302
    priya.refresh_from_db()
    assert (priya.user.email, priya.user.role) == ("priya@acme.test", AccountRole.PROGRAM_MANAGER)
    assert [entry.action for entry in AuditEntry.objects.filter(target=priya.user)] == [AuditAction.LOGIN_CREATED]
    assert AuditEntry.objects.get(target=priya.user).actor == admin
    client.logout()
    client.post(last_link_to("priya@acme.test"))
    assert client.get(reverse("programs:list")).status_code == 200


def test_changing_a_role_is_audited_with_who_and_what(client, admin, mentor):
    # given
    client.force_login(admin)

    # when
    client.post(reverse("identity:user_action", args=[mentor.pk, "role"]), {"role": AccountRole.SPONSOR})

    # then
    mentor.refresh_from_db()
    assert mentor.role == AccountRole.SPONSOR
    entry = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGED)
    assert (entry.actor, entry.target, entry.details) == (admin, mentor, {"from": AccountRole.PARTICIPANT, "to": AccountRole.SPONSOR})
    assert entry.summary == "charlie@acme.test: Participant → Executive sponsor"
    assert entry.summary in client.get(reverse("identity:audit")).content.decode()


def test_granting_by_email_changes_an_existing_logins_role(client, admin, mentor):
    client.force_login(admin)
    client.post(reverse("identity:users"), {"email": "charlie@acme.test", "role": AccountRole.PROGRAM_MANAGER})
    mentor.refresh_from_db()
    assert mentor.role == AccountRole.PROGRAM_MANAGER
    assert User.objects.filter(email="charlie@acme.test").count() == 1


def test_inviting_a_sponsor_from_outside_the_directory(client, admin, django_capture_on_commit_callbacks):
    # given
    client.force_login(admin)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:users"), {"email": "vc@board.example", "role": AccountRole.SPONSOR, "full_name": "Vera Chair"})

    # then
    guest = User.objects.get(email="vc@board.example")
    assert (guest.role, guest.organisation_id, guest.full_name, hasattr(guest, "person")) == (
        AccountRole.SPONSOR,
        admin.organisation_id,
        "Vera Chair",
        False,
    )
    assert AuditEntry.objects.get(target=guest).action == AuditAction.LOGIN_INVITED
    client.logout()
    client.post(last_link_to("vc@board.example"))
    assert client.session["_auth_user_id"] == str(guest.pk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "nobody@acme.test", "role": AccountRole.PROGRAM_MANAGER, "full_name": ""}, "Nobody in the directory has the address"),
        ({"email": "guest@else.example", "role": AccountRole.PARTICIPANT, "full_name": "Gus"}, "Participants come from the directory"),
        ({"email": "eve@globex.test", "role": AccountRole.PROGRAM_MANAGER, "full_name": "Eve"}, "another organisation"),
        ({"email": "not-an-address", "role": AccountRole.PROGRAM_MANAGER, "full_name": ""}, "Enter a valid email address"),
        ({"email": "alice@acme.test", "role": "overlord", "full_name": ""}, "Select a valid choice"),
    ],
)
def test_a_refused_grant_says_why_and_changes_nothing(client, admin, manager, outsider, data, message):
    # given
    client.force_login(admin)
    before = list(User.objects.order_by("pk").values_list("email", "role"))

    # when
    response = client.post(reverse("identity:users"), data)

    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(User.objects.order_by("pk").values_list("email", "role")) == before
    assert not AuditEntry.objects.exists()
    assert mail.outbox == []


def test_the_last_admin_cannot_be_demoted_or_deactivated(client, admin):
    # given
    client.force_login(admin)

    # when
    demoted = client.post(reverse("identity:user_action", args=[admin.pk, "role"]), {"role": AccountRole.PARTICIPANT}, follow=True)
    deactivated = client.post(reverse("identity:user_action", args=[admin.pk, "deactivate"]), follow=True)

    # then
    assert "last active administrator" in demoted.content.decode()
    assert "last active administrator" in deactivated.content.decode()
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == (AccountRole.ADMIN, True)
    assert not AuditEntry.objects.exists()


def test_with_a_second_admin_the_first_may_step_down(client, admin, acme):
    # given
    create_user(organisation=acme, email="second@acme.test", role=AccountRole.ADMIN)
    client.force_login(admin)

    # when
    client.post(reverse("identity:user_action", args=[admin.pk, "role"]), {"role": AccountRole.PROGRAM_MANAGER})

    # then
    admin.refresh_from_db()
    assert admin.role == AccountRole.PROGRAM_MANAGER


def test_a_deactivated_admin_does_not_count_as_the_other_admin(client, admin, acme):
    other = create_user(organisation=acme, email="second@acme.test", role=AccountRole.ADMIN)
    User.objects.filter(pk=other.pk).update(is_active=False)
    client.force_login(admin)
    client.post(reverse("identity:user_action", args=[admin.pk, "deactivate"]))
    admin.refresh_from_db()
    assert admin.is_active is True


def test_deactivating_ends_the_session_and_reactivating_restores_sign_in(client, admin, mentor):
    # given: Charlie is signed in elsewhere
    charlie = Client()
    charlie.force_login(mentor)
    client.force_login(admin)

    # when
    client.post(reverse("identity:user_action", args=[mentor.pk, "deactivate"]))

    # then
    assert charlie.get(reverse("programs:list")).status_code == 302
    client.post(reverse("identity:user_action", args=[mentor.pk, "reactivate"]))
    charlie.force_login(User.objects.get(pk=mentor.pk))
    assert charlie.get(reverse("programs:list")).status_code == 200
    assert [entry.action for entry in AuditEntry.objects.order_by("pk")] == [AuditAction.LOGIN_DEACTIVATED, AuditAction.LOGIN_REACTIVATED]


def test_resending_a_link_emails_one_and_records_it(client, admin, mentor, django_capture_on_commit_callbacks):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:user_action", args=[mentor.pk, "resend"]))
    assert [message.to for message in mail.outbox] == [["charlie@acme.test"]]
    assert last_link_to("charlie@acme.test").startswith("/accounts/link/")
    assert AuditEntry.objects.get().action == AuditAction.SIGN_IN_LINK_SENT


def test_an_unknown_action_is_not_found(client, admin, mentor):
    client.force_login(admin)
    assert client.post(reverse("identity:user_action", args=[mentor.pk, "promote"])).status_code == 404


def test_the_audit_log_lists_every_change_newest_first(client, admin, mentor, manager, django_assert_max_num_queries):
    # given
    client.force_login(admin)
    client.post(reverse("identity:user_action", args=[mentor.pk, "role"]), {"role": AccountRole.SPONSOR})
    client.post(reverse("identity:user_action", args=[manager.pk, "deactivate"]))

    # when
    with django_assert_max_num_queries(8):
        response = client.get(reverse("identity:audit"))

    # then
    entries = list(response.context["page"].object_list)
    assert [entry.action for entry in entries] == [AuditAction.LOGIN_DEACTIVATED, AuditAction.ROLE_CHANGED]
    assert all(entry.actor == admin for entry in entries)


def test_granting_a_role_by_a_persons_new_address_changes_their_existing_login(admin, mentor, django_capture_on_commit_callbacks):
    # given: the directory changed the mentor's address after their login was made
    from turnabout.identity.services import grant_role

    Person.objects.filter(user=mentor).update(email="robert@acme.test")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_role(organisation=admin.organisation, email="robert@acme.test", role=AccountRole.PROGRAM_MANAGER, by=admin)

    # then
    mentor.refresh_from_db()
    assert (grant.user, grant.created, mentor.role) == (mentor, False, AccountRole.PROGRAM_MANAGER)
    assert AuditEntry.objects.filter(action=AuditAction.ROLE_CHANGED, target=mentor).exists()


def test_nobody_is_given_a_login_at_a_service_logins_address(admin, outsider):
    # given
    from turnabout.identity.errors import IdentityError
    from turnabout.identity.scim.services import rotate_scim_token
    from turnabout.identity.services import grant_role

    # when an Acme administrator invites Globex's future SCIM login address
    with pytest.raises(IdentityError):
        grant_role(
            organisation=admin.organisation, email="scim@globex.tokens.invalid", role=AccountRole.SPONSOR, by=admin, full_name="Squatter"
        )

    # then Globex can still make its SCIM token
    assert rotate_scim_token(organisation=outsider.organisation, by=outsider).token.user.organisation == outsider.organisation
    assert not User.objects.filter(email__endswith=".tokens.invalid", is_service_account=False).exists()


def test_the_users_page_counts_logins_in_the_singular_and_the_plural(client, admin, manager):
    # given
    client.force_login(admin)

    # when
    one = client.get(reverse("identity:users"), {"q": "alice"}).content.decode()
    two = client.get(reverse("identity:users")).content.decode()

    # then
    assert '<p class="count" data-testid="login-count">1 login</p>' in one
    assert '<p class="count" data-testid="login-count">2 logins</p>' in two
    assert '<div class="table-scroll">\n<table class="list">' in two
