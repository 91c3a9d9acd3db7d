"""Every state change in the people directory goes through these functions."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from turnabout.accounts.models import AuditAction, Organisation, User
from turnabout.accounts.services import record_audit_entry
from turnabout.core.hooks import people_changed, people_left
from turnabout.people.errors import ManagerCycle
from turnabout.people.hris_results import ImportResult
from turnabout.people.models import (
    AgeBand,
    Department,
    EmploymentStatus,
    Grade,
    GradeChange,
    Person,
    PersonKind,
    PersonSkill,
    SensitiveProfile,
    Site,
    Skill,
    SkillCategory,
)
from turnabout.people.reporting import compute_reporting_paths

DEFAULT_GRADE_LADDER: tuple[tuple[str, str], ...] = (
    ("G1", "Graduate / apprentice"),
    ("G2", "Associate"),
    ("G3", "Specialist"),
    ("G4", "Senior specialist"),
    ("G5", "Team lead"),
    ("G6", "Manager"),
    ("G7", "Senior manager"),
    ("G8", "Director"),
    ("G9", "Vice president"),
    ("G10", "Executive"),
)


@transaction.atomic
def ensure_grade_ladder(*, organisation: Organisation, ladder: Iterable[tuple[str, str]] = DEFAULT_GRADE_LADDER) -> list[Grade]:
    """Create the ladder's grades (rank = position, 1 most junior) where missing; idempotent."""
    grades = []
    for rank, (code, name) in enumerate(ladder, start=1):
        grade, _ = Grade.objects.get_or_create(organisation=organisation, code=code, defaults={"name": name, "rank": rank})
        grades.append(grade)
    return grades


def department_named(*, organisation: Organisation, name: str) -> Department:
    department, _ = Department.objects.get_or_create(organisation=organisation, name=name.strip())
    return department


def site_named(*, organisation: Organisation, name: str) -> Site:
    site, _ = Site.objects.get_or_create(organisation=organisation, name=name.strip())
    return site


@dataclass(frozen=True)
class PathRebuild:
    checked: int
    changed: int


def rebuild_reporting_paths(*, organisation: Organisation) -> PathRebuild:
    """Recompute every reporting path of ``organisation`` in memory and write only the changed rows.

    Call inside the transaction that changed managers; raises ManagerCycle (rolling it back) on a loop.
    """
    rows = list(Person.objects.filter(organisation=organisation).values_list("id", "manager_id", "reporting_path", "reporting_depth"))
    paths = compute_reporting_paths({person_id: manager_id for person_id, manager_id, _, _ in rows})
    changed = [
        Person(id=person_id, reporting_path=paths[person_id][0], reporting_depth=paths[person_id][1])
        for person_id, _, old_path, old_depth in rows
        if (old_path, old_depth) != paths[person_id]
    ]
    Person.objects.bulk_update(changed, ["reporting_path", "reporting_depth"], batch_size=2000)
    return PathRebuild(checked=len(rows), changed=len(changed))


PERSON_FIELDS = frozenset(
    {
        "given_name", "family_name", "email", "job_title", "grade", "department", "site", "country",
        "timezone", "hire_date", "languages", "employment_status", "end_date", "preferred_language",
    }
)  # fmt: skip


@transaction.atomic
def create_person(*, organisation: Organisation, employee_id: str, manager: Person | None = None, **fields: Any) -> Person:
    """Add one person and place them under ``manager`` in the reporting chain."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {', '.join(sorted(unknown))}")
    person = Person.objects.create(organisation=organisation, employee_id=employee_id, manager=manager, **fields)
    parent_path, parent_depth = (manager.reporting_path, manager.reporting_depth) if manager else ("/", -1)
    person.reporting_path = f"{parent_path}{person.pk}/"
    person.reporting_depth = parent_depth + 1
    person.save(update_fields=["reporting_path", "reporting_depth"])
    return person


GUEST_ID_PREFIX = "guest-"


@transaction.atomic
def create_guest(
    *,
    organisation: Organisation,
    email: str,
    given_name: str,
    family_name: str,
    guest_organisation: str,
    access_ends_on: date,
    by: User | None,
) -> Person:
    """The guest from outside with ``email`` in ``organisation``: created, or the existing one found and extended.

    An existing guest keeps their name; their own organisation's name becomes ``guest_organisation`` and their access
    moves to ``access_ends_on`` when that is later (never earlier). A new guest has a generated ``employee_id``, no
    grade, department, site or manager, the default time zone and no languages. The caller checked the invitation
    (``programs.services.invite_guests``): an address that is an employee's raises ValueError, a programming error.
    """
    address = email.strip().lower()
    existing = Person.objects.select_for_update().filter(organisation=organisation, email__iexact=address).first()
    if existing is not None and not existing.is_guest:
        raise ValueError(f"Person #{existing.pk} with this address is an employee, not a guest.")
    if existing is not None:
        existing.guest_organisation = guest_organisation.strip()
        if existing.access_ends_on is None or access_ends_on > existing.access_ends_on:
            existing.access_ends_on = access_ends_on
        existing.save(update_fields=["guest_organisation", "access_ends_on", "updated_at"])
        return existing
    employee_id = f"{GUEST_ID_PREFIX}{secrets.token_hex(8)}"
    while Person.objects.filter(organisation=organisation, employee_id=employee_id).exists():
        employee_id = f"{GUEST_ID_PREFIX}{secrets.token_hex(8)}"
    person = Person.objects.create(
        organisation=organisation,
        employee_id=employee_id,
        kind=PersonKind.GUEST,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        email=address,
        guest_organisation=guest_organisation.strip(),
        access_ends_on=access_ends_on,
    )
    # Nobody's report and nobody's manager: a reporting chain of their own.
    person.reporting_path = f"/{person.pk}/"
    person.save(update_fields=["reporting_path"])
    return person


# Besides the manager, the fields matching reads of a person: a change fires people_changed, as an import's does.
MATCHED_ON_FIELDS = frozenset({"grade", "department", "site", "timezone", "languages"})


@transaction.atomic
def update_person(*, person: Person, **fields: Any) -> Person:
    """Change a person's fields; a new manager moves their whole subtree, refusing cycles.

    A new grade is recorded as a GradeChange dated today (local date), in the same transaction. A change of the
    manager or of a field matching reads (``MATCHED_ON_FIELDS``) fires ``people_changed`` after commit.
    """
    unknown = set(fields) - PERSON_FIELDS - {"manager"}
    if unknown:
        raise TypeError(f"Unknown person fields: {', '.join(sorted(unknown))}")
    new_manager = fields.pop("manager", person.manager)
    old_grade_id = person.grade_id
    watched = sorted(MATCHED_ON_FIELDS & set(fields))
    matched_on_before = [person.serializable_value(name) for name in watched]
    for name, value in fields.items():
        setattr(person, name, value)
    if new_manager is not None and (new_manager.pk == person.pk or new_manager.reporting_path.startswith(person.reporting_path)):
        raise ManagerCycle(
            gettext("%(manager)s reports to %(person)s, so cannot become their manager.")
            % {"manager": new_manager.full_name, "person": person.full_name}
        )
    manager_changed = (new_manager.pk if new_manager else None) != person.manager_id
    person.manager = new_manager
    person.save()
    if person.grade_id is not None and person.grade_id != old_grade_id:
        GradeChange.objects.create(person=person, from_grade_id=old_grade_id, to_grade_id=person.grade_id, changed_on=timezone.localdate())
    if manager_changed:
        rebuild_reporting_paths(organisation=person.organisation)
        person.refresh_from_db(fields=["reporting_path", "reporting_depth"])
    if manager_changed or matched_on_before != [person.serializable_value(name) for name in watched]:
        organisation_id = person.organisation_id
        transaction.on_commit(lambda: people_changed.fire(organisation_id=organisation_id))
    return person


@transaction.atomic
def mark_leaver(*, person: Person, end_date: date) -> Person:
    """Record that a person left; they stay in the directory and in history, never deleted. Their login stops
    signing in, in the same transaction."""
    was_active = person.employment_status == EmploymentStatus.ACTIVE
    person.employment_status = EmploymentStatus.LEAVER
    person.end_date = end_date
    person.save(update_fields=["employment_status", "end_date", "updated_at"])
    if was_active:
        end_leavers_sign_in(organisation=person.organisation)
        organisation_id = person.organisation_id
        transaction.on_commit(lambda: people_left.fire(organisation_id=organisation_id, count=1))
    return person


def end_leavers_sign_in(*, organisation: Organisation) -> int:
    """Deactivate the logins of people the directory lists as leavers, so their sessions end (the auth backend
    refuses an inactive user on every request) and their API tokens stop working. Audited as the system.

    Call inside the transaction that marks them (mark_leaver, the HRIS import, SCIM); idempotent.
    """
    leavers = list(
        User.objects.select_for_update(of=("self",)).filter(
            organisation=organisation, is_active=True, person__employment_status=EmploymentStatus.LEAVER
        )
    )
    for user in leavers:
        user.is_active = False
        user.save(update_fields=["is_active"])
        record_audit_entry(
            organisation=organisation,
            actor=None,
            action=AuditAction.LOGIN_DEACTIVATED,
            target=user,
            summary=f"{user.email} deactivated: the directory lists them as having left",
        )
    return len(leavers)


@transaction.atomic
def set_skill_levels(*, person: Person, levels: dict[Skill, int]) -> None:
    """Replace a person's skill levels with ``levels`` (level 1–5)."""
    for skill, level in levels.items():
        if not 1 <= level <= 5:
            raise ValueError(f"Skill level for {skill.name} must be between 1 and 5; got {level}")
    PersonSkill.objects.filter(person=person).exclude(skill__in=list(levels)).delete()
    for skill, level in levels.items():
        PersonSkill.objects.update_or_create(person=person, skill=skill, defaults={"level": level})


@transaction.atomic
def record_sensitive_profile(
    *,
    person: Person,
    consent_purpose: str,
    consent_legal_basis: str,
    gender: str = "",
    ethnicity: str = "",
    has_disability: bool | None = None,
    is_under_represented: bool | None = None,
    age_band: AgeBand | str = "",
) -> SensitiveProfile:
    """Store the person's own, consented answers; called only on the person's own behalf."""
    if not consent_purpose.strip() or not consent_legal_basis.strip():
        raise ValueError("Consent needs a stated purpose and legal basis.")
    profile, _ = SensitiveProfile.objects.update_or_create(
        person=person,
        defaults={
            "gender": gender,
            "ethnicity": ethnicity,
            "has_disability": has_disability,
            "is_under_represented": is_under_represented,
            "age_band": age_band,
            "consent_given_at": timezone.now(),
            "consent_purpose": consent_purpose,
            "consent_legal_basis": consent_legal_basis,
        },
    )
    if person.user is not None:
        # The person's own act (only they reach the form): audited without a single answer.
        record_audit_entry(
            organisation=person.organisation,
            actor=person.user,
            action=AuditAction.SENSITIVE_PROFILE_SAVED,
            target=person.user,
            summary=f"{person.full_name} saved their consented diversity answers",
            details={"person_id": person.pk},
        )
    return profile


@transaction.atomic
def withdraw_sensitive_profile(*, person: Person) -> bool:
    """Delete the person's sensitive answers; True when there were any. Audited (without the answers) when they were."""
    deleted, _ = SensitiveProfile.objects.filter(person=person).delete()
    if deleted and person.user is not None:
        record_audit_entry(
            organisation=person.organisation,
            actor=person.user,
            action=AuditAction.SENSITIVE_PROFILE_WITHDRAWN,
            target=person.user,
            summary=f"{person.full_name} withdrew consent; their diversity answers are deleted",
            details={"person_id": person.pk},
        )
    return deleted > 0


def record_import_applied(*, organisation: Organisation, by: User | None, file_name: str, result: ImportResult) -> None:
    """Audit an applied HRIS import with its counts (never a row's values); call inside the import's write transaction."""
    record_audit_entry(
        organisation=organisation,
        actor=by,
        action=AuditAction.IMPORT_APPLIED,
        summary=f"HRIS file {file_name} applied: {result.summary_line()}",
        details={
            "file": file_name,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "leavers_marked": result.leavers_marked,
            "missing_marked": result.missing_marked,
        },
    )


@transaction.atomic
def link_user(*, person: Person, user: User) -> Person:
    """Attach a login to a person of the same organisation."""
    if user.organisation_id != person.organisation_id:
        raise ValueError("A login can only be linked to a person of its own organisation.")
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return person


STARTER_TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "skills.json"


def sync_starter_taxonomy() -> TaxonomySync:
    """Load (or refresh) the skills taxonomy shipped with Turnabout; idempotent."""
    return sync_skill_taxonomy(data=json.loads(STARTER_TAXONOMY_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class TaxonomySync:
    categories: int
    skills_created: int
    skills_updated: int


@transaction.atomic
def sync_skill_taxonomy(*, data: dict[str, Any]) -> TaxonomySync:
    """Upsert categories and skills (by slug) from a taxonomy document; idempotent."""
    categories = {}
    for item in data["categories"]:
        category, _ = SkillCategory.objects.update_or_create(slug=item["slug"], defaults={"name": item["name"]})
        categories[item["slug"]] = category
    created = updated = 0
    skills: dict[str, Skill] = {}
    for item in data["skills"]:
        skill, was_created = Skill.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "category": categories[item["category"]],
                "description": item.get("description", ""),
                "synonyms": list(item.get("synonyms", [])),
            },
        )
        created += was_created
        updated += not was_created
        skills[item["slug"]] = skill
    for item in data["skills"]:
        skills[item["slug"]].related.set([skills[slug] for slug in item.get("related", []) if slug in skills])
    return TaxonomySync(categories=len(categories), skills_created=created, skills_updated=updated)


@transaction.atomic
def create_people(*, organisation: Organisation, people: Sequence[Mapping[str, Any]]) -> list[Person]:
    """Add many people in a few queries, whatever their number, each placed under its ``manager``.

    Each item holds ``employee_id``, optionally ``manager`` and the fields ``create_person`` accepts.
    A manager must already be saved (create one level of the hierarchy per call). Returns the new
    people in input order with their reporting paths; sends no model signals (bulk insert).
    """
    rows = []
    for item in people:
        fields = dict(item)
        employee_id = fields.pop("employee_id")
        manager = fields.pop("manager", None)
        unknown = set(fields) - PERSON_FIELDS
        if unknown:
            raise TypeError(f"Unknown person fields: {', '.join(sorted(unknown))}")
        if manager is not None and (manager.pk is None or manager.organisation_id != organisation.pk):
            raise ValueError(f"The manager of {employee_id} must be a saved person of the same organisation; create managers first.")
        rows.append(Person(organisation=organisation, employee_id=employee_id, manager=manager, **fields))
    created = Person.objects.bulk_create(rows, batch_size=500)
    for person in created:
        if person.pk is None:  # pragma: no cover - every supported database returns the new keys
            raise RuntimeError("The database did not return the new people's ids.")
        manager = person.manager
        parent_path, parent_depth = (manager.reporting_path, manager.reporting_depth) if manager else ("/", -1)
        person.reporting_path = f"{parent_path}{person.pk}/"
        person.reporting_depth = parent_depth + 1
    Person.objects.bulk_update(created, ["reporting_path", "reporting_depth"], batch_size=500)
    return created


@transaction.atomic
def set_skill_levels_for_people(*, levels_by_person: Mapping[Person, Mapping[Skill, int]]) -> int:
    """Replace the skill levels of many people at once (bulk delete and insert); returns the rows written.

    The bulk counterpart of ``set_skill_levels``: levels run from 1 to 5; people left out keep theirs.
    """
    for person, levels in levels_by_person.items():
        for skill, level in levels.items():
            if not 1 <= level <= 5:
                raise ValueError(f"Skill level of {person.full_name} for {skill.name} must be between 1 and 5; got {level}")
    person_ids = [person.pk for person in levels_by_person]
    for start in range(0, len(person_ids), 500):
        PersonSkill.objects.filter(person_id__in=person_ids[start : start + 500]).delete()
    rows = [
        PersonSkill(person=person, skill=skill, level=level)
        for person, levels in levels_by_person.items()
        for skill, level in levels.items()
    ]
    PersonSkill.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def delete_organisation(*, organisation: Organisation) -> None:
    """Delete an organisation for good with its people (skills, sensitive answers), logins and ladder.

    Irreversible and unaudited: meant for demo resets and disposable data, never for a live tenant.
    """
    Person.objects.filter(organisation=organisation).delete()
    User.objects.filter(organisation=organisation).delete()
    organisation.delete()
