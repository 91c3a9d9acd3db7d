"""An IBM-style junior board in a browser: a program manager creates a program of circles, four juniors and three
executives in London, New York and Bangalore are formed into one circle, everyone accepts and signs its agreement, a
junior schedules a time that suits every member's zone, the meeting is held and every member gives their pulse; the
program manager sees the circle's health and a dashboard that counts it as one unit, suppressed."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.builders import add_person, make_ready
from tests.conftest import PASSWORD
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.engagement.models import Meeting, MeetingStatus, Pair, PairKind, Pulse
from turnabout.matching.models import CircleMatch, MatchStatus
from turnabout.people.models import Person
from turnabout.people.services import link_user
from turnabout.programs.models import Enrolment, Program, Role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SKILL = "generative-ai-prompting"
LINK = re.compile(r"https?://\S+/accounts/link/\S+/")
# Tuesday windows that overlap for at least 2 hours in UTC whether or not London and New York keep summer time.
WINDOWS = {
    "Europe/London": ("12:00", "16:00"),
    "America/New_York": ("08:00", "11:00"),
    "Asia/Kolkata": ("18:00", "21:00"),
}
JUNIORS = (("JB1", "Europe/London"), ("JB2", "America/New_York"), ("JB3", "Asia/Kolkata"), ("JB4", "Europe/London"))
EXECUTIVES = (("EX1", "America/New_York"), ("EX2", "Europe/London"), ("EX3", "Asia/Kolkata"))


def switch(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, email, PASSWORD)


def ready(program: Program, person: Person, role: Role, manager, zone: str) -> Enrolment:  # type: ignore[no-untyped-def]
    """Invited, applied, approved and trained, available on Tuesdays in their own zone, with a login."""
    enrolment = make_ready(program, person, role, manager, skills={SKILL: 5 if role == Role.MENTOR else 3}, timezone=zone)
    start, end = WINDOWS[zone]
    Enrolment.objects.filter(pk=enrolment.pk).update(availability=[{"day": 1, "start": start, "end": end}])
    link_user(
        person=person,
        user=create_user(organisation=person.organisation, email=person.email, role=AccountRole.PARTICIPANT, password=PASSWORD),
    )
    return enrolment


def test_a_junior_board_from_creation_to_a_held_circle_meeting_with_every_members_pulse(
    page: Page, live_server, acme, manager, sponsor
) -> None:
    base = live_server.url

    # the program manager creates the junior board from a template and makes it a program of circles
    sign_in(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/programs/new/")
    page.get_by_role("button", name="Use this template: Digital transformation").click()
    program = Program.objects.get()
    expect(page.get_by_role("heading", name="Program settings")).to_be_visible()
    page.locator("[name=name]").fill("Junior board")
    page.get_by_label("Sponsor").select_option(label=str(sponsor))
    page.locator("[name=pairing_format]").select_option("circles")
    page.locator("[name=circle_min_mentors]").fill("3")
    page.locator("[name=circle_max_mentors]").fill("5")
    page.locator("[name=circle_min_mentees]").fill("3")
    page.locator("[name=circle_max_mentees]").fill("4")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    program.refresh_from_db()
    assert (program.is_circles, program.circle_min_mentors, program.circle_max_mentees) == (True, 3, 4)
    page.get_by_role("button", name="Move to enrolling").click()
    expect(page.get_by_text("The program is now enrolling.")).to_be_visible()

    # four juniors and three executives across three time zones are ready (invited, applied, approved, trained)
    ceo = add_person(acme, "CEO", grade="G10", department="Board")
    members: list[tuple[Person, Role]] = []
    for number, (code, zone) in enumerate(JUNIORS):
        junior = add_person(acme, code, grade="G2", department=f"Technology {number}", manager=ceo)
        ready(program, junior, Role.MENTOR, manager, zone)
        members.append((junior, Role.MENTOR))
    for number, (code, zone) in enumerate(EXECUTIVES):
        executive = add_person(acme, code, grade="G9", department=f"Division {number}", manager=ceo)
        ready(program, executive, Role.MENTEE, manager, zone)
        members.append((executive, Role.MENTEE))

    # matching forms one circle of all seven, explains every member's place, and is published
    page.reload()
    page.get_by_role("button", name="Move to matching").click()
    page.get_by_role("link", name="Matching").click()
    page.get_by_role("button", name="Run matching").click()
    circle = page.get_by_test_id("circle")
    expect(circle).to_have_count(1)
    expect(circle.get_by_test_id("circle-member")).to_have_count(7)
    for person, _role in members:
        expect(circle).to_contain_text(person.full_name)
    expect(page.get_by_test_id("certificate")).not_to_be_empty()
    circle.get_by_role("button", name="Pin this circle").click()
    expect(page.get_by_text(re.compile("Pinned this circle"))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"Publish 1 circle")).click()
    page.get_by_role("button", name=re.compile(r"Publish 1 circle")).click()
    expect(page.get_by_text(re.compile(r"Published 1 circle"))).to_be_visible()
    match = CircleMatch.objects.get(program=program)

    # every member accepts from their own page, then signs the circle's one agreement
    for person, _role in members:
        switch(page, base, person.email)
        page.goto(f"{base}/matching/mine/circles/{match.pk}/")
        expect(page.get_by_role("heading", name="Why you are in this circle")).to_be_visible()
        page.get_by_role("button", name="Accept").click()
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE
    pair = Pair.objects.get(program=program)
    assert pair.kind == PairKind.CIRCLE
    assert pair.members.current().count() == 7
    circle_url = f"{base}/pairs/{pair.pk}/"
    for person, _role in members:
        switch(page, base, person.email)
        page.goto(circle_url)
        expect(page.get_by_role("heading", name=re.compile("Your circle"))).to_be_visible()
        page.get_by_role("link", name=re.compile("Open the agreement|Read or revise it")).first.click()
        page.get_by_role("button", name="Sign version 1").click()
        expect(page.get_by_text("You signed version 1.")).to_be_visible()
    page.goto(circle_url)
    expect(page.get_by_text("Version 1 is signed by everyone in the circle.")).to_be_visible()

    # a shared goal of the circle and a personal goal of the last executive
    page.get_by_label("Whose goal").select_option(label="A goal of the whole circle")
    page.get_by_label("Title").fill("Launch the board's first reverse-mentoring podcast")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_label("Whose goal").select_option(label="My personal goal")
    page.get_by_label("Title").fill("Post on our internal network every week")
    page.get_by_role("button", name="Add goal").click()
    expect(page.get_by_test_id("goal")).to_have_count(2)

    # the first junior (London) schedules a time that suits every member; all seven are invited, the .ics names them
    first_junior = members[0][0]
    switch(page, base, first_junior.email)
    page.goto(circle_url)
    page.get_by_role("link", name=re.compile("Schedule a meeting")).click()
    page.get_by_test_id("proposed-time").first.get_by_role("radio").check()
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_contain_text("Scheduled")
    ics_href = page.get_by_role("link", name="Download the invitation (.ics)").get_attribute("href")
    ics = page.request.get(f"{base}{ics_href}").text()
    assert ics.count("ATTENDEE") == 7
    meeting = Meeting.objects.get(pair=pair)
    invited = [message.to[0] for message in mail.outbox if message.subject.startswith("Meeting scheduled")]
    assert sorted(invited) == sorted(person.email for person, _role in members)
    # the time chosen is inside every member's Tuesday window, in their own zone
    for person, _role in members:
        enrolment = Enrolment.objects.get(program=program, person=person)
        local = meeting.starts_at.astimezone(ZoneInfo(enrolment.timezone))
        start, end = WINDOWS[enrolment.timezone]
        assert local.weekday() == 1
        assert start <= local.strftime("%H:%M")
        assert (local + timedelta(minutes=meeting.duration_minutes)).strftime("%H:%M") <= end

    # the meeting happens (time passes) and the junior logs it held
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    page.reload()
    page.get_by_label("How long did you meet? (minutes)").fill("60")
    page.get_by_label("Topics (separate with commas)").fill("podcasting, internal social network")
    page.get_by_role("button", name="Log as held").click()
    expect(page.get_by_test_id("meeting-status")).to_contain_text("Held")

    # every member gives their one-minute pulse from their own emailed link
    for rating, (person, _role) in zip("4545455", members, strict=True):
        message = [m for m in mail.outbox if m.to == [person.email] and m.subject.startswith("One minute")][-1]
        link = LINK.search(message.body)
        assert link is not None, message.body
        page.context.clear_cookies()
        page.goto(link.group(0).replace("http://127.0.0.1:8000", base))
        page.get_by_role("button", name=f"Continue as {person.email}").click()
        page.get_by_role("group", name=re.compile("How useful was this meeting")).get_by_label(rating, exact=True).check()
        page.get_by_label("What I learned").fill("How the others see our work")
        page.get_by_role("button", name="Save pulse").click()
        expect(page.get_by_test_id("meeting-status")).to_be_visible()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    assert Pulse.objects.filter(meeting=meeting).count() == 7
    assert Pulse.objects.filter(meeting=meeting).values("member").distinct().count() == 7

    # the program manager sees the circle's health as one row, and a dashboard that counts one circle, withheld
    switch(page, base, manager.email)
    page.goto(f"{base}/pairs/programs/{program.pk}/health/")
    expect(page.get_by_role("heading", name="Circle health")).to_be_visible()
    expect(page.get_by_test_id("count-healthy")).to_have_text("1")
    page.goto(f"{base}/insights/programs/{program.pk}/")
    expect(page.get_by_text(re.compile("Circles running")).first).to_be_visible()
    expect(page.get_by_text(re.compile("fewer than 5 circles")).first).to_be_visible()
    assert "How the others see our work" not in page.content()
