"""State changes for organisations, users and sign-in throttling."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from turnabout.accounts.errors import DuplicateEmail
from turnabout.accounts.models import AttemptKind, AuditAction, AuditEntry, Organisation, Role, SignInAttempt, User


@transaction.atomic
def create_organisation(*, name: str, slug: str | None = None) -> Organisation:
    """Create an organisation with a unique slug derived from its name."""
    base = slugify(slug or name)[:50] or "organisation"
    candidate, suffix = base, 2
    while Organisation.objects.filter(slug=candidate).exists():
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return Organisation.objects.create(name=name, slug=candidate)


@transaction.atomic
def create_user(*, organisation: Organisation, email: str, role: Role, full_name: str = "", password: str | None = None) -> User:
    """Create a login in ``organisation``; without a password the user must reset one by email."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DuplicateEmail(f"A user with the email {email} already exists.")
    user = User(email=email, organisation=organisation, role=role, full_name=full_name, is_staff=role == Role.ADMIN)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def sign_in_is_throttled(*, kind: AttemptKind, email: str, ip_address: str | None) -> bool:
    """Too many recent attempts of ``kind`` for this email, or from this address (ten times the per-email limit)."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = SignInAttempt.objects.filter(kind=kind, attempted_at__gte=since)
    if recent.filter(email=email.strip().lower()).count() >= settings.LOGIN_FAILURE_LIMIT:
        return True
    return ip_address is not None and recent.filter(ip_address=ip_address).count() >= settings.LOGIN_FAILURE_LIMIT * 10


def record_sign_in_attempt(*, kind: AttemptKind, email: str, ip_address: str | None) -> None:
    """Remember an attempt and forget those older than the window, so the table stays small."""
    now = timezone.now()
    SignInAttempt.objects.filter(attempted_at__lt=now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)).delete()
    SignInAttempt.objects.create(kind=kind, email=email.strip().lower()[:254], ip_address=ip_address, attempted_at=now)


def clear_sign_in_attempts(*, kind: AttemptKind, email: str) -> None:
    SignInAttempt.objects.filter(kind=kind, email=email.strip().lower()).delete()


def record_audit_entry(
    *,
    organisation: Organisation,
    actor: User | None,
    action: AuditAction,
    summary: str,
    target: User | None = None,
    details: dict[str, object] | None = None,
) -> AuditEntry:
    """Append one entry to the organisation's audit log; call inside the transaction of the change it records."""
    return AuditEntry.objects.create(
        organisation=organisation, actor=actor, action=action, target=target, summary=summary[:500], details=details or {}
    )
