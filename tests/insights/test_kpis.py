"""Program KPIs against hand-computed values on a small seeded program, with suppression applied."""

from datetime import date

import pytest
from django.test import override_settings
from scipy.stats import chi2

from tests.engagement.health_builders import at
from turnabout.insights.kpis import program_kpis
from turnabout.insights.reach import diversity_reach, organisation_rollup
from turnabout.insights.stats import proportion_ci, wilson_bounds, z_value
from turnabout.people.models import SensitiveProfile
from turnabout.programs.models import Enrolment, Role

TODAY = date(2026, 3, 6)


def test_kpis_match_hand_computed_values(seeded, django_assert_max_num_queries) -> None:
    # given ten pairs, five of which met twice, read 60 days after they started
    # when
    with django_assert_max_num_queries(16):
        kpis = program_kpis(seeded, today=TODAY)

    # then participation: the enrolment table hides the 2 mentees' row whole and the mentors' row with it (12 − 10 would give the 2): the
    # mentors' participation, whose n is their row total, is withheld with it (before, the API showed 12 and 10)
    participation = kpis.kpi("participation.mentor")
    assert (participation.estimate, participation.n) == (None, None)
    assert kpis.kpi("participation.mentee").is_withheld
    # match rate: 10 of 10 ready mentors; the 2 mentees are too few to show
    assert (kpis.kpi("match_rate.mentor").estimate, kpis.kpi("match_rate.mentor").n) == (1.0, 10)
    assert kpis.kpi("match_rate.mentee").is_withheld
    # everyone was matched the day they became ready
    to_match = kpis.kpi("days_to_match")
    assert (to_match.estimate, to_match.low, to_match.high, to_match.n) == (0, 0, 0, 12)
    # first meetings after 7, 14, 14, 14 and 14 days; five pairs have not met
    first = kpis.kpi("days_to_first_meeting")
    assert (first.estimate, first.low, first.high, first.n) == (14, 14, 14, 5)
    assert first.note == "5 pairs without a meeting yet"
    # active within 45 days: 5 of 10
    active = kpis.kpi("active_pair_rate")
    expected = proportion_ci(5, 10)
    assert (active.estimate, active.low, active.high, active.n) == (0.5, expected.low, expected.high, 10)
    # two meetings in 60 days is exactly on a monthly cadence: ratios five 1.0 and five 0.0
    per_month = kpis.kpi("meetings_per_month")
    assert per_month.estimate == pytest.approx(2 / (60 / 30.44) / 2)
    ratio = kpis.kpi("cadence_ratio")
    assert ratio.estimate == pytest.approx(0.5)
    # 10 meetings over 20 pair-periods of one cadence: Garwood's exact Poisson interval
    assert (ratio.low, ratio.high) == (pytest.approx(chi2.ppf(0.025, 20) / 2 / 20), pytest.approx(chi2.ppf(0.975, 22) / 2 / 20))
    assert (kpis.kpi("on_cadence").estimate, kpis.kpi("on_cadence").n) == (0.5, 10)
    assert (kpis.kpi("early_closure").estimate, kpis.kpi("early_closure").n) == (0.0, 10)
    # senior goals: 1/2, 1/2, 1/2, 2/2, 2/2 → mean 0.7; no junior goals
    goals = kpis.kpi("goal_completion.mentee")
    assert (goals.estimate, goals.n) == (pytest.approx(0.7), 5)
    # a mean of shares: the Wilson interval of 3.5 "successes" out of 5
    assert (goals.low, goals.high) == pytest.approx(wilson_bounds(3.5, 5, z_value(0.95)))
    assert kpis.kpi("goal_completion.mentor").is_withheld
    # pulses: mentors 2 × 5 and 8 × 4, mentees 2 × 4 and 8 × 5, five raters each. The pulse table hides each side's
    # 2 (and its complement); a mean of 4.2 over the row's 10 answers would tell it (4a + 5b = 42, a + b = 10), so the
    # means are withheld with the row (issue 16: found by the attackers of test_published_everywhere)
    mentor_rating, mentee_rating = kpis.kpi("satisfaction.mentor"), kpis.kpi("satisfaction.mentee")
    assert kpis.pulse_ratings.value(seeded.mentor_label, "5") is None
    assert (mentor_rating.estimate, mentor_rating.n) == (None, 5)
    assert (mentee_rating.estimate, mentee_rating.n) == (None, 5)
    assert mentor_rating.note == "withheld: hidden in the pulse table to protect small groups"
    # no surveys yet
    assert kpis.kpi("nps.mentor").note == "no end-of-program answers yet"
    assert kpis.kpi("gain").note == "no baseline and end answers yet"
    # ideas: the 2 pairs with an idea are too few to show as a share, so neither the total (4) nor the rate per pair
    # (0.4) is shown: one decision for the three figures
    assert [kpis.kpi(key).is_withheld for key in ("insights_adopted", "insights_per_pair", "pairs_with_insight")] == [True] * 3
    # charts
    assert kpis.meetings_per_month == [("2026-01", 5), ("2026-02", 5)]
    assert kpis.health.values == {"Healthy": 10, "Watch": 0, "At risk": 0}


def test_small_cells_are_hidden_with_their_complements(seeded) -> None:
    # when
    kpis = program_kpis(seeded, today=TODAY)

    # then the pulse table hides both sides' 2s, and the 8s that would give them away by subtraction
    pulses = kpis.pulse_ratings
    assert pulses.value("mentor", "5") is None
    assert pulses.value("mentee", "4") is None
    assert pulses.value("mentor", "4") is None
    assert pulses.value("mentee", "5") is None
    assert pulses.row_totals == {"mentor": 10, "mentee": 10}
    assert pulses.value("mentor", "1") == 0
    # the two mentees, one enrolment table cell and its total, are hidden
    assert kpis.enrolments.value("mentee", "Enrolled") is None
    assert kpis.enrolments.row_totals["mentee"] is None


def test_diversity_reach_counts_consenting_mentors_only_with_complementary_hiding(seeded, acme) -> None:
    # given 10 mentors with answers: 3 under-represented and 6 not who consented, and one more who did not consent
    mentors = list(Enrolment.objects.filter(program=seeded, role=Role.MENTOR).select_related("person"))
    for position, enrolment in enumerate(mentors):
        SensitiveProfile.objects.create(
            person=enrolment.person,
            is_under_represented=position < 3 or position == 9,
            consent_given_at=at(2026, 1, 1),
            consent_purpose="Reports",
            consent_legal_basis="Consent",
        )
    Enrolment.objects.filter(pk__in=[enrolment.pk for enrolment in mentors[:9]]).update(diversity_consent=True)

    # when
    reach = diversity_reach(seeded)

    # then the 3 is hidden, and the 6 with it, since the total of 9 consenting mentors is shown
    assert reach.mentors.values == {"Under-represented": None, "Not under-represented": None, "Not stated": 0}
    assert reach.mentors.total == 9
    assert reach.under_represented_share.is_withheld
    # the two senior leaders reached (G9) are a group of 2: hidden, and so is the total
    assert reach.mentees_by_grade_band.values["G7–G9"] is None
    assert reach.mentees_by_grade_band.total is None
    assert reach.mentees_by_grade_band.values["G1–G3"] == 0


def test_organisation_rollup_suppresses_per_program_counts(seeded, acme, django_assert_max_num_queries) -> None:
    # when
    with django_assert_max_num_queries(5):
        rollup = organisation_rollup(acme)

    # then the 2 mentees are hidden, and the 10 mentors with them: one program's row would give them away
    label = f"{seeded.name} (#{seeded.pk})"
    assert rollup.participants.value(label, "Mentee") is None
    assert rollup.participants.value(label, "Mentor") is None
    assert rollup.participants.column_totals["Mentee"] is None
    assert [(row.pairs, row.meetings_held) for row in rollup.rows] == [(10, 10)]


def test_meetings_are_counted_in_the_local_month_they_fell_in(seeded) -> None:
    # given one of January's meetings held late on 31 January UTC: already 1 February in Paris
    from datetime import UTC, datetime

    from django.utils import timezone

    from turnabout.engagement.models import Meeting, MeetingStatus

    late = Meeting.objects.filter(pair__program=seeded, status=MeetingStatus.HELD, starts_at__month=1).order_by("pk").first()
    Meeting.objects.filter(pk=late.pk).update(starts_at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))

    # when the same figures are read in UTC and in Paris, with k = 3 so that a month of 4 is shown
    with override_settings(INSIGHTS_MIN_CELL=3):
        in_utc = program_kpis(seeded, today=TODAY).meetings_per_month
        with timezone.override("Europe/Paris"):
            in_paris = program_kpis(seeded, today=TODAY).meetings_per_month

    # then
    assert in_utc == [("2026-01", 5), ("2026-02", 5)]
    assert in_paris == [("2026-01", 4), ("2026-02", 6)]
