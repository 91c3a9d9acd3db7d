"""A diversity-and-inclusion program from template to accepted, declined and rematched pairs, in a browser."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from turnabout.accounts.models import AccountRole, User
from turnabout.accounts.services import create_user
from turnabout.matching.models import Match, MatchRun, MatchStatus
from turnabout.people.models import Person, Skill
from turnabout.people.services import link_user
from turnabout.programs.models import Enrolment, Program, Role
from turnabout.programs.services import Application, complete_training_module, decide_application, submit_application

PASSWORD = "turnabout-demo"
GOALS = ["linkedin-personal-branding", "generative-ai-prompting", "short-form-video", "inclusive-language", "allyship"]


def login_for(person: Person) -> User:
    if person.user_id:
        return person.user  # type: ignore[return-value]
    user = create_user(
        organisation=person.organisation, email=person.email, role=AccountRole.PARTICIPANT, password=PASSWORD, full_name=person.full_name
    )
    link_user(person=person, user=user)
    return user


def apply_by_service(enrolment: Enrolment, index: int) -> None:
    skill = Skill.objects.get(slug=GOALS[index % len(GOALS)])
    submit_application(
        enrolment=enrolment,
        application=Application(
            motivation="I want to learn across generations.",
            goals_text="",
            skills={skill: 3 if enrolment.role == Role.MENTEE else 5},
            availability=[{"day": 2, "start": "08:00", "end": "18:00"}],
            timezone="UTC",
            interests=["music"],
            values=["fairness"],
            languages=["en"],
            capacity=1,
            diversity_consent=False,
            conduct_acknowledged=True,
        ),
    )


def train_by_service(enrolment: Enrolment) -> None:
    for module in enrolment.program.training_modules.all():
        if module.is_for(enrolment.role):
            complete_training_module(enrolment=enrolment, module=module, answers=[q["answer"] for q in module.check_questions])


def switch_user(page: Page, base_url: str, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base_url, email, PASSWORD)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_program_journey_from_template_to_rematch(page: Page, live_server) -> None:
    base = live_server.url
    call_command("seed_demo", employees=800, seed=3, verbosity=0)
    active = Person.objects.filter(employment_status="active", grade__isnull=False).select_related("grade", "department")
    seniors = list(active.filter(grade__rank__gte=6).order_by("employee_id")[:20])
    juniors = list(active.filter(grade__rank__lte=3).order_by("employee_id")[:20])
    assert len(seniors) == len(juniors) == 20

    # The manager creates a program from the diversity-and-inclusion template and names a sponsor.
    sign_in(page, base, "pm@northwind.example", PASSWORD)
    page.goto(f"{base}/programs/new/")
    page.get_by_role("button", name="Use this template: Diversity and inclusion").click()
    expect(page.get_by_role("heading", name="Program settings")).to_be_visible()
    page.get_by_label("Sponsor").select_option(index=1)
    page.get_by_role("button", name="Save settings").click()
    program = Program.objects.get()
    expect(page.get_by_text("Reverse partners and senior partners")).to_be_visible()
    page.get_by_role("button", name="Move to enrolling").click()
    expect(page.get_by_text("The program is now enrolling.")).to_be_visible()

    # Invite 20 senior partners and 20 reverse partners by email.
    email_form = page.locator("form", has_text="By email")
    for role_label, people in (("Senior partner", seniors), ("Reverse partner", juniors)):
        email_form.get_by_label("Role").select_option(label=role_label)
        email_form.get_by_label("Emails").fill("\n".join(p.email for p in people))
        email_form.get_by_role("button", name="Invite these people").click()
        expect(page.get_by_text(re.compile(r"Invited 20 "))).to_be_visible()
    assert Enrolment.objects.filter(program=program).count() == 40

    # 38 apply through the service; one senior and one junior apply in the browser.
    enrolments = {e.person_id: e for e in Enrolment.objects.filter(program=program)}
    browser_senior, browser_junior = seniors[0], juniors[0]
    for index, person in enumerate(seniors[1:] + juniors[1:]):
        apply_by_service(enrolments[person.pk], index)
    for person, goal in ((browser_senior, "Allyship"), (browser_junior, "Allyship")):
        switch_user(page, base, login_for(person).email)
        page.goto(f"{base}/programs/enrolments/{enrolments[person.pk].pk}/apply/")
        expect(page.get_by_role("heading", name=re.compile("Apply as a (senior|reverse) partner"))).to_be_visible()
        page.get_by_label("Why do you want to take part?").fill("To see the organisation through someone else's eyes.")
        page.locator("select[name=main_skills]").select_option(label=goal)
        page.get_by_label("Your time zone").select_option("UTC")
        page.get_by_label("Day 1").select_option(label="Wednesday")
        page.get_by_label("From 1").fill("08:00")
        page.get_by_label("To 1").fill("18:00")
        page.get_by_label(re.compile("I agree that the matching may use")).check()
        page.get_by_label("I have read the code of conduct and will follow it.").check()
        page.get_by_role("button", name="Send my application").click()
        expect(page.get_by_text("your application is in")).to_be_visible()

    # The training gate: the junior does one module in the browser, the rest is done for everyone by service.
    switch_user(page, base, login_for(browser_junior).email)
    enrolment = enrolments[browser_junior.pk]
    module = program.training_modules.get(slug="giving-feedback-upward")
    page.goto(f"{base}/programs/enrolments/{enrolment.pk}/training/{module.slug}/")
    for question in module.check_questions:
        page.get_by_role("group", name=question["question"]).get_by_label(question["options"][question["answer"]]).check()
    page.get_by_role("button", name="Finish module").click()
    expect(page.get_by_text(f"Module complete: {module.title}.")).to_be_visible()

    # The manager approves two in the browser and the rest by service; the tracker shows the gate.
    switch_user(page, base, "pm@northwind.example")
    page.goto(f"{base}/programs/{program.pk}/")
    for person in (browser_senior, browser_junior):
        page.get_by_role("button", name=f"Approve {person.full_name}").click()
    manager = User.objects.get(email="pm@northwind.example")
    for enrolment in Enrolment.objects.filter(program=program, status="applied"):
        decide_application(enrolment=enrolment, approve=True, by=manager)
    for enrolment in Enrolment.objects.filter(program=program).exclude(person=browser_senior):
        train_by_service(enrolment)
    page.reload()
    tracker = page.locator("#tracker")
    expect(tracker.get_by_role("row", name=re.compile(r"Senior partners"))).to_contain_text("19")
    train_by_service(enrolments[browser_senior.pk])

    # Run matching, pin one pair, forbid another, re-run.
    page.reload()
    page.get_by_role("button", name="Move to matching").click()
    page.get_by_role("link", name="Matching").click()
    page.get_by_role("button", name="Run matching").click()
    proposals = page.get_by_test_id("proposal")
    expect(proposals.first).to_be_visible()
    proposed = proposals.count()
    assert proposed >= 10
    if proposed < 20:  # everyone left over is listed with the reason
        assert page.locator("#unmatched li").count() == 2 * (20 - proposed)
    for row in proposals.all():
        assert row.locator(".reasons li").count() >= 1
    expect(page.get_by_role("columnheader", name="Reverse partner")).to_be_visible()
    first, second = proposals.nth(0), proposals.nth(1)
    pinned_names = first.locator("td").nth(0).inner_text().splitlines()[0], first.locator("td").nth(1).inner_text().splitlines()[0]
    forbidden_names = second.locator("td").nth(0).inner_text().splitlines()[0], second.locator("td").nth(1).inner_text().splitlines()[0]
    first.get_by_role("button", name="Pin").click()
    expect(page.get_by_text(re.compile(r"^Pinned "))).to_be_visible()
    page.get_by_role("button", name=f"Forbid {forbidden_names[0]} with {forbidden_names[1]}").click()
    expect(page.get_by_text(re.compile(r"^Forbidden "))).to_be_visible()
    expect(page.locator("#pair-rules")).to_contain_text("Forbidden")
    page.get_by_role("button", name="Re-run matching").click()
    expect(page.get_by_text("pinned", exact=True)).to_be_visible()
    rows = [row.inner_text() for row in page.get_by_test_id("proposal").all()]
    assert any(pinned_names[0] in row and pinned_names[1] in row for row in rows)
    assert not any(forbidden_names[0] in row and forbidden_names[1] in row for row in rows)
    assert MatchRun.objects.filter(program=program).count() == 2

    # Publish; one pair accepts on both sides, another declines.
    page.get_by_role("link", name=re.compile(r"Publish \d+ pairs")).click()
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Yes, publish \d+ pairs and send \d+ emails")).click()
    expect(page.get_by_text(re.compile(r"Published \d+ pairs"))).to_be_visible()
    accepted, declined = Match.objects.filter(program=program).select_related("mentor__person", "mentee__person").order_by("-score")[:2]
    for person in (accepted.mentor.person, accepted.mentee.person):
        switch_user(page, base, login_for(person).email)
        page.goto(f"{base}/matching/mine/{accepted.pk}/")
        expect(page.get_by_role("heading", name="Why you were matched")).to_be_visible()
        page.get_by_role("button", name="Accept").click()
    switch_user(page, base, login_for(declined.mentee.person).email)
    page.goto(f"{base}/matching/mine/{declined.pk}/")
    page.get_by_label(re.compile("Decline")).select_option("timing")
    page.get_by_role("button", name="Decline").click()
    page.get_by_role("button", name="Yes, decline").click()
    expect(page.get_by_text("You are back in the pool")).to_be_visible()
    accepted.refresh_from_db()
    declined.refresh_from_db()
    assert (accepted.status, declined.status) == (MatchStatus.ACTIVE, MatchStatus.DECLINED)

    # Rematch: only the two people of the declined pair are back in the pool, and they are not paired again.
    switch_user(page, base, "pm@northwind.example")
    page.goto(f"{base}/matching/programs/{program.pk}/")
    page.get_by_role("button", name="Re-run matching").click()
    expect(page.locator("#summary")).to_be_visible()
    rematch = MatchRun.objects.filter(program=program).latest()
    previously_unmatched = {
        str(item.enrolment_id) for item in MatchRun.objects.filter(program=program).order_by("-created_at")[1].unmatched.all()
    }
    assert set(rematch.pool) == {str(declined.mentor_id), str(declined.mentee_id)} | previously_unmatched
    assert not rematch.proposed_pairs.filter(mentor=declined.mentor, mentee=declined.mentee).exists()
    assert str(accepted.mentor_id) not in rematch.pool
