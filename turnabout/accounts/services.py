"""State changes for organisations, users and sign-in throttling."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from turnabout.accounts.errors import DuplicateEmail
from turnabout.accounts.models import FailedLogin, Organisation, Role, User


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


def login_is_throttled(*, email: str, ip_address: str | None) -> bool:
    """Too many recent failures for this email, or from this address (ten times the per-email limit)."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = FailedLogin.objects.filter(attempted_at__gte=since)
    if recent.filter(email=email.strip().lower()).count() >= settings.LOGIN_FAILURE_LIMIT:
        return True
    return ip_address is not None and recent.filter(ip_address=ip_address).count() >= settings.LOGIN_FAILURE_LIMIT * 10


def record_failed_login(*, email: str, ip_address: str | None) -> None:
    """Remember a failure and forget those older than the window, so the table stays small."""
    now = timezone.now()
    FailedLogin.objects.filter(attempted_at__lt=now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)).delete()
    FailedLogin.objects.create(email=email.strip().lower()[:254], ip_address=ip_address, attempted_at=now)


def clear_failed_logins(*, email: str) -> None:
    FailedLogin.objects.filter(email=email.strip().lower()).delete()
