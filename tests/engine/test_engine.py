"""Inputs, scores, reasons and diagnostics of the matching engine on hand-made cases."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import numpy as np
import pytest

from turnabout.engine import Participant, Problem, ProblemError, Rules, Taxonomy, Weights, Window, solve, suggest
from turnabout.engine._features import availability_slots

WEEK = tuple(Window(day, "09:00", "17:00") for day in range(5))


def _mentor(id_: str, **fields: object) -> Participant:
    base: dict[str, object] = {
        "grade": 2,
        "languages": ["en"],
        "availability": WEEK,
        "department": "Tech",
        "site": "Paris",
        "timezone": "Europe/Paris",
    }
    return Participant(id_, **{**base, **fields})  # type: ignore[arg-type]


def _mentee(id_: str, **fields: object) -> Participant:
    base: dict[str, object] = {
        "grade": 8,
        "languages": ["en"],
        "availability": WEEK,
        "department": "Finance",
        "site": "London",
        "timezone": "Europe/London",
    }
    return Participant(id_, **{**base, **fields})  # type: ignore[arg-type]


def test_participant_copies_and_normalises_without_touching_the_callers_objects() -> None:
    # given
    skills = {"Public Speaking": 4}
    languages = ["English", "French"]
    # when
    person = _mentor("M1", skills=skills, languages=languages)
    # then
    assert dict(person.skills) == {"public-speaking": 4}
    assert person.languages == frozenset({"english", "french"})
    assert skills == {"Public Speaking": 4}
    assert languages == ["English", "French"]
    with pytest.raises(TypeError):
        person.skills["python"] = 5  # type: ignore[index]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"grade": "high"}, "grade"),
        ({"capacity": -1}, "capacity"),
        ({"skills": {"python": 6}}, "skills"),
        ({"goals": {"python": 0}}, "goals"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"languages": "en"}, "languages"),
        ({"ancestors": ("M1",)}, "ancestors"),
    ],
)
def test_bad_participant_fields_are_named(fields: dict[str, object], field: str) -> None:
    # when
    with pytest.raises(ProblemError) as raised:
        _mentor("M1", **fields)
    # then
    assert raised.value.field == field
    assert raised.value.participant_id == "M1"


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (lambda: Rules(min_grade_gap=0), "min_grade_gap"),
        (lambda: Rules(min_pair_score=1.5), "min_pair_score"),
        (lambda: Rules(pinned=[("M1", "E1")], forbidden=[("M1", "E1")]), "pinned"),
        (lambda: Rules(reference_monday=dt.date(2025, 1, 7)), "reference_monday"),
        (lambda: Weights(goals=-1), "goals"),
        (lambda: Weights(goals=0, common_ground=0, availability=0, boundaries=0, grade_gap=0), "weights"),
        (lambda: Window(7, "09:00", "10:00"), "availability"),
        (lambda: Window(0, "10:00", "09:00"), "availability"),
        (lambda: Problem((_mentor("M1"), _mentor("M1")), ()), "mentors[1].id"),
    ],
)
def test_bad_rules_weights_and_problems_are_named(factory: object, field: str) -> None:
    # when
    with pytest.raises(ProblemError) as raised:
        factory()  # type: ignore[operator]
    # then
    assert raised.value.field == field


def test_solve_rejects_unknown_mode_and_bad_pins() -> None:
    # given
    problem = Problem((_mentor("M1"),), (_mentee("E1"),))
    # when / then
    with pytest.raises(ProblemError, match="mode"):
        solve(problem, mode="best")
    with pytest.raises(ProblemError, match="no mentee has id 'E9'"):
        solve(problem, Rules(pinned=[("M1", "E9")]))


def test_availability_is_converted_to_utc_with_the_reference_week() -> None:
    # given: 09:00-10:00 on Monday in Mumbai (UTC+05:30) and in New York (UTC-05:00 in January, -04:00 in July)
    mumbai = availability_slots((Window(0, "09:00", "10:00"),), "Asia/Kolkata", dt.date(2025, 1, 6))
    winter = availability_slots((Window(0, "09:00", "10:00"),), "America/New_York", dt.date(2025, 1, 6))
    summer = availability_slots((Window(0, "09:00", "10:00"),), "America/New_York", dt.date(2025, 7, 7))

    def first_slot(bits: np.ndarray) -> int:
        flags = np.unpackbits(bits.view(np.uint8), bitorder="little")
        return int(np.flatnonzero(flags)[0])

    # then: slots are quarter hours after Monday 00:00 UTC
    assert first_slot(mumbai) == 14  # 03:30 UTC
    assert first_slot(winter) == 56  # 14:00 UTC
    assert first_slot(summer) == 52  # 13:00 UTC
    # and: a Sunday-evening window in Auckland wraps to the start of the UTC week
    auckland = availability_slots((Window(6, "22:00", "23:00"),), "Pacific/Auckland", dt.date(2025, 1, 6))
    assert int(np.bitwise_count(auckland).sum()) == 4


def test_score_components_follow_the_documented_formulas() -> None:
    # given: goals python (priority 3) and ai (priority 1); the mentor has python 4 and a related skill for ai
    taxonomy = Taxonomy(related={"ai": ["data-science"]})
    mentor = _mentor(
        "M1", skills={"python": 4, "data-science": 5}, interests=["chess", "jazz"], values=["courage"], diversity={"generation": "z"}
    )
    mentee = _mentee("E1", goals={"python": 3, "ai": 1}, interests=["chess"], values=["courage"], diversity={"generation": "x"})
    rules = Rules(min_overlap_minutes=0, use_diversity=True)
    weights = Weights(goals=3, common_ground=1, availability=1, boundaries=1, diversity=1, grade_gap=1, preferred_grade_gap=4)
    # when
    pair = solve(Problem((mentor,), (mentee,), taxonomy), rules, weights).pairs[0]
    # then
    expected = {
        "goals": (3 * 4 / 5 + 1 * 0.5 * 5 / 5) / 4,
        "common_ground": 2 / 3,  # chess and courage, full credit at 3
        "availability": 1.0,  # Paris and London overlap 7 hours of the 8-hour day, capped at 120 minutes
        "boundaries": 1.0,  # different department and site
        "diversity": 1.0,
        "grade_gap": 1.0,  # gap 6 >= preferred 4
    }
    for name, value in expected.items():
        assert pair.components[name] == pytest.approx(value * (3 if name == "goals" else 1) / 8)
    assert pair.score == sum(pair.components.values())
    assert "M1 can help E1 with python (level 4 of 5, E1's top goal) and ai (through the related skill data science)." in pair.reasons


def test_unmatched_people_get_the_rule_that_excluded_them() -> None:
    # given
    mentors = (_mentor("M1", languages=["fr"]), _mentor("M2", grade=7), _mentor("M3", ancestors=("E3",)))
    mentees = (_mentee("E1", languages=["de"]), _mentee("E2", availability=()), _mentee("E3", grade=5))
    # when
    result = solve(Problem(mentors, mentees), Rules(min_grade_gap=2))
    # then
    reasons = {item.id: item.reason for item in result.unmatched}
    assert reasons["E1"] == "No mentor is at least 2 grades junior and shares a language."
    assert (
        reasons["E2"]
        == "No mentor is at least 2 grades junior, shares a language and has at least 60 minutes of shared weekly availability."
    )
    assert reasons["E3"] == "No mentor is at least 2 grades junior, shares a language and is outside their reporting line."
    assert reasons["M1"] == "No mentee shares a language."
    assert reasons["M2"] == "No mentee is at least 2 grades senior."
    assert result.pairs == ()


def test_capacity_and_competition_are_explained() -> None:
    # given: two mentees want the one mentor
    mentees = (_mentee("E1", goals={"python": 5}), _mentee("E2", goals={"python": 1}))
    # when
    result = solve(Problem((_mentor("M1", skills={"python": 5}),), mentees))
    # then
    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [("M1", "E1")]
    assert result.unmatched[0].reason == "The one mentor who meets the rules is already matched with someone they fit better."


def test_coverage_mode_trades_score_for_coverage_and_fair_mode_lifts_the_worst_pair() -> None:
    # given: M1 is great for both; M2 suits only E2, weakly
    mentors = (_mentor("M1", skills={"python": 5, "ai": 5}), _mentor("M2", skills={"ai": 1}, availability=()))
    mentees = (_mentee("E1", goals={"python": 5}), _mentee("E2", goals={"ai": 5}))
    problem, rules = Problem(mentors, mentees), Rules(min_overlap_minutes=0)
    # when
    by_score = solve(problem, rules, mode="score")
    by_coverage = solve(problem, rules, mode="coverage")
    by_fairness = solve(problem, rules, mode="fair")
    # then
    assert by_coverage.diagnostics.mentees_matched == 2
    assert by_coverage.diagnostics.total_score <= by_score.diagnostics.total_score + 1e-12
    assert by_fairness.diagnostics.mentees_matched == 2
    assert by_fairness.diagnostics.min_score >= by_coverage.diagnostics.min_score
    assert by_fairness.diagnostics.fairness_floor == pytest.approx(by_fairness.diagnostics.min_score, abs=1e-6)


def test_pinned_pairs_are_kept_and_capacity_counts_them() -> None:
    # given
    mentors = (_mentor("M1", skills={"python": 5}), _mentor("M2", skills={"excel": 1}))
    mentees = (_mentee("E1", goals={"python": 5}), _mentee("E2", goals={"python": 5}))
    # when
    result = solve(Problem(mentors, mentees), Rules(pinned=[("M2", "E1")]))
    # then
    pairs = {(p.mentor_id, p.mentee_id): p.pinned for p in result.pairs}
    assert pairs == {("M2", "E1"): True, ("M1", "E2"): False}


def test_progress_is_reported_from_zero_to_one() -> None:
    # given
    seen: list[tuple[float, str]] = []
    problem = Problem((_mentor("M1"), _mentor("M2")), (_mentee("E1"),))
    # when
    solve(problem, progress=lambda fraction, stage: seen.append((fraction, stage)))
    # then
    fractions = [fraction for fraction, _stage in seen]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert {"preparing", "scoring pairs", "done"} <= {stage for _fraction, stage in seen}


def test_progress_is_reported_on_the_calling_thread_while_blocks_are_scanned_in_parallel() -> None:
    # given: a callback that, in the web app, writes to a database connection owned by its thread
    threads: set[int] = set()
    mentors = tuple(_mentor(f"M{k}", skills={"python": 1 + k % 5}) for k in range(30))
    mentees = tuple(_mentee(f"E{k}", goals={"python": 1 + k % 5}) for k in range(30))

    # when: pruned candidates force scans and pricing
    def note_thread(_fraction: float, _stage: str) -> None:
        threads.add(threading.get_ident())

    result = solve(Problem(mentors, mentees), candidates_per_mentee=2, progress=note_thread)
    # then
    assert threads == {threading.get_ident()}
    assert result.diagnostics.certificate.optimal


def test_a_tolerance_stops_early_with_an_upper_bound_that_holds() -> None:
    # given: pruned candidates, so that proving the optimum takes pricing rounds
    mentors = tuple(_mentor(f"M{k}", skills={"python": 1 + k % 5, "excel": 1 + k % 3}) for k in range(40))
    mentees = tuple(_mentee(f"E{k}", goals={"python": 1 + k % 5, "excel": 1 + k % 2}) for k in range(40))
    problem = Problem(mentors, mentees)
    exact = solve(problem, candidates_per_mentee=40).diagnostics.total_score
    # when
    certificate = solve(problem, candidates_per_mentee=3, tolerance=0.2).diagnostics.certificate
    # then: it stopped before proving the optimum, with a true bound that the total is within 20 % of
    assert not certificate.optimal
    assert certificate.upper_bound >= exact - 1e-6
    assert certificate.upper_bound - certificate.objective <= 0.2 * certificate.objective + 1e-6
    assert certificate.gap == pytest.approx(certificate.upper_bound - certificate.objective, abs=1e-5)


@pytest.mark.parametrize("tolerance", [-0.1, 1.0, True, "0.1"])
def test_a_tolerance_outside_0_to_1_is_refused(tolerance: object) -> None:
    with pytest.raises(ProblemError) as raised:
        solve(Problem((_mentor("M1"),), (_mentee("E1"),)), tolerance=tolerance)  # type: ignore[arg-type]
    assert raised.value.field == "tolerance"


def test_diagnostics_report_certificate_statistics_and_baseline() -> None:
    # given
    mentors = tuple(_mentor(f"M{k}", skills={"python": k}) for k in range(1, 5))
    mentees = tuple(_mentee(f"E{k}", goals={"python": 5 - k % 3}) for k in range(1, 4))
    # when
    diagnostics = solve(Problem(mentors, mentees)).diagnostics
    # then
    assert diagnostics.certificate.optimal
    assert diagnostics.certificate.exhaustive
    assert diagnostics.certificate.upper_bound == pytest.approx(diagnostics.total_score, abs=1e-5)
    assert diagnostics.mentees_matched == 3
    assert diagnostics.coverage == 1.0
    assert diagnostics.min_score <= diagnostics.p10_score <= diagnostics.mean_score
    assert diagnostics.greedy.total_score <= diagnostics.total_score + 1e-9
    assert diagnostics.blocking_pairs >= 0


def test_suggest_rejects_bad_arguments() -> None:
    problem = Problem((_mentor("M1"),), (_mentee("E1"),))
    with pytest.raises(ProblemError, match="top_n"):
        suggest(problem, top_n=0)
    with pytest.raises(ProblemError, match="spread"):
        suggest(problem, spread=0.5)


def test_the_engine_imports_no_django_and_no_other_turnabout_package() -> None:
    # given
    engine = Path(__file__).resolve().parents[2] / "turnabout" / "engine"
    # then
    for module in engine.glob("*.py"):
        text = module.read_text()
        assert "import django" not in text, module
        assert "from django" not in text, module
        for line in text.splitlines():
            if line.startswith(("import turnabout", "from turnabout")):
                assert line.startswith(("from turnabout.engine", "import turnabout.engine")), (module, line)


def test_the_documentation_examples_run() -> None:
    import doctest

    # when
    outcome = doctest.testfile(
        str(Path(__file__).resolve().parents[2] / "docs" / "matching.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    # then
    assert outcome.attempted > 0
    assert outcome.failed == 0
