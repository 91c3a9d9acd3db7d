"""The engine's reasons are coded: every code it can emit comes with an English text and plain params."""

from __future__ import annotations

import json

import pytest

from turnabout.engine import REASON_CODES, RULE_CODES, Participant, Problem, Reason, Rules, Weights, Window, solve, suggest
from turnabout.engine._explain import PAIR_REASON_CODES

WEEK = tuple(Window(day, "09:00", "17:00") for day in range(5))
ONLY = dict.fromkeys(("goals", "common_ground", "availability", "boundaries", "diversity", "grade_gap"), 0.0)


def _person(id_: str, grade: int, **fields: object) -> Participant:
    base: dict[str, object] = {"grade": grade, "languages": ["en"], "availability": WEEK, "timezone": "Europe/Paris"}
    return Participant(id_, **{**base, **fields})  # type: ignore[arg-type]


def _pair() -> Problem:
    mentor = _person("M1", 2, skills={"python": 5}, interests=["chess"], values=["courage"], department="Tech", site="Paris",
                     diversity={"gender": "f"})  # fmt: skip
    mentee = _person("E1", 8, goals={"python": 5}, interests=["chess"], values=["courage"], department="Finance", site="London",
                     diversity={"gender": "m"})  # fmt: skip
    return Problem((mentor,), (mentee,))


def _emitted() -> list[Reason]:
    """The reasons of runs made to produce each code once."""
    reasons: list[Reason] = []
    for component in PAIR_REASON_CODES:
        # Diversity alone is refused as a weighting: the grade gap comes along, weakly.
        weights = Weights(**{**ONLY, "grade_gap": 0.0 if component != "diversity" else 0.1, component: 1.0})
        result = solve(_pair(), Rules(min_overlap_minutes=0, use_diversity=True), weights)
        reasons += [reason for pair in result.pairs for reason in pair.explanations]
    contested = Problem((_person("M1", 2, skills={"python": 5}),), (_person("E1", 8, goals={"python": 5}), _person("E2", 8)))
    for mode in ("score", "fair"):
        reasons += [item.explanation for item in solve(contested, Rules(), mode=mode).unmatched if item.explanation]
    crowded = Problem(
        (_person("M1", 2, skills={"python": 5}), _person("M2", 2, skills={"python": 5})),
        (_person("E1", 8, goals={"python": 5}), _person("E2", 8, goals={"python": 5}), _person("E3", 8)),
    )
    reasons += [item.explanation for item in solve(crowded, Rules()).unmatched if item.explanation]
    lonely = Problem((_person("M1", 2), _person("M2", 2, capacity=0)), (_person("E1", 3),))
    reasons += [item.explanation for item in solve(lonely, Rules(min_grade_gap=2)).unmatched if item.explanation]
    reasons += [item.explanation for item in solve(Problem((_person("M1", 2),), ()), Rules()).unmatched if item.explanation]
    weak = Problem((_person("M1", 2),), (_person("E1", 8, goals={"python": 5}),))
    reasons += [item.explanation for item in solve(weak, Rules(min_pair_score=0.99)).unmatched if item.explanation]
    return reasons


def test_every_code_the_engine_emits_is_listed_and_has_an_english_text_and_plain_params() -> None:
    reasons = _emitted()

    assert {reason.code for reason in reasons} == REASON_CODES
    for reason in reasons:
        assert reason.text.endswith("."), reason
        assert str(reason) == reason.text
        assert json.loads(json.dumps(reason.params)) == reason.params, "params are plain values"


def test_unmatched_reasons_name_their_rules_by_code_and_carry_the_numbers_of_the_text() -> None:
    mentors = (_person("M1", 2, languages=["fr"]), _person("M2", 7))
    mentees = (_person("E1", 8, languages=["de"]),)

    result = solve(Problem(mentors, mentees), Rules(min_grade_gap=2))

    explained = {item.id: item.explanation for item in result.unmatched}
    reason = explained["E1"]
    assert reason is not None
    assert (reason.code, reason.text) == ("ruled_out", "No mentor is at least 2 grades junior and shares a language.")
    assert reason.params == {"other": "mentor", "rules": ["grade_gap", "language"], "min_grade_gap": 2, "min_overlap_minutes": 60}
    assert set(reason.params["rules"]) <= RULE_CODES  # type: ignore[arg-type]
    assert result.unmatched[0].reason == result.unmatched[0].explanation.text  # type: ignore[union-attr]


def test_pair_reasons_keep_their_sentences_and_give_the_values_behind_them() -> None:
    result = solve(_pair(), Rules(min_overlap_minutes=0), Weights(**{**ONLY, "goals": 1.0, "grade_gap": 1.0, "availability": 1.0}))

    (pair,) = result.pairs
    assert pair.reasons == tuple(reason.text for reason in pair.explanations)
    by_code = {reason.code: reason for reason in pair.explanations}
    assert by_code["goals"].params["skills"] == [{"skill": "python", "level": 5, "max_level": 5, "through": None, "top": ""}]
    assert by_code["grade_gap"].params == {"mentor": "M1", "mentee": "E1", "gap": 6}
    assert by_code["grade_gap"].text == "E1 is 6 grades more senior than M1: a genuine reverse-mentoring pair."
    assert by_code["availability"].params["minutes"] == 5 * 8 * 60  # the whole working week, both in Paris


def test_suggestions_and_unexplained_runs_carry_coded_reasons_or_none() -> None:
    (suggestion,) = suggest(_pair(), Rules(min_overlap_minutes=0), top_n=1)
    assert suggestion.explanations
    assert {reason.code for reason in suggestion.explanations} <= PAIR_REASON_CODES

    lonely = solve(Problem((_person("M1", 2),), ()), Rules(), explain=False)
    assert [(item.explanation, item.reason) for item in lonely.unmatched] == [(None, "")]


@pytest.mark.parametrize("code", sorted(REASON_CODES))
def test_codes_are_stable_identifiers(code: str) -> None:
    assert code.isidentifier()
    assert code == code.lower()
