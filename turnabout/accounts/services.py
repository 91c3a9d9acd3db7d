"""State changes for organisations, users and sign-in throttling."""

import logging
import math
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from turnabout.accounts.errors import DuplicateEmail
from turnabout.accounts.models import AccountRole, AttemptKind, AuditAction, AuditEntry, Organisation, SignInAttempt, SignInMethod, User

audit_logger = logging.getLogger("turnabout.audit")


@transaction.atomic
def create_organisation(*, name: str, slug: str | None = None) -> Organisation:
    """Create an organisation with a unique slug derived from its name."""
    base = slugify(slug or name)[:50] or "organisation"
    candidate, suffix = base, 2
    while Organisation.objects.filter(slug=candidate).exists():
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return Organisation.objects.create(name=name, slug=candidate)


@transaction.atomic
def create_user(*, organisation: Organisation, email: str, role: AccountRole, full_name: str = "", password: str | None = None) -> User:
    """Create a login in ``organisation``; without a password the user must reset one by email."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DuplicateEmail(_("A user with the email %(email)s already exists.") % {"email": email})
    user = User(email=email, organisation=organisation, role=role, full_name=full_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


# A single client guessing one address gets LOGIN_FAILURE_LIMIT free attempts; the address as a whole (guesses
# from many clients) and one client across many addresses get ten times as many. Beyond its allowance each
# scope must wait 2, 4, 8 … seconds after its latest attempt, up to the window: guessing slows to a crawl,
# yet nobody can lock an owner out, who signs in from another client (or by an emailed link) as usual.
ACCOUNT_AND_ADDRESS_FACTOR = 10


def sign_in_wait_seconds(*, kind: AttemptKind, email: str, ip_address: str | None) -> int:
    """Seconds before another attempt of ``kind`` for ``email`` from ``ip_address`` is allowed (0: allowed now). Reads only."""
    now = timezone.now()
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    recent = SignInAttempt.objects.filter(kind=kind, attempted_at__gte=now - timedelta(seconds=window))
    email = email.strip().lower()
    limit = settings.LOGIN_FAILURE_LIMIT
    scopes = [(recent.filter(email=email, ip_address=ip_address), limit), (recent.filter(email=email), limit * ACCOUNT_AND_ADDRESS_FACTOR)]
    if ip_address is not None:
        scopes.append((recent.filter(ip_address=ip_address), limit * ACCOUNT_AND_ADDRESS_FACTOR))
    wait = 0.0
    for attempts, allowance in scopes:
        summary = attempts.aggregate(count=Count("pk"), latest=Max("attempted_at"))
        beyond = summary["count"] - allowance
        if beyond < 0:
            continue
        delay = min(2 ** min(beyond + 1, 30), window)
        wait = max(wait, (summary["latest"] + timedelta(seconds=delay) - now).total_seconds())
    return max(0, math.ceil(wait))


def record_sign_in_attempt(*, kind: AttemptKind, email: str, ip_address: str | None) -> None:
    """Remember an attempt and forget those older than the window, so the table stays small."""
    now = timezone.now()
    SignInAttempt.objects.filter(attempted_at__lt=now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)).delete()
    SignInAttempt.objects.create(kind=kind, email=email.strip().lower()[:254], ip_address=ip_address, attempted_at=now)


def clear_sign_in_attempts(*, kind: AttemptKind, email: str, ip_address: str | None) -> None:
    """Forget this client's attempts for this address (after it proved the password); others' stay counted."""
    SignInAttempt.objects.filter(kind=kind, email=email.strip().lower(), ip_address=ip_address).delete()


@transaction.atomic
def record_sign_in(*, user: User, method: SignInMethod, ip_address: str | None) -> None:
    """Audit a session opened for ``user`` (call right after ``login``); logins outside an organisation are not audited."""
    if user.organisation is None:
        return
    record_audit_entry(
        organisation=user.organisation,
        actor=user,
        action=AuditAction.SIGNED_IN,
        target=user,
        summary=f"{user.email} signed in ({method.label.lower()})",
        details={"method": method, "ip_address": ip_address},
    )


@transaction.atomic
def record_sign_in_failure(*, email: str, method: SignInMethod, reason: str, ip_address: str | None) -> bool:
    """Audit a refused sign-in for the login with ``email``; True when recorded.

    Only an address with a login in an organisation is recorded (in that organisation's log): a guess at an unknown
    address has no organisation to be shown to, and the throttle already counts it.
    """
    user = User.objects.select_related("organisation").filter(email__iexact=email.strip(), organisation__isnull=False).first()
    if user is None:
        return False
    assert user.organisation is not None
    record_audit_entry(
        organisation=user.organisation,
        actor=None,
        action=AuditAction.SIGN_IN_FAILED,
        target=user,
        summary=f"Sign-in refused for {user.email} ({method.label.lower()}): {reason}",
        details={"method": method, "reason": reason, "ip_address": ip_address},
    )
    return True


def record_audit_entry(
    *,
    organisation: Organisation,
    actor: User | None,
    action: AuditAction,
    summary: str,
    target: User | None = None,
    details: dict[str, object] | None = None,
) -> AuditEntry:
    """Append one entry to the organisation's audit log; call inside the transaction of the change it records.

    Once that transaction commits, logs the entry on ``turnabout.audit``: its id, action and the ids of the
    organisation, actor and target only, since the summary and details name people.
    """
    entry = AuditEntry.objects.create(
        organisation=organisation, actor=actor, action=action, target=target, summary=summary[:500], details=details or {}
    )
    fields = {
        "audit_id": entry.pk,
        "action": AuditAction(action).value,
        "organisation_id": organisation.pk,
        "actor_id": actor.pk if actor else None,
        "target_id": target.pk if target else None,
    }
    transaction.on_commit(partial(audit_logger.info, "audit", extra=fields), robust=True)
    return entry
