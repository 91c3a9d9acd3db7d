"""Survey pages with the named cast: own surveys only, the form in the program's wording, and the managers' counts."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.surveys.conftest import WAVE_DAYS, assignment_of, full_answers, in_wave, moment, opened, wave_of
from turnabout.programs.models import Program
from turnabout.surveys.models import SurveyAssignment, SurveyResponse, SurveyWave, WaveKind
from turnabout.surveys.services import submit_survey


@pytest.fixture
def midpoint(pair, django_capture_on_commit_callbacks):
    """Charlie and Bob asked at the midpoint, in a program that calls its sides advisors and learners."""
    Program.objects.filter(pk=pair.program_id).update(wording="advisor_learner")
    with in_wave(WaveKind.MIDPOINT):
        return opened(pair.program, WaveKind.MIDPOINT, django_capture_on_commit_callbacks)


def form_data(assignment: SurveyAssignment, **changes: int) -> dict[str, int]:
    data = {item_id: value for answers in full_answers(assignment).values() for item_id, value in answers.items()}
    return {**data, **changes}


def test_my_surveys_lists_only_my_own_assignments(client, midpoint, mentor, mentee):
    client.force_login(mentor)

    # when
    with in_wave(WaveKind.MIDPOINT):
        page = client.get(reverse("surveys:my_surveys")).content.decode()

    # then
    assert page.count('data-testid="my-survey"') == 1
    assert reverse("surveys:survey", args=[assignment_of(mentor, WaveKind.MIDPOINT).pk]) in page
    assert reverse("surveys:survey", args=[assignment_of(mentee, WaveKind.MIDPOINT).pk]) not in page
    assert ">Answer the survey</a>" in page
    assert ">My surveys</a>" in page


def test_the_form_groups_items_by_instrument_in_the_programs_wording(client, midpoint, mentee):
    client.force_login(mentee)
    bob = assignment_of(mentee, WaveKind.MIDPOINT)

    # when
    with in_wave(WaveKind.MIDPOINT):
        page = client.get(reverse("surveys:survey", args=[bob.pk])).content.decode()

    # then
    assert page.count('data-testid="instrument"') == 2
    assert page.count('data-testid="item"') == 10
    assert "<h2>Working with your advisor</h2>" in page
    assert "My advisor helped me understand how digital tools and trends affect my work." in page
    assert "{mentor}" not in page
    assert page.count('name="rq.mentee.career.1"') == 5
    assert "Strongly disagree" in page
    assert page.count('name="nps.recommend.1"') == 11
    assert "You take part as a learner." in page
    assert ">Send my answers</button>" in page


def test_a_form_with_gaps_shows_each_error_keeps_answers_and_stores_nothing(client, midpoint, mentee):
    client.force_login(mentee)
    bob = assignment_of(mentee, WaveKind.MIDPOINT)
    data = form_data(bob)
    del data["rq.mentee.career.2"]
    data["nps.recommend.1"] = 12

    # when
    with in_wave(WaveKind.MIDPOINT):
        response = client.post(reverse("surveys:survey", args=[bob.pk]), data)

    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count('data-testid="item-error"') == 2
    assert "Choose an answer." in page
    assert "Choose one of the points from 0 to 10." in page
    assert "2 questions need an answer you can use. Nothing was saved yet." in page
    assert 'name="rq.mentee.career.1" value="4" checked' in page
    assert not SurveyResponse.objects.exists()


def test_a_complete_form_is_saved_and_thanks_the_respondent(client, midpoint, mentee):
    client.force_login(mentee)
    bob = assignment_of(mentee, WaveKind.MIDPOINT)

    # when
    with in_wave(WaveKind.MIDPOINT):
        response = client.post(reverse("surveys:survey", args=[bob.pk]), form_data(bob, **{"nps.recommend.1": 9}))
        thanks = client.get(response["Location"]).content.decode()
        again = client.get(reverse("surveys:survey", args=[bob.pk])).content.decode()

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks", args=[bob.pk])
    assert 'data-testid="thanks"' in thanks
    assert "change your answers" in thanks
    assert SurveyResponse.objects.get(instrument__slug="program-nps").answers == {"nps.recommend.1": 9}
    assert 'name="nps.recommend.1" value="9" checked' in again


def test_a_closed_survey_shows_no_form(client, midpoint, mentee):
    client.force_login(mentee)
    bob = assignment_of(mentee, WaveKind.MIDPOINT)

    # when
    with in_wave(WaveKind.END):
        page = client.get(reverse("surveys:survey", args=[bob.pk])).content.decode()
        posted = client.post(reverse("surveys:survey", args=[bob.pk]), form_data(bob))

    # then
    assert "This survey closed on 26 April 2026." in page
    assert '<form method="post" class="survey">' not in page
    assert posted.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_managers_see_waves_with_response_rates_and_no_answers(client, midpoint, manager, mentee, django_assert_num_queries):
    # given Bob answered with recognisable values
    bob = assignment_of(mentee, WaveKind.MIDPOINT)
    submit_survey(assignment=bob, answers_by_instrument=full_answers(bob, 2), now=moment(WAVE_DAYS[WaveKind.MIDPOINT]))
    client.force_login(manager)
    url = reverse("surveys:program_waves", args=[midpoint.program_id])

    # when
    with in_wave(WaveKind.MIDPOINT):
        client.get(url)  # warm the session and user caches
        with django_assert_num_queries(7):
            page = client.get(url).content.decode()

    # then
    assert page.count('data-testid="wave"') == 3
    assert '<td data-testid="wave-status">Closed without opening</td>' in page  # the baseline
    assert '<td data-testid="wave-status">Open</td>' in page
    assert '<td data-testid="wave-status">Scheduled</td>' in page
    assert '<td data-testid="wave-rate">50% (1 of 2)</td>' in page
    assert '<th scope="col">Advisor side: answered</th>' in page  # the program's wording, without an English plural
    assert "<td>0 of 1</td><td>1 of 1</td>" in page
    assert ">Open now</button>" in page
    assert ">Ask newcomers</button>" in page
    assert ">Update survey dates</button>" in page
    for private in ("Bob Senior", "Charlie Junior", "Disagree", "My advisor", reverse("surveys:survey", args=[bob.pk])):
        assert private not in page


def test_a_manager_schedules_and_opens_a_wave_from_the_page(client, matching_program, manager, django_capture_on_commit_callbacks):
    client.force_login(manager)

    # when
    with in_wave(WaveKind.BASELINE):
        client.post(reverse("surveys:schedule", args=[matching_program.pk]))
        baseline = wave_of(matching_program, WaveKind.BASELINE)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("surveys:open_wave", args=[baseline.pk]), follow=True)

    # then
    assert SurveyWave.objects.filter(program=matching_program).count() == 3
    assert wave_of(matching_program, WaveKind.BASELINE).invited_at is not None
    assert "The baseline survey is open: 0 more people asked." in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("mentee", 200), ("mentor", 404), ("manager", 404), ("admin", 404), ("sponsor", 404), ("outsider", 404)]
)
def test_only_the_respondent_opens_a_survey(client, midpoint, request, mentee, who, status):
    bob = assignment_of(mentee, WaveKind.MIDPOINT)
    client.force_login(request.getfixturevalue(who))

    # when
    with in_wave(WaveKind.MIDPOINT):
        shown = client.get(reverse("surveys:survey", args=[bob.pk]))
        posted = client.post(reverse("surveys:survey", args=[bob.pk]), form_data(bob))
        thanks = client.get(reverse("surveys:thanks", args=[bob.pk]))

    # then
    assert shown.status_code == thanks.status_code == status
    assert posted.status_code == (302 if who == "mentee" else 404)
    if who != "mentee":
        assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("manager", 200), ("admin", 200), ("sponsor", 403), ("mentor", 403), ("outsider", 404)])
def test_only_managers_of_the_organisation_see_and_act_on_waves(client, pair, request, who, status, django_capture_on_commit_callbacks):
    client.force_login(request.getfixturevalue(who))
    baseline = wave_of(pair.program, WaveKind.BASELINE)
    Program.objects.filter(pk=pair.program_id).update(ends_on=None)

    # when
    with in_wave(WaveKind.BASELINE), django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("surveys:program_waves", args=[pair.program_id]))
        schedule = client.post(reverse("surveys:schedule", args=[pair.program_id]))
        opened_now = client.post(reverse("surveys:open_wave", args=[baseline.pk]))

    # then
    assert page.status_code == status
    assert schedule.status_code == opened_now.status_code == (302 if status == 200 else status)
    if status != 200:
        assert wave_of(pair.program, WaveKind.BASELINE).invited_at is None
        assert not SurveyAssignment.objects.exists()
        assert mail.outbox == []


def test_my_surveys_reads_in_a_fixed_number_of_queries(client, midpoint, mentor, django_assert_num_queries):
    client.force_login(mentor)
    url = reverse("surveys:my_surveys")
    with in_wave(WaveKind.MIDPOINT):
        client.get(url)
        with django_assert_num_queries(5):
            client.get(url)


def test_the_baseline_form_shows_proficiency_levels_with_their_descriptors(client, pair, mentor, django_capture_on_commit_callbacks):
    with in_wave(WaveKind.BASELINE):
        opened(pair.program, WaveKind.BASELINE, django_capture_on_commit_callbacks)
        client.force_login(mentor)

        # when
        page = client.get(reverse("surveys:survey", args=[assignment_of(mentor, WaveKind.BASELINE).pk])).content.decode()

    # then
    assert page.count('data-testid="instrument"') == 3
    assert page.count('data-testid="item"') == 7 + 10 + 5
    assert "<h2>Digital skills self-assessment</h2>" in page
    assert "AI tools: which level describes you best?" in page
    assert '3. Capable: <span class="muted">I use AI tools regularly, write clear prompts and check what they produce.</span>' in page
    assert "I find out what my mentee already knows before I explain something." in page


def test_likert_questions_are_a_grid_with_every_radio_labelled_by_question_and_scale_point(client, midpoint, mentee):
    client.force_login(mentee)
    bob = assignment_of(mentee, WaveKind.MIDPOINT)

    # when
    with in_wave(WaveKind.MIDPOINT):
        page = client.get(reverse("surveys:survey", args=[bob.pk])).content.decode()

    # then: the Likert instrument is one table, wrapped to scroll on a phone, its columns headed by the scale
    grid = re.search(r'<div class="table-scroll">\s*<table class="list likert".*?</table>\s*</div>', page, re.S)
    assert grid is not None
    headings = re.findall(r'<th scope="col" id="([^"]+)">([^<]+)</th>', grid.group(0))
    assert headings[0][1] == "Strongly disagree"
    assert len(headings) == 5
    radios = re.findall(r'<input type="radio" name="rq\.mentee\.career\.1" value="(\d)"[^>]*aria-labelledby="([^"]+)"', grid.group(0))
    assert [value for value, _labels in radios] == ["1", "2", "3", "4", "5"]
    for (_value, labelled_by), (heading_id, _label) in zip(radios, headings, strict=True):
        question, column = labelled_by.split()
        assert f'<span id="{question}">' in grid.group(0)
        assert column == heading_id
    # the other scales keep a fieldset and legend per question
    assert page.count("<legend>") == page.count('data-testid="item"') - grid.group(0).count('data-testid="item"')
    assert page.count('name="nps.recommend.1"') == 11
