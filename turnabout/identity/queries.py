"""Reads for user administration: logins with their person, the audit log, tokens."""

from django.db.models import Q, QuerySet

from turnabout.accounts.models import AuditEntry, Organisation, User
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


def audit_log(*, organisation: Organisation) -> "QuerySet[AuditEntry]":
    return AuditEntry.objects.filter(organisation=organisation).select_related("actor", "target").order_by("-created_at", "-pk")


def personal_tokens(*, user: User) -> "QuerySet[ApiToken]":
    return ApiToken.objects.filter(user=user, kind=TokenKind.PERSONAL).order_by("-created_at")


def organisation_tokens(*, organisation: Organisation) -> "QuerySet[ApiToken]":
    return (
        ApiToken.objects.filter(organisation=organisation, kind=TokenKind.ORGANISATION).select_related("created_by").order_by("-created_at")
    )
