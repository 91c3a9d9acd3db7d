"""Hypothesis strategies for small matching problems, and a brute-force oracle to check them against."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from turnabout.engine import Participant, Problem, Rules, Taxonomy, Weights, Window
from turnabout.engine._features import encode
from turnabout.engine._rules import edge_feasible
from turnabout.engine._scoring import edge_scores, quantise

SKILLS = ("python", "excel", "ai", "tiktok", "storytelling")
INTERESTS = ("chess", "running", "jazz", "cooking")
VALUES = ("curiosity", "fairness", "courage")
LANGUAGES = ("en", "fr", "de")
DEPARTMENTS = ("Finance", "Sales", "Tech")
SITES = (("Paris", "Europe/Paris"), ("London", "Europe/London"), ("Mumbai", "Asia/Kolkata"), ("Austin", "America/Chicago"))
WINDOWS = (
    Window(0, "09:00", "11:00"),
    Window(1, "14:00", "16:30"),
    Window(2, "08:00", "12:00"),
    Window(3, "13:00", "18:00"),
    Window(4, "10:00", "10:45"),
)
TAXONOMY = Taxonomy(synonyms={"ai": ["machine-learning"]}, related={"python": ["ai"], "tiktok": ["storytelling"]})


@st.composite
def participants(draw: st.DrawFn, prefix: str, count: int, *, is_mentor: bool, max_capacity: int) -> list[Participant]:
    """``count`` participants with ids ``prefix0``, ``prefix1``, ...; mentors junior, mentees senior."""
    people = []
    for index in range(count):
        site, zone = draw(st.sampled_from(SITES))
        grade = draw(st.integers(1, 5) if is_mentor else st.integers(3, 9))
        levels = st.dictionaries(st.sampled_from((*SKILLS, "machine-learning")), st.integers(1, 5), max_size=3)
        people.append(
            Participant(
                id=f"{prefix}{index}",
                grade=grade,
                department=draw(st.sampled_from(DEPARTMENTS)),
                site=site,
                timezone=zone,
                languages=draw(st.sets(st.sampled_from(LANGUAGES), min_size=1, max_size=2)),
                skills=draw(levels) if is_mentor else {},
                goals={} if is_mentor else draw(levels),
                interests=draw(st.sets(st.sampled_from(INTERESTS), max_size=3)),
                values=draw(st.sets(st.sampled_from(VALUES), max_size=2)),
                availability=tuple(draw(st.lists(st.sampled_from(WINDOWS), max_size=3, unique=True))),
                diversity=draw(
                    st.fixed_dictionaries(
                        {}, optional={"generation": st.sampled_from(("x", "y", "z")), "career": st.sampled_from(("a", "b"))}
                    )
                ),
                capacity=draw(st.integers(0, max_capacity) if draw(st.booleans()) else st.just(1)),
                name=f"{'Mentor' if is_mentor else 'Mentee'} {index}",
            )
        )
    return people


@st.composite
def problems(draw: st.DrawFn, max_mentors: int = 7, max_mentees: int = 7, *, mentor_capacity: int = 1, mentee_capacity: int = 2) -> Problem:
    """A small problem; reporting lines link some mentees above some mentors and vice versa."""
    mentors = draw(participants("M", draw(st.integers(0, max_mentors)), is_mentor=True, max_capacity=mentor_capacity))
    mentees = draw(participants("E", draw(st.integers(0, max_mentees)), is_mentor=False, max_capacity=mentee_capacity))
    everyone = [person.id for person in mentors + mentees] + ["CEO"]
    linked = []
    for person in mentors + mentees:
        ancestors = draw(st.lists(st.sampled_from(everyone), max_size=2, unique=True).filter(lambda chain, me=person.id: me not in chain))
        linked.append(Participant(**{**_fields(person), "ancestors": tuple(ancestors)}))
    return Problem(mentors=tuple(linked[: len(mentors)]), mentees=tuple(linked[len(mentors) :]), taxonomy=TAXONOMY)


def _fields(person: Participant) -> dict[str, object]:
    return {name: getattr(person, name) for name in Participant.__dataclass_fields__}


@st.composite
def rules_for(draw: st.DrawFn, problem: Problem) -> Rules:
    """Rules with random switches and random forbidden and past pairs among the problem's people."""
    pairs = [(mentor.id, mentee.id) for mentor in problem.mentors for mentee in problem.mentees]
    forbidden = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if pairs else []
    past = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if pairs else []
    return Rules(
        min_grade_gap=draw(st.integers(1, 3)),
        forbid_same_department=draw(st.booleans()),
        require_shared_language=draw(st.booleans()),
        min_overlap_minutes=draw(st.sampled_from((0, 30, 60))),
        min_pair_score=draw(st.sampled_from((0.0, 0.0, 0.25, 0.4))),
        use_diversity=draw(st.booleans()),
        forbidden=forbidden,
        past_pairs=past,
    )


weights = st.builds(
    Weights,
    goals=st.floats(0.1, 1.0),
    common_ground=st.floats(0.0, 1.0),
    availability=st.floats(0.0, 1.0),
    boundaries=st.floats(0.0, 1.0),
    diversity=st.floats(0.0, 1.0),
    grade_gap=st.floats(0.0, 1.0),
    related_skill_credit=st.sampled_from((0.0, 0.5, 0.8)),
)


@dataclass(frozen=True)
class Oracle:
    """Every feasible pair of a problem with its exact integer weight, for brute force."""

    pairs: tuple[tuple[int, int, int], ...]  # (mentee row, mentor col, weight in millionths)
    mentee_capacity: tuple[int, ...]
    mentor_capacity: tuple[int, ...]

    @classmethod
    def of(cls, problem: Problem, rules: Rules, weights: Weights) -> Oracle:
        encoded = encode(problem, rules, weights)
        rows, cols = np.divmod(np.arange(encoded.n_mentees * encoded.n_mentors), max(1, encoded.n_mentors))
        feasible = edge_feasible(encoded, rows, cols)
        _contributions, scores = edge_scores(encoded, rows, cols)
        feasible &= scores >= rules.min_pair_score
        integer = quantise(scores)
        return cls(
            pairs=tuple((int(r), int(c), int(w)) for r, c, w, ok in zip(rows, cols, integer, feasible, strict=True) if ok),
            mentee_capacity=tuple(int(x) for x in encoded.mentees.capacity),
            mentor_capacity=tuple(int(x) for x in encoded.mentors.capacity),
        )

    def best(self, *, floor: int | None = None) -> tuple[int, int]:
        """Lexicographic maximum of (mentees matched, total weight) using pairs weighing at least ``floor``."""
        by_mentee: dict[int, list[tuple[int, int]]] = {}
        for row, col, weight in self.pairs:
            if floor is None or weight >= floor:
                by_mentee.setdefault(row, []).append((col, weight))
        mentees = sorted(by_mentee)

        @functools.cache
        def solve(position: int, room: tuple[int, ...]) -> tuple[int, int]:
            if position == len(mentees):
                return (0, 0)
            row = mentees[position]
            options = [(col, weight) for col, weight in by_mentee[row] if room[col] > 0]
            best = solve(position + 1, room)
            for size in range(1, self.mentee_capacity[row] + 1):
                for chosen in itertools.combinations(options, size):
                    left = list(room)
                    for col, _weight in chosen:
                        left[col] -= 1
                    count, total = solve(position + 1, tuple(left))
                    best = max(best, (count + 1, total + sum(weight for _col, weight in chosen)))
            return best

        return solve(0, self.mentor_capacity)

    def best_score(self) -> int:
        """Maximum total weight, ignoring how many mentees are matched."""
        by_mentee: dict[int, list[tuple[int, int]]] = {}
        for row, col, weight in self.pairs:
            by_mentee.setdefault(row, []).append((col, weight))
        mentees = sorted(by_mentee)

        @functools.cache
        def solve(position: int, room: tuple[int, ...]) -> int:
            if position == len(mentees):
                return 0
            row = mentees[position]
            options = [(col, weight) for col, weight in by_mentee[row] if room[col] > 0]
            best = solve(position + 1, room)
            for size in range(1, self.mentee_capacity[row] + 1):
                for chosen in itertools.combinations(options, size):
                    left = list(room)
                    for col, _weight in chosen:
                        left[col] -= 1
                    best = max(best, solve(position + 1, tuple(left)) + sum(weight for _col, weight in chosen))
            return best

        return solve(0, self.mentor_capacity)

    def best_fair(self) -> tuple[int, int | None, int]:
        """Lexicographic maximum of (mentees matched, worst pair weight, total weight)."""
        count, _total = self.best()
        if count == 0:
            return (0, None, 0)
        for floor in sorted({weight for _row, _col, weight in self.pairs}, reverse=True):
            at_floor, total = self.best(floor=floor)
            if at_floor == count:
                return (count, floor, total)
        raise AssertionError("unreachable: the lowest floor keeps every pair")
