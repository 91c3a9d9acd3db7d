from django.urls import reverse

from turnabout.people.models import Department, Person, SensitiveProfile, Site
from turnabout.people.services import create_person, record_sensitive_profile, update_person


def _person(organisation, employee_id, *, manager=None, department=None, site=None, grade="G3", name="Pat Example"):
    given, family = name.split(" ", 1)
    return create_person(
        organisation=organisation,
        employee_id=employee_id,
        given_name=given,
        family_name=family,
        email=f"{employee_id.lower()}@{organisation.slug}.test",
        grade=organisation.grades.get(code=grade),
        department=department,
        site=site,
        manager=manager,
    )


def test_directory_searches_by_name_and_filters_by_department_site_and_grade(client, manager, acme):
    # given
    tech = Department.objects.create(organisation=acme, name="Technology")
    london = Site.objects.create(organisation=acme, name="London")
    _person(acme, "T1", name="Grace Hopper", department=tech, site=london, grade="G4")
    _person(acme, "T2", name="Grace Jones", department=tech, grade="G2")
    _person(acme, "T3", name="Alan Turing", department=tech, site=london, grade="G4")
    client.force_login(manager)

    # when
    response = client.get(reverse("people:directory"), {"q": "grace", "department": tech.pk, "site": london.pk})

    # then
    assert [p.employee_id for p in response.context["page"].object_list] == ["T1"]


def test_directory_refresh_for_htmx_renders_only_the_results(client, manager):
    client.force_login(manager)
    response = client.get(reverse("people:directory"), {"q": "alice"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results">')
    assert "<form" not in html


def test_directory_hides_leavers_unless_asked(client, manager, acme):
    # given
    leaver = _person(acme, "L1", name="Lee Gone")
    update_person(person=leaver, employment_status="leaver")
    client.force_login(manager)

    # when
    default = client.get(reverse("people:directory"), {"q": "Gone"})
    with_leavers = client.get(reverse("people:directory"), {"q": "Gone", "include_leavers": "on"})

    # then
    assert default.context["page"].paginator.count == 0
    assert with_leavers.context["page"].paginator.count == 1


def test_directory_pages_in_a_fixed_number_of_queries(client, manager, acme, django_assert_max_num_queries):
    # given
    tech = Department.objects.create(organisation=acme, name="Technology")
    for number in range(120):
        _person(acme, f"P{number:03}", department=tech, name=f"Person Number{number:03}")
    client.force_login(manager)

    # then
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:directory"), {"page": 2})
    assert len(response.context["page"].object_list) == 50


def test_person_page_shows_the_reporting_chain_top_down(client, manager, acme, django_assert_max_num_queries):
    # given
    ceo = _person(acme, "C1", name="Cleo Chief", grade="G10")
    director = _person(acme, "D1", name="Dora Director", manager=ceo, grade="G8")
    analyst = _person(acme, "E1", name="Eli Analyst", manager=director, grade="G2")
    client.force_login(manager)

    # when
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:person", args=[analyst.pk]))

    # then
    assert [p.pk for p in response.context["chain"]] == [ceo.pk, director.pk]


def test_org_chart_opens_a_branch_with_team_sizes(client, manager, acme):
    # given
    ceo = _person(acme, "C1", name="Cleo Chief", grade="G10")
    director = _person(acme, "D1", name="Dora Director", manager=ceo, grade="G8")
    _person(acme, "E1", name="Eli Analyst", manager=director, grade="G2")
    client.force_login(manager)

    # when
    root_page = client.get(reverse("people:org_chart"))
    branch = client.get(reverse("people:org_chart_reports", args=[ceo.pk]), headers={"HX-Request": "true"})

    # then
    roots = {p.pk: p.team_size for p in root_page.context["roots"]}
    assert roots[ceo.pk] == 2
    assert "Dora Director" in branch.content.decode()
    assert "1 below" in branch.content.decode()


def test_moving_a_manager_moves_the_whole_subtree(acme, db):
    # given
    ceo = _person(acme, "C1", grade="G10")
    left = _person(acme, "L1", manager=ceo, grade="G8")
    right = _person(acme, "R1", manager=ceo, grade="G8")
    report = _person(acme, "X1", manager=left, grade="G5")
    leaf = _person(acme, "X2", manager=report, grade="G2")

    # when
    update_person(person=report, manager=right)

    # then
    leaf.refresh_from_db()
    assert leaf.ancestor_ids == [ceo.pk, right.pk, report.pk]
    assert leaf.reporting_depth == 3


def test_a_manager_cannot_move_under_their_own_report(acme, db):
    # given
    ceo = _person(acme, "C1", grade="G10")
    director = _person(acme, "D1", manager=ceo, grade="G8")
    before = list(Person.objects.order_by("pk").values_list("pk", "manager_id", "reporting_path"))

    # when / then
    import pytest

    from turnabout.people.errors import ManagerCycle

    with pytest.raises(ManagerCycle):
        update_person(person=ceo, manager=director)
    assert list(Person.objects.order_by("pk").values_list("pk", "manager_id", "reporting_path")) == before


def test_sensitive_answers_belong_to_the_person_alone(client, mentee, mentor):
    # given: Bob records his answers
    client.force_login(mentee)
    client.post(
        reverse("people:my_privacy"),
        {"consent": "on", "gender": "Man", "age_band": "55_plus", "has_disability": "unknown", "is_under_represented": "unknown"},
    )
    profile = SensitiveProfile.objects.get(person__user=mentee)
    assert (profile.gender, profile.age_band) == ("Man", "55_plus")
    assert profile.consent_legal_basis

    # when Charlie looks at Bob's person page
    client.force_login(mentor)
    response = client.get(reverse("people:person", args=[mentee.person.pk]))

    # then nothing of it shows
    # (the words of the answers: "55" alone also turns up in the page's random CSRF token)
    assert response.status_code == 200
    page = response.content.decode()
    assert "55_plus" not in page
    assert "55 and over" not in page
    assert "Man" not in page.replace("Manager", "")


def test_withdrawing_consent_deletes_the_answers(client, mentee):
    record_sensitive_profile(person=mentee.person, consent_purpose="Program reach", consent_legal_basis="Consent", gender="Woman")
    client.force_login(mentee)
    client.post(reverse("people:withdraw_privacy"))
    assert not SensitiveProfile.objects.filter(person=mentee.person).exists()


def test_privacy_form_without_consent_stores_nothing(client, mentee):
    client.force_login(mentee)
    response = client.post(reverse("people:my_privacy"), {"gender": "Woman"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not SensitiveProfile.objects.exists()
