"""Interest surveys before a program: a population by filter, three questions, suppressed results, a program seeded."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.builders import add_person
from tests.conftest import PASSWORD
from turnabout.accounts.models import Organisation, User
from turnabout.insights.interest import interest_results
from turnabout.insights.presentation import HIDDEN
from turnabout.people.models import Grade, Person, Skill
from turnabout.programs.models import Enrolment, EnrolmentStatus, ProgramStatus, Role
from turnabout.surveys.errors import EmptyPopulation, InterestAnswerInvalid, InterestSurveyClosed, ProgramAlreadyCreated
from turnabout.surveys.models import InterestAnswer, InterestInvitation, InterestSurvey
from turnabout.surveys.queries import InterestCounts, PopulationFilter, interest_counts
from turnabout.surveys.services import (
    answer_interest_survey,
    close_interest_survey,
    create_interest_survey,
    create_program_from_interest_survey,
)


def _grade(organisation: Organisation, code: str) -> Grade:
    return organisation.grades.get(code=code)


def _seniors(organisation: Organisation, count: int, *, department: str = "Finance") -> list[Person]:
    return [add_person(organisation, f"S{index:03d}-{department[:3]}", grade="G8", department=department) for index in range(count)]


def _survey(organisation: Organisation, by: User, *, topics: list[Skill] | None = None) -> InterestSurvey:
    population = PopulationFilter(min_grade=_grade(organisation, "G7"))
    return create_interest_survey(organisation=organisation, title="Connect with junior colleagues", population=population,
                                  topics=topics or [], by=by)  # fmt: skip


def _answer(survey: InterestSurvey, answers: list[tuple[str, str]], topics: list[Skill] | None = None) -> None:
    invitations = list(InterestInvitation.objects.filter(survey=survey).order_by("pk"))
    for invitation, (answer, role) in zip(invitations, answers, strict=False):
        answer_interest_survey(invitation=invitation, answer=answer, role=role, topics=topics or [])


@pytest.fixture
def topics() -> list[Skill]:
    return list(Skill.objects.order_by("name")[:2])


def test_creating_asks_exactly_the_population_and_emails_each_once(acme, manager, django_capture_on_commit_callbacks) -> None:
    # given eight seniors (G8), a junior (G2) and Alice (G6)
    seniors = _seniors(acme, 8)
    add_person(acme, "J001", grade="G2", department="Finance")
    # when a survey of grade 7 and above is created, its emails sent
    with django_capture_on_commit_callbacks(execute=True):
        survey = _survey(acme, manager)
    # then only the seniors are asked, each emailed once with a sign-in link to their answer page
    asked = set(InterestInvitation.objects.filter(survey=survey).values_list("person_id", flat=True))
    assert asked == {person.pk for person in seniors}
    assert len(mail.outbox) == 8
    assert all(invitation.emailed_at for invitation in InterestInvitation.objects.filter(survey=survey))


def test_an_empty_population_is_refused_with_a_sentence_and_nothing_created(acme, manager) -> None:
    # given nobody in Sales
    add_person(acme, "J001", grade="G2", department="Finance")
    sales = acme.departments.create(name="Sales")
    # when a survey of Sales is asked for
    with pytest.raises(EmptyPopulation) as error:
        create_interest_survey(organisation=acme, title="Sales", population=PopulationFilter(department=sales), topics=[], by=manager)
    # then it says so and nothing exists
    assert "Nobody matches this population" in error.value.message
    assert not InterestSurvey.objects.exists()


def test_the_grade_band_and_site_filters_combine(acme, manager) -> None:
    # given seniors at two sites
    seniors = _seniors(acme, 4)
    site = acme.sites.create(name="Amsterdam")
    Person.objects.filter(pk__in=[person.pk for person in seniors[:3]]).update(site=site)
    # when the population is G7–G8 at Amsterdam
    population = PopulationFilter(min_grade=_grade(acme, "G7"), max_grade=_grade(acme, "G8"), site=site)
    survey = create_interest_survey(organisation=acme, title="Amsterdam", population=population, topics=[], by=manager)
    # then the three at Amsterdam are asked
    assert survey.invitations.count() == 3


def test_answering_twice_replaces_the_first_answer(acme, manager, topics) -> None:
    # given a survey and one respondent
    _seniors(acme, 6)
    survey = _survey(acme, manager, topics=topics)
    invitation = survey.invitations.order_by("pk")[0]
    # when they say yes as a mentee with a topic, then change to no
    answer_interest_survey(invitation=invitation, answer=InterestAnswer.YES, role=Role.MENTEE, topics=topics[:1])
    answer_interest_survey(invitation=invitation, answer=InterestAnswer.NO, role=Role.MENTEE, topics=topics[:1])
    # then they count once, as no, with neither role nor topics
    counts = interest_counts(survey)
    assert counts.responded == 1
    assert counts.answers == {"yes": 0, "maybe": 0, "no": 1}
    invitation.refresh_from_db()
    assert invitation.role == ""
    assert invitation.topics.count() == 0


def test_bad_answers_are_refused(acme, manager, topics) -> None:
    # given a survey offering one topic
    _seniors(acme, 6)
    survey = _survey(acme, manager, topics=topics[:1])
    invitation = survey.invitations.order_by("pk")[0]
    # when answers are out of range, without a role, or with a topic not offered
    # then each is refused and nothing is stored
    with pytest.raises(InterestAnswerInvalid):
        answer_interest_survey(invitation=invitation, answer="perhaps", role=Role.MENTOR, topics=[])
    with pytest.raises(InterestAnswerInvalid):
        answer_interest_survey(invitation=invitation, answer=InterestAnswer.YES, role="", topics=[])
    with pytest.raises(InterestAnswerInvalid):
        answer_interest_survey(invitation=invitation, answer=InterestAnswer.YES, role=Role.MENTOR, topics=topics[1:])
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_a_closed_survey_takes_no_answers_and_closing_twice_keeps_the_first_time(acme, manager) -> None:
    # given a closed survey
    _seniors(acme, 6)
    survey = close_interest_survey(survey=_survey(acme, manager))
    first = survey.closed_at
    # when closed again, then answered
    again = close_interest_survey(survey=survey)
    # then the time stays and the answer is refused
    assert again.closed_at == first
    with pytest.raises(InterestSurveyClosed):
        answer_interest_survey(invitation=survey.invitations.order_by("pk")[0], answer=InterestAnswer.YES, role=Role.MENTEE, topics=[])


def test_results_below_k_people_asked_are_withheld_with_a_sentence(acme, manager) -> None:
    # given a population of four (k is 5)
    _seniors(acme, 4)
    survey = _survey(acme, manager)
    _answer(survey, [(InterestAnswer.YES, Role.MENTEE)] * 4)
    # when the results are read
    results = interest_results(survey, k=5)
    # then nothing is shown but the reason
    assert results.withheld.startswith("Results are withheld: fewer than 5 people were asked")
    assert results.invited == HIDDEN
    assert results.yes is None


def test_results_wait_for_k_answers(acme, manager) -> None:
    # given ten asked and three answers
    _seniors(acme, 10)
    survey = _survey(acme, manager)
    _answer(survey, [(InterestAnswer.YES, Role.MENTEE)] * 3)
    # when the results are read
    results = interest_results(survey, k=5)
    # then they wait for five answers
    assert "until at least 5 people have answered" in results.withheld
    assert results.invited == "10"


def test_the_share_of_yes_reads_with_its_interval(acme, manager) -> None:
    # given 20 asked: 12 yes (as mentees), 5 no, 3 not answering
    _seniors(acme, 20)
    survey = _survey(acme, manager)
    _answer(survey, [(InterestAnswer.YES, Role.MENTEE)] * 12 + [(InterestAnswer.NO, "")] * 5)
    # when the results are read
    results = interest_results(survey, k=5)
    # then the headline gives the share with its Wilson interval; the 3 who did not answer hide the invited count
    assert results.headline == "70.6 % of 17 people who answered would take part (95 % CI 46.9 % to 86.7 %)."
    assert results.invited == HIDDEN
    assert results.answers == [("Yes", "12"), ("Maybe", "0"), ("No", "5")]


def test_a_small_cell_and_its_complement_are_hidden() -> None:
    # given counts where 3 said maybe and 2 want to be mentors
    counts = InterestCounts(
        invited=40, responded=30, answers={"yes": 20, "maybe": 3, "no": 7}, topics={"AI": 21, "Video": 12, "Brand": 2},
        roles={"mentor": 2, "mentee": 21}, by_department={"Finance": (20, 14), "Sales": (10, 6)}, by_site={},
    )  # fmt: skip
    # when published at k = 5
    results = interest_results(InterestSurvey(title="t"), counts=counts, k=5)
    # then the 3 and its complement are hidden, the role split hides both sides, a topic is hidden when its
    # complement (23 − 21 = 2) is small, and no cut is shown beside hidden overall counts
    assert results.answers == [("Yes", "20"), ("Maybe", HIDDEN), ("No", HIDDEN)]
    assert results.roles == [("Mentor", HIDDEN), ("Mentee", HIDDEN)]
    assert results.topics == [("AI", HIDDEN), ("Video", "12"), ("Brand", HIDDEN)]
    assert results.cuts == []
    assert results.cuts_note


def test_a_cut_hides_a_small_group_and_its_complement() -> None:
    # given departments of 22, 6 and 3 respondents
    counts = InterestCounts(
        invited=40, responded=31, answers={"yes": 16, "maybe": 0, "no": 15}, topics={}, roles={"mentor": 0, "mentee": 16},
        by_department={"Finance": (22, 10), "Sales": (6, 3), "Tech": (3, 3)}, by_site={"": (31, 16)},
    )  # fmt: skip
    # when published
    results = interest_results(InterestSurvey(title="t"), counts=counts, k=5)
    # then Tech is hidden, and so is enough of the rest that it cannot be worked out
    assert results.cuts is not None
    departments = {row.label: row for row in results.cuts[0].rows}
    assert departments["Tech"].respondents == HIDDEN
    assert departments["Tech"].yes_share == HIDDEN
    assert departments["Sales"].yes_share == HIDDEN


def test_a_program_is_created_inviting_only_those_who_said_yes(acme, manager, topics) -> None:
    # given answers: 5 yes as mentees, 1 yes as mentor, 2 maybe, 2 no
    _seniors(acme, 10)
    survey = _survey(acme, manager, topics=topics)
    plan = [(InterestAnswer.YES, Role.MENTEE)] * 5 + [(InterestAnswer.YES, Role.MENTOR)]
    _answer(survey, plan + [(InterestAnswer.MAYBE, Role.MENTEE)] * 2 + [(InterestAnswer.NO, "")] * 2)
    yes = set(survey.invitations.filter(answer=InterestAnswer.YES).values_list("person_id", flat=True))
    # when a program is created from it
    seeded = create_program_from_interest_survey(survey=survey, driver="leadership_development", by=manager)
    # then a draft named after the survey with its topics, the six yes-people invited on their side, the survey closed
    program = seeded.program
    assert program.status == ProgramStatus.DRAFT
    assert program.name == "Connect with junior colleagues"
    assert set(program.topics.all()) == set(topics)
    enrolments = Enrolment.objects.filter(program=program)
    assert set(enrolments.values_list("person_id", flat=True)) == yes
    assert enrolments.filter(role=Role.MENTOR).count() == 1
    assert all(enrolment.status == EnrolmentStatus.INVITED for enrolment in enrolments)
    assert seeded.invited == 6
    survey.refresh_from_db()
    assert survey.is_closed
    assert survey.program == program
    with pytest.raises(ProgramAlreadyCreated):
        create_program_from_interest_survey(survey=survey, driver="leadership_development", by=manager)


# --- Pages and permissions ---------------------------------------------------------------------------------------


def _client_for(client, user: User):
    client.login(email=user.email, password=PASSWORD)
    return client


def test_a_respondent_sees_only_their_own_answer_and_outsiders_get_404(client, acme, manager, mentee, mentor) -> None:
    # given Bob (G9) is asked, Charlie (G2) is not
    _seniors(acme, 5)
    survey = _survey(acme, manager)
    bobs = survey.invitations.get(person__user=mentee)
    other = survey.invitations.exclude(pk=bobs.pk).order_by("pk")[0]
    # when Bob answers on his page
    _client_for(client, mentee)
    response = client.post(reverse("surveys:interest_answer", args=[bobs.pk]), {"answer": "yes", "role": "mentee"})
    # then his answer is stored and shown to him; another respondent's page is 404 to him
    assert response.status_code == 302
    page = client.get(reverse("surveys:interest_answer", args=[bobs.pk]))
    assert "Your answer: Yes" in page.content.decode()
    assert client.get(reverse("surveys:interest_answer", args=[other.pk])).status_code == 404
    # and Charlie, outside the population, cannot answer
    client.logout()
    _client_for(client, mentor)
    assert client.post(reverse("surveys:interest_answer", args=[bobs.pk]), {"answer": "no"}).status_code == 404


def test_results_are_for_managers_of_the_organisation_only(client, acme, manager, mentee, sponsor, outsider) -> None:
    # given a survey at Acme
    _seniors(acme, 5)
    survey = _survey(acme, manager)
    url = reverse("insights:interest", args=[survey.pk])
    # when each reads the results
    # then Alice reads them, a participant and the sponsor are refused, Globex's administrator gets 404
    assert _client_for(client, manager).get(url).status_code == 200
    client.logout()
    assert _client_for(client, mentee).get(url).status_code == 403
    client.logout()
    assert _client_for(client, sponsor).get(url).status_code == 403
    client.logout()
    assert _client_for(client, outsider).get(url).status_code == 404


def test_the_new_survey_page_says_when_the_population_is_empty(client, acme, manager) -> None:
    # given nobody in Sales
    sales = acme.departments.create(name="Sales")
    # when Alice sends a survey to Sales
    response = _client_for(client, manager).post(reverse("surveys:interest_new"), {"title": "Sales", "department": sales.pk})
    # then the page says so and nothing is created
    assert response.status_code == 400
    assert "Nobody matches this population" in response.content.decode()
    assert not InterestSurvey.objects.exists()
