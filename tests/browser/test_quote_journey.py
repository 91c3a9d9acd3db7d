"""A consented quote in a browser, Lockheed-style: the senior logs what changed, offers it for the report with their
name, the program manager chooses it, the sponsor reads it on the dashboard and in the executive PDF, and once its
author withdraws it, it is gone from both."""

import re
import zlib

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.builders import signed_up_pair
from tests.conftest import PASSWORD
from turnabout.engagement.models import Quote

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WORDS = "We now webcast in addition to emailing a memo."
STREAM = re.compile(rb"stream\r?\n(?P<data>.*?)\r?\nendstream", re.DOTALL)
TEXT_SHOWN = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\) Tj")


def switch(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, email, PASSWORD)


def pdf_text(page: Page, url: str) -> str:
    """The text the executive PDF shows: its compressed content streams inflated, then every shown string."""
    response = page.request.get(url)
    assert response.headers["content-type"] == "application/pdf"
    shown = []
    for match in STREAM.finditer(response.body()):
        try:
            content = zlib.decompress(match["data"])
        except zlib.error:
            continue
        shown += [re.sub(rb"\\(.)", rb"\1", text["text"]).decode("latin-1") for text in TEXT_SHOWN.finditer(content)]
    return " ".join(shown)


def test_a_consented_quote_reaches_the_executive_pdf_and_disappears_when_withdrawn(
    page: Page, live_server, acme, manager, sponsor, matching_program
) -> None:
    # given an active pair: Ada (junior) and Ben (senior, the mentee), both signed up
    base = live_server.url
    _ada, ben, pair = signed_up_pair(acme, manager, matching_program, password=PASSWORD)
    dashboard = f"{base}/insights/programs/{matching_program.pk}/"
    report = f"{base}/insights/programs/{matching_program.pk}/report.pdf"
    attribution = f"{ben.full_name}, {matching_program.mentee_label}"

    # Ben logs what changed because of the pair, and offers it as a quote with his name
    switch(page, base, ben.email)
    page.goto(f"{base}/pairs/{pair.pk}/")
    log = page.locator("#insights")
    log.get_by_label("What changed").fill(WORDS)
    log.get_by_label("Who carries it forward").fill("Ben")
    log.get_by_label("Adopted on").fill("2026-01-05")
    log.get_by_role("button", name="Log it").click()
    page.locator("#insights").get_by_role("link", name="Offer this as a quote for the report").click()
    expect(page.get_by_label("Your quote")).to_have_value(WORDS)
    page.get_by_label("With my name and my role in the program").check()
    page.get_by_label(re.compile("I offer these words for the program's report")).check()
    page.get_by_role("button", name="Offer this quote").click()
    expect(page.get_by_text("Thank you: your quote is offered.")).to_be_visible()
    expect(page.get_by_test_id("own-quote")).to_contain_text(WORDS)

    # offered but not chosen: the sponsor sees nothing of it
    switch(page, base, sponsor.email)
    page.goto(dashboard)
    expect(page.get_by_test_id("quotes")).to_contain_text("No quotes chosen for the report yet.")
    assert WORDS not in pdf_text(page, report)

    # the program manager chooses it from the dashboard's "Quotes offered for the report"
    switch(page, base, manager.email)
    page.goto(dashboard)
    page.get_by_role("link", name="Quotes offered for the report").click()
    expect(page.get_by_test_id("offered-quote")).to_contain_text(attribution)
    page.get_by_role("button", name="Show in the report").click()
    expect(page.get_by_text("Chosen: the quote appears on the dashboard and in the executive report.")).to_be_visible()

    # the sponsor reads it on the dashboard and in the executive PDF
    switch(page, base, sponsor.email)
    page.goto(dashboard)
    expect(page.get_by_test_id("quote")).to_contain_text(WORDS)
    expect(page.get_by_test_id("quote")).to_contain_text(attribution)
    text = pdf_text(page, report)
    assert WORDS in text
    assert attribution in text

    # Ben withdraws it: it is gone from the dashboard and the PDF at once, and its words are deleted
    switch(page, base, ben.email)
    page.goto(f"{base}/pairs/{pair.pk}/quotes/")
    page.get_by_role("button", name="Withdraw this quote").click()
    expect(page.get_by_text("Your quote is withdrawn: its words are deleted and it appears nowhere.")).to_be_visible()
    expect(page.get_by_test_id("own-quote")).to_have_count(0)
    switch(page, base, sponsor.email)
    page.goto(dashboard)
    expect(page.get_by_test_id("quote")).to_have_count(0)
    assert WORDS not in page.content()
    assert WORDS not in pdf_text(page, report)
    assert list(Quote.objects.values_list("text", "chosen_at")) == [("", None)]
