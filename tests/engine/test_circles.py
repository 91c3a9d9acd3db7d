"""Circles: properties against brute force on small problems, and the reasons members and unplaced people get."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.strategies import Oracle, problems, rules_for, weights
from turnabout.engine import (
    CIRCLE_REASON_CODES,
    REASON_CODES,
    CircleResult,
    CircleSpec,
    Participant,
    Problem,
    ProblemError,
    Rules,
    Weights,
    Window,
    form_circles,
)
from turnabout.engine._features import SLOT_MINUTES, availability_slots
from turnabout.engine._scoring import SCALE

CIRCLE_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def specs(draw: st.DrawFn) -> CircleSpec:
    low_m = draw(st.integers(1, 2))
    low_e = draw(st.integers(1, 2))
    return CircleSpec((low_m, draw(st.integers(low_m, 2))), (low_e, draw(st.integers(low_e, 3))))


@st.composite
def instances(draw: st.DrawFn) -> tuple[Problem, Rules, Weights, CircleSpec]:
    """At most 8 people: up to 3 mentors and 5 mentees."""
    problem = draw(problems(max_mentors=3, max_mentees=5))
    return problem, draw(rules_for(problem)), draw(weights), draw(specs())


@dataclass(frozen=True)
class BruteForce:
    """Every valid circle of a small problem, checked person by person, and the best packing of them."""

    circles: dict[tuple[frozenset[str], frozenset[str]], int]  # (mentor ids, mentee ids) -> weight in millionths

    @classmethod
    def of(cls, problem: Problem, rules: Rules, weights: Weights, spec: CircleSpec) -> BruteForce:
        oracle = Oracle.of(problem, rules, weights)
        pair_weight = {(problem.mentors[col].id, problem.mentees[row].id): weight for row, col, weight in oracle.pairs}
        circles = {}
        for mentor_count in range(spec.mentors_per_circle[0], spec.mentors_per_circle[1] + 1):
            for mentors in itertools.combinations(problem.mentors, mentor_count):
                for mentee_count in range(spec.mentees_per_circle[0], spec.mentees_per_circle[1] + 1):
                    for mentees in itertools.combinations(problem.mentees, mentee_count):
                        pairs = [(mentor.id, mentee.id) for mentor in mentors for mentee in mentees]
                        if all(pair in pair_weight for pair in pairs) and _circle_rules_hold([*mentors, *mentees], rules):
                            key = (frozenset(m.id for m in mentors), frozenset(e.id for e in mentees))
                            circles[key] = sum(pair_weight[pair] for pair in pairs)
        return cls(circles)

    def best(self) -> int:
        """Maximum total weight of disjoint circles."""
        options = sorted(self.circles.items(), key=lambda item: (sorted(item[0][0]), sorted(item[0][1])))

        @functools.cache
        def solve(position: int, used: frozenset[str]) -> int:
            if position == len(options):
                return 0
            (mentors, mentees), weight = options[position]
            best = solve(position + 1, used)
            people = {f"m:{x}" for x in mentors} | {f"e:{x}" for x in mentees}
            if not people & used:
                best = max(best, weight + solve(position + 1, used | people))
            return best

        return solve(0, frozenset())


def _circle_rules_hold(people: list[Participant], rules: Rules) -> bool:
    for a, b in itertools.combinations(people, 2):
        if a.id in b.ancestors or b.id in a.ancestors:
            return False
    if rules.require_shared_language and not frozenset.intersection(*(frozenset(p.languages) for p in people)):
        return False
    if rules.min_overlap_minutes:
        common = functools.reduce(
            lambda left, right: left & right, (availability_slots(p.availability, p.timezone, rules.reference_monday) for p in people)
        )
        if int(sum(int(word).bit_count() for word in common)) * SLOT_MINUTES < rules.min_overlap_minutes:
            return False
    return True


def _key(circle: object) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(circle.mentor_ids), frozenset(circle.mentee_ids)  # type: ignore[attr-defined]


def _check_valid(problem: Problem, spec: CircleSpec, result: CircleResult, brute: BruteForce) -> None:
    mentors_seen = [mentor for circle in result.circles for mentor in circle.mentor_ids]
    mentees_seen = [mentee for circle in result.circles for mentee in circle.mentee_ids]
    assert len(mentors_seen) == len(set(mentors_seen))
    assert len(mentees_seen) == len(set(mentees_seen))
    for circle in result.circles:
        assert spec.mentors_per_circle[0] <= len(circle.mentor_ids) <= spec.mentors_per_circle[1]
        assert spec.mentees_per_circle[0] <= len(circle.mentee_ids) <= spec.mentees_per_circle[1]
        # Every hard rule holds: the circle is among the brute force's valid circles, with the same weight.
        assert _key(circle) in brute.circles
        assert round(circle.score * SCALE) == brute.circles[_key(circle)]
    unplaced = {(person.role, person.id) for person in result.unplaced}
    placed = {("mentor", x) for x in mentors_seen} | {("mentee", x) for x in mentees_seen}
    everyone = {("mentor", p.id) for p in problem.mentors} | {("mentee", p.id) for p in problem.mentees}
    assert placed | unplaced == everyone
    assert not placed & unplaced
    assert all(person.reason for person in result.unplaced)
    codes = {reason.code for circle in result.circles for member in circle.members for reason in member.explanations}
    codes |= {person.explanation.code for person in result.unplaced if person.explanation is not None}
    assert codes <= CIRCLE_REASON_CODES | REASON_CODES
    assert all(member.explanations[0].code == "circle_fit" for circle in result.circles for member in circle.members)
    total = sum(round(circle.score * SCALE) for circle in result.circles)
    assert round(result.total_score * SCALE) == total
    assert round(result.certificate.upper_bound * SCALE) >= total


@CIRCLE_SETTINGS
@given(instances())
def test_exact_circles_match_brute_force(instance: tuple[Problem, Rules, Weights, CircleSpec]) -> None:
    # given
    problem, rules, weights, spec = instance
    brute = BruteForce.of(problem, rules, weights, spec)
    # when
    result = form_circles(problem, spec, rules, weights)
    # then
    _check_valid(problem, spec, result, brute)
    best = brute.best()
    assert round(result.certificate.upper_bound * SCALE) >= best
    assert result.certificate.optimal
    assert round(result.total_score * SCALE) == best


@CIRCLE_SETTINGS
@given(instances())
def test_local_search_keeps_the_rules_and_its_bound(instance: tuple[Problem, Rules, Weights, CircleSpec]) -> None:
    # given
    problem, rules, weights, spec = instance
    brute = BruteForce.of(problem, rules, weights, spec)
    # when
    result = form_circles(problem, spec, rules, weights, exact_up_to=0)
    # then
    _check_valid(problem, spec, result, brute)
    best = brute.best()
    total = round(result.total_score * SCALE)
    assert total <= best <= round(result.certificate.upper_bound * SCALE)
    assert result.certificate.gap == pytest.approx(result.certificate.upper_bound - result.certificate.objective, abs=1e-9)
    if result.certificate.optimal:
        assert total == best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from((0, 10**6)))
def test_circles_are_deterministic(instance: tuple[Problem, Rules, Weights, CircleSpec], exact_up_to: int) -> None:
    # given
    problem, rules, weights, spec = instance
    # when
    first = form_circles(problem, spec, rules, weights, exact_up_to=exact_up_to)
    second = form_circles(problem, spec, rules, weights, exact_up_to=exact_up_to)
    # then
    assert first.circles == second.circles
    assert first.unplaced == second.unplaced
    assert first.certificate == second.certificate


MONDAY = (Window(0, "09:00", "12:00"),)


def _mentor(identifier: str, **fields: object) -> Participant:
    defaults: dict[str, object] = {"grade": 1, "languages": ["en"], "skills": {"ai": 5}, "availability": MONDAY, "name": identifier}
    return Participant(identifier, **{**defaults, **fields})  # type: ignore[arg-type]


def _mentee(identifier: str, **fields: object) -> Participant:
    defaults: dict[str, object] = {"grade": 6, "languages": ["en"], "goals": {"ai": 4}, "availability": MONDAY, "name": identifier}
    return Participant(identifier, **{**defaults, **fields})  # type: ignore[arg-type]


def test_members_are_told_who_they_share_the_circle_with_and_why() -> None:
    # given
    problem = Problem((_mentor("Ana"),), (_mentee("Bo"), _mentee("Cy")))
    # when
    result = form_circles(problem, CircleSpec((1, 1), (2, 2)))
    # then
    (circle,) = result.circles
    assert circle.mentor_ids == ("Ana",)
    assert circle.mentee_ids == ("Bo", "Cy")
    assert circle.languages == ("en",)
    assert circle.common_minutes == 180
    bo = next(member for member in circle.members if member.id == "Bo")
    fit = bo.explanations[0]
    assert fit.code == "circle_fit"
    assert fit.text == (
        "Bo is in a circle with Ana and Cy: everyone speaks en, nobody is in anyone else's reporting line "
        "and all 3 are free together 3 hours a week."
    )
    assert fit.params == {"member": "Bo", "others": ["Ana", "Cy"], "languages": ["en"], "minutes": 180}
    assert bo.explanations[1].code == "goals"
    assert bo.explanations[1].text == "Ana can help Bo with ai (level 5 of 5)."
    assert result.certificate.optimal
    assert result.certificate.method.startswith("all 1 feasible circles packed by CP-SAT")


def test_unplaced_mentees_hear_which_circle_rule_kept_them_out() -> None:
    # given: Dee speaks only French (Ana does too, the others do not), Eli reports to Bo, Fay shares one hour with Ana,
    # Gil has capacity 0
    mentees = [
        _mentee("Bo"),
        _mentee("Cy"),
        _mentee("Dee", languages=["fr"]),
        _mentee("Eli", ancestors=("Bo",), goals={"excel": 3}),
        _mentee("Fay", availability=(Window(0, "11:00", "12:00"), Window(1, "09:00", "12:00"))),
        _mentee("Gil", capacity=0),
    ]
    rules = Rules(min_overlap_minutes=120)
    problem = Problem((_mentor("Ana", languages=["en", "fr"]),), tuple(mentees))
    # when
    result = form_circles(problem, CircleSpec((1, 1), (2, 4)), rules)
    # then
    (circle,) = result.circles
    assert circle.mentee_ids == ("Bo", "Cy")
    reasons = {person.id: person.explanation for person in result.unplaced}
    assert set(reasons) == {"Dee", "Eli", "Fay", "Gil"}
    gil, fay, eli, dee = reasons["Gil"], reasons["Fay"], reasons["Eli"], reasons["Dee"]
    assert gil is not None
    assert gil.code == "no_capacity"
    assert fay is not None
    assert fay.code == "ruled_out"
    assert fay.text == "No mentor has at least 120 minutes of shared weekly availability."
    assert eli is not None
    assert eli.code == "no_circle_fits"
    assert eli.text == "None of the 1 circle formed could take them: 1 has a member in their reporting line."
    assert eli.params["counts"] == {"full": 0, "pair_rules": 0, "reporting_line": 1, "language": 0, "availability": 0}
    assert dee is not None
    assert dee.text == "None of the 1 circle formed could take them: 1 shares no language with them."


def test_a_circle_below_the_minimum_is_not_formed_and_its_mentor_is_told() -> None:
    # given: two mentors, but only three mentees fit and a circle needs two of them
    problem = Problem((_mentor("Ana"), _mentor("Ben")), (_mentee("Bo"), _mentee("Cy"), _mentee("Dee")))
    # when
    result = form_circles(problem, CircleSpec((1, 1), (2, 3)))
    # then
    assert len(result.circles) == 1
    assert len(result.circles[0].mentee_ids) == 3
    (unplaced,) = result.unplaced
    assert unplaced.role == "mentor"
    assert unplaced.explanation is not None
    assert unplaced.explanation.code == "circle_not_formed"
    assert unplaced.reason == (
        "No circle around them reached the program's minimum of 2 mentees: "
        "the mentees who fit them are in circles that score higher, or do not fit together."
    )
    assert unplaced.explanation.params == {"mentors": 1, "mentees": 2}


def test_without_any_circle_a_mentee_hears_the_minimum_sizes() -> None:
    # given: Bo and Cy fit Ana, but not each other (Cy reports to Bo), and a circle needs two mentees
    problem = Problem((_mentor("Ana"),), (_mentee("Bo"), _mentee("Cy", ancestors=("Bo",))))
    # when
    result = form_circles(problem, CircleSpec((1, 1), (2, 3)))
    # then
    assert result.circles == ()
    reasons = {person.id: person.reason for person in result.unplaced}
    assert reasons["Bo"] == "No circle with them reached the program's minimum of 1 mentor and 2 mentees who all fit together."
    assert reasons["Ana"].startswith("No circle around them reached the program's minimum of 2 mentees")
    assert result.certificate.optimal
    assert result.total_score == 0


def test_junior_boards_keep_mentors_out_of_each_others_reporting_line() -> None:
    # given: Ben reports to Ana, so they cannot sit on one board
    problem = Problem(
        (_mentor("Ana"), _mentor("Ben", ancestors=("Ana",)), _mentor("Cat")),
        (_mentee("Bo"), _mentee("Cy")),
    )
    # when
    result = form_circles(problem, CircleSpec((2, 3), (1, 2)))
    # then
    assert len(result.circles) == 1
    assert not {"Ana", "Ben"} <= set(result.circles[0].mentor_ids)
    assert len(result.circles[0].mentor_ids) == 2
    assert result.certificate.optimal


def test_circle_spec_and_pinned_pairs_are_validated() -> None:
    # given
    problem = Problem((_mentor("Ana"),), (_mentee("Bo"),))
    # when / then
    with pytest.raises(ProblemError, match="mentees_per_circle"):
        CircleSpec(mentees_per_circle=(0, 3))
    with pytest.raises(ProblemError, match="pinned"):
        form_circles(problem, CircleSpec((1, 1), (1, 1)), Rules(pinned=frozenset({("Ana", "Bo")})))
