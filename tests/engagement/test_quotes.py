"""Consented quotes: a participant offers their own words for the report, a program manager chooses, withdrawing wins.

Nothing a participant did not explicitly offer ever reaches a program manager or sponsor; an anonymous quote shows
"A participant" only; a withdrawn quote is gone from every page and cannot be chosen again.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.engagement.erasure import erase_engagement_content
from turnabout.engagement.errors import InvalidEntry, NotAllowed, QuoteWithdrawn
from turnabout.engagement.models import Pair, Quote, QuoteAttribution
from turnabout.engagement.queries import chosen_quotes, offered_quotes
from turnabout.engagement.services import (
    choose_quote,
    edit_quote,
    log_insight,
    offer_quote,
    unchoose_quote,
    withdraw_quote,
    write_reflection,
)
from turnabout.personal_data.export import personal_data_document
from turnabout.programs.models import Role

pytestmark = pytest.mark.django_db

WORDS = "We now webcast in addition to emailing a memo."
WITHDRAWN = "This quote was withdrawn by its author and can no longer be shown."


def _user(pair: Pair, role: Role):
    return pair.enrolment_for(role).person.user


def _offer(pair: Pair, role: Role = Role.MENTEE, *, text: str = WORDS, attribution: str = QuoteAttribution.NAMED) -> Quote:
    return offer_quote(pair=pair, author=_user(pair, role), role=role, text=text, attribution=attribution, consent=True)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _snapshot(quote: Quote) -> tuple:
    quote.refresh_from_db()
    return (quote.text, quote.attribution, quote.chosen_at, quote.chosen_by_id, quote.withdrawn_at, quote.updated_at)


# --- Services ------------------------------------------------------------------------------------------------------


def test_an_offer_needs_the_consent_sentence_ticked_and_some_words(active_pair) -> None:
    # given
    ben = _user(active_pair, Role.MENTEE)

    # when / then
    with pytest.raises(InvalidEntry, match="consent"):
        offer_quote(pair=active_pair, author=ben, role=Role.MENTEE, text=WORDS, attribution=QuoteAttribution.NAMED, consent=False)
    with pytest.raises(InvalidEntry, match="Write the words"):
        offer_quote(pair=active_pair, author=ben, role=Role.MENTEE, text="   ", attribution=QuoteAttribution.NAMED, consent=True)
    with pytest.raises(InvalidEntry, match="under 600 characters"):
        offer_quote(pair=active_pair, author=ben, role=Role.MENTEE, text="x" * 601, attribution=QuoteAttribution.NAMED, consent=True)
    assert not Quote.objects.exists()


def test_an_offered_quote_is_shown_only_once_chosen(active_pair, manager) -> None:
    # given
    quote = _offer(active_pair)

    # when
    before = chosen_quotes(active_pair.program)
    choose_quote(quote=quote, by=manager)

    # then
    assert before == []
    assert [shown.text for shown in chosen_quotes(active_pair.program)] == [WORDS]


def test_an_attributed_quote_names_the_person_and_their_role_wording_an_anonymous_one_nobody(active_pair, manager) -> None:
    # given
    program = active_pair.program
    ben = active_pair.mentee.person
    choose_quote(quote=_offer(active_pair, Role.MENTEE), by=manager)
    choose_quote(
        quote=_offer(active_pair, Role.MENTOR, text="I present to the board now.", attribution=QuoteAttribution.ANONYMOUS), by=manager
    )

    # when
    named, anonymous = chosen_quotes(program)

    # then
    assert named.attribution == f"{ben.full_name}, {program.mentee_label}"
    assert anonymous.attribution == "A participant"
    ada = active_pair.mentor.person
    for word in (ada.full_name, ada.given_name, program.mentor_label, ada.department.name):
        assert word not in anonymous.attribution


def test_withdrawing_a_chosen_quote_removes_it_at_once_and_keeps_no_words(active_pair, manager) -> None:
    # given
    quote = choose_quote(quote=_offer(active_pair), by=manager)

    # when
    withdraw_quote(quote=quote, author=_user(active_pair, Role.MENTEE))

    # then
    quote.refresh_from_db()
    assert (quote.text, quote.chosen_at, quote.chosen_by) == ("", None, None)
    assert quote.withdrawn_at is not None
    assert chosen_quotes(active_pair.program) == []
    assert list(offered_quotes(active_pair.program)) == []


def test_choosing_or_unchoosing_a_withdrawn_quote_is_refused_and_changes_nothing(active_pair, manager) -> None:
    # given
    quote = withdraw_quote(quote=_offer(active_pair), author=_user(active_pair, Role.MENTEE))
    before = _snapshot(quote)

    # when / then
    with pytest.raises(QuoteWithdrawn, match=WITHDRAWN):
        choose_quote(quote=quote, by=manager)
    with pytest.raises(QuoteWithdrawn, match=WITHDRAWN):
        unchoose_quote(quote=quote)
    assert _snapshot(quote) == before


def test_editing_a_chosen_quote_takes_it_off_the_report_until_chosen_again(active_pair, manager) -> None:
    # given
    ben = _user(active_pair, Role.MENTEE)
    quote = choose_quote(quote=_offer(active_pair), by=manager)

    # when
    edit_quote(quote=quote, author=ben, text="We webcast every policy change.", attribution=QuoteAttribution.ANONYMOUS, consent=True)

    # then
    quote.refresh_from_db()
    assert (quote.text, quote.attribution, quote.chosen_at) == ("We webcast every policy change.", QuoteAttribution.ANONYMOUS, None)
    assert chosen_quotes(active_pair.program) == []


def test_only_the_author_edits_or_withdraws_and_a_withdrawn_quote_cannot_be_edited(active_pair) -> None:
    # given
    quote = _offer(active_pair)
    ada = _user(active_pair, Role.MENTOR)
    ben = _user(active_pair, Role.MENTEE)

    # when / then
    with pytest.raises(NotAllowed):
        withdraw_quote(quote=quote, author=ada)
    with pytest.raises(NotAllowed):
        edit_quote(quote=quote, author=ada, text="Changed", attribution=QuoteAttribution.NAMED, consent=True)
    withdraw_quote(quote=quote, author=ben)
    with pytest.raises(QuoteWithdrawn):
        edit_quote(quote=quote, author=ben, text="Again", attribution=QuoteAttribution.NAMED, consent=True)


def test_unchoosing_keeps_the_quote_offered(active_pair, manager) -> None:
    # given
    quote = choose_quote(quote=_offer(active_pair), by=manager)

    # when
    unchoose_quote(quote=quote)

    # then
    assert chosen_quotes(active_pair.program) == []
    assert list(offered_quotes(active_pair.program)) == [quote]


# --- Pages ---------------------------------------------------------------------------------------------------------


def test_a_participant_offers_a_quote_from_their_own_insight(client, active_pair) -> None:
    # given
    ben = _user(active_pair, Role.MENTEE)
    insight = log_insight(pair=active_pair, description=WORDS, owner="Ben", adopted_on=date(2026, 1, 5), by=ben)
    client.force_login(ben)
    url = reverse("engagement:quotes", args=[active_pair.pk])

    # when
    page = client.get(f"{url}?insight={insight.pk}")
    response = client.post(url, {"text": WORDS, "attribution": "named", "consent": "on"})

    # then
    assert page.context["form"].initial["text"] == WORDS
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert (quote.author, quote.author_role, quote.text, quote.attribution) == (ben, Role.MENTEE, WORDS, QuoteAttribution.NAMED)


def test_the_offer_form_starts_from_nothing_the_partner_wrote(client, active_pair) -> None:
    # given
    ada = _user(active_pair, Role.MENTOR)
    ben = _user(active_pair, Role.MENTEE)
    insight = log_insight(pair=active_pair, description="Ada's own entry", owner="Ada", adopted_on=date(2026, 1, 5), by=ada)
    write_reflection(pair=active_pair, role=Role.MENTOR, learned="Ada's reflection")
    client.force_login(ben)
    url = reverse("engagement:quotes", args=[active_pair.pk])

    # when
    from_insight = client.get(f"{url}?insight={insight.pk}")
    from_reflection = client.get(f"{url}?from=reflection")

    # then
    assert from_insight.context["form"].initial["text"] == ""
    assert from_reflection.context["form"].initial["text"] == ""


def test_the_closure_page_offers_a_quote_prefilled_from_the_own_reflection(client, active_pair) -> None:
    # given
    ben = _user(active_pair, Role.MENTEE)
    write_reflection(pair=active_pair, role=Role.MENTEE, learned=WORDS)
    client.force_login(ben)

    # when
    closure = client.get(reverse("engagement:closure", args=[active_pair.pk]))
    offer = client.get(reverse("engagement:quotes", args=[active_pair.pk]) + "?from=reflection")

    # then
    assert reverse("engagement:quotes", args=[active_pair.pk]) + "?from=reflection" in closure.content.decode()
    assert offer.context["form"].initial["text"] == WORDS


def test_an_offer_without_consent_is_refused_on_the_page(client, active_pair) -> None:
    # given
    client.force_login(_user(active_pair, Role.MENTEE))

    # when
    response = client.post(reverse("engagement:quotes", args=[active_pair.pk]), {"text": WORDS, "attribution": "named"})

    # then
    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    assert not Quote.objects.exists()


def test_the_partner_does_not_see_or_withdraw_the_quote(client, active_pair) -> None:
    # given
    quote = _offer(active_pair, Role.MENTEE)
    client.force_login(_user(active_pair, Role.MENTOR))

    # when
    page = client.get(reverse("engagement:quotes", args=[active_pair.pk]))
    withdraw = client.post(reverse("engagement:quote_withdraw", args=[active_pair.pk]), {"quote": quote.pk})
    edit = client.post(
        reverse("engagement:quote_edit", args=[active_pair.pk]), {"quote": quote.pk, "text": "x", "attribution": "named", "consent": "on"}
    )

    # then
    assert WORDS not in page.content.decode()
    assert (withdraw.status_code, edit.status_code) == (404, 404)
    quote.refresh_from_db()
    assert (quote.text, quote.withdrawn_at) == (WORDS, None)


def test_the_author_withdraws_from_the_page(client, active_pair, manager) -> None:
    # given
    quote = choose_quote(quote=_offer(active_pair), by=manager)
    client.force_login(_user(active_pair, Role.MENTEE))

    # when
    response = client.post(reverse("engagement:quote_withdraw", args=[active_pair.pk]), {"quote": quote.pk}, follow=True)

    # then
    assert "Your quote is withdrawn: its words are deleted and it appears nowhere." in _messages(response)
    assert WORDS not in response.content.decode()
    assert chosen_quotes(active_pair.program) == []


def test_a_manager_chooses_on_the_offered_quotes_page(client, active_pair, manager) -> None:
    # given
    quote = _offer(active_pair, attribution=QuoteAttribution.ANONYMOUS)
    client.force_login(manager)
    program = active_pair.program

    # when
    page = client.get(reverse("engagement:program_quotes", args=[program.pk]))
    client.post(reverse("engagement:quote_choose", args=[program.pk]), {"quote": quote.pk})

    # then
    content = page.content.decode()
    assert "Quotes offered for the report" in content
    assert WORDS in content
    assert "A participant" in content
    assert active_pair.mentee.person.full_name not in content
    quote.refresh_from_db()
    assert (quote.chosen_by, quote.is_chosen) == (manager, True)


def test_a_manager_choosing_a_quote_withdrawn_meanwhile_is_told_and_nothing_changes(client, active_pair, manager) -> None:
    # given the manager's page was loaded while the quote was offered, then its author withdrew it
    quote = _offer(active_pair)
    client.force_login(manager)
    program = active_pair.program
    client.get(reverse("engagement:program_quotes", args=[program.pk]))
    withdraw_quote(quote=quote, author=_user(active_pair, Role.MENTEE))
    before = _snapshot(quote)

    # when
    response = client.post(reverse("engagement:quote_choose", args=[program.pk]), {"quote": quote.pk}, follow=True)

    # then
    assert WITHDRAWN in _messages(response)
    assert _snapshot(quote) == before
    assert chosen_quotes(program) == []


def test_a_choice_without_a_quote_is_refused_with_a_message(client, active_pair, manager) -> None:
    # given
    client.force_login(manager)

    # when
    response = client.post(reverse("engagement:quote_choose", args=[active_pair.program.pk]), {"quote": "abc"}, follow=True)

    # then
    assert response.status_code == 200
    assert _messages(response)
    assert not Quote.objects.exists()


# --- Permissions ---------------------------------------------------------------------------------------------------


@pytest.fixture
def org_admin(acme):
    """An administrator of the pair's organisation (the shared ``admin`` fixture's email is the pair's Ada's)."""
    return create_user(organisation=acme, email="amy.admin@acme.test", role=AccountRole.ADMIN, password="x" * 12)


@pytest.fixture
def other_organisation_manager(globex):
    return create_user(organisation=globex, email="gus@globex.test", role=AccountRole.PROGRAM_MANAGER, password="x" * 12)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("mentor", 403), ("mentee", 403), ("sponsor", 403), ("other_manager", 404), ("outsider", 404), ("manager", 200), ("admin", 200)],
)
def test_who_reads_the_offered_quotes(
    client, active_pair, sponsor, outsider, other_organisation_manager, manager, org_admin, who, expected
) -> None:
    # given
    _offer(active_pair)
    users = {
        "mentor": _user(active_pair, Role.MENTOR),
        "mentee": _user(active_pair, Role.MENTEE),
        "sponsor": sponsor,
        "other_manager": other_organisation_manager,
        "outsider": outsider,
        "manager": manager,
        "admin": org_admin,
    }
    client.force_login(users[who])

    # when
    response = client.get(reverse("engagement:program_quotes", args=[active_pair.program.pk]))

    # then
    assert response.status_code == expected
    assert (WORDS in response.content.decode()) == (expected == 200)


@pytest.mark.parametrize(("who", "expected"), [("mentor", 403), ("sponsor", 403), ("other_manager", 404), ("outsider", 404)])
def test_who_may_not_choose_changes_nothing(client, active_pair, sponsor, outsider, other_organisation_manager, who, expected) -> None:
    # given
    quote = _offer(active_pair)
    before = _snapshot(quote)
    users = {
        "mentor": _user(active_pair, Role.MENTOR),
        "sponsor": sponsor,
        "other_manager": other_organisation_manager,
        "outsider": outsider,
    }
    client.force_login(users[who])

    # when
    response = client.post(reverse("engagement:quote_choose", args=[active_pair.program.pk]), {"quote": quote.pk})

    # then
    assert response.status_code == expected
    assert _snapshot(quote) == before


@pytest.mark.parametrize("who", ["manager", "admin", "sponsor", "outsider", "other_manager"])
def test_nobody_but_the_pair_opens_its_quotes_page_or_withdraws(
    client, active_pair, manager, org_admin, sponsor, outsider, other_organisation_manager, who
) -> None:
    # given
    quote = _offer(active_pair)
    before = _snapshot(quote)
    users = {"manager": manager, "admin": org_admin, "sponsor": sponsor, "outsider": outsider, "other_manager": other_organisation_manager}
    client.force_login(users[who])

    # when
    page = client.get(reverse("engagement:quotes", args=[active_pair.pk]))
    withdraw = client.post(reverse("engagement:quote_withdraw", args=[active_pair.pk]), {"quote": quote.pk})

    # then
    assert (page.status_code, withdraw.status_code) == (404, 404)
    assert _snapshot(quote) == before


def test_a_quote_of_another_program_cannot_be_chosen_from_this_one(client, active_pair, manager, acme, sponsor) -> None:
    # given a second program of the same organisation
    quote = _offer(active_pair)
    other = type(active_pair.program).objects.create(organisation=acme, name="Another program", created_by=manager, sponsor=sponsor)
    client.force_login(manager)

    # when
    response = client.post(reverse("engagement:quote_choose", args=[other.pk]), {"quote": quote.pk})

    # then
    assert response.status_code == 404
    quote.refresh_from_db()
    assert quote.chosen_at is None


# --- Personal data -------------------------------------------------------------------------------------------------


def test_the_authors_quotes_are_in_their_data_export_and_not_in_the_partners(active_pair) -> None:
    # given
    _offer(active_pair, Role.MENTEE)

    # when
    ben_document = personal_data_document(active_pair.mentee.person)
    ada_document = personal_data_document(active_pair.mentor.person)

    # then
    [ben_pair] = ben_document["pairs"]
    [ada_pair] = ada_document["pairs"]
    assert [quote["text"] for quote in ben_pair["quotes_you_offered"]] == [WORDS]
    assert ada_pair["quotes_you_offered"] == []


def test_erasure_deletes_the_persons_quotes_only(active_pair, manager) -> None:
    # given
    choose_quote(quote=_offer(active_pair, Role.MENTEE), by=manager)
    partner_quote = _offer(active_pair, Role.MENTOR, text="Ada's words")
    person = active_pair.mentee.person

    # when
    erased = erase_engagement_content(person=person, user=person.user)

    # then
    assert erased.quotes_deleted == 1
    assert list(Quote.objects.all()) == [partner_quote]
    assert chosen_quotes(active_pair.program) == []
