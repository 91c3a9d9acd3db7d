"""Guests from outside in a browser, CITI-style: a program manager invites three University of Miami students as guest
mentors of three managers; each student signs in by the emailed link, applies, is matched, accepts and holds a
meeting with their pulse, and sees nothing of the organisation beyond their own program, pair and guides."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import sign_in
from tests.builders import add_person, make_ready
from tests.conftest import PASSWORD
from turnabout.engagement.models import Meeting, MeetingStatus, Pair, Pulse
from turnabout.matching.models import Match, MatchStatus
from turnabout.matching.services import respond_to_match
from turnabout.people.models import Person, Skill
from turnabout.programs.models import Enrolment, EnrolmentStatus, Role
from turnabout.programs.services import complete_training_module

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SKILL = "generative-ai-prompting"
STUDENTS = (("Lucia", "Reyes"), ("Mateo", "Silva"), ("Sofia", "Duarte"))
LINK = re.compile(r"https?://\S+/accounts/link/\S+/")


def email_of(given: str) -> str:
    return f"{given.lower()}@miami.example.edu"


def link_in(address: str, subject_start: str = "") -> str:
    """The sign-in link of the newest email to ``address`` (whose subject starts so)."""
    message = [m for m in mail.outbox if m.to == [address] and m.subject.startswith(subject_start)][-1]
    found = LINK.search(message.body)
    assert found is not None, message.body
    return found.group(0)


def open_link(page: Page, base: str, link: str, email: str) -> None:
    page.goto(link.replace("http://127.0.0.1:8000", base))
    page.get_by_role("button", name=f"Continue as {email}").click()


def test_three_guest_mentors_sign_in_by_link_and_complete_a_meeting(page: Page, live_server, acme, manager, matching_program) -> None:
    base = live_server.url
    program = matching_program
    skill = Skill.objects.get(slug=SKILL)
    # given three CITI managers in Bogotá, ready as mentees (G9, each in their own department)
    director = add_person(acme, "LATAM", grade="G10", department="Latin America")
    for number in range(3):
        senior = add_person(acme, f"MGR{number}", grade="G9", department=f"Country {number}", manager=director)
        make_ready(program, senior, Role.MENTEE, manager, skills={SKILL: 3}, timezone="America/Bogota")

    # the program manager says where guests stand on the grade ladder, then invites the three students
    sign_in(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/programs/{program.pk}/edit/")
    page.get_by_label("Where guests from outside stand on the grade ladder").select_option(label=str(acme.grades.get(code="G2")))
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto(f"{base}/programs/{program.pk}/")
    guests_panel = page.locator("#guests")
    # an employee's address is refused, and nothing is invited
    guests_panel.get_by_label("Guests").fill(f"Lucia, Reyes, {email_of('Lucia')}\nBob, Burns, {acme.people.get(employee_id='MGR0').email}")
    guests_panel.get_by_label("Their organisation").fill("University of Miami")
    guests_panel.get_by_label("Access until").fill((timezone.localdate() + timedelta(days=180)).isoformat())
    guests_panel.get_by_role("button", name="Invite these guests").click()
    expect(page.get_by_text(re.compile("an employee: invite them as an employee instead"))).to_be_visible()
    assert not Person.objects.guests().exists()
    guests_panel = page.locator("#guests")
    guests_panel.get_by_label("Guests").fill("\n".join(f"{given}, {family}, {email_of(given)}" for given, family in STUDENTS))
    guests_panel.get_by_label("Their organisation").fill("University of Miami")
    guests_panel.get_by_label("Access until").fill((timezone.localdate() + timedelta(days=180)).isoformat())
    guests_panel.get_by_role("button", name="Invite these guests").click()
    expect(page.get_by_text(re.compile(r"Invited 3 "))).to_be_visible()
    expect(page.locator("#guests")).to_contain_text("University of Miami")
    assert Person.objects.guests().count() == 3
    assert not Person.objects.employees().filter(email__endswith="@miami.example.edu").exists()

    # each student opens the emailed link (their own browser), applies as a mentor, and sees no directory
    contexts: dict[str, BrowserContext] = {}
    for given, _family in STUDENTS:
        address = email_of(given)
        context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[union-attr]
        contexts[given] = context
        guest = context.new_page()
        guest.set_default_timeout(15_000)
        open_link(guest, base, link_in(address), address)
        expect(guest.get_by_role("heading", name=re.compile("Apply as a"))).to_be_visible()
        guest.get_by_label("Why do you want to take part?").fill("To bring a student's view of digital tools to a leader.")
        guest.locator("select[name=main_skills]").select_option(label=skill.label)
        guest.get_by_label("Your time zone").select_option("America/New_York")
        guest.get_by_label("Day 1").select_option(label="Tuesday")
        guest.get_by_label("From 1").fill("10:00")
        guest.get_by_label("To 1").fill("13:00")
        guest.get_by_label("Languages you can mentor or be mentored in").fill("en, es")
        guest.get_by_label("I have read the code of conduct and will follow it.").check()
        guest.get_by_role("button", name="Send my application").click()
        expect(guest.get_by_text("your application is in")).to_be_visible()
        navigation = guest.get_by_role("navigation").first
        expect(navigation.get_by_role("link", name="Directory")).to_have_count(0)
        assert guest.request.get(f"{base}/people/").status == 403
        assert guest.request.get(f"{base}/people/org-chart/").status == 403
        assert guest.request.get(f"{base}/programs/{program.pk}/").status == 403
        assert acme.people.get(employee_id="MGR0").full_name not in guest.content()
    guest_enrolments = list(Enrolment.objects.filter(program=program, person__kind="guest"))
    for enrolment in guest_enrolments:
        for module in program.training_modules.all():
            if module.is_for(enrolment.role):
                complete_training_module(enrolment=enrolment, module=module, answers=[q["answer"] for q in module.check_questions])

    # the program manager approves them, runs matching and publishes three pairs
    page.goto(f"{base}/programs/{program.pk}/")
    for given, family in STUDENTS:
        page.get_by_role("button", name=f"Approve {given} {family}").click()
    assert Enrolment.objects.filter(program=program, person__kind="guest", status=EnrolmentStatus.APPROVED).count() == 3
    page.get_by_role("button", name="Move to matching").click()
    page.get_by_role("link", name="Matching").click()
    page.get_by_role("button", name="Run matching").click()
    expect(page.get_by_test_id("proposal")).to_have_count(3)
    proposals = " ".join(page.get_by_test_id("proposal").all_inner_texts())
    assert all(f"{given} {family}" in proposals for given, family in STUDENTS)
    page.get_by_role("link", name=re.compile(r"Publish 3 pairs")).click()
    page.get_by_role("button", name=re.compile(r"Yes, publish 3 pairs and send \d+ emails")).click()
    expect(page.get_by_text(re.compile(r"Published 3 pairs"))).to_be_visible()

    # each student accepts in the browser (their manager by service), schedules, holds the meeting and gives a pulse
    for given, _family in STUDENTS:
        guest = contexts[given].pages[0]
        match = Match.objects.get(program=program, mentor__person__email=email_of(given))
        respond_to_match(match=match, role=Role.MENTEE, accept=True)
        guest.goto(f"{base}/matching/mine/{match.pk}/")
        expect(guest.get_by_role("heading", name="Why you were matched")).to_be_visible()
        guest.get_by_role("button", name="Accept").click()
        pair = Pair.objects.get(program=program, mentor=match.mentor)
        guest.goto(f"{base}/pairs/{pair.pk}/")
        guest.get_by_role("link", name=re.compile("Schedule a meeting")).click()
        guest.get_by_test_id("proposed-time").first.get_by_role("radio").check()
        guest.get_by_role("button", name="Schedule meeting").click()
        expect(guest.get_by_test_id("meeting-status")).to_contain_text("Scheduled")
        meeting = Meeting.objects.get(pair=pair)
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=2))
        guest.reload()
        guest.get_by_label("How long did you meet? (minutes)").fill("45")
        guest.get_by_label("Topics (separate with commas)").fill("prompting, social media")
        guest.get_by_role("button", name="Log as held").click()
        expect(guest.get_by_test_id("meeting-status")).to_contain_text("Held")
        # the pulse from the emailed link, which signs the student in again
        contexts[given].clear_cookies()
        open_link(guest, base, link_in(email_of(given), "One minute"), email_of(given))
        guest.get_by_role("group", name=re.compile("How useful was this meeting")).get_by_label("5", exact=True).check()
        guest.get_by_label("What I learned").fill("How a country manager decides")
        guest.get_by_role("button", name="Save pulse").click()
        expect(guest.get_by_test_id("meeting-status")).to_be_visible()
        assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
        assert Pulse.objects.filter(meeting=meeting, role=Role.MENTOR, rating=5).exists()
    assert Match.objects.filter(program=program, status=MatchStatus.ACTIVE).count() == 3
    for context in contexts.values():
        context.close()

    # the program's dashboard counts the guests apart from the employees
    page.goto(f"{base}/insights/programs/{program.pk}/")
    expect(page.get_by_role("heading", name="Employees and guests from outside")).to_be_visible()
