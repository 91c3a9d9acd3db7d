"""The named cast against every people page and endpoint."""

import pytest
from django.urls import reverse

from turnabout.people.models import Person
from turnabout.people.services import record_sensitive_profile


@pytest.mark.parametrize("name", ["people:directory", "people:org_chart"])
def test_sponsor_sees_no_individual_records(client, sponsor, name):
    client.force_login(sponsor)
    assert client.get(reverse(name)).status_code == 403


def test_sponsor_cannot_open_a_person_page_or_the_api(client, sponsor, mentee):
    client.force_login(sponsor)
    assert client.get(reverse("people:person", args=[mentee.person.pk])).status_code == 403
    assert client.get("/api/people/").status_code == 403
    assert client.get(f"/api/people/{mentee.person.pk}").status_code == 403


def test_sponsor_home_page_explains_aggregates_only(client, sponsor):
    client.force_login(sponsor)
    response = client.get("/")
    assert response.status_code == 200
    assert "aggregate" in response.content.decode()


def test_participant_sees_nothing_of_another_organisation(client, mentor, outsider):
    # given
    client.force_login(mentor)
    other = outsider.person

    # then
    assert client.get(reverse("people:person", args=[other.pk])).status_code == 404
    assert client.get(f"/api/people/{other.pk}").status_code == 404
    assert client.get(reverse("people:org_chart_reports", args=[other.pk])).status_code == 404
    listed = client.get(reverse("people:directory"), {"q": "Eve"}).context["page"].paginator.count
    assert listed == 0
    assert client.get("/api/people/", {"q": "Eve"}).json()["count"] == 0


def test_outsider_admin_sees_nothing_of_acme(client, outsider, mentee):
    client.force_login(outsider)
    assert client.get(reverse("people:person", args=[mentee.person.pk])).status_code == 404
    assert [p["employee_id"] for p in client.get("/api/people/").json()["results"]] == ["A001"]


def test_participant_sees_no_ones_sensitive_attributes_anywhere(client, mentor, mentee):
    # given
    record_sensitive_profile(
        person=mentee.person,
        consent_purpose="Reach",
        consent_legal_basis="Consent",
        gender="Non-binary",
        ethnicity="Mixed heritage",
        age_band="55_plus",
    )
    client.force_login(mentor)

    # when
    pages = [
        client.get(reverse("people:person", args=[mentee.person.pk])).content.decode(),
        client.get(reverse("people:directory")).content.decode(),
        client.get(f"/api/people/{mentee.person.pk}").content.decode(),
        client.get("/api/people/").content.decode(),
    ]

    # then
    for body in pages:
        assert "Non-binary" not in body
        assert "Mixed heritage" not in body
        assert "55_plus" not in body


def test_participant_does_not_see_employment_details(client, mentor, mentee):
    client.force_login(mentor)
    detail = client.get(f"/api/people/{mentee.person.pk}").json()
    assert detail["hire_date"] is None
    assert detail["employment_status"] is None


def test_manager_sees_employment_details(client, manager, mentee):
    client.force_login(manager)
    assert client.get(f"/api/people/{mentee.person.pk}").json()["employment_status"] == "active"


def test_api_lists_people_in_a_fixed_number_of_queries(client, manager, acme, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get("/api/people/")
    assert response.json()["count"] == Person.objects.filter(organisation=acme).count()


def test_anonymous_api_request_is_refused(client, db):
    assert client.get("/api/people/").status_code == 401


def test_privacy_page_refuses_a_login_without_a_person(client, acme):
    from turnabout.accounts.models import AccountRole
    from turnabout.accounts.services import create_user

    user = create_user(organisation=acme, email="nobody@acme.test", role=AccountRole.PARTICIPANT, password="x" * 12)
    client.force_login(user)
    assert client.get(reverse("people:my_privacy")).status_code == 403
