"""API tokens: created, shown once, stored hashed, revocable; checked on every API request that bears one.

A personal token acts as its owner, so it never has more rights than they have (and loses them when they
do). An organisation token acts as a service login of its own with the administrator role; its scope
(read, or read and write) limits it further.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from turnabout.accounts.models import AccountRole, AuditAction, Organisation, User
from turnabout.accounts.services import record_audit_entry
from turnabout.identity.links import hash_secret
from turnabout.identity.models import ApiToken, TokenKind, TokenScope

TOKEN_PREFIX = "tat_"
# Seconds between two writes of last_used_at for one token: a busy client does not write on every call.
LAST_USED_RESOLUTION_SECONDS = 60
EXPIRY_CHOICES_DAYS = (7, 30, 90, 365)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str


def new_token_secret() -> str:
    """A fresh token secret: the prefix (for secret scanners and our own length check) and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_api_token(*, owner: User, name: str, scope: TokenScope, expires_in_days: int, organisation_wide: bool = False) -> NewToken:
    """Create a token; the secret is returned here once and never stored.

    ``organisation_wide`` (administrators only; the caller checks the role) makes an organisation token
    acting as its own service login. Audited.
    """
    if expires_in_days not in EXPIRY_CHOICES_DAYS:
        raise ValueError(f"expires_in_days must be one of {EXPIRY_CHOICES_DAYS}")
    organisation: Organisation = owner.organisation  # type: ignore[assignment]
    name = name.strip()[:100]
    if organisation_wide:
        principal = User(
            email=f"api-token-{secrets.token_hex(6)}@{organisation.slug}.tokens.invalid",
            organisation=organisation,
            role=AccountRole.ADMIN,
            full_name=f"API token “{name}”",
            is_service_account=True,
        )
        principal.set_unusable_password()
        principal.save()
    else:
        principal = owner
    kind = TokenKind.ORGANISATION if organisation_wide else TokenKind.PERSONAL
    return issue_token(
        organisation=organisation,
        kind=kind,
        principal=principal,
        created_by=owner,
        name=name,
        scope=scope,
        expires_in_days=expires_in_days,
        summary=f"{kind.label} API token “{name}” ({TokenScope(scope).label.lower()}, {expires_in_days} days) created",
    )


def issue_token(
    *,
    organisation: Organisation,
    kind: TokenKind,
    principal: User,
    created_by: User,
    name: str,
    scope: TokenScope,
    expires_in_days: int,
    summary: str,
) -> NewToken:
    """Store a new token of ``kind`` acting as ``principal`` (its hash and prefix only) and audit it; the secret is
    returned here once. Call inside the caller's transaction, after its own checks."""
    secret = new_token_secret()
    now = timezone.now()
    token = ApiToken.objects.create(
        organisation=organisation,
        kind=kind,
        user=principal,
        created_by=created_by,
        name=name,
        scope=scope,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
    )
    record_audit_entry(
        organisation=organisation,
        actor=created_by,
        action=AuditAction.TOKEN_CREATED,
        target=principal,
        summary=summary,
        details={"token_id": token.pk, "scope": scope, "kind": kind},
    )
    return NewToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> ApiToken:
    """Stop a token working at once; an organisation token's service login is deactivated with it. Idempotent."""
    token = ApiToken.objects.select_for_update().select_related("user", "organisation").get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    if token.kind == TokenKind.ORGANISATION:
        User.objects.filter(pk=token.user_id, is_service_account=True).update(is_active=False)
    record_audit_entry(
        organisation=token.organisation,
        actor=by,
        action=AuditAction.TOKEN_REVOKED,
        target=token.user,
        summary=f"{token.get_kind_display()} API token “{token.name}” revoked",
        details={"token_id": token.pk},
    )
    return token


# The REST API takes personal and organisation tokens; /scim/v2/ takes only SCIM tokens, and each refuses the others.
REST_API_KINDS = frozenset({TokenKind.PERSONAL, TokenKind.ORGANISATION})


def authenticate_api_token(*, secret: str, kinds: frozenset[TokenKind] = REST_API_KINDS) -> ApiToken | None:
    """The live token of one of ``kinds`` for ``secret`` whose login may act, or None (unknown, other kind, revoked,
    expired, deactivated)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user", "user__organisation").filter(token_hash=hash_secret(secret), kind__in=kinds).first()
    if token is None or not token.is_live or not token.user.is_active or token.user.organisation_id != token.organisation_id:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
