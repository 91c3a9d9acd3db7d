"""Chosen quotes on the outcomes dashboard and in the executive PDF: only chosen, never withdrawn, anonymous as anonymous."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from turnabout.engagement.models import Pair, QuoteAttribution
from turnabout.engagement.services import choose_quote, offer_quote, withdraw_quote
from turnabout.insights.exports import report_pdf
from turnabout.insights.kpis import program_kpis
from turnabout.insights.reach import diversity_reach
from turnabout.programs.models import Role

pytestmark = pytest.mark.django_db

WORDS = "We now webcast in addition to emailing a memo."
TEXT_SHOWN = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\) Tj")


def pdf_text(program) -> str:
    """Every line of text the PDF shows, as tests/insights/test_report_pdf.py reads it (uncompressed)."""
    pdf = report_pdf(program_kpis(program), diversity_reach(program))
    pdf.set_compression(False)
    content = bytes(pdf.output())
    return " ".join(re.sub(rb"\\(.)", rb"\1", match["text"]).decode("latin-1") for match in TEXT_SHOWN.finditer(content))


@pytest.fixture
def pair(seeded) -> Pair:
    return Pair.objects.filter(program=seeded).select_related("mentee__person").first()


def _offer(pair: Pair, mentee, *, text: str = WORDS, attribution: str = QuoteAttribution.NAMED):
    return offer_quote(pair=pair, author=mentee, role=Role.MENTEE, text=text, attribution=attribution, consent=True)


def test_the_sponsor_sees_a_chosen_quote_on_the_dashboard_and_not_an_offered_one(client, seeded, pair, mentee, manager, sponsor) -> None:
    # given
    choose_quote(quote=_offer(pair, mentee), by=manager)
    _offer(pair, mentee, text="Offered, never chosen.")
    client.force_login(sponsor)

    # when
    content = client.get(reverse("insights:program", args=[seeded.pk])).content.decode()

    # then
    assert WORDS in content
    assert f"{pair.mentee.person.full_name}, {seeded.mentee_label}" in content
    assert "Offered, never chosen." not in content
    assert reverse("engagement:program_quotes", args=[seeded.pk]) not in content


def test_managers_reach_the_offered_quotes_from_the_dashboard(client, seeded, manager) -> None:
    # given
    client.force_login(manager)

    # when
    content = client.get(reverse("insights:program", args=[seeded.pk])).content.decode()

    # then
    assert reverse("engagement:program_quotes", args=[seeded.pk]) in content
    assert "No quotes chosen for the report yet." in content


def test_the_pdf_shows_a_chosen_quote_until_it_is_withdrawn(seeded, pair, mentee, manager) -> None:
    # given
    quote = choose_quote(quote=_offer(pair, mentee), by=manager)

    # when
    shown = pdf_text(seeded)
    withdraw_quote(quote=quote, author=mentee)
    after = pdf_text(seeded)

    # then
    assert WORDS in shown
    assert pair.mentee.person.full_name in shown
    assert WORDS not in after
    assert "In participants' own words" not in after


def test_an_anonymous_quote_in_the_pdf_names_nobody(seeded, pair, mentee, manager) -> None:
    # given
    choose_quote(quote=_offer(pair, mentee, attribution=QuoteAttribution.ANONYMOUS), by=manager)
    person = pair.mentee.person

    # when
    text = pdf_text(seeded)

    # then
    assert WORDS in text
    assert "- A participant" in text
    assert person.full_name not in text


def test_the_api_gives_the_chosen_quotes_as_the_dashboard_shows_them(client, seeded, pair, mentee, manager, sponsor) -> None:
    # given
    choose_quote(quote=_offer(pair, mentee, attribution=QuoteAttribution.ANONYMOUS), by=manager)
    withdraw_quote(quote=choose_quote(quote=_offer(pair, mentee, text="Withdrawn words."), by=manager), author=mentee)
    _offer(pair, mentee, text="Offered, never chosen.")
    client.force_login(sponsor)

    # when
    body = client.get(f"/api/insights/programs/{seeded.pk}/kpis").json()

    # then
    assert body["quotes"] == [{"text": WORDS, "attribution": "A participant"}]
