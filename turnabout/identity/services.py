"""State changes of sign-in and user administration: first run, link requests, roles, deactivation.

Every change an administrator makes is recorded in the organisation's audit log in the same transaction.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turnabout.accounts.models import AccountRole, AttemptKind, AuditAction, Organisation, User
from turnabout.accounts.services import create_organisation, create_user, record_audit_entry, record_sign_in_attempt, sign_in_wait_seconds
from turnabout.core.email import send_templated_email
from turnabout.identity.errors import AlreadySetUp, GuestAccessEnded, GuestRoleRefused, LastAdmin, LoginElsewhere, NotInDirectory
from turnabout.identity.links import is_service_login_address, issue_sign_in_link, login_for_person, safe_next_path
from turnabout.identity.models import ApiToken
from turnabout.identity.tasks import send_requested_sign_in_link, send_welcome_link
from turnabout.people.models import EmploymentStatus, Person, PersonKind
from turnabout.people.services import ensure_grade_ladder


@dataclass(frozen=True)
class FirstRun:
    organisation: Organisation
    admin: User
    sign_in_url: str


@transaction.atomic
def set_up_organisation(*, organisation_name: str, admin_email: str, admin_name: str = "") -> FirstRun:
    """Create the first organisation and its first administrator, with a single-use sign-in link.

    Refused (AlreadySetUp) once any organisation exists; an install is set up once, and further
    people come from the directory. A table lock makes two simultaneous set-ups create one.
    """
    if connection.vendor == "postgresql":
        # FOR UPDATE locks no row of an empty table: lock the table itself, so a second set-up waits, then sees ours.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Organisation._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE")
    # On SQLite every write transaction is IMMEDIATE (settings): set-ups are already one at a time.
    if Organisation.objects.exists():
        raise AlreadySetUp(_("Turnabout is already set up: an organisation exists. Sign in as its administrator instead."))
    organisation_name = organisation_name.strip()
    admin_email = admin_email.strip().lower()
    if not organisation_name:
        raise ValueError("The organisation needs a name.")
    if User.objects.filter(email__iexact=admin_email).exists():
        raise LoginElsewhere(
            _("A login with the address %(email)s already exists (made with createsuperuser?): use another address.")
            % {"email": admin_email}
        )
    organisation = create_organisation(name=organisation_name)
    ensure_grade_ladder(organisation=organisation)
    admin = create_user(organisation=organisation, email=admin_email, role=AccountRole.ADMIN, full_name=admin_name.strip())
    record_audit_entry(
        organisation=organisation,
        actor=None,
        action=AuditAction.ORGANISATION_CREATED,
        target=admin,
        summary=f"{organisation.name} set up, with {admin_email} as its first administrator",
    )
    return FirstRun(organisation=organisation, admin=admin, sign_in_url=issue_sign_in_link(user=admin))


def email_first_run_link(*, first_run: FirstRun) -> None:
    """Email the first administrator their sign-in link (with EMAIL_URL=console:// it lands in the server log)."""
    send_templated_email(
        to=[first_run.admin.email],
        template="identity/email/first_run",
        context={"organisation": first_run.organisation, "sign_in_url": first_run.sign_in_url},
    )


@transaction.atomic
def set_password(*, user: User, password: str) -> None:
    """Set the login's password (already validated by the form); sign-in links keep working beside it."""
    user.set_password(password)
    user.save(update_fields=["password"])


def needs_first_run() -> bool:
    """True on an empty install: nobody can sign in until an organisation and its admin exist."""
    return not Organisation.objects.exists()


def request_sign_in_link(*, email: str, ip_address: str | None, next_path: str = "") -> bool:
    """Ask for a link to be emailed to ``email``; False when throttled (too many requests for it or from here).

    The answer never depends on whether the address is known: the lookup and the email happen in the
    worker, so neither the reply nor its timing enumerates accounts. The worker sends nothing to an unknown
    address, a leaver or a guest whose access ended (``links.sign_in_link_recipient``), and the reply is the same.
    """
    email = email.strip().lower()
    if sign_in_wait_seconds(kind=AttemptKind.LINK_REQUEST, email=email, ip_address=ip_address):
        return False
    safe_next = safe_next_path(next_path)
    with transaction.atomic():
        record_sign_in_attempt(kind=AttemptKind.LINK_REQUEST, email=email, ip_address=ip_address)
        transaction.on_commit(lambda: send_requested_sign_in_link.enqueue(email, safe_next))
    return True


def _active_admins(organisation: Organisation) -> "list[int]":
    return list(
        User.objects.select_for_update()
        .filter(organisation=organisation, role=AccountRole.ADMIN, is_active=True, is_service_account=False)
        .values_list("pk", flat=True)
    )


def _guard_last_admin(*, user: User, refusal: str) -> None:
    """Refuse to leave an organisation without an active administrator. Locks the admin rows.

    ``refusal`` is the whole translated sentence, with ``%(email)s`` for the administrator's address.
    """
    if user.role == AccountRole.ADMIN and user.is_active and _active_admins(user.organisation) == [user.pk]:  # type: ignore[arg-type]
        raise LastAdmin(refusal % {"email": user.email})


def _refuse_guest_role(*, user: User | None, role: AccountRole) -> None:
    """Refuse the guest role, and any change of a guest's login (its role comes with the program's invitation)."""
    if role == AccountRole.GUEST:
        raise GuestRoleRefused(_("The guest role comes only with a program's invitation of a guest from outside; choose another role."))
    if user is not None and user.role == AccountRole.GUEST and Person.objects.guests().filter(user=user).exists():
        raise GuestRoleRefused(
            _("%(email)s is a guest from outside: their program's invitation manages their access, not their role.") % {"email": user.email}
        )


@transaction.atomic
def change_role(*, user: User, role: AccountRole, by: User) -> User:
    """Give ``user`` another role; the last active administrator keeps theirs. Audited; no-op when unchanged.

    Refuses (GuestRoleRefused) the guest role and a guest's login: guests come and go with their program's invitation.
    """
    user = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
    if user.role == role:
        return user
    _refuse_guest_role(user=user, role=role)
    if role != AccountRole.ADMIN:
        _guard_last_admin(
            user=user,
            refusal=_("%(email)s is the last active administrator: make someone else an administrator before you change their role."),
        )
    previous, previous_label = user.role, user.get_role_display()
    user.role = role
    user.save(update_fields=["role"])
    record_audit_entry(
        organisation=user.organisation,  # type: ignore[arg-type]
        actor=by,
        action=AuditAction.ROLE_CHANGED,
        target=user,
        summary=f"{user.email}: {previous_label} → {user.get_role_display()}",
        details={"from": previous, "to": role},
    )
    return user


@dataclass(frozen=True)
class Grant:
    user: User
    created: bool


@transaction.atomic
def grant_role(*, organisation: Organisation, email: str, role: AccountRole, by: User, full_name: str = "") -> Grant:
    """Give the login for ``email`` the ``role``, creating it when needed, and tell a new login how to sign in.

    The address may belong to an existing login, to an active person in the directory (their login is
    created and linked), or — with ``full_name`` — to someone outside the directory, invited as a
    program manager or sponsor (never as a participant: participants come from the directory). Never the guest
    role, and never to a guest (GuestRoleRefused): guests come with their program's invitation.
    """
    email = email.strip().lower()
    _refuse_guest_role(user=None, role=role)
    if is_service_login_address(email):
        raise LoginElsewhere(_("%(email)s is reserved for a Turnabout API or SCIM token, not a person's login.") % {"email": email})
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if user.organisation_id != organisation.pk or user.is_service_account:
            raise LoginElsewhere(_("%(email)s already has a Turnabout login in another organisation.") % {"email": email})
        return Grant(user=change_role(user=user, role=role, by=by), created=False)
    person = Person.objects.select_related("user").filter(organisation=organisation, email__iexact=email).first()
    if person is not None and person.is_guest:
        raise GuestRoleRefused(
            _("%(email)s belongs to a guest from %(organisation)s: their program's invitation manages their access, not a role.")
            % {"email": email, "organisation": person.guest_organisation}
        )
    if person is not None and person.user is not None:
        # Their login kept an earlier address (the directory changed it since): that login gets the role.
        return Grant(user=change_role(user=person.user, role=role, by=by), created=False)
    if person is not None:
        if person.employment_status != EmploymentStatus.ACTIVE:
            raise NotInDirectory(_("%(name)s has left the organisation, so cannot be given a login.") % {"name": person.full_name})
        user = login_for_person(person=person, role=role, by=by)
    else:
        if not full_name.strip():
            raise NotInDirectory(
                _("Nobody in the directory has the address %(email)s. To invite someone from outside, give their name.") % {"email": email}
            )
        if role == AccountRole.PARTICIPANT:
            raise NotInDirectory(_("Participants come from the directory; invite someone from outside as a program manager or sponsor."))
        user = create_user(organisation=organisation, email=email, role=role, full_name=full_name.strip())
        record_audit_entry(
            organisation=organisation,
            actor=by,
            action=AuditAction.LOGIN_INVITED,
            target=user,
            summary=f"{full_name.strip()} <{email}> invited from outside the directory as {user.get_role_display()}",
            details={"role": role},
        )
    invited_by = by.full_name or by.email
    user_id = user.pk
    transaction.on_commit(lambda: send_welcome_link.enqueue(user_id, invited_by))
    return Grant(user=user, created=True)


def _end_sign_in(*, user: User, by: User | None, summary: str) -> None:
    """Deactivate ``user``, revoke their API tokens, and audit it. Inside the caller's transaction.

    Their unused links need no change: redeeming refuses an inactive login (and a leaver), saying why.
    """
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_audit_entry(
        organisation=user.organisation,  # type: ignore[arg-type]
        actor=by,
        action=AuditAction.LOGIN_DEACTIVATED,
        target=user,
        summary=summary,
    )


@transaction.atomic
def deactivate_user(*, user: User, by: User) -> User:
    """Stop a login from signing in and end its sessions (the auth backend refuses inactive users on every request).

    Its API tokens are revoked; its sign-in links are refused. The last active administrator cannot be deactivated.
    """
    user = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
    if not user.is_active:
        return user
    _guard_last_admin(
        user=user,
        refusal=_("%(email)s is the last active administrator: make someone else an administrator before you deactivate them."),
    )
    _end_sign_in(user=user, by=by, summary=f"{user.email} deactivated")
    return user


def _refuse_ended_guest(person: Person | None) -> None:
    if person is not None and person.guest_access_ended(timezone.localdate()):
        raise GuestAccessEnded(
            _("%(name)s is a guest whose access ended: the program manager who invited them can extend it.") % {"name": person.full_name}
        )


@transaction.atomic
def deactivate_ended_guest_logins(*, today: date) -> int:
    """Deactivate the active logins of guests whose access ended before ``today`` (their API tokens revoked), each
    audited as a deactivation by the system; returns how many. Idempotent: an inactive login is left alone.

    Holds the row locks of those logins; the daily job ``deactivate-ended-guests`` calls it.
    """
    logins = (
        User.objects.select_for_update(of=("self",))
        .select_related("organisation", "person")
        .filter(is_active=True, role=AccountRole.GUEST, person__kind=PersonKind.GUEST, person__access_ends_on__lt=today)
        .order_by("pk")
    )
    count = 0
    for login in logins:
        ended_on = login.person.access_ends_on
        assert ended_on is not None
        _end_sign_in(user=login, by=None, summary=f"{login.email} deactivated: guest access ended on {ended_on.isoformat()}")
        count += 1
    return count


@transaction.atomic
def reactivate_user(*, user: User, by: User) -> User:
    """Let a deactivated login sign in again; refused for someone the directory lists as a leaver, and for a guest
    whose access ended (their program's invitation extends it)."""
    user = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
    if user.is_active:
        return user
    person = Person.objects.filter(user=user).first()
    if person is not None and person.employment_status != EmploymentStatus.ACTIVE:
        raise NotInDirectory(_("The directory lists %(name)s as having left; they cannot be reactivated.") % {"name": person.full_name})
    _refuse_ended_guest(person)
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_audit_entry(
        organisation=user.organisation,  # type: ignore[arg-type]
        actor=by,
        action=AuditAction.LOGIN_REACTIVATED,
        target=user,
        summary=f"{user.email} reactivated",
    )
    return user


@transaction.atomic
def resend_sign_in_link(*, user: User, by: User) -> None:
    """Email ``user`` a fresh sign-in link; audited. Inactive logins and guests whose access ended get nothing."""
    if not user.is_active or user.is_service_account:
        raise NotInDirectory(_("%(email)s is deactivated: reactivate the login first.") % {"email": user.email})
    _refuse_ended_guest(Person.objects.filter(user=user).first())
    record_audit_entry(
        organisation=user.organisation,  # type: ignore[arg-type]
        actor=by,
        action=AuditAction.SIGN_IN_LINK_SENT,
        target=user,
        summary=f"Sign-in link sent to {user.email}",
    )
    invited_by = by.full_name or by.email
    user_id = user.pk
    transaction.on_commit(lambda: send_welcome_link.enqueue(user_id, invited_by))
