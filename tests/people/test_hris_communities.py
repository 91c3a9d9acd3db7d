"""The HRIS import's communities column: memberships from the HR system, and the member's consent to identity-based ones."""

import pytest
from django.urls import reverse

from turnabout.people.communities import create_community, eligible_member_ids, join_community
from turnabout.people.errors import ImportRejected
from turnabout.people.hris import apply_people_import, preview_people_import
from turnabout.people.hris_reading import ImportFile
from turnabout.people.models import CommunityMembership, MembershipSource, Person

HEADER = "Employee ID,Email,Communities"


def _file(*rows: str) -> ImportFile:
    return ImportFile.from_bytes("people.csv", "\n".join([HEADER, *rows, ""]).encode())


def _memberships(person: Person) -> set[tuple[str, str]]:
    return set(CommunityMembership.objects.filter(person=person).values_list("community__name", "source"))


@pytest.fixture
def erg(acme):
    return create_community(organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[])


@pytest.fixture
def network(acme):
    return create_community(organisation=acme, name="Pride network", purpose="", is_open=False, is_identity_based=True, leads=[])


@pytest.fixture
def parents(acme):
    return create_community(organisation=acme, name="Parents", purpose="", is_open=True, is_identity_based=False, leads=[])


def test_the_mapped_column_sets_the_hris_memberships_to_exactly_the_listed_communities(acme, erg, network, parents, mentee):
    # given Bob, listed in two communities by a first import
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,early CAREERS; Parents"))
    person = mentee.person
    assert _memberships(person) == {("Early careers", MembershipSource.HRIS), ("Parents", MembershipSource.HRIS)}

    # when a second file lists him in one of them and another one
    file = _file("A003,bob@acme.test,Parents;Pride network")
    preview = preview_people_import(organisation=acme, file=file)
    result = apply_people_import(organisation=acme, file=file)

    # then the preview counted, and the import made, one membership added and one removed
    assert (preview.memberships_added, preview.memberships_removed) == (1, 1)
    assert (result.memberships_added, result.memberships_removed) == (1, 1)
    assert _memberships(person) == {("Parents", MembershipSource.HRIS), ("Pride network", MembershipSource.HRIS)}
    assert "community memberships: 1 added, 1 removed" in result.summary_line()
    # and applying it again changes nothing
    again = apply_people_import(organisation=acme, file=file)
    assert (again.memberships_added, again.memberships_removed) == (0, 0)


def test_an_empty_cell_removes_the_hris_memberships_and_an_unmapped_column_keeps_them(acme, erg, mentee):
    # given Bob listed in Early careers
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Early careers"))

    # when a file without the column is applied
    unmapped = ImportFile.from_bytes("people.csv", b"Employee ID,Email\nA003,bob@acme.test\n")
    apply_people_import(organisation=acme, file=unmapped)

    # then the membership stays
    assert _memberships(mentee.person) == {("Early careers", MembershipSource.HRIS)}

    # when a file maps the column with an empty cell
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,"))

    # then the HR system lists him nowhere
    assert _memberships(mentee.person) == set()


def test_an_unknown_community_is_a_problem_of_its_row_and_nothing_is_imported(acme, erg):
    # given a file whose second person names a community the organisation does not have
    file = _file("N1,new.one@acme.test,Early careers", "N2,new.two@acme.test,Early careers;Chess club")

    # when it is applied
    with pytest.raises(ImportRejected) as rejected:
        apply_people_import(organisation=acme, file=file)

    # then the problem names the row, the column, the name and what to do
    [problem] = rejected.value.problems
    assert (problem.row, problem.column, problem.value, problem.code) == (3, "Communities", "Chess club", "unknown_community")
    assert problem.reason == "'Chess club' is not a community of this organisation; create it first"
    # and nothing was written
    assert not Person.objects.filter(organisation=acme, employee_id__in=["N1", "N2"]).exists()
    assert not CommunityMembership.objects.filter(community=erg).exists()


def test_a_membership_the_person_joined_themselves_is_left_alone(acme, erg, parents, mentee):
    # given Bob joined Early careers himself
    joined = join_community(community=erg, person=mentee.person)

    # when the HR system lists him in Parents only, then in Early careers too
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Parents"))
    after_first = _memberships(mentee.person)
    result = apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Parents;Early careers"))

    # then his own membership stayed, with its consent, whatever the file said
    assert after_first == {("Early careers", MembershipSource.JOINED), ("Parents", MembershipSource.HRIS)}
    assert result.memberships_added == 0
    kept = CommunityMembership.objects.get(pk=joined.pk)
    assert (kept.source, kept.consented_at) == (MembershipSource.JOINED, joined.consented_at)


def test_an_identity_based_membership_from_the_hr_system_counts_only_once_confirmed(client, acme, erg, network, mentee):
    # given the HR system lists Bob in an ordinary community and an identity-based network
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Early careers;Pride network"))
    person = mentee.person

    # then the ordinary membership counts at once; the network's, which has no consent, does not
    assert CommunityMembership.objects.get(person=person, community=network).consented_at is None
    assert eligible_member_ids([erg]) == {person.pk}
    assert eligible_member_ids([network]) == set()

    # when Bob sees his privacy page and confirms the network
    client.force_login(mentee)
    page = client.get(reverse("people:my_privacy")).content.decode()
    response = client.post(reverse("people:confirm_listed_network", args=[network.pk]))

    # then the page listed it (the ordinary community is not a network to confirm), and now it counts
    assert "Networks your employer lists you in" in page
    assert "Pride network" in page
    assert "Early careers" not in page
    assert response.status_code == 302
    assert CommunityMembership.objects.get(person=person, community=network).consented_at is not None
    assert eligible_member_ids([network]) == {person.pk}
    # and the next import keeps the membership and its consent
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Early careers;Pride network"))
    assert eligible_member_ids([network]) == {person.pk}


def test_removing_a_listed_network_deletes_it_until_the_next_import_lists_it_again(client, acme, network, mentee):
    # given the HR system lists Bob in the network
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Pride network"))
    client.force_login(mentee)

    # when he removes it on his privacy page
    response = client.post(reverse("people:remove_listed_network", args=[network.pk]))

    # then the membership is gone, and the page says the next import adds it again
    assert response.status_code == 302
    assert not CommunityMembership.objects.filter(person=mentee.person, community=network).exists()
    page = client.get(reverse("people:my_privacy")).content.decode()
    assert "Networks your employer lists you in" not in page

    # when the HR system still lists him
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Pride network"))

    # then the membership is back, unconfirmed, and does not count
    assert CommunityMembership.objects.get(person=mentee.person, community=network).consented_at is None
    assert eligible_member_ids([network]) == set()
    assert "the next import adds it again, unconfirmed" in client.get(reverse("people:my_privacy")).content.decode()


def test_only_the_person_themself_confirms_or_removes_their_listed_network(client, acme, network, mentee, mentor, admin):
    # given the HR system lists Bob in the network
    apply_people_import(organisation=acme, file=_file("A003,bob@acme.test,Pride network"))

    # when Charlie (a colleague) and Ada (an administrator) try to confirm or remove it
    client.force_login(mentor)
    colleague = [
        client.post(reverse("people:confirm_listed_network", args=[network.pk])).status_code,
        client.post(reverse("people:remove_listed_network", args=[network.pk])).status_code,
    ]
    client.force_login(admin)
    administrator = [
        client.post(reverse("people:confirm_listed_network", args=[network.pk])).status_code,
        client.post(reverse("people:remove_listed_network", args=[network.pk])).status_code,
    ]
    client.force_login(mentor)
    charlies_page = client.get(reverse("people:my_privacy")).content.decode()

    # then neither finds it (they have no such membership), nobody else's page names it, and it is unchanged
    assert colleague == [404, 404]
    assert administrator == [404, 404]
    assert "Pride network" not in charlies_page
    membership = CommunityMembership.objects.get(person=mentee.person, community=network)
    assert membership.consented_at is None
