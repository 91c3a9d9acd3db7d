"""Reads for user administration: logins with their person, the audit log, tokens."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from turnabout.accounts.models import AUDIT_GROUP_ACTIONS, AuditAction, AuditEntry, AuditGroup, Organisation, User
from turnabout.identity.models import ApiToken, TokenKind


def logins_of(*, organisation: Organisation, search: str = "", role: str = "", include_inactive: bool = True) -> "QuerySet[User]":
    """The organisation's logins (not token service logins), newest sign-in first, with their directory person."""
    logins = User.objects.filter(organisation=organisation, is_service_account=False).select_related("person")
    if search:
        logins = logins.filter(Q(email__icontains=search) | Q(full_name__icontains=search) | Q(person__employee_id__iexact=search))
    if role:
        logins = logins.filter(role=role)
    if not include_inactive:
        logins = logins.filter(is_active=True)
    return logins.order_by("-is_active", "email")


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page narrows to; empty fields do not filter. Days are whole days in the site's time zone."""

    group: AuditGroup | None = None
    action: AuditAction | None = None
    actor: str = ""  # part of the email or name of who acted
    about: str = ""  # part of the email or name of the login the entry is about, or their exact employee id
    since: date | None = None
    until: date | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def audit_log(*, organisation: Organisation, filters: AuditFilters | None = None) -> "QuerySet[AuditEntry]":
    """The organisation's audit entries, newest first, with who acted and whom they concern; for administrators."""
    entries = AuditEntry.objects.filter(organisation=organisation)
    filters = filters or AuditFilters()
    if filters.group is not None:
        entries = entries.filter(action__in=sorted(AUDIT_GROUP_ACTIONS[filters.group]))
    if filters.action is not None:
        entries = entries.filter(action=filters.action)
    if filters.actor:
        entries = entries.filter(Q(actor__email__icontains=filters.actor) | Q(actor__full_name__icontains=filters.actor))
    if filters.about:
        entries = entries.filter(
            Q(target__email__icontains=filters.about)
            | Q(target__full_name__icontains=filters.about)
            | Q(target__person__employee_id__iexact=filters.about)
        )
    if filters.since is not None:
        entries = entries.filter(created_at__gte=_start_of(filters.since))
    if filters.until is not None:
        entries = entries.filter(created_at__lt=_start_of(filters.until + timedelta(days=1)))
    return entries.select_related("actor", "target").order_by("-created_at", "-pk")


def personal_tokens(*, user: User) -> "QuerySet[ApiToken]":
    return ApiToken.objects.filter(user=user, kind=TokenKind.PERSONAL).order_by("-created_at")


def organisation_tokens(*, organisation: Organisation) -> "QuerySet[ApiToken]":
    return (
        ApiToken.objects.filter(organisation=organisation, kind=TokenKind.ORGANISATION).select_related("created_by").order_by("-created_at")
    )
