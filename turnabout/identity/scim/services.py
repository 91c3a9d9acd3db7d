"""State changes of SCIM provisioning: the organisation's SCIM token, and the people its identity provider creates,
changes and deprovisions.

Every write goes through the people services, so SCIM and the HRIS import run the same code: a person SCIM makes
inactive (``active: false``) or deletes is marked as a leaver by ``people.services.mark_leaver``, whose
``people_left`` hook withdraws their enrolments, tells their partners and ends their sign-in — exactly as when the
import marks them. Nobody is ever removed from the directory: a deleted person keeps their record and history
for reports, and SCIM answers 404 for them from then on (RFC 7644 §3.6). Guests from outside, whom a program
manager invited, are not SCIM's: it never sees them (``queries.scim_people``), and a userName or employeeNumber of a
guest is refused as taken (409).

The caller has authenticated the organisation's SCIM token; ``by`` is its service login, the actor of every
audit entry. Refusals raise scim2-models exceptions, which carry the status and ``scimType`` of the answer.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from scim2_models import InvalidValueException, UniquenessException

from turnabout.accounts.models import AccountRole, AuditAction, Organisation, User
from turnabout.accounts.services import record_audit_entry
from turnabout.core.forms import ControlCharacterValidator
from turnabout.identity.models import ApiToken, TokenKind, TokenScope
from turnabout.identity.scim.queries import scim_person
from turnabout.identity.scim.resources import POLICY, WantedPerson, user_of, wanted_person_of
from turnabout.identity.tokens import NewToken, issue_token
from turnabout.people.errors import ManagerCycle
from turnabout.people.models import Department, EmploymentStatus, Person
from turnabout.people.services import create_person, department_named, mark_leaver, update_person

SCIM_TOKEN_NAME = "SCIM provisioning"
SCIM_TOKEN_EXPIRY_DAYS = 365


def _max_length(model: type[Model], name: str) -> int:
    field: Any = model._meta.get_field(name)
    return int(field.max_length)


# Longest values the directory keeps (read from Person's fields): longer ones are refused, never cut.
_MAX_LENGTHS = {
    "userName": _max_length(Person, "email"),
    "employeeNumber": _max_length(Person, "employee_id"),
    "name.givenName": _max_length(Person, "given_name"),
    "name.familyName": _max_length(Person, "family_name"),
    "title": _max_length(Person, "job_title"),
    "department": _max_length(Department, "name"),
    "externalId": _max_length(Person, "scim_external_id"),
}
_ONE_LINE = ControlCharacterValidator(multiline=False)
_LABELS = {
    "email": "userName",
    "employee_id": "employeeNumber",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "job_title": "title",
    "department": "department",
    "manager": "manager",
    "scim_external_id": "externalId",
}


# ---------------------------------------------------------------- the token


def _scim_login(organisation: Organisation) -> User:
    """The organisation's SCIM service login, created on first use: the actor of every SCIM change.

    Like an organisation token's login it has the administrator role and no password; the SCIM token is refused
    by the REST API and the SCIM views check the token's kind, so the role never opens anything else.
    """
    email = f"scim@{organisation.slug}.tokens.invalid"
    login = User.objects.filter(email=email, organisation=organisation, is_service_account=True).first()
    if login is None:
        login = User(email=email, organisation=organisation, role=AccountRole.ADMIN, full_name=SCIM_TOKEN_NAME, is_service_account=True)
        login.set_unusable_password()
        login.save()
    elif not login.is_active:
        login.is_active = True
        login.save(update_fields=["is_active"])
    return login


def _revoke_live_scim_tokens(*, organisation: Organisation, by: User) -> int:
    revoked = 0
    for token in ApiToken.objects.select_for_update().filter(organisation=organisation, kind=TokenKind.SCIM, revoked_at__isnull=True):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit_entry(
            organisation=organisation,
            actor=by,
            action=AuditAction.TOKEN_REVOKED,
            target=token.user,
            summary=f"SCIM token {token.prefix}… revoked",
            details={"token_id": token.pk, "kind": token.kind},
        )
        revoked += 1
    return revoked


def scim_token_of(*, organisation: Organisation) -> ApiToken | None:
    """The organisation's live SCIM token, if any (at most one is live: rotating revokes the previous one)."""
    now = timezone.now()
    return (
        ApiToken.objects.filter(organisation=organisation, kind=TokenKind.SCIM, revoked_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def rotate_scim_token(*, organisation: Organisation, by: User) -> NewToken:
    """Revoke the organisation's SCIM token, if any, and create a new one valid for a year; the secret is returned
    here once and stored only hashed. The caller checked that ``by`` administers ``organisation``.

    Holds the organisation's row lock, so two rotations at once leave one live token. Audited (revoked, created).
    """
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    _revoke_live_scim_tokens(organisation=organisation, by=by)
    login = _scim_login(organisation)
    return issue_token(
        organisation=organisation,
        kind=TokenKind.SCIM,
        principal=login,
        created_by=by,
        name=SCIM_TOKEN_NAME,
        scope=TokenScope.READ_WRITE,
        expires_in_days=SCIM_TOKEN_EXPIRY_DAYS,
        summary=f"SCIM token created ({SCIM_TOKEN_EXPIRY_DAYS} days)",
    )


@transaction.atomic
def revoke_scim_token(*, organisation: Organisation, by: User) -> bool:
    """Stop provisioning: the live SCIM token stops working at once. True when there was one; audited; idempotent."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    return _revoke_live_scim_tokens(organisation=organisation, by=by) > 0


# ---------------------------------------------------------------- people


def _check_strings(wanted: WantedPerson) -> None:
    """Refuse a value longer than the directory keeps, or with a control character (direction controls included)."""
    values = {
        "userName": wanted.email,
        "employeeNumber": wanted.employee_id,
        "name.givenName": wanted.given_name,
        "name.familyName": wanted.family_name,
        "title": wanted.job_title,
        "department": wanted.department_name,
        "externalId": wanted.external_id,
    }
    for attribute, value in values.items():
        if len(value) > _MAX_LENGTHS[attribute]:
            raise InvalidValueException(detail=f"{attribute} is longer than {_MAX_LENGTHS[attribute]} characters.")
        try:
            _ONE_LINE(value)
        except ValidationError as error:
            raise InvalidValueException(detail=f"{attribute}: {error.messages[0]}") from None


def _check_wanted(*, organisation: Organisation, wanted: WantedPerson, person: Person | None) -> Person | None:
    """Refuse what the directory cannot hold (400 invalidValue, 409 uniqueness); return the wanted manager."""
    _check_strings(wanted)
    try:
        validate_email(wanted.email)
    except ValidationError:
        raise InvalidValueException(detail=f"userName must be the person's email address; {wanted.email!r} is not one.") from None
    if not wanted.employee_id:
        raise InvalidValueException(detail="employeeNumber (enterprise extension) is required: the directory matches people on it.")
    others = Person.objects.filter(organisation=organisation)
    if person is not None:
        others = others.exclude(pk=person.pk)
    guests = Person.objects.guests().filter(organisation=organisation)
    guest = guests.filter(Q(email__iexact=wanted.email) | Q(employee_id=wanted.employee_id)).first()
    if guest is not None:
        taken = f"userName {wanted.email}" if guest.email.lower() == wanted.email.lower() else f"employeeNumber {wanted.employee_id}"
        raise UniquenessException(detail=f"{taken} belongs to a guest from {guest.guest_organisation}; a guest is not an employee.")
    if others.filter(email__iexact=wanted.email).exists():
        raise UniquenessException(detail=f"userName {wanted.email} belongs to another person of the directory.")
    if others.filter(employee_id=wanted.employee_id).exists():
        raise UniquenessException(detail=f"employeeNumber {wanted.employee_id} belongs to another person of the directory.")
    if not wanted.manager_id:
        return None
    if person is not None and wanted.manager_id == str(person.manager_id):
        # Unchanged, even if SCIM deleted the manager since: a report's other changes must not fail on it.
        return person.manager
    manager = scim_person(organisation=organisation, user_id=wanted.manager_id)
    if manager is None:
        raise InvalidValueException(detail=f"manager.value {wanted.manager_id!r} is the id of no User of this organisation.")
    return manager


def _describe(person: Person) -> str:
    return f"{person.full_name or person.email} <{person.email}> ({person.employee_id})"


@transaction.atomic
def provision_person(*, organisation: Organisation, user: Any, by: User) -> Person:
    """Add the person a SCIM creation request describes to the directory (``user``: a validated ScimUser).

    Someone SCIM deleted earlier with the same employeeNumber is the same employee back (a re-hire): their record
    is shown again and updated, keeping its id and history. Otherwise a userName or employeeNumber someone already
    has, an employee or a guest from outside, is refused (409). A user created inactive is added as a leaver. Audited.
    """
    wanted = wanted_person_of(user)
    returning = (
        Person.objects.employees()
        .select_for_update(of=("self",))
        .select_related("department", "organisation", "user")
        .filter(organisation=organisation, employee_id=wanted.employee_id, scim_deleted_at__isnull=False)
        .first()
        if wanted.employee_id
        else None
    )
    if returning is not None:
        return _provision_again(person=returning, wanted=wanted, by=by)
    manager = _check_wanted(organisation=organisation, wanted=wanted, person=None)
    department = department_named(organisation=organisation, name=wanted.department_name) if wanted.department_name else None
    try:
        person = create_person(
            organisation=organisation,
            employee_id=wanted.employee_id,
            manager=manager,
            email=wanted.email,
            given_name=wanted.given_name,
            family_name=wanted.family_name,
            job_title=wanted.job_title,
            department=department,
        )
    except IntegrityError:
        # Another request took the address or the employee number between the check and the insert.
        raise UniquenessException(detail="userName or employeeNumber belongs to another person of the directory.") from None
    if wanted.external_id:
        # Not a people-services field: written here, in the same transaction as the person.
        Person.objects.filter(pk=person.pk).update(scim_external_id=wanted.external_id)
        person.scim_external_id = wanted.external_id
    record_audit_entry(
        organisation=organisation,
        actor=by,
        action=AuditAction.SCIM_PERSON_CREATED,
        summary=f"{_describe(person)} added to the directory by SCIM",
        details={"person_id": person.pk},
    )
    if not wanted.is_active:
        _mark_left(person=person, by=by, reason="created inactive (active false)")
    return person


def _provision_again(*, person: Person, wanted: WantedPerson, by: User) -> Person:
    """A person SCIM deleted is created again: shown over SCIM again, then made what ``wanted`` says."""
    _check_wanted(organisation=person.organisation, wanted=wanted, person=person)
    Person.objects.filter(pk=person.pk).update(scim_deleted_at=None)
    person.scim_deleted_at = None
    record_audit_entry(
        organisation=person.organisation,
        actor=by,
        action=AuditAction.SCIM_PERSON_CREATED,
        target=person.user,
        summary=f"{_describe(person)} provisioned again by SCIM (the same employee number: their record and history are kept)",
        details={"person_id": person.pk, "again": True},
    )
    return _apply_wanted(person=person, wanted=wanted, by=by)


def _mark_left(*, person: Person, by: User, reason: str) -> None:
    """The leaver workflow (people.services.mark_leaver and its people_left hook, after commit), audited."""
    mark_leaver(person=person, end_date=timezone.localdate())
    record_audit_entry(
        organisation=person.organisation,
        actor=by,
        action=AuditAction.SCIM_PERSON_DEACTIVATED,
        target=person.user,
        summary=f"{_describe(person)} marked as having left by SCIM: {reason}",
        details={"person_id": person.pk, "reason": reason},
    )


def _locked(person: Person) -> Person:
    # Only the person's row is locked: PostgreSQL cannot lock the nullable side of the joins.
    return Person.objects.select_for_update(of=("self",)).select_related("department", "organisation", "user").get(pk=person.pk)


def _apply_wanted(*, person: Person, wanted: WantedPerson, by: User) -> Person:
    """Make the (locked) person hold ``wanted``; only what differs is written, and audited once."""
    organisation = person.organisation
    manager = _check_wanted(organisation=organisation, wanted=wanted, person=person)
    changes: dict[str, Any] = {}
    for field in ("email", "given_name", "family_name", "job_title"):
        if getattr(person, field) != getattr(wanted, field):
            changes[field] = getattr(wanted, field)
    current_department = person.department.name if person.department_id else ""  # type: ignore[union-attr]
    if current_department != wanted.department_name:
        changes["department"] = department_named(organisation=organisation, name=wanted.department_name) if wanted.department_name else None
    if person.manager_id != (manager.pk if manager else None):
        changes["manager"] = manager
    changed = [_LABELS[field] for field in changes]
    if changes:
        try:
            update_person(person=person, **changes)
        except ManagerCycle as error:
            raise InvalidValueException(detail=f"manager: {error}") from None
    scim_only = {}
    if person.employee_id != wanted.employee_id:
        scim_only["employee_id"] = wanted.employee_id
    if person.scim_external_id != wanted.external_id:
        scim_only["scim_external_id"] = wanted.external_id
    if scim_only:
        # Fields the people services do not take: written here, in the same transaction, under the row lock.
        Person.objects.filter(pk=person.pk).update(**scim_only, updated_at=timezone.now())
        for field, value in scim_only.items():
            setattr(person, field, value)
        changed += [_LABELS[field] for field in scim_only]
    if wanted.is_active and not person.is_active_employee:
        update_person(person=person, employment_status=EmploymentStatus.ACTIVE, end_date=None)
        changed.append("active (back from having left)")
    if changed:
        record_audit_entry(
            organisation=organisation,
            actor=by,
            action=AuditAction.SCIM_PERSON_UPDATED,
            target=person.user,
            summary=f"{_describe(person)} updated by SCIM: {', '.join(changed)}",
            details={"person_id": person.pk, "changed": changed},
        )
    if not wanted.is_active and person.is_active_employee:
        _mark_left(person=person, by=by, reason="active set to false")
    return person


@transaction.atomic
def replace_provisioned_person(*, person: Person, user: Any, by: User) -> Person:
    """Make ``person`` what a SCIM replacement (PUT) describes: attributes left out are cleared. Audited."""
    return _apply_wanted(person=_locked(person), wanted=wanted_person_of(user), by=by)


@transaction.atomic
def patch_provisioned_person(*, person: Person, patch: Any, by: User) -> Person:
    """Apply SCIM PATCH operations to ``person``, all or nothing, under the person's row lock. Audited.

    The operations are applied by scim2-models to the person's SCIM representation, which is then written back
    like a replacement, so a PATCH and a PUT reach the same state through the same checks.
    """
    person = _locked(person)
    user = user_of(person)
    patch.patch(user, scim_policy=POLICY)
    return _apply_wanted(person=person, wanted=wanted_person_of(user), by=by)


@transaction.atomic
def deprovision_person(*, person: Person, by: User) -> None:
    """SCIM DELETE: the leaver workflow, then the person is hidden from SCIM; their record and history stay.

    Idempotent in effect (the caller answers 404 for a person already deleted). Audited.
    """
    person = _locked(person)
    if person.is_active_employee:
        _mark_left(person=person, by=by, reason="deleted by the identity provider")
    else:
        record_audit_entry(
            organisation=person.organisation,
            actor=by,
            action=AuditAction.SCIM_PERSON_DEACTIVATED,
            target=person.user,
            summary=f"{_describe(person)} deleted by the identity provider (already marked as having left; kept for history)",
            details={"person_id": person.pk, "reason": "deleted by the identity provider"},
        )
    Person.objects.filter(pk=person.pk).update(scim_deleted_at=timezone.now())
