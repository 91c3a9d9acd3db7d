"""Communities: creating them, joining and leaving open ones, who sees members, and consent for identity-based networks."""

import pytest
from django.urls import reverse

from turnabout.people.communities import communities_of, create_community, eligible_member_ids, join_community, leave_community
from turnabout.people.errors import CommunityClosed, CommunityNameTaken
from turnabout.people.models import CommunityMembership, MembershipSource


@pytest.fixture
def erg(acme, mentor):
    return create_community(
        organisation=acme, name="Early careers", purpose="Colleagues in their first years.", is_open=True, is_identity_based=False,
        leads=[mentor.person],
    )  # fmt: skip


@pytest.fixture
def network(acme):
    return create_community(organisation=acme, name="Pride network", purpose="", is_open=True, is_identity_based=True, leads=[])


@pytest.fixture
def closed(acme):
    return create_community(organisation=acme, name="Board", purpose="", is_open=False, is_identity_based=False, leads=[])


def test_a_community_name_is_taken_whatever_its_case(acme, erg):
    # given an existing community "Early careers"

    # when / then
    with pytest.raises(CommunityNameTaken):
        create_community(organisation=acme, name="early CAREERS", purpose="", is_open=True, is_identity_based=False, leads=[])


def test_joining_an_open_community_is_consent_and_leaving_removes_the_membership(erg, mentee):
    # given
    person = mentee.person

    # when
    membership = join_community(community=erg, person=person)

    # then
    assert membership.source == MembershipSource.JOINED
    assert membership.consented_at is not None
    assert eligible_member_ids([erg]) == {person.pk}

    # when
    leave_community(community=erg, person=person)

    # then
    assert not CommunityMembership.objects.filter(person=person, community=erg).exists()


def test_nobody_joins_or_leaves_a_closed_community_themselves(closed, mentee):
    # when / then
    with pytest.raises(CommunityClosed):
        join_community(community=closed, person=mentee.person)
    with pytest.raises(CommunityClosed):
        leave_community(community=closed, person=mentee.person)
    assert not CommunityMembership.objects.exists()


def test_an_identity_based_networks_small_count_is_not_published(network, mentee):
    # given one member
    join_community(community=network, person=mentee.person)

    # when
    rows = communities_of(network.organisation)

    # then
    assert [(row.community.name, row.members) for row in rows] == [("Pride network", None)]


def test_members_are_shown_to_leads_and_managers_never_to_other_participants(client, erg, network, mentor, mentee, manager):
    # given Bob is a member of both
    join_community(community=erg, person=mentee.person)
    join_community(community=network, person=mentee.person)
    outsider_of_erg = manager

    # when the lead (Charlie) and a manager read the ERG, and Bob reads the network
    client.force_login(mentor)
    as_lead = client.get(reverse("people:community", args=[erg.pk])).content.decode()
    client.force_login(outsider_of_erg)
    as_manager_network = client.get(reverse("people:community", args=[network.pk])).content.decode()
    client.force_login(mentee)
    as_member_network = client.get(reverse("people:community", args=[network.pk])).content.decode()

    # then the lead sees Bob; nobody sees the network's members, and Bob sees his own membership only
    assert "Bob Senior" in as_lead
    assert 'data-testid="members"' not in as_manager_network
    assert "Bob Senior" not in as_manager_network
    assert 'data-testid="members"' not in as_member_network
    assert 'data-testid="my-membership"' in as_member_network


def test_a_participant_who_is_not_a_lead_does_not_see_members(client, erg, mentee, admin):
    # given Ada joined the ERG
    join_community(community=erg, person=admin.person)

    # when Bob (no lead) reads it
    client.force_login(mentee)
    html = client.get(reverse("people:community", args=[erg.pk])).content.decode()

    # then
    assert "Ada Admin" not in html


def test_a_manager_creates_a_community_and_names_its_lead_by_email(client, manager, mentor):
    # given
    client.force_login(manager)

    # when
    response = client.post(
        reverse("people:community_new"),
        {"name": "Caterpillar ERG", "purpose": "Reverse mentoring.", "is_open": "on", "lead_emails": "CHARLIE@acme.test"},
    )

    # then
    community = mentor.person.led_communities.get()
    assert response.status_code == 302
    assert community.name == "Caterpillar ERG"
    assert community.is_open


def test_an_unknown_lead_email_creates_nothing(client, manager):
    # given
    client.force_login(manager)

    # when
    response = client.post(reverse("people:community_new"), {"name": "Ghosts", "lead_emails": "nobody@acme.test"})

    # then
    assert "nobody@acme.test" in response.content.decode()
    assert not manager.organisation.communities.exists()


def test_participants_cannot_create_communities_or_name_leads(client, mentee, erg):
    # given
    client.force_login(mentee)

    # when
    created = client.post(reverse("people:community_new"), {"name": "Mine"})
    leads = client.post(reverse("people:community_leads", args=[erg.pk]), {"lead_emails": "bob@acme.test"})

    # then
    assert (created.status_code, leads.status_code) == (403, 403)
    assert list(erg.leads.values_list("email", flat=True)) == ["charlie@acme.test"]


def test_another_organisations_community_is_not_found(client, outsider, erg):
    # given
    client.force_login(outsider)

    # when / then
    assert client.get(reverse("people:community", args=[erg.pk])).status_code == 404
    assert client.post(reverse("people:community_join", args=[erg.pk])).status_code == 404
