"""The sign-in part of erasing a person: their login ends for good and no longer names them.

Called by ``turnabout.personal_data.services.erase_person`` inside its transaction, before the directory record is
pseudonymised. The login row stays, inactive and renamed, so the audit entries about it still point somewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from turnabout.accounts.models import User
from turnabout.identity.models import ApiToken, SignInLink
from turnabout.identity.services import _guard_last_admin
from turnabout.people.erasure import erased_email, erased_name
from turnabout.people.models import Person


def check_login_erasable(*, person: Person) -> None:
    """Raise LastAdmin when ``person``'s login is the organisation's last active administrator; locks the admins' rows."""
    if person.user is not None:
        _guard_last_admin(
            user=person.user,
            refusal=gettext("%(email)s is the last active administrator: make someone else an administrator before you erase them."),
        )


@dataclass(frozen=True)
class SignInErasure:
    had_login: bool
    sessions_ended: int
    tokens_revoked: int
    links_deleted: int
    identity_provider_links_deleted: int


@transaction.atomic
def end_sign_in_for_erasure(*, person: Person) -> SignInErasure:
    """End ``person``'s sign-in for good: sessions, API tokens, unused links and SSO links, then rename the login.

    Call from the erasure service after ``check_login_erasable``. The login keeps its row, inactive, with an
    unusable password and a pseudonymous name and address; ``person`` may have no login (links are still deleted).
    """
    user = person.user
    links_deleted, _ = SignInLink.objects.filter(Q(person=person) | Q(user=user) if user is not None else Q(person=person)).delete()
    if user is None:
        return SignInErasure(
            had_login=False, sessions_ended=0, tokens_revoked=0, links_deleted=links_deleted, identity_provider_links_deleted=0
        )
    tokens_revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _, deleted_by_model = SocialAccount.objects.filter(user=user).delete()  # with their stored provider tokens
    provider_links = deleted_by_model.get(SocialAccount._meta.label, 0)
    EmailAddress.objects.filter(user=user).delete()
    sessions_ended = _end_sessions(user)
    user.is_active = False
    user.email = erased_email("login", user.pk)
    user.full_name = erased_name(person.pk)
    user.set_unusable_password()  # also changes the session hash: no session of theirs would be accepted again
    user.save(update_fields=["is_active", "email", "full_name", "password"])
    return SignInErasure(
        had_login=True,
        sessions_ended=sessions_ended,
        tokens_revoked=tokens_revoked,
        links_deleted=links_deleted,
        identity_provider_links_deleted=provider_links,
    )


def _end_sessions(user: User) -> int:
    """Delete the stored sessions signed in as ``user`` (one pass over the unexpired sessions)."""
    owned = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    deleted, _ = Session.objects.filter(pk__in=owned).delete()
    return deleted
