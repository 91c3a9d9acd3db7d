"""Aggregates per wave and side, checked against numbers worked out by hand; and nothing in them names a person."""

from dataclasses import fields

import pytest

from tests.surveys.conftest import WAVE_DAYS, build_running_program, full_answers, in_wave, moment, opened
from turnabout.surveys.models import SurveyAssignment, WaveKind
from turnabout.surveys.scoring import AggregateRow
from turnabout.surveys.services import schedule_waves, submit_survey, wave_aggregates

NOW = moment(WAVE_DAYS[WaveKind.MIDPOINT])


def answer_as(employee_id: str, *, career: list[int], psychosocial: list[int], role_modelling: list[int], nps: int) -> None:
    assignment = SurveyAssignment.objects.get(enrolment__person__employee_id=employee_id, wave__kind=WaveKind.MIDPOINT)
    side = assignment.enrolment.role
    given = {"nps.recommend.1": nps}
    for subscale, values in (("career", career), ("psychosocial", psychosocial), ("role_modelling", role_modelling)):
        given.update({f"rq.{side}.{subscale}.{number}": value for number, value in enumerate(values, start=1)})
    submit_survey(assignment=assignment, answers_by_instrument=full_answers(assignment, overrides=given), now=NOW)


@pytest.fixture
def midpoint_answered(matching_program, manager, mentor, mentee, django_capture_on_commit_callbacks):
    """Mentees Bob (A003), SR0, SR1 answered and SR2 did not; mentors Charlie (A004) and JR0 answered.

    The third psychosocial item is reverse-scored: 2 counts as 4, 1 as 5, 5 as 1.
    """
    pair = build_running_program(matching_program, manager=manager, mentor=mentor, mentee=mentee, extra_mentors=1, extra_mentees=3)
    schedule_waves(program=pair.program)
    with in_wave(WaveKind.MIDPOINT):
        opened(pair.program, WaveKind.MIDPOINT, django_capture_on_commit_callbacks)
        answer_as("A003", career=[5, 4, 3], psychosocial=[4, 4, 2], role_modelling=[3, 3, 3], nps=10)
        answer_as("SR0", career=[2, 2, 2], psychosocial=[5, 5, 1], role_modelling=[4, 4, 4], nps=9)
        answer_as("SR1", career=[3, 3, 3], psychosocial=[2, 2, 5], role_modelling=[5, 5, 5], nps=3)
        answer_as("A004", career=[4, 4, 4], psychosocial=[4, 4, 4], role_modelling=[2, 2, 2], nps=6)
        answer_as("JR0", career=[5, 5, 5], psychosocial=[5, 5, 5], role_modelling=[3, 3, 4], nps=8)
    return pair.program


def likert(role: str, instrument: str, name: str, subscale: str, subscale_name: str, respondents: int, mean: float) -> AggregateRow:
    return AggregateRow(wave_kind="midpoint", role=role, instrument=instrument, instrument_version="1.0", instrument_name=name,
                        subscale=subscale, subscale_name=subscale_name, scale_type="likert", scale_min=1, scale_max=5,
                        respondents=respondents, mean=mean)  # fmt: skip


def test_mentee_aggregates_match_the_hand_computed_figures(midpoint_answered):
    # when
    rows = wave_aggregates(program=midpoint_answered, kind=WaveKind.MIDPOINT, role="mentee")

    # then: NPS 10, 9, 3 → 2 promoters, 0 passives, 1 detractor → 66.7 % − 33.3 % = 33.3; mean 22 / 3
    nps = AggregateRow(wave_kind="midpoint", role="mentee", instrument="program-nps", instrument_version="1.0",
                       instrument_name="Recommending the program", subscale="nps", subscale_name="Net Promoter Score",
                       scale_type="nps", scale_min=0, scale_max=10, respondents=3, mean=7.33,
                       promoters=2, passives=0, detractors=1, net_promoter_score=33.3)  # fmt: skip
    name = "Working with your mentor"
    assert rows == [
        nps,
        # career: Bob 4, SR0 2, SR1 3 → 3.0
        likert("mentee", "relationship-quality-mentee", name, "career", "Career support", 3, 3.0),
        # psychosocial with the third item reversed: Bob (4+4+4)/3 = 4, SR0 (5+5+5)/3 = 5, SR1 (2+2+1)/3 = 5/3 → 32/9 = 3.56
        likert("mentee", "relationship-quality-mentee", name, "psychosocial", "Psychosocial support", 3, 3.56),
        # role modelling: 3, 4, 5 → 4.0
        likert("mentee", "relationship-quality-mentee", name, "role_modelling", "Role modelling", 3, 4.0),
    ]


def test_both_sides_come_mentors_first_with_their_own_rows(midpoint_answered):
    # when
    rows = wave_aggregates(program=midpoint_answered, kind=WaveKind.MIDPOINT)

    # then
    summary = [(row.role, row.instrument, row.subscale, row.respondents, row.mean, row.net_promoter_score) for row in rows]
    assert summary == [
        # NPS 6 and 8: no promoter, one passive, one detractor → −50
        ("mentor", "program-nps", "nps", 2, 7.0, -50.0),
        ("mentor", "relationship-quality-mentor", "career", 2, 4.5, None),
        # Charlie 4, 4, 4 reversed to 2 → 10/3; JR0 5, 5, 5 reversed to 1 → 11/3; mean 3.5
        ("mentor", "relationship-quality-mentor", "psychosocial", 2, 3.5, None),
        # Charlie 2; JR0 (3+3+4)/3 = 10/3 → 8/3 = 2.67
        ("mentor", "relationship-quality-mentor", "role_modelling", 2, 2.67, None),
        ("mentee", "program-nps", "nps", 3, 7.33, 33.3),
        ("mentee", "relationship-quality-mentee", "career", 3, 3.0, None),
        ("mentee", "relationship-quality-mentee", "psychosocial", 3, 3.56, None),
        ("mentee", "relationship-quality-mentee", "role_modelling", 3, 4.0, None),
    ]
    assert (rows[0].promoters, rows[0].passives, rows[0].detractors) == (0, 1, 1)


def test_aggregates_use_the_programs_wording_and_are_empty_for_an_unanswered_wave(midpoint_answered):
    # given the program calls its sides advisors and learners
    type(midpoint_answered).objects.filter(pk=midpoint_answered.pk).update(wording="advisor_learner")
    midpoint_answered.refresh_from_db()

    # when
    rows = wave_aggregates(program=midpoint_answered, kind=WaveKind.MIDPOINT, role="mentor")

    # then
    assert rows[1].instrument_name == "Working with your learner"
    assert wave_aggregates(program=midpoint_answered, kind=WaveKind.END) == []


def test_an_aggregate_row_carries_no_person_and_no_single_answer(midpoint_answered, django_assert_num_queries):
    # then: the only read of answers returns these fields, and reads in two queries
    assert [field.name for field in fields(AggregateRow)] == [
        "wave_kind", "role", "instrument", "instrument_version", "instrument_name", "subscale", "subscale_name", "scale_type",
        "scale_min", "scale_max", "respondents", "mean", "promoters", "passives", "detractors", "net_promoter_score",
    ]  # fmt: skip
    with django_assert_num_queries(2):
        wave_aggregates(program=midpoint_answered, kind=WaveKind.MIDPOINT)
