"""A pair's first weeks in a browser: agreement, goals on both sides, a meeting with .ics, pulses, a private note."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.builders import signed_up_pair
from tests.conftest import PASSWORD
from turnabout.engagement.models import Meeting, MeetingStatus, Pulse

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PRIVATE = "I was nervous about asking basic questions"


def switch(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, email, PASSWORD)


def test_pair_journey_agreement_goals_meeting_pulses_private_note(page: Page, live_server, acme, manager, matching_program) -> None:
    # given an active pair: Ada (junior) and Ben (senior), both signed up
    base = live_server.url
    ada, ben, pair = signed_up_pair(acme, manager, matching_program, password=PASSWORD)
    pair_url = f"{base}/pairs/{pair.pk}/"

    # both sign the agreement
    for person in (ada, ben):
        switch(page, base, person.email)
        page.goto(pair_url)
        page.get_by_role("link", name=re.compile("Open the agreement|Read or revise it")).click()
        page.get_by_role("button", name="Sign version 1").click()
        expect(page.get_by_text("You signed version 1.")).to_be_visible()
    page.goto(pair_url)
    expect(page.get_by_text("Version 1 is signed by both of you.")).to_be_visible()

    # a goal on each side
    page.get_by_label("Whose goal").select_option(label="The mentee's learning goal")
    page.get_by_label("Title").fill("Share our strategy on LinkedIn")
    page.get_by_role("button", name="Add goal").click()
    switch(page, base, ada.email)
    page.goto(pair_url)
    page.get_by_label("Whose goal").select_option(label="The mentor's leadership goal")
    page.get_by_label("Title").fill("Present to the executive team")
    page.get_by_role("button", name="Add goal").click()
    expect(page.get_by_test_id("goal")).to_have_count(2)

    # Ada schedules a proposed time and the invitation is served as .ics
    page.get_by_role("link", name=re.compile("Schedule a meeting")).click()
    page.get_by_test_id("proposed-time").first.get_by_role("radio").check()
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_contain_text("Scheduled")
    ics_href = page.get_by_role("link", name="Download the invitation (.ics)").get_attribute("href")
    ics = page.request.get(f"{base}{ics_href}")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert ics.text().startswith("BEGIN:VCALENDAR")

    # the meeting happens (time passes), and Ada logs it
    meeting = Meeting.objects.get(pair=pair)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    page.reload()
    page.get_by_label("How long did you meet? (minutes)").fill("50")
    page.get_by_label("Topics (separate with commas)").fill("prompting, LinkedIn")
    page.get_by_role("button", name="Log as held").click()
    expect(page.get_by_test_id("meeting-status")).to_contain_text("Held")

    # both give their one-minute pulse from the emailed link, which signs them in and opens their pulse form
    links = {
        message.to[0]: re.search(r"https?://\S+/accounts/link/\S+/", message.body).group(0)
        for message in mail.outbox
        if message.subject.startswith("One minute")
    }  # type: ignore[union-attr]
    for person, rating in ((ada, "4"), (ben, "5")):
        page.context.clear_cookies()
        page.goto(links[person.email].replace("http://127.0.0.1:8000", base))
        page.get_by_role("button", name=f"Continue as {person.email}").click()
        page.get_by_role("group", name=re.compile("How useful was this meeting")).get_by_label(rating, exact=True).check()
        page.get_by_label("What I learned").fill("Something useful")
        page.get_by_role("button", name="Save pulse").click()
        expect(page.get_by_test_id("meeting-status")).to_be_visible()
    assert sorted(Pulse.objects.values_list("role", "rating")) == [("mentee", 5), ("mentor", 4)]
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD

    # Ben writes a private note: neither Ada nor the program manager can see it
    page.goto(pair_url)
    page.get_by_label("Note").fill(PRIVATE)
    page.get_by_label("Who can read it").select_option(label="Only me")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text(PRIVATE)).to_be_visible()
    switch(page, base, ada.email)
    page.goto(pair_url)
    expect(page.get_by_test_id("note")).to_have_count(0)
    assert PRIVATE not in page.content()
    switch(page, base, manager.email)
    response = page.goto(pair_url)
    assert response is not None
    assert response.status == 404
    page.goto(f"{base}/pairs/programs/{matching_program.pk}/health/")
    assert PRIVATE not in page.content()
