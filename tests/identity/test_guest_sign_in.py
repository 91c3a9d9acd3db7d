"""Guests from outside sign in by emailed link only, with the guest role, until their access ends; then they are
refused, signed out and their login deactivated by the daily job. User administration never gives the guest role."""

from datetime import date, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.urls import reverse

from tests.identity.test_sign_in_policy import configure
from turnabout.accounts.models import AccountRole, AuditAction, AuditEntry, Organisation, User
from turnabout.identity import services
from turnabout.identity.errors import GuestRoleRefused, SignInRefused
from turnabout.identity.guest_access import GuestAccessMiddleware
from turnabout.identity.jobs import deactivate_ended_guests_job
from turnabout.identity.links import issue_sign_in_link, login_for_person, sign_in_url
from turnabout.identity.models import SignInLink
from turnabout.people.models import Person, PersonKind

ENDED = "Your guest access to Turnabout ended on 5 March 2027. Ask the program manager who invited you to extend it."
SITE = "http://127.0.0.1:8000"


@pytest.fixture
def gloria(acme: Organisation) -> Person:
    """Gloria, a University of Miami student invited to an Acme program; her access lasts until 5 March 2027."""
    return Person.objects.create(
        organisation=acme,
        kind=PersonKind.GUEST,
        employee_id="guest-1",
        given_name="Gloria",
        family_name="Guest",
        email="gloria@miami.test",
        guest_organisation="University of Miami",
        access_ends_on=date(2027, 3, 5),
    )


@time_machine.travel("2027-03-05 12:00Z", tick=False)
def test_a_guests_first_link_creates_a_login_with_the_guest_role(client, gloria):
    # given
    path = sign_in_url(person=gloria, next_path="/programs/").removeprefix(SITE)

    # when (her last day still lets her in)
    response = client.post(path)

    # then
    assert (response.status_code, response["Location"]) == (302, "/programs/")
    gloria.refresh_from_db()
    assert gloria.user is not None
    assert (gloria.user.email, gloria.user.role, gloria.user.full_name) == ("gloria@miami.test", AccountRole.GUEST, "Gloria Guest")
    assert client.session["_auth_user_id"] == str(gloria.user.pk)


@time_machine.travel("2027-03-06 09:00Z", tick=False)
def test_an_ended_guest_is_issued_no_link(gloria):
    # when
    with pytest.raises(SignInRefused) as refused:
        issue_sign_in_link(person=gloria)

    # then
    assert refused.value.message == ENDED
    assert not SignInLink.objects.filter(person=gloria).exists()
    # an email about her program carries the page's own address, which signs nobody in
    assert sign_in_url(person=gloria, next_path="/programs/") == f"{SITE}/programs/"
    assert not SignInLink.objects.filter(person=gloria).exists()


def test_an_ended_guest_asking_for_a_link_gets_the_same_answer_and_no_email(client, gloria, frank, django_capture_on_commit_callbacks):
    # when Gloria, the day after her access ended, and Frank, an employee, ask for a link
    with time_machine.travel("2027-03-06 09:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        for_gloria = client.post("/accounts/link/", {"email": gloria.email})
        for_frank = client.post("/accounts/link/", {"email": frank.email})

    # then both read the same page; only Frank is emailed
    assert (for_gloria.status_code, for_frank.status_code) == (200, 200)
    assert [template.name for template in for_gloria.templates][:1] == [template.name for template in for_frank.templates][:1]
    assert [message.to for message in mail.outbox] == [[frank.email]]
    assert not SignInLink.objects.filter(person=gloria).exists()


def test_a_link_issued_before_the_end_is_refused_after_it_and_changes_nothing(client, gloria):
    # given a link issued on her last day
    with time_machine.travel("2027-03-05 12:00Z", tick=False):
        path = issue_sign_in_link(person=gloria).removeprefix(SITE)

    # when she opens it the next day
    with time_machine.travel("2027-03-06 09:00Z", tick=False):
        response = client.post(path)

    # then
    assert response.status_code == 410
    assert ENDED in response.content.decode()
    gloria.refresh_from_db()
    assert gloria.user is None
    assert not User.objects.filter(email=gloria.email).exists()
    assert SignInLink.objects.get(person=gloria).used_at is None
    assert "_auth_user_id" not in client.session


def test_the_middleware_signs_out_a_guest_whose_access_ended(client, gloria):
    # given Gloria signed in late on her last day
    with time_machine.travel("2027-03-05 23:00Z", tick=False):
        user = login_for_person(person=gloria)
        client.force_login(user)
        client.get("/")
        assert client.session["_auth_user_id"] == str(user.pk)

    # when she comes back after midnight, her session still open
    with time_machine.travel("2027-03-06 01:00Z", tick=False):
        response = client.get("/")
        sign_in_page = client.get(response["Location"])

    # then the sign-in page says why
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert ENDED in sign_in_page.content.decode()


def test_the_middleware_costs_an_employee_no_query(rf, mentee, django_assert_num_queries):
    # given
    request = rf.get("/")
    request.user = mentee
    middleware = GuestAccessMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]

    # when / then
    with django_assert_num_queries(0):
        middleware(request)


@time_machine.travel("2027-03-06 09:00Z", tick=False)
def test_the_middleware_reads_one_query_for_a_guest_whose_access_lasts(rf, acme, django_assert_num_queries):
    # given
    lasting = Person.objects.create(
        organisation=acme,
        kind=PersonKind.GUEST,
        employee_id="guest-2",
        given_name="Lea",
        family_name="Lasting",
        email="lea@miami.test",
        guest_organisation="University of Miami",
        access_ends_on=date(2027, 6, 30),
    )
    user = User.objects.get(pk=login_for_person(person=lasting).pk)  # a fresh login, its person not yet read
    request = rf.get("/")
    request.user = user
    reached = []
    middleware = GuestAccessMiddleware(lambda request: reached.append(request))  # type: ignore[arg-type,return-value]

    # when
    with django_assert_num_queries(1):
        middleware(request)

    # then
    assert reached == [request]


def test_the_daily_job_deactivates_an_ended_guests_login_once_and_audits_it(gloria, frank):
    # given Gloria and Frank have logins
    with time_machine.travel("2027-03-05 12:00Z", tick=False):
        guest_login = login_for_person(person=gloria)
        employee_login = login_for_person(person=frank)

    # when the job runs on her last day, the day after, and again
    with time_machine.travel("2027-03-05 23:00Z", tick=False):
        on_last_day = deactivate_ended_guests_job.call()
    with time_machine.travel("2027-03-06 02:00Z", tick=False):
        first = deactivate_ended_guests_job.call()
        again = deactivate_ended_guests_job.call()

    # then
    assert on_last_day == "Deactivated 0 login(s) of guests whose access ended."
    assert first == "Deactivated 1 login(s) of guests whose access ended."
    assert again == "Deactivated 0 login(s) of guests whose access ended."
    guest_login.refresh_from_db()
    employee_login.refresh_from_db()
    assert (guest_login.is_active, employee_login.is_active) == (False, True)
    entries = AuditEntry.objects.filter(action=AuditAction.LOGIN_DEACTIVATED)
    assert [(entry.target_id, entry.actor_id, entry.summary) for entry in entries] == [
        (guest_login.pk, None, "gloria@miami.test deactivated: guest access ended on 2027-03-05")
    ]


def test_the_job_is_declared_daily():
    assert apps.get_app_config("identity").periodic_jobs == (  # type: ignore[attr-defined]
        ("deactivate-ended-guests", "turnabout.identity.jobs.deactivate_ended_guests_job", timedelta(days=1)),
    )


@time_machine.travel("2027-03-01 12:00Z", tick=False)
def test_an_sso_only_organisation_still_lets_a_guest_in_by_link(client, acme, admin, gloria, django_capture_on_commit_callbacks):
    # given Acme signs in only with single sign-on
    configure(acme, admin, is_enabled=True, is_sso_only=True, break_glass_admin=admin)

    # when Gloria asks for a link and opens it
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/link/", {"email": gloria.email})
    sent = [message for message in mail.outbox if message.to == [gloria.email]]
    assert len(sent) == 1
    path = sent[0].body.split(SITE, 1)[1].split()[0]
    response = client.post(path)

    # then
    assert response.status_code == 302
    gloria.refresh_from_db()
    assert gloria.user is not None
    assert gloria.user.role == AccountRole.GUEST
    assert sign_in_url(person=gloria, next_path="/programs/").startswith(f"{SITE}/accounts/link/")


def test_users_page_offers_no_guest_role_and_refuses_it(client, admin, acme):
    # given
    client.force_login(admin)

    # when
    page = client.get(reverse("identity:users"))
    response = client.post(reverse("identity:users"), {"email": "new@partner.test", "role": AccountRole.GUEST, "full_name": "New One"})

    # then
    assert AccountRole.GUEST.value not in [value for value, _label in page.context["grant_form"].fields["role"].choices]
    assert response.status_code == 400
    assert not User.objects.filter(email="new@partner.test").exists()


def test_no_service_gives_or_changes_the_guest_role(admin, acme, mentee, gloria):
    # given Gloria has her guest login
    with time_machine.travel("2027-03-01 12:00Z", tick=False):
        guest_login = login_for_person(person=gloria)
    before = AuditEntry.objects.count()

    # when / then
    with pytest.raises(GuestRoleRefused):
        services.grant_role(organisation=acme, email="new@partner.test", role=AccountRole.GUEST, full_name="New One", by=admin)
    with pytest.raises(GuestRoleRefused):
        services.change_role(user=mentee, role=AccountRole.GUEST, by=admin)
    with pytest.raises(GuestRoleRefused) as refused:
        services.change_role(user=guest_login, role=AccountRole.PROGRAM_MANAGER, by=admin)
    with pytest.raises(GuestRoleRefused):
        services.grant_role(organisation=acme, email=gloria.email, role=AccountRole.SPONSOR, by=admin)

    assert (
        refused.value.message
        == "gloria@miami.test is a guest from outside: their program's invitation manages their access, not their role."
    )
    guest_login.refresh_from_db()
    mentee.refresh_from_db()
    assert (guest_login.role, mentee.role) == (AccountRole.GUEST, AccountRole.PARTICIPANT)
    assert not User.objects.filter(email="new@partner.test").exists()
    assert AuditEntry.objects.count() == before


def test_a_guest_without_a_login_is_given_no_role(admin, acme):
    # given a guest invited but not yet signed in
    Person.objects.create(
        organisation=acme,
        kind=PersonKind.GUEST,
        employee_id="guest-3",
        given_name="Nia",
        family_name="New",
        email="nia@miami.test",
        guest_organisation="University of Miami",
        access_ends_on=date(2027, 6, 30),
    )

    # when
    with pytest.raises(GuestRoleRefused) as refused:
        services.grant_role(organisation=acme, email="nia@miami.test", role=AccountRole.PARTICIPANT, by=admin)

    # then
    assert refused.value.message == (
        "nia@miami.test belongs to a guest from University of Miami: their program's invitation manages their access, not a role."
    )
    assert not User.objects.filter(email="nia@miami.test").exists()
