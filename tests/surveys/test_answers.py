"""Submitting a survey: every item answered on its scale, all or nothing, replaceable while the wave is open."""

from datetime import date

import pytest

from tests.surveys.conftest import WAVE_DAYS, assignment_of, full_answers, in_wave, moment, on, opened
from turnabout.surveys.errors import AnswersInvalid, WaveClosed
from turnabout.surveys.models import SurveyResponse, WaveKind
from turnabout.surveys.services import submit_survey


@pytest.fixture
def bob_at_midpoint(pair, mentee, django_capture_on_commit_callbacks):
    """Bob's midpoint assignment (relationship quality about his mentor, and the recommendation question)."""
    with in_wave(WaveKind.MIDPOINT):
        opened(pair.program, WaveKind.MIDPOINT, django_capture_on_commit_callbacks)
    return assignment_of(mentee, WaveKind.MIDPOINT)


NOW = moment(WAVE_DAYS[WaveKind.MIDPOINT])


def test_a_complete_survey_is_stored_per_instrument(bob_at_midpoint):
    # when
    submit_survey(assignment=bob_at_midpoint, answers_by_instrument=full_answers(bob_at_midpoint, 5), now=NOW)

    # then
    bob_at_midpoint.refresh_from_db()
    assert bob_at_midpoint.completed_at == NOW
    stored = {response.instrument.slug: response.answers for response in SurveyResponse.objects.select_related("instrument")}
    assert stored["program-nps"] == {"nps.recommend.1": 8}
    assert len(stored["relationship-quality-mentee"]) == 9
    assert set(stored["relationship-quality-mentee"].values()) == {5}


def test_a_missing_item_stores_nothing_and_names_the_item(bob_at_midpoint):
    # given one question left out
    answers = full_answers(bob_at_midpoint)
    del answers["relationship-quality-mentee"]["rq.mentee.role_modelling.2"]

    # when
    with pytest.raises(AnswersInvalid) as raised:
        submit_survey(assignment=bob_at_midpoint, answers_by_instrument=answers, now=NOW)

    # then
    assert raised.value.errors == {"rq.mentee.role_modelling.2": "Choose an answer."}
    assert not SurveyResponse.objects.exists()
    bob_at_midpoint.refresh_from_db()
    assert bob_at_midpoint.completed_at is None


def test_answers_off_the_scale_store_nothing(bob_at_midpoint):
    # given a 6 on a 1–5 scale, 11 on 0–10, a word and a boolean
    answers = full_answers(bob_at_midpoint)
    answers["relationship-quality-mentee"]["rq.mentee.career.1"] = 6
    answers["relationship-quality-mentee"]["rq.mentee.career.2"] = "agree"
    answers["relationship-quality-mentee"]["rq.mentee.career.3"] = True
    answers["program-nps"]["nps.recommend.1"] = 11

    # when
    with pytest.raises(AnswersInvalid) as raised:
        submit_survey(assignment=bob_at_midpoint, answers_by_instrument=answers, now=NOW)

    # then
    assert raised.value.errors == {
        "rq.mentee.career.1": "Choose one of the points from 1 to 5.",
        "rq.mentee.career.2": "Choose one of the points from 1 to 5.",
        "rq.mentee.career.3": "Choose one of the points from 1 to 5.",
        "nps.recommend.1": "Choose one of the points from 0 to 10.",
    }
    assert not SurveyResponse.objects.exists()


def test_questions_from_outside_the_survey_are_refused(bob_at_midpoint):
    # given answers to the mentors' questionnaire too
    answers = {**full_answers(bob_at_midpoint), "mentor-skills": {"ms.mentoring.1": 5}}
    answers["program-nps"]["rq.mentor.career.1"] = 3

    # when
    with pytest.raises(AnswersInvalid) as raised:
        submit_survey(assignment=bob_at_midpoint, answers_by_instrument=answers, now=NOW)

    # then
    assert raised.value.errors == {
        "mentor-skills": "This questionnaire is not part of your survey.",
        "rq.mentor.career.1": "This question is not part of the questionnaire.",
    }
    assert not SurveyResponse.objects.exists()


def test_answering_again_while_open_replaces_the_answers(bob_at_midpoint):
    # given a first submission
    submit_survey(assignment=bob_at_midpoint, answers_by_instrument=full_answers(bob_at_midpoint, 2), now=NOW)

    # when Bob changes his mind a week later
    later = moment(date(2026, 4, 13))
    with on(date(2026, 4, 13)):
        submit_survey(
            assignment=bob_at_midpoint, answers_by_instrument=full_answers(bob_at_midpoint, 4, {"nps.recommend.1": 10}), now=later
        )

    # then
    assert SurveyResponse.objects.count() == 2
    nps = SurveyResponse.objects.get(instrument__slug="program-nps")
    assert (nps.answers, nps.submitted_at) == ({"nps.recommend.1": 10}, later)
    assert set(SurveyResponse.objects.get(instrument__slug="relationship-quality-mentee").answers.values()) == {4}
    bob_at_midpoint.refresh_from_db()
    assert bob_at_midpoint.completed_at == later


def test_a_closed_wave_refuses_answers_and_keeps_the_earlier_ones(bob_at_midpoint):
    # given answers given while open
    submit_survey(assignment=bob_at_midpoint, answers_by_instrument=full_answers(bob_at_midpoint, 2), now=NOW)

    # when Bob tries again after 26 April
    with pytest.raises(WaveClosed):
        submit_survey(assignment=bob_at_midpoint, answers_by_instrument=full_answers(bob_at_midpoint, 5), now=moment(date(2026, 4, 27)))

    # then
    assert set(SurveyResponse.objects.get(instrument__slug="relationship-quality-mentee").answers.values()) == {2}
    bob_at_midpoint.refresh_from_db()
    assert bob_at_midpoint.completed_at == NOW
