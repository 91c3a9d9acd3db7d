"""An interest survey before a program, in a browser: a Heineken-style question to senior leaders, answered from the
emailed link, its figures suppressed where a group is small, and a draft program seeded with those who said yes."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.builders import add_person
from tests.conftest import PASSWORD
from turnabout.people.models import Skill
from turnabout.programs.models import Enrolment, EnrolmentStatus, ProgramStatus, Role
from turnabout.surveys.models import InterestAnswer, InterestInvitation, InterestSurvey
from turnabout.surveys.services import answer_interest_survey

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TITLE = "Would you like to connect with junior colleagues?"


def test_interest_survey_journey_suppressed_figures_seed_a_program(page: Page, live_server, acme, manager, mentee) -> None:
    # given twenty senior leaders (G8) besides Bob (G9), and juniors who are not asked
    base = live_server.url
    leaders = [add_person(acme, f"L{index:02d}", grade="G8", department="Finance") for index in range(20)]
    for index in range(3):
        add_person(acme, f"J{index:02d}", grade="G2", department="Technology")
    topics = list(Skill.objects.order_by("name")[:2])

    # Alice sends the survey to grade 7 and above from the programs page
    sign_in(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/programs/")
    page.get_by_role("link", name="Interest surveys").click()
    page.get_by_role("link", name="New interest survey").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Grade at least").select_option(label=str(acme.grades.get(code="G7")))
    page.get_by_label("Topics to ask about").select_option(label=[topic.label for topic in topics])
    page.get_by_role("button", name="Send the survey").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_test_id("invited")).to_contain_text("People asked: 21")
    expect(page.get_by_test_id("withheld")).to_contain_text("Results are withheld until at least 5 people have answered")
    survey = InterestSurvey.objects.get()
    assert survey.invitations.count() == 21

    # Bob answers from his emailed link: yes, as a mentee, on the first topic, and sees his own answer
    link = next(
        re.search(r"https?://\S+/accounts/link/\S+/", message.body).group(0)  # type: ignore[union-attr, arg-type]
        for message in mail.outbox
        if message.to == [mentee.email]
    )
    page.context.clear_cookies()
    page.goto(link.replace("http://127.0.0.1:8000", base))
    page.get_by_role("button", name=f"Continue as {mentee.email}").click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Mentee", exact=True).check()
    page.get_by_label(topics[0].label, exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_test_id("my-answer")).to_contain_text("Your answer: Yes")

    # the other leaders answer: 7 more yes (one as a mentor), 2 maybe, 5 no, 6 do not answer
    others = InterestInvitation.objects.filter(survey=survey).exclude(person__user=mentee).order_by("pk")
    yes, maybe, no = ("yes", "mentee"), ("maybe", "mentee"), ("no", "")
    plan = [yes] * 6 + [("yes", "mentor")] + [maybe] * 2 + [no] * 5
    for invitation, (answer, role) in zip(others, plan, strict=False):
        answer_interest_survey(invitation=invitation, answer=answer, role=role, topics=topics)
    said_yes = set(InterestInvitation.objects.filter(survey=survey, answer=InterestAnswer.YES).values_list("person_id", flat=True))
    said_otherwise = {invitation.person_id for invitation in others} - said_yes
    assert len(said_yes) == 8

    # Alice reads the results: the share of yes with its interval; the 2 maybes hidden with their complement, and
    # the role split (1 mentor) hidden on both sides
    page.context.clear_cookies()
    sign_in(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/surveys/interest/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("headline")).to_have_text("53.3 % of 15 people who answered would take part (95 % CI 30.1 % to 75.2 %).")
    answers = page.get_by_test_id("answer-count")
    expect(answers).to_have_text([re.compile(r"Yes\s*8"), re.compile(r"Maybe\s*—"), re.compile(r"No\s*—")])
    expect(page.get_by_test_id("role-count")).to_have_text([re.compile(r"Mentor\s*—"), re.compile(r"Mentee\s*—")])
    expect(page.get_by_test_id("cuts-note")).to_be_visible()
    assert leaders[0].full_name not in page.content()

    # and creates a draft program from it: the eight who said yes are invited on their side, nobody else
    page.get_by_label("Strategic driver").select_option("leadership_development")
    page.get_by_role("button", name="Create the program").click()
    expect(page.get_by_text("Draft program created: 8 people who said yes will be invited when enrolment opens.")).to_be_visible()
    survey.refresh_from_db()
    assert survey.program is not None
    assert survey.program.status == ProgramStatus.DRAFT
    assert set(survey.program.topics.all()) == set(topics)
    enrolments = Enrolment.objects.filter(program=survey.program)
    assert set(enrolments.values_list("person_id", flat=True)) == said_yes
    assert not enrolments.filter(person_id__in=said_otherwise).exists()
    assert set(enrolments.values_list("status", flat=True)) == {EnrolmentStatus.INVITED}
    assert enrolments.filter(role=Role.MENTOR).count() == 1
