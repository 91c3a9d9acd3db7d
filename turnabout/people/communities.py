"""Communities (employee resource groups, networks): every write of a community or a membership, and what pages read.

A membership comes from the person joining an open community themselves (``source=joined``), which is their consent to
it being used, or from the HRIS import's ``communities`` column (``source=hris``, set to exactly the listed communities
by each import that maps it: ``plan_hris_memberships`` and ``apply_hris_memberships``). An HRIS-sourced membership has
no consent: ``counting_memberships`` keeps it out of eligibility and reports for an identity-based community until the
member confirms it on their privacy page (``confirm_listed_membership``). Communities are the organisation's own:
a guest from outside is never a member or a lead (GuestNotInCommunity).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from turnabout.accounts.models import Organisation
from turnabout.people.errors import CommunityClosed, CommunityNameTaken, GuestNotInCommunity
from turnabout.people.models import Community, CommunityMembership, EmploymentStatus, MembershipSource, Person


@dataclass(frozen=True, slots=True)
class CommunityRow:
    """A community as the list shows it: its member count, ``None`` when an identity-based count is under k."""

    community: Community
    members: int | None


def published_member_count(community: Community, count: int) -> int | None:
    """How many members a page may say ``community`` has: an identity-based network's count only from k members."""
    if community.is_identity_based and 0 < count < settings.INSIGHTS_MIN_CELL:
        return None
    return count


def communities_of(organisation: Organisation) -> list[CommunityRow]:
    """The organisation's communities by name, with their member counts as pages may publish them. One query."""
    communities = Community.objects.filter(organisation=organisation).annotate(member_count=Count("memberships")).order_by("name")
    return [CommunityRow(community, published_member_count(community, community.member_count)) for community in communities]


def community_memberships(community: Community) -> QuerySet[CommunityMembership]:
    """The community's memberships with their people, by name."""
    return community.memberships.select_related("person", "person__department").order_by("person__family_name", "person__given_name")


def member_count(community: Community) -> int | None:
    return published_member_count(community, community.memberships.count())


def membership_of(person: Person, community: Community) -> CommunityMembership | None:
    return CommunityMembership.objects.filter(person=person, community=community).first()


def listed_memberships(person: Person) -> QuerySet[CommunityMembership]:
    """The person's memberships of identity-based communities that the HR system lists (only they see these)."""
    return (
        person.community_memberships.filter(source=MembershipSource.HRIS, community__is_identity_based=True)
        .select_related("community")
        .order_by("community__name")
    )


def counting_memberships() -> Q:
    """The memberships a program's eligibility may use (on ``CommunityMembership``): consented, or of an ordinary community."""
    return Q(community__is_identity_based=False) | Q(consented_at__isnull=False)


def eligible_member_ids(communities: Iterable[Community]) -> set[int]:
    """The active people whose membership of any of ``communities`` counts for a program's eligibility."""
    return set(
        CommunityMembership.objects.filter(counting_memberships(), community__in=list(communities))
        .filter(person__employment_status=EmploymentStatus.ACTIVE)
        .values_list("person_id", flat=True)
    )


def _refuse_guests(people: Iterable[Person]) -> None:
    """Raise GuestNotInCommunity for the first guest from outside among ``people``."""
    for person in people:
        if person.is_guest:
            raise GuestNotInCommunity(
                _("%(name)s is a guest from %(organisation)s; a guest is never a member or a lead of a community.")
                % {"name": person.full_name, "organisation": person.guest_organisation}
            )


@transaction.atomic
def create_community(
    *, organisation: Organisation, name: str, purpose: str, is_open: bool, is_identity_based: bool, leads: Iterable[Person]
) -> Community:
    """A new community of the organisation with its leads; raises CommunityNameTaken for a name in use (any case), and
    GuestNotInCommunity for a guest among ``leads``."""
    leads = list(leads)
    _refuse_guests(leads)
    name = name.strip()
    if Community.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise CommunityNameTaken(_("A community called “%(name)s” already exists.") % {"name": name})
    try:
        with transaction.atomic():
            community = Community.objects.create(
                organisation=organisation, name=name, purpose=purpose.strip(), is_open=is_open, is_identity_based=is_identity_based
            )
    except IntegrityError:
        raise CommunityNameTaken(_("A community called “%(name)s” already exists.") % {"name": name}) from None
    community.leads.set([person for person in leads if person.organisation_id == organisation.pk])
    return community


@transaction.atomic
def set_community_leads(*, community: Community, leads: Iterable[Person]) -> Community:
    """The community's leads become ``leads`` (people of its organisation only); GuestNotInCommunity for a guest."""
    leads = list(leads)
    _refuse_guests(leads)
    community.leads.set([person for person in leads if person.organisation_id == community.organisation_id])
    return community


@transaction.atomic
def join_community(*, community: Community, person: Person) -> CommunityMembership:
    """``person`` joins an open community; joining is their consent to the membership being used. Idempotent.

    Refused for a guest from outside (GuestNotInCommunity)."""
    _refuse_guests([person])
    if not community.is_open:
        raise CommunityClosed(_("This community is not open: people do not join it themselves."))
    now = timezone.now()
    membership, created = CommunityMembership.objects.get_or_create(
        person=person, community=community, defaults={"source": MembershipSource.JOINED, "joined_at": now, "consented_at": now}
    )
    if not created and membership.consented_at is None:
        membership.consented_at = now
        membership.save(update_fields=["consented_at"])
    return membership


@transaction.atomic
def leave_community(*, community: Community, person: Person) -> None:
    """``person`` leaves an open community."""
    if not community.is_open:
        raise CommunityClosed(_("This community is not open: people do not leave it themselves."))
    CommunityMembership.objects.filter(person=person, community=community).delete()


@transaction.atomic
def confirm_listed_membership(*, membership: CommunityMembership) -> CommunityMembership:
    """The member agrees that a membership the HR system lists may be used (for programs' eligibility and reports)."""
    if membership.consented_at is None:
        membership.consented_at = timezone.now()
        membership.save(update_fields=["consented_at"])
    return membership


@transaction.atomic
def remove_listed_membership(*, membership: CommunityMembership) -> None:
    """The member removes a membership the HR system lists; the next import that lists it adds it again, unconfirmed."""
    membership.delete()


@dataclass(frozen=True, slots=True)
class HrisMembershipPlan:
    """What an HRIS import changes in community memberships: the memberships to add and the HRIS-sourced ones to delete."""

    added: list[tuple[str, int]] = field(default_factory=list)  # (employee id, community id)
    removed: list[int] = field(default_factory=list)  # membership ids


def plan_hris_memberships(organisation: Organisation, listed: Mapping[str, frozenset[int]]) -> HrisMembershipPlan:
    """How the memberships of the people ``listed`` (employee id → community ids) become exactly those communities.

    Only HRIS-sourced memberships are removed; a membership the person joined themselves stays whatever the file says,
    and a listed community they already belong to (from either source) adds nothing. Reads, never writes.
    """
    plan = HrisMembershipPlan()
    if not listed:
        return plan
    held: dict[str, set[int]] = {}
    rows = CommunityMembership.objects.filter(person__organisation=organisation).values_list(
        "id", "person__employee_id", "community_id", "source"
    )
    for membership_id, employee_id, community_id, source in rows:
        if employee_id not in listed:
            continue
        held.setdefault(employee_id, set()).add(community_id)
        if source == MembershipSource.HRIS and community_id not in listed[employee_id]:
            plan.removed.append(membership_id)
    for employee_id, communities in listed.items():
        current = held.get(employee_id, set())
        plan.added.extend((employee_id, community_id) for community_id in sorted(communities - current))
    return plan


def apply_hris_memberships(plan: HrisMembershipPlan, person_ids: Mapping[str, int]) -> None:
    """Write ``plan`` (``person_ids``: employee id → person id); called inside the HRIS import's transaction.

    A new membership has no consent: of an identity-based community it counts only once the member confirms it.
    """
    CommunityMembership.objects.filter(pk__in=plan.removed, source=MembershipSource.HRIS).delete()
    now = timezone.now()
    CommunityMembership.objects.bulk_create(
        [
            CommunityMembership(person_id=person_ids[employee_id], community_id=community_id, source=MembershipSource.HRIS, joined_at=now)
            for employee_id, community_id in plan.added
        ],
        batch_size=1000,
    )
