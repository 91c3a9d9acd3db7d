"""The demo organisation: ``turnabout seed-demo`` through ``call_command``, as ``make demo`` runs it."""

import ast
import inspect
from collections import defaultdict
from io import StringIO
from statistics import mean
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.accounts.services import create_organisation, create_user
from turnabout.people import demo
from turnabout.people.models import AgeBand, EmploymentStatus, Person, PersonSkill, SensitiveProfile

SMALL = 120


def seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def demo_people() -> list[Person]:
    return list(Person.objects.filter(organisation__slug=demo.DEMO_SLUG).select_related("grade", "department", "site", "manager__grade"))


def canonical_dump() -> list[tuple[Any, ...]]:
    """Everything a seed decides, without database ids or timestamps."""
    skills: dict[int, list[tuple[str, int]]] = defaultdict(list)
    rows = PersonSkill.objects.filter(person__organisation__slug=demo.DEMO_SLUG).values_list("person_id", "skill__slug", "level")
    for person_id, slug, level in rows:
        skills[person_id].append((slug, level))
    answers = {
        profile.person_id: (profile.gender, profile.ethnicity, profile.has_disability, profile.is_under_represented, profile.age_band)
        for profile in SensitiveProfile.objects.filter(person__organisation__slug=demo.DEMO_SLUG)
    }
    logins = {
        user.person.employee_id if hasattr(user, "person") else None: (user.email, user.role)
        for user in User.objects.filter(organisation__slug=demo.DEMO_SLUG).select_related("person")
    }
    return sorted(
        (
            person.employee_id,
            person.given_name,
            person.family_name,
            person.email,
            person.job_title,
            person.grade.code if person.grade else None,
            person.department.name if person.department else None,
            person.site.name if person.site else None,
            person.country,
            person.timezone,
            person.hire_date,
            tuple(person.languages),
            person.employment_status,
            person.end_date,
            person.manager.employee_id if person.manager else None,
            person.reporting_depth,
            tuple(sorted(skills[person.pk])),
            answers.get(person.pk),
            logins.get(person.employee_id),
        )
        for person in demo_people()
    )


def test_the_organisation_is_one_hierarchy_with_seniority_rising_to_the_ceo(db: None) -> None:
    # when
    output = seed(employees=SMALL, seed=1)

    # then
    people = demo_people()
    assert len(people) == SMALL
    assert output.splitlines()[0].startswith(f"Demo organisation {demo.DEMO_NAME}: {SMALL} people (")
    roots = [person for person in people if person.manager is None]
    assert [(root.job_title, root.grade.code) for root in roots if root.grade] == [("Chief Executive Officer", "G10")]
    assert max(person.reporting_depth for person in people) >= 3
    for person in people:
        assert person.reporting_path.endswith(f"/{person.pk}/")
        if person.manager is None or not (person.grade and person.manager.grade):
            continue
        if person.manager.manager is None:
            # The executive team may share the CEO's grade (G10); everyone else reports upwards.
            assert person.manager.grade.rank >= person.grade.rank
        else:
            assert person.manager.grade.rank > person.grade.rank, (person.job_title, person.manager.job_title)
    spans: dict[int, int] = defaultdict(int)
    for person in people:
        if person.manager_id:
            spans[person.manager_id] += 1
    assert max(spans.values()) <= 10


def test_people_work_in_several_countries_with_their_sites_time_zones(db: None) -> None:
    # when
    seed(employees=SMALL, seed=1)

    # then
    people = demo_people()
    places = {(person.site.name, person.country, person.timezone) for person in people if person.site}
    assert places <= {(site.name, site.country, site.timezone) for site in demo.SITES}
    assert len({country for _, country, _ in places}) >= 5
    assert len({person.department_id for person in people}) >= 8
    assert all(person.languages[0] == "en" for person in people)
    assert len({person.email.lower() for person in people}) == SMALL
    assert all(person.email.endswith("@northwind.example") for person in people)


def test_leavers_stay_in_the_directory_with_an_end_date_in_the_past(db: None) -> None:
    # when
    output = seed(employees=600, seed=1)

    # then
    leavers = [person for person in demo_people() if person.employment_status == EmploymentStatus.LEAVER]
    assert 0.02 * 600 <= len(leavers) <= 0.07 * 600
    assert f"({len(leavers)} leavers)" in output
    for leaver in leavers:
        assert leaver.end_date is not None
        assert leaver.hire_date is not None
        assert leaver.hire_date < leaver.end_date < demo.REFERENCE_DATE
        assert leaver.manager is not None


def test_juniors_know_digital_best_and_seniors_leadership(db: None) -> None:
    # when
    seed(employees=SMALL, seed=1)

    # then
    levels: dict[tuple[str, str], list[int]] = defaultdict(list)
    for level, category, rank in PersonSkill.objects.filter(person__organisation__slug=demo.DEMO_SLUG).values_list(
        "level", "skill__category__slug", "person__grade__rank"
    ):
        levels[("junior" if rank <= 4 else "senior" if rank >= 7 else "middle", category)].append(level)
    assert mean(levels[("junior", "digital-technology")]) > mean(levels[("senior", "digital-technology")]) + 1
    assert mean(levels[("senior", "leadership-business")]) > mean(levels[("junior", "leadership-business")]) + 1
    per_person: dict[int, int] = defaultdict(int)
    for person_id in PersonSkill.objects.filter(person__organisation__slug=demo.DEMO_SLUG).values_list("person_id", flat=True):
        per_person[person_id] += 1
    assert len(per_person) == SMALL
    assert min(per_person.values()) >= 4
    assert max(per_person.values()) <= 10


def test_about_a_third_share_sensitive_answers_with_consent(db: None) -> None:
    # when
    seed(employees=SMALL, seed=1)

    # then
    profiles = list(SensitiveProfile.objects.filter(person__organisation__slug=demo.DEMO_SLUG).select_related("person__grade"))
    assert 0.25 * SMALL <= len(profiles) <= 0.45 * SMALL
    assert all(profile.consent_purpose and profile.consent_legal_basis == demo.SENSITIVE_LEGAL_BASIS for profile in profiles)
    for profile in profiles:
        if profile.person.grade and profile.person.grade.rank >= 7:
            assert profile.age_band not in {AgeBand.UNDER_25, AgeBand.FROM_25_TO_34}


def test_the_same_seed_gives_the_same_organisation(db: None) -> None:
    # given
    seed(employees=SMALL, seed=7)
    first = canonical_dump()

    # when
    seed(employees=SMALL, seed=7, reset=True)

    # then
    assert canonical_dump() == first


def test_another_seed_gives_another_organisation(db: None) -> None:
    # given
    seed(employees=SMALL, seed=1)
    first = canonical_dump()

    # when
    seed(employees=SMALL, seed=2, reset=True)

    # then
    second = canonical_dump()
    assert len(second) == len(first)
    assert [row[1:4] for row in second] != [row[1:4] for row in first]


def test_a_second_run_changes_nothing_and_says_so(db: None) -> None:
    # given
    seed(employees=SMALL, seed=1)
    before = canonical_dump()
    ids_before = sorted(Person.objects.values_list("pk", flat=True))

    # when
    output = seed(employees=500, seed=3)

    # then
    assert "already loaded" in output.splitlines()[0]
    assert "admin@northwind.example / turnabout-demo" in output
    assert canonical_dump() == before
    assert sorted(Person.objects.values_list("pk", flat=True)) == ids_before
    assert Organisation.objects.filter(slug=demo.DEMO_SLUG).count() == 1


def test_reset_deletes_and_recreates_the_organisation(db: None) -> None:
    # given
    seed(employees=SMALL, seed=1)
    old_ids = set(Person.objects.values_list("pk", flat=True))

    # when
    output = seed(employees=60, seed=1, reset=True)

    # then
    assert output.splitlines()[0].startswith(f"Demo organisation {demo.DEMO_NAME}: 60 people (")
    assert Person.objects.filter(organisation__slug=demo.DEMO_SLUG).count() == 60
    assert not old_ids & set(Person.objects.values_list("pk", flat=True))
    assert Organisation.objects.count() == 1
    assert User.objects.count() == len(demo.LOGINS)


def test_every_demo_login_signs_in_with_the_demo_password(db: None) -> None:
    # given
    output = seed(employees=SMALL, seed=1)

    # when
    users = {login.mailbox: authenticate(username=login.email, password=demo.DEMO_PASSWORD) for login in demo.LOGINS}

    # then
    assert all(isinstance(user, User) for user in users.values())
    assert f"Sign in at http://127.0.0.1:8000 as admin@northwind.example / {demo.DEMO_PASSWORD}" in output
    assert {mailbox: user.role for mailbox, user in users.items() if user} == {
        "admin": AccountRole.ADMIN,
        "pm": AccountRole.PROGRAM_MANAGER,
        "sponsor": AccountRole.SPONSOR,
        "mentor": AccountRole.PARTICIPANT,
        "mentee": AccountRole.PARTICIPANT,
    }
    linked = {mailbox: Person.objects.select_related("grade").get(user=user) for mailbox, user in users.items() if mailbox != "admin"}
    assert linked["sponsor"].reporting_depth == 1
    assert linked["mentor"].grade.code in {"G1", "G2", "G3", "G4"}  # type: ignore[union-attr]
    assert linked["mentee"].grade.code in {"G7", "G8", "G9", "G10"}  # type: ignore[union-attr]
    assert all(person.is_active_employee for person in linked.values())


def test_two_thousand_people_load_in_one_run(db: None) -> None:
    # when
    output = seed(employees=2000, seed=1)

    # then
    people = demo_people()
    assert len(people) == 2000
    assert max(person.reporting_depth for person in people) >= 4
    assert output.splitlines()[0].endswith("9 departments, 8 sites.")
    spans: dict[int, int] = defaultdict(int)
    for person in people:
        if person.manager_id:
            spans[person.manager_id] += 1
    assert max(spans.values()) <= 10


@pytest.mark.parametrize("employees", [9, demo.MAX_EMPLOYEES + 1])
def test_an_impossible_size_is_refused_and_nothing_is_created(db: None, employees: int) -> None:
    with pytest.raises(CommandError, match="--employees must be between 10 and"):
        seed(employees=employees)

    assert not Organisation.objects.filter(slug=demo.DEMO_SLUG).exists()


def test_the_smallest_organisation_still_has_every_login(db: None) -> None:
    # when
    seed(employees=demo.MIN_EMPLOYEES, seed=1)

    # then
    assert Person.objects.filter(organisation__slug=demo.DEMO_SLUG).count() == demo.MIN_EMPLOYEES
    assert User.objects.filter(organisation__slug=demo.DEMO_SLUG).count() == len(demo.LOGINS)


def test_outside_demo_mode_the_public_password_is_refused(db: None, settings: Any) -> None:
    # given
    settings.DEMO = False
    settings.DEBUG = False

    # when / then
    with pytest.raises(CommandError, match="TURNABOUT_DEMO"):
        seed(employees=SMALL)
    assert not Organisation.objects.exists()


def test_the_generator_never_imports_test_code() -> None:
    tree = ast.parse(inspect.getsource(demo))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {module for module in modules if module.startswith(("tests", "factory", "pytest")) or "conftest" in module}


def test_a_failure_half_way_leaves_nothing_behind(db: None) -> None:
    # given a login that the demo wants, taken by another organisation
    other = create_organisation(name="Elsewhere")
    create_user(organisation=other, email="sponsor@northwind.example", role=AccountRole.ADMIN, password="x")

    # when
    with pytest.raises(CommandError, match=r"sponsor@northwind\.example already exists"):
        seed(employees=SMALL, seed=1)

    # then
    assert not Organisation.objects.filter(slug=demo.DEMO_SLUG).exists()
    assert not Person.objects.exists()
    assert list(User.objects.values_list("email", flat=True)) == ["sponsor@northwind.example"]
