"""Emailed sign-in links: how every directory person gets in without a password.

A link is single use, expires after ``SIGN_IN_LINK_MAX_AGE_DAYS``, is bound to one person (or one login
that has no person, such as an invited sponsor from outside) and is stored only as a SHA-256 hash: the
token itself exists only in the email. Opening a link proves the email, so a person's login is created
then, with the participant role (the guest role for a guest from outside), and linked to their record. A guest whose
access ended (``sign_in_policy.guest_access_refusal``) is issued no link, and a link issued before is refused.
"""

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from turnabout.accounts.models import AccountRole, AuditAction, User
from turnabout.accounts.services import create_user, record_audit_entry
from turnabout.identity.errors import LinkExpired, LinkInvalid, LinkUsed, LoginElsewhere, SignInRefused
from turnabout.identity.models import SignInLink
from turnabout.identity.sign_in_policy import guest_access_refusal, sign_in_refusal, sso_only_provider, sso_sign_in_path
from turnabout.people.models import EmploymentStatus, Person
from turnabout.people.services import link_user

TOKEN_BYTES = 32
# The addresses of API and SCIM tokens' service logins (tokens.py, scim/services.py): never a person's login.
SERVICE_LOGIN_DOMAIN_SUFFIX = ".tokens.invalid"


def is_service_login_address(email: str) -> bool:
    """True for an address reserved for a token's service login, which no person may sign in as or be given."""
    return email.strip().lower().endswith(SERVICE_LOGIN_DOMAIN_SUFFIX)


def hash_secret(secret: str) -> str:
    """The stored form of a link or API token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def safe_next_path(next_path: str) -> str:
    """``next_path`` when it is a path on this site, else empty: a link never redirects elsewhere."""
    if next_path and next_path.startswith("/") and url_has_allowed_host_and_scheme(next_path, allowed_hosts=None):
        return next_path[:500]
    return ""


@transaction.atomic
def issue_sign_in_link(*, person: Person | None = None, user: User | None = None, next_path: str = "") -> str:
    """Create a link for ``person`` (or for ``user`` when there is no person) and return its absolute URL.

    The URL is the only place the token exists; put it in one email and nowhere else (no logs). Raises
    SignInRefused, issuing nothing, for a guest whose access ended.
    """
    if person is None and user is None:
        raise ValueError("A sign-in link is bound to a person or a login.")
    if person is None and user is not None and hasattr(user, "person"):
        person = user.person
    if person is not None and (ended := guest_access_refusal(person=person)) is not None:
        raise SignInRefused(ended)
    organisation_id = person.organisation_id if person is not None else user.organisation_id  # type: ignore[union-attr]
    if organisation_id is None:
        raise ValueError("A login without an organisation cannot sign in by link.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    SignInLink.objects.create(
        organisation_id=organisation_id,
        person=person,
        user=user if person is None else None,
        token_hash=hash_secret(token),
        next_path=safe_next_path(next_path),
        created_at=now,
        expires_at=now + timedelta(days=settings.SIGN_IN_LINK_MAX_AGE_DAYS),
    )
    return f"{settings.SITE_URL}{reverse('identity:redeem_link', args=[token])}"


def sign_in_url(*, person: Person, next_path: str) -> str:
    """The address to put in an email to ``person`` whose action lives at ``next_path``.

    A fresh single-use link that signs the person in (creating their login the first time) and then
    opens ``next_path``; for an employee of an "SSO only" organisation, its single sign-on page instead. For a
    guest whose access ended, the page's own address and no link: it signs nobody in, and the sign-in page refuses
    them saying why (an email task that raised would stop the other recipients' emails with it).
    Call from the background task that sends the email.
    """
    if guest_access_refusal(person=person) is not None:
        return f"{settings.SITE_URL}{safe_next_path(next_path) or reverse('home')}"
    provider = sso_only_provider(person=person)
    if provider is not None:
        return f"{settings.SITE_URL}{sso_sign_in_path(provider, next_path=safe_next_path(next_path))}"
    return issue_sign_in_link(person=person, next_path=next_path)


def find_link(*, token: str) -> SignInLink:
    """The link for ``token`` if it can still be used; raises LinkInvalid, LinkUsed or LinkExpired. Reads only."""
    link = SignInLink.objects.select_related("person", "user", "person__user").filter(token_hash=hash_secret(token)).first()
    if link is None:
        raise LinkInvalid(_("This sign-in link is not valid. It may have been copied incompletely."))
    if link.used_at is not None:
        raise LinkUsed(_("This sign-in link has already been used. Each link works once."))
    if link.expires_at <= timezone.now():
        raise LinkExpired(_("This sign-in link has expired."))
    return link


@transaction.atomic
def redeem_sign_in_link(*, token: str) -> tuple[User, str]:
    """Use the link once and return the login it signs in, with the path to open next.

    Creates (and links) the person's login on first use. Refuses leavers, deactivated logins, guests whose access
    ended and employees of an "SSO only" organisation, and changes nothing when it refuses. Holds a row lock on the
    link so a link opened twice at once signs in once.
    """
    found = find_link(token=token)
    link = SignInLink.objects.select_for_update().get(pk=found.pk)
    if link.used_at is not None:
        raise LinkUsed(_("This sign-in link has already been used. Each link works once."))
    person = found.person
    if person is not None:
        if person.employment_status != EmploymentStatus.ACTIVE:
            raise SignInRefused(_("Your organisation's directory lists you as having left, so you can no longer sign in."))
        refusal = sign_in_refusal(person=person)
        if refusal is not None:
            raise SignInRefused(refusal)
        user = login_for_person(person=person)
    else:
        assert found.user is not None
        user = found.user
        # The guest may have become an employee (linked to a person) since the link was issued.
        refusal = sign_in_refusal(user=user)
        if refusal is not None:
            raise SignInRefused(refusal)
    if not user.is_active:
        raise SignInRefused(_("Your login has been deactivated. Ask your Turnabout administrator to reactivate it."))
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return user, link.next_path


def login_elsewhere_refusal(*, email: str, login: User | None, organisation_id: int | None) -> str | None:
    """Why ``email`` (``login`` is the login that has it, if any) cannot be a person's login in organisation
    ``organisation_id``: it is reserved for a token, or a login of another organisation has it; None when it can. Reads nothing."""
    if (login is not None and login.is_service_account) or is_service_login_address(email):
        return _("%(email)s is reserved for a Turnabout API or SCIM token, not a person's login.") % {"email": email}
    if login is not None and login.organisation_id != organisation_id:
        return _("%(email)s already has a Turnabout login in another organisation.") % {"email": email}
    return None


@transaction.atomic
def login_for_person(*, person: Person, role: AccountRole | None = None, by: User | None = None) -> User:
    """The person's login, created with ``role`` and linked to them if they have none yet.

    Without ``role``, a guest's login gets the guest role and an employee's the participant role.

    An existing unlinked login of the same organisation and email is linked instead; an address
    with a login in another organisation raises LoginElsewhere. Records the creation in the audit log.
    """
    if person.user_id is not None:
        assert person.user is not None
        return person.user
    if role is None:
        role = AccountRole.GUEST if person.is_guest else AccountRole.PARTICIPANT
    email = person.email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if (elsewhere := login_elsewhere_refusal(email=email, login=user, organisation_id=person.organisation_id)) is not None:
        raise LoginElsewhere(elsewhere)
    if user is None:
        user = create_user(organisation=person.organisation, email=email, role=role, full_name=person.full_name)
        record_audit_entry(
            organisation=person.organisation,
            actor=by,
            action=AuditAction.LOGIN_CREATED,
            target=user,
            summary=f"Login created for {person.full_name} <{email}> as {user.get_role_display()}",
            details={"person_id": person.pk, "role": role},
        )
    link_user(person=person, user=user)
    return user


def sign_in_link_recipient(*, email: str) -> tuple[Person | None, User | None]:
    """Who a requested link for ``email`` would sign in: an active directory person, else an active login without one.

    Service logins, leavers and guests whose access ended get nothing. Reads only.
    """
    email = email.strip().lower()
    person = (
        Person.objects.select_related("user", "organisation")
        .filter(email__iexact=email, employment_status=EmploymentStatus.ACTIVE)
        .order_by("pk")
        .first()
    )
    if person is not None:
        if (person.user is not None and not person.user.is_active) or sign_in_refusal(person=person) is not None:
            return None, None
        return person, None
    user = User.objects.filter(email__iexact=email, is_active=True, is_service_account=False, organisation__isnull=False).first()
    if user is None or hasattr(user, "person"):
        return None, None
    return None, user


def link_request_path(*, next_path: str = "") -> str:
    """The page where anyone asks for a fresh link, keeping where they were going."""
    path = reverse("identity:request_link")
    return f"{path}?{urlencode({'next': next_path})}" if safe_next_path(next_path) else path
