"""Circles: groups of junior mentors and senior mentees, formed under the hard rules with a proven bound.

A circle has between ``mentors_per_circle[0]`` and ``mentors_per_circle[1]`` mentors and between
``mentees_per_circle[0]`` and ``mentees_per_circle[1]`` mentees; everyone is in at most one circle.

Objective
    The score of a circle is the sum of the pair scores (:mod:`turnabout.engine._scoring`) of every
    mentor–mentee pair inside it; the run maximises the total over all circles, in integer millionths.

Rules
    Every mentor–mentee pair inside a circle passes every pair rule (:mod:`turnabout.engine._rules`)
    and the minimum pair score. Across the whole circle: nobody is in another member's reporting line
    (mentor–mentor and mentee–mentee too), all members share at least one language (when the program
    requires a shared language), and all members have a common weekly window of at least
    ``min_overlap_minutes`` (when that rule is on). A participant with capacity 0 is in no circle;
    any other capacity means one circle.

Method
    The bound is the maximum-weight b-matching over the feasible pairs in which each mentor takes at
    most ``mentees_per_circle[1]`` mentees and each mentee at most ``mentors_per_circle[1]`` mentors
    (:func:`turnabout.engine._assignment.solve_assignment`, certified by its dual): every set of
    circles is such a matching, so no set of circles scores more. When every feasible circle can be
    listed (at most ``exact_up_to`` of them), OR-Tools CP-SAT packs them exactly and proves the optimum.
    Otherwise circles are seeded from that matching, repaired (members who break a circle-wide rule
    are left out, circles below the minimum are dissolved and their people placed elsewhere) and
    improved by moving and swapping mentees between circles; CP-SAT then packs the circles near that
    answer (each mentor group with its current, free and best-fitting mentees), and the local search
    polishes the packing. The result reports its gap to the bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from turnabout.engine._assignment import SolverError, solve_assignment
from turnabout.engine._explain import _hours, _join, label, pair_reasons, unmatched_reasons
from turnabout.engine._features import SLOT_MINUTES, Encoded, encode
from turnabout.engine._problem import Participant, Problem, ProblemError, Rules, Weights
from turnabout.engine._result import Reason, Unmatched
from turnabout.engine._rules import edge_feasible
from turnabout.engine._scoring import SCALE, edge_scores, quantise

__all__ = ["CIRCLE_REASON_CODES", "Circle", "CircleCertificate", "CircleMember", "CircleResult", "CircleSpec", "form_circles"]

# Codes of the reasons this module adds to the engine's: ``circle_fit`` on every member, the others on unplaced people.
CIRCLE_REASON_CODES = frozenset({"circle_fit", "no_circle_fits", "circle_not_formed"})

DEFAULT_EXACT_UP_TO = 20_000
_MAX_SIZE = 20
_PAIR_BLOCK = 2_000_000
_CANDIDATE_CIRCLES = 24  # circles a mentee is tried in during the local search, best first
_MAX_PASSES = 30
_VISITS_PER_CIRCLE = 10
_NEIGHBOURHOOD = 60_000  # circles offered to CP-SAT around the local search's answer
NO_PAIR = -1


@dataclass(frozen=True, slots=True)
class CircleSpec:
    """The sizes of a program's circles: inclusive ``(minimum, maximum)`` mentors and mentees per circle.

    Examples
    --------
    >>> CircleSpec(mentors_per_circle=(1, 1), mentees_per_circle=(3, 5)).mentees_per_circle
    (3, 5)
    >>> CircleSpec(mentees_per_circle=(4, 2))
    Traceback (most recent call last):
    ...
    turnabout.engine._problem.ProblemError: mentees_per_circle: (4, 2) is not (minimum, maximum) with 1 <= minimum <= maximum <= 20
    """

    mentors_per_circle: tuple[int, int] = (1, 1)
    mentees_per_circle: tuple[int, int] = (3, 5)

    def __post_init__(self) -> None:
        for name in ("mentors_per_circle", "mentees_per_circle"):
            value = getattr(self, name)
            if (
                not isinstance(value, tuple | list)
                or len(value) != 2
                or any(isinstance(part, bool) or not isinstance(part, int) for part in value)
                or not 1 <= value[0] <= value[1] <= _MAX_SIZE
            ):
                shown = tuple(value) if isinstance(value, list) else value
                raise ProblemError(f"{shown!r} is not (minimum, maximum) with 1 <= minimum <= maximum <= {_MAX_SIZE}", field=name)
            object.__setattr__(self, name, (int(value[0]), int(value[1])))


@dataclass(frozen=True, slots=True)
class CircleMember:
    """One member's place in a circle: ``score`` is the sum of their pair scores with the other side of the circle."""

    id: str
    role: Literal["mentor", "mentee"]
    score: float
    explanations: tuple[Reason, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(reason.text for reason in self.explanations)


@dataclass(frozen=True, slots=True)
class Circle:
    """A circle: its mentors and mentees, its score (the sum of its mentor–mentee pair scores) and why each member is there."""

    mentor_ids: tuple[str, ...]
    mentee_ids: tuple[str, ...]
    score: float
    languages: tuple[str, ...]
    common_minutes: int
    members: tuple[CircleMember, ...]


@dataclass(frozen=True, slots=True)
class CircleCertificate:
    """The total against an upper bound: ``optimal`` when ``gap`` (``upper_bound - objective``) is 0 to the millionth."""

    optimal: bool
    objective: float
    upper_bound: float
    gap: float
    method: str


@dataclass(frozen=True, slots=True)
class CircleResult:
    """Circles, unplaced people with a reason each, the total score and its certificate."""

    circles: tuple[Circle, ...]
    unplaced: tuple[Unmatched, ...]
    total_score: float
    certificate: CircleCertificate
    seconds: dict[str, float] = field(default_factory=dict)


class _Instance:
    """Pair weights, and per person (mentors ``0..m-1``, then mentees) language and slot bitmasks and conflicts."""

    def __init__(self, encoded: Encoded, spec: CircleSpec) -> None:
        self.encoded = encoded
        self.spec = spec
        problem, rules = encoded.problem, encoded.rules
        self.m, self.e = encoded.n_mentors, encoded.n_mentees
        self.weight = _pair_weights(encoded)  # (mentors, mentees) millionths, NO_PAIR when not allowed
        self.need_language = rules.require_shared_language
        self.need_slots = -(-rules.min_overlap_minutes // SLOT_MINUTES) if rules.min_overlap_minutes else 0
        self.language = [_as_int(row) for row in encoded.mentors.languages] + [_as_int(row) for row in encoded.mentees.languages]
        self.slots = [_as_int(row) for row in encoded.mentors.slots] + [_as_int(row) for row in encoded.mentees.slots]
        people: list[Participant] = [*problem.mentors, *problem.mentees]
        self.people = people
        by_id: dict[str, list[int]] = {}
        for index, person in enumerate(people):
            by_id.setdefault(person.id, []).append(index)
        self.conflicts: list[set[int]] = [set() for _ in people]
        for index, person in enumerate(people):
            for ancestor in person.ancestors:
                for other in by_id.get(ancestor, ()):
                    self.conflicts[index].add(other)
                    self.conflicts[other].add(index)
        self.usable = [person.capacity > 0 for person in people]

    def fits_group(self, members: Sequence[int]) -> bool:
        """Whether ``members`` (unified indices) satisfy the circle-wide rules and every pair rule between sides."""
        language, slots = -1, -1
        for position, x in enumerate(members):
            if not self.usable[x] or self.conflicts[x].intersection(members[:position]):
                return False
            language &= self.language[x]
            slots &= self.slots[x]
        mentors = [x for x in members if x < self.m]
        mentees = [x - self.m for x in members if x >= self.m]
        if mentors and mentees and (self.weight[np.ix_(mentors, mentees)] < 0).any():
            return False
        return self.window_ok(language, slots)

    def window_ok(self, language: int, slots: int) -> bool:
        return (not self.need_language or language != 0) and (not self.need_slots or slots.bit_count() >= self.need_slots)


def _as_int(words: np.ndarray) -> int:
    return int.from_bytes(np.ascontiguousarray(words, dtype=np.uint64).tobytes(), "little")


def _pair_weights(encoded: Encoded) -> np.ndarray:
    m, e = encoded.n_mentors, encoded.n_mentees
    weight = np.full((m, e), NO_PAIR, dtype=np.int64)
    if m == 0 or e == 0:
        return weight
    step = max(1, _PAIR_BLOCK // m)
    for first in range(0, e, step):
        rows = np.repeat(np.arange(first, min(first + step, e)), m)
        cols = np.tile(np.arange(m), len(rows) // m)
        feasible = edge_feasible(encoded, rows, cols)
        rows, cols = rows[feasible], cols[feasible]
        _contributions, scores = edge_scores(encoded, rows, cols)
        keep = scores >= encoded.rules.min_pair_score
        weight[cols[keep], rows[keep]] = quantise(scores[keep])
    return weight


class _Circle:
    """A circle being built: mentors and mentees (side indices), their common language and slot masks, and its weight."""

    __slots__ = ("language", "mentees", "mentors", "slots", "weight")

    def __init__(self, instance: _Instance, mentors: list[int]) -> None:
        self.mentors = mentors
        self.mentees: list[int] = []
        self.weight = 0
        self.language, self.slots = -1, -1
        for j in mentors:
            self.language &= instance.language[j]
            self.slots &= instance.slots[j]

    def refresh(self, instance: _Instance) -> None:
        self.language, self.slots = -1, -1
        for x in self.members(instance):
            self.language &= instance.language[x]
            self.slots &= instance.slots[x]

    def members(self, instance: _Instance) -> list[int]:
        return [*self.mentors, *(instance.m + i for i in self.mentees)]


class _Search:
    """The heuristic: circles around fixed mentor groups, mentees placed, repaired and improved."""

    def __init__(self, instance: _Instance, groups: list[list[int]], deadline: float) -> None:
        self.instance = instance
        self.deadline = deadline
        self.circles = [_Circle(instance, group) for group in groups]
        weight = instance.weight
        # gain[c, i]: what mentee i adds to circle c (the sum of its pair weights with c's mentors), NO_PAIR when one is not allowed.
        gain = np.zeros((len(groups), instance.e), dtype=np.int64)
        for c, group in enumerate(groups):
            rows = weight[group]
            gain[c] = np.where((rows >= 0).all(axis=0), rows.sum(axis=0), NO_PAIR)
        mentee_ok = np.array(instance.usable[instance.m :], dtype=bool)
        gain[:, ~mentee_ok] = NO_PAIR
        self.gain = gain
        self.place = np.full(instance.e, -1, dtype=np.int64)  # circle of each mentee, -1 when unplaced
        limit = min(_CANDIDATE_CIRCLES, len(groups))
        self.options: list[list[int]] = []
        for i in range(instance.e):
            column = gain[:, i]
            order = np.lexsort((np.arange(len(groups)), -column))[:limit]
            self.options.append([int(c) for c in order if column[c] >= 0])

    def fits(self, c: int, i: int, without: int = -1) -> bool:
        """Whether mentee ``i`` may join circle ``c`` (after mentee ``without`` leaves it)."""
        instance, circle = self.instance, self.circles[c]
        if self.gain[c, i] < 0:
            return False
        x = instance.m + i
        conflicts = instance.conflicts[x]
        if any(j in conflicts for j in circle.mentors):
            return False
        language, slots = instance.language[x], instance.slots[x]
        for j in circle.mentors:
            language &= instance.language[j]
            slots &= instance.slots[j]
        for k in circle.mentees:
            if k == without:
                continue
            if instance.m + k in conflicts:
                return False
            language &= instance.language[instance.m + k]
            slots &= instance.slots[instance.m + k]
        return instance.window_ok(language, slots)

    def room(self, c: int) -> bool:
        return len(self.circles[c].mentees) < self.instance.spec.mentees_per_circle[1]

    def add(self, c: int, i: int) -> None:
        circle = self.circles[c]
        circle.mentees.append(i)
        circle.weight += int(self.gain[c, i])
        self.place[i] = c

    def remove(self, i: int) -> None:
        c = int(self.place[i])
        circle = self.circles[c]
        circle.mentees.remove(i)
        circle.weight -= int(self.gain[c, i])
        self.place[i] = -1

    def seed(self, suggested: list[tuple[int, int]]) -> None:
        """Place the matching's (circle, mentee) suggestions, best first, where they fit."""
        for c, i in sorted(suggested, key=lambda item: (-int(self.gain[item[0], item[1]]), item[0], item[1])):
            if self.place[i] < 0 and self.room(c) and self.fits(c, i):
                self.add(c, i)

    def insert_unplaced(self, alive: set[int]) -> None:
        """Place every unplaced mentee in the best circle that has room and fits, best gain first."""
        moves = [(-int(self.gain[c, i]), c, i) for i in range(self.instance.e) if self.place[i] < 0 for c in self.options[i] if c in alive]
        for _negative, c, i in sorted(moves):
            if self.place[i] < 0 and self.room(c) and self.fits(c, i):
                self.add(c, i)

    def enforce_minimum(self, alive: set[int]) -> None:
        """Dissolve circles below the minimum, smallest and weakest first, placing their mentees elsewhere."""
        minimum = self.instance.spec.mentees_per_circle[0]
        while True:
            self.insert_unplaced(alive)
            small = [c for c in alive if len(self.circles[c].mentees) < minimum]
            if not small:
                return
            c = min(small, key=lambda c: (len(self.circles[c].mentees), self.circles[c].weight, c))
            for i in list(self.circles[c].mentees):
                self.remove(i)
            alive.discard(c)

    def improve(self, alive: set[int]) -> None:
        """Move and swap mentees while the total rises (each move raises it by at least one millionth)."""
        minimum = self.instance.spec.mentees_per_circle[0]
        for _pass in range(_MAX_PASSES):
            improved = False
            for i in range(self.instance.e):
                if time.monotonic() > self.deadline:
                    return
                a = int(self.place[i])
                here = int(self.gain[a, i]) if a >= 0 else 0
                for b in self.options[i]:
                    if b == a or b not in alive or (int(self.gain[b, i]) <= here and a >= 0):
                        continue
                    if self.room(b) and (a < 0 or len(self.circles[a].mentees) > minimum) and self.fits(b, i):
                        if a >= 0:
                            self.remove(i)
                        self.add(b, i)
                        improved = True
                        break
                    if self._swap(i, a, b):
                        improved = True
                        break
            if not improved:
                return

    def _swap(self, i: int, a: int, b: int) -> bool:
        here = int(self.gain[a, i]) if a >= 0 else 0
        best: tuple[int, int] | None = None
        for k in self.circles[b].mentees:
            there = int(self.gain[a, k]) if a >= 0 else 0
            if a >= 0 and there < 0:
                continue
            delta = int(self.gain[b, i]) - int(self.gain[b, k]) + there - here
            if delta > 0 and (best is None or delta > best[0]) and self.fits(b, i, without=k) and (a < 0 or self.fits(a, k, without=i)):
                best = (delta, k)
        if best is None:
            return False
        k = best[1]
        if a >= 0:
            self.remove(i)
        self.remove(k)
        self.add(b, i)
        if a >= 0:
            self.add(a, k)
        return True


def form_circles(
    problem: Problem,
    spec: CircleSpec | None = None,
    rules: Rules | None = None,
    weights: Weights | None = None,
    *,
    time_limit: float = 30.0,
    exact_up_to: int = DEFAULT_EXACT_UP_TO,
    explain: bool = True,
) -> CircleResult:
    """Form circles of mentors and mentees that maximise the total circle score under the hard rules.

    Parameters
    ----------
    problem : Problem
        Mentors (juniors) and mentees (senior leaders).
    spec : CircleSpec, optional
        Sizes of the circles; one mentor with three to five mentees by default.
    rules, weights : Rules, Weights, optional
        As for :func:`turnabout.engine.solve`; pinned pairs are not used by circles.
    time_limit : float
        About the seconds for CP-SAT (exact method; CP-SAT's deterministic time) or for the local search and
        CP-SAT together (large problems); the bound is proven either way.
    exact_up_to : int
        Largest number of feasible circles that are listed and packed exactly by CP-SAT.
    explain : bool
        Whether members and unplaced people get their reasons.

    Returns
    -------
    CircleResult

    Examples
    --------
    >>> from turnabout.engine import Participant, Problem, Rules
    >>> mentors = [Participant("M1", grade=1, languages=["en"], skills={"ai": 5})]
    >>> mentees = [Participant(f"E{k}", grade=6, languages=["en"], goals={"ai": 4}) for k in range(3)]
    >>> result = form_circles(Problem(mentors, mentees), CircleSpec((1, 1), (2, 3)), Rules(min_overlap_minutes=0))
    >>> [(c.mentor_ids, c.mentee_ids) for c in result.circles], result.certificate.optimal
    ([(('M1',), ('E0', 'E1', 'E2'))], True)
    """
    started = time.perf_counter()
    spec = spec or CircleSpec()
    rules = rules or Rules()
    weights = weights or Weights()
    if rules.pinned:
        raise ProblemError("pinned pairs are not used when forming circles", field="pinned")
    if not isinstance(spec, CircleSpec):
        raise ProblemError(f"{spec!r} is not a CircleSpec", field="spec")
    encoded = encode(problem, rules, weights)
    instance = _Instance(encoded, spec)
    seconds: dict[str, float] = {"prepare": time.perf_counter() - started}

    stage = time.perf_counter()
    bound = _matching_bound(instance)
    seconds["bound"] = time.perf_counter() - stage

    stage = time.perf_counter()
    listed = _feasible_circles(instance, exact_up_to)
    if listed is not None:
        chosen, upper, proven = _pack(instance, listed, time_limit)
        upper = min(upper, bound.upper_bound)
        method = f"all {len(listed)} feasible circles packed by CP-SAT" + (
            ", proven optimal" if proven else f"; bound is the smaller of CP-SAT's and the b-matching's (stopped after {time_limit:g} s)"
        )
        circles = [(list(mentors), list(mentees)) for mentors, mentees, _weight in (listed[k] for k in chosen)]
    else:
        circles = _heuristic(instance, bound, time_limit)
        upper = bound.upper_bound
        method = (
            "b-matching bound (mentor capacity = largest circle, mentee capacity = largest mentor group); "
            "circles by seeded local search and CP-SAT over the circles near it"
        )
    _seat_spare(instance, circles)
    seconds["circles"] = time.perf_counter() - stage

    stage = time.perf_counter()
    circles.sort(key=lambda circle: (min(circle[0]), sorted(circle[1])))
    objective = sum(_circle_weight(instance, mentors, mentees) for mentors, mentees in circles)
    if upper < objective:
        raise SolverError(f"the circles' total {objective} is above the upper bound {upper}")
    built = tuple(_describe(instance, mentors, mentees, explain=explain) for mentors, mentees in circles)
    unplaced = _unplaced(instance, circles, explain=explain)
    seconds["explain"] = time.perf_counter() - stage
    certificate = CircleCertificate(
        optimal=objective == upper,
        objective=objective / SCALE,
        upper_bound=upper / SCALE,
        gap=(upper - objective) / SCALE,
        method=method,
    )
    seconds["total"] = time.perf_counter() - started
    return CircleResult(circles=built, unplaced=unplaced, total_score=objective / SCALE, certificate=certificate, seconds=seconds)


@dataclass(frozen=True)
class _Bound:
    upper_bound: int
    pairs: list[tuple[int, int]]  # (mentor, mentee) pairs of the optimal b-matching


def _matching_bound(instance: _Instance) -> _Bound:
    cols, rows = np.nonzero(instance.weight >= 0)
    if len(rows) == 0:
        return _Bound(0, [])
    spec = instance.spec
    usable = np.array(instance.usable, dtype=bool)
    mentor_capacity = np.where(usable[: instance.m], spec.mentees_per_circle[1], 0)
    mentee_capacity = np.where(usable[instance.m :], spec.mentors_per_circle[1], 0)
    assignment = solve_assignment(rows, cols, instance.weight[cols, rows], mentee_capacity, mentor_capacity)
    chosen = assignment.chosen
    return _Bound(int(assignment.upper_bound), [(int(j), int(i)) for j, i in zip(cols[chosen], rows[chosen], strict=True)])


def _seat_spare(instance: _Instance, circles: list[tuple[list[int], list[int]]]) -> None:
    """Seat everyone left out in the circle with room that they fit and that gains most from them (in place).

    Pair scores are never negative, so each seat keeps or raises the total; afterwards nobody unplaced fits a
    circle with room, which the unplaced reasons rely on.
    """
    high_m, high_e = instance.spec.mentors_per_circle[1], instance.spec.mentees_per_circle[1]
    placed = {j for mentors, _mentees in circles for j in mentors} | {instance.m + i for _mentors, mentees in circles for i in mentees}
    for x in range(instance.m + instance.e):
        if x in placed or not instance.usable[x]:
            continue
        best: tuple[int, int] | None = None
        for c, (mentors, mentees) in enumerate(circles):
            if x < instance.m:
                row = instance.weight[x, mentees]
                room = len(mentors) < high_m
            else:
                row = instance.weight[mentors, x - instance.m]
                room = len(mentees) < high_e
            if not room or (row < 0).any() or not instance.fits_group([x, *mentors, *(instance.m + i for i in mentees)]):
                continue
            if best is None or int(row.sum()) > best[0]:
                best = (int(row.sum()), c)
        if best is not None:
            mentors, mentees = circles[best[1]]
            if x < instance.m:
                mentors.append(x)
            else:
                mentees.append(x - instance.m)
            placed.add(x)


def _circle_weight(instance: _Instance, mentors: Sequence[int], mentees: Sequence[int]) -> int:
    return int(instance.weight[np.ix_(list(mentors), list(mentees))].sum())


def _extend(
    instance: _Instance, pool: Sequence[int], start: int, chosen: list[int], language: int, slots: int, largest: int
) -> Iterator[tuple[list[int], int, int]]:
    """Every extension of ``chosen`` by up to ``largest`` members of ``pool[start:]`` keeping the circle-wide rules (one side)."""
    if len(chosen) >= largest:
        return
    for position in range(start, len(pool)):
        x = pool[position]
        if instance.conflicts[x].intersection(chosen):
            continue
        next_language, next_slots = language & instance.language[x], slots & instance.slots[x]
        if not instance.window_ok(next_language, next_slots):
            continue
        chosen.append(x)
        yield chosen, next_language, next_slots
        yield from _extend(instance, pool, position + 1, chosen, next_language, next_slots, largest)
        chosen.pop()


def _feasible_circles(instance: _Instance, limit: int) -> list[tuple[tuple[int, ...], tuple[int, ...], int]] | None:
    """Every feasible circle (mentor indices, mentee indices, weight), or None when listing them would pass ``limit``.

    Partial circles visited count against ``_VISITS_PER_CIRCLE * limit`` too, so giving up is quick.
    """
    low_m, high_m = instance.spec.mentors_per_circle
    low, high = instance.spec.mentees_per_circle
    mentors = [j for j in range(instance.m) if instance.usable[j] and (instance.weight[j] >= 0).sum() >= low]
    found: list[tuple[tuple[int, ...], tuple[int, ...], int]] = []
    visits = 0
    budget = _VISITS_PER_CIRCLE * limit
    for group_list, language, slots in _extend(instance, mentors, 0, [], -1, -1, high_m):
        visits += 1
        if visits > budget:
            return None
        if len(group_list) < low_m:
            continue
        group = list(group_list)
        allowed = (instance.weight[group] >= 0).all(axis=0)
        pool = [instance.m + int(i) for i in np.flatnonzero(allowed) if not instance.conflicts[instance.m + int(i)].intersection(group)]
        if len(pool) < low:
            continue
        for members, _language, _slots in _extend(instance, pool, 0, [], language, slots, high):
            visits += 1
            if visits > budget:
                return None
            if len(members) >= low:
                mentees = tuple(x - instance.m for x in members)
                found.append((tuple(group), mentees, _circle_weight(instance, group, mentees)))
                if len(found) > limit:
                    return None
    return found


def _pack(
    instance: _Instance, listed: list[tuple[tuple[int, ...], tuple[int, ...], int]], time_limit: float, hint: Sequence[int] = ()
) -> tuple[list[int], int, bool]:
    """The best set of disjoint circles by CP-SAT: chosen indices, an upper bound and whether it is proven optimal.

    CP-SAT runs on one worker with a fixed seed and a deterministic time limit (its own work units, about
    seconds), so the same input gives the same circles; a wall-clock limit of three times as long is a safety net.
    """
    if not listed:
        return [], 0, True
    from ortools.sat.python import cp_model  # deferred: heavy, and only a circles solve needs it

    model = cp_model.CpModel()
    use = [model.new_bool_var(f"c{k}") for k in range(len(listed))]
    by_person: dict[int, list[int]] = {}
    for k, (mentors, mentees, _weight) in enumerate(listed):
        for x in (*mentors, *(instance.m + i for i in mentees)):
            by_person.setdefault(x, []).append(k)
    for person in sorted(by_person):
        if len(by_person[person]) > 1:
            model.add_at_most_one(use[k] for k in by_person[person])
    model.maximize(sum(weight * use[k] for k, (_mentors, _mentees, weight) in enumerate(listed)))
    hinted = set(hint)
    if hinted:
        for k in range(len(listed)):
            model.add_hint(use[k], k in hinted)
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = max(0.1, time_limit)
    solver.parameters.max_time_in_seconds = max(0.3, 3 * time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(hint), sum(max(0, weight) for *_rest, weight in listed), False
    chosen = [k for k in range(len(listed)) if solver.boolean_value(use[k])]
    objective = sum(listed[k][2] for k in chosen)
    if status == cp_model.OPTIMAL:
        return chosen, objective, True
    return chosen, max(objective, int(np.floor(solver.best_objective_bound + 1e-6))), False


def _heuristic(instance: _Instance, bound: _Bound, time_limit: float) -> list[tuple[list[int], list[int]]]:
    """Seeded local search, then CP-SAT over the circles near it (each group with its best mentees), then local search again."""
    low_e = instance.spec.mentees_per_circle[0]
    mentors = [j for j in range(instance.m) if instance.usable[j] and (instance.weight[j] >= 0).sum() >= low_e]
    by_mentor: dict[int, list[int]] = {}
    for j, i in bound.pairs:
        by_mentor.setdefault(j, []).append(i)
    groups = _group_mentors(instance, mentors, by_mentor)
    deadline = time.monotonic() + time_limit
    circles = _settle(instance, groups, [(j, i) for j, i in bound.pairs], mentors, deadline)
    columns = _neighbourhood(instance, [*groups, *(list(m) for m, _e in circles)], circles)
    current = {(tuple(sorted(a)), tuple(sorted(b))) for a, b in circles}
    hint = [k for k, (m, e, _w) in enumerate(columns) if (m, e) in current]
    chosen, _upper, _proven = _pack(instance, columns, time_limit / 2, hint)
    packed = [(list(columns[k][0]), list(columns[k][1])) for k in chosen]
    if sum(columns[k][2] for k in chosen) <= sum(_circle_weight(instance, m, e) for m, e in circles):
        return circles
    pairs = [(j, i) for m, e in packed for j in m for i in e]
    polished = _settle(instance, [m for m, _e in packed], pairs, mentors, time.monotonic() + time_limit / 2)
    better = sum(_circle_weight(instance, m, e) for m, e in polished) >= sum(columns[k][2] for k in chosen)
    return polished if better else packed


def _settle(
    instance: _Instance, groups: list[list[int]], pairs: list[tuple[int, int]], mentors: list[int], deadline: float
) -> list[tuple[list[int], list[int]]]:
    """Circles around ``groups`` seeded with the (mentor, mentee) ``pairs``, repaired and improved; spare mentors try new circles."""
    search = _Search(instance, groups, deadline)
    group_of = {j: c for c, group in enumerate(groups) for j in group}
    search.seed([(group_of[j], i) for j, i in pairs if j in group_of])
    alive = set(range(len(groups)))
    search.enforce_minimum(alive)
    search.improve(alive)
    search.enforce_minimum(alive)
    circles = [(list(search.circles[c].mentors), list(search.circles[c].mentees)) for c in sorted(alive)]
    # Mentors whose circle did not form get another chance with the mentees still free.
    taken = {j for mentors_, _mentees in circles for j in mentors_}
    placed = {i for _mentors, mentees in circles for i in mentees}
    free = [i for i in range(instance.e) if i not in placed and instance.usable[instance.m + i]]
    spare = [j for j in mentors if j not in taken]
    circles += _greedy_new_circles(instance, spare, free)
    return circles


def _neighbourhood(
    instance: _Instance, groups: list[list[int]], circles: list[tuple[list[int], list[int]]]
) -> list[tuple[tuple[int, ...], tuple[int, ...], int]]:
    """The given circles and the feasible circles of each mentor group drawn from a pool: its current mentees,
    the mentees still free who fit it best and its best-fitting mentees overall (the pools sized to keep the
    count near ``_NEIGHBOURHOOD``)."""
    low, high = instance.spec.mentees_per_circle
    unique = sorted({tuple(sorted(group)) for group in groups})
    placed = {i for _mentors, mentees in circles for i in mentees}
    current: dict[tuple[int, ...], list[int]] = {tuple(sorted(m)): sorted(e) for m, e in circles}
    found: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
    for mentors_, mentees_ in circles:
        key = (tuple(sorted(mentors_)), tuple(sorted(mentees_)))
        found[key] = _circle_weight(instance, *key)
    ranked: dict[tuple[int, ...], tuple[list[int], int, int]] = {}
    for group in unique:
        rows = instance.weight[list(group)]
        gains = np.where((rows >= 0).all(axis=0), rows.sum(axis=0), NO_PAIR)
        language, slots = -1, -1
        for j in group:
            language &= instance.language[j]
            slots &= instance.slots[j]
        order = [
            int(i)
            for i in np.lexsort((np.arange(instance.e), -gains))
            if gains[i] >= 0
            and instance.usable[instance.m + int(i)]
            and not instance.conflicts[instance.m + int(i)].intersection(group)
            and instance.window_ok(language & instance.language[instance.m + int(i)], slots & instance.slots[instance.m + int(i)])
        ]
        ranked[group] = (order, language, slots)
    size = high
    for candidate in range(high, 16):
        if len(unique) * sum(math.comb(candidate + high, k) for k in range(low, high + 1)) > _NEIGHBOURHOOD:
            break
        size = candidate
    for group in unique:
        order, language, slots = ranked[group]
        free = [i for i in order if i not in placed][: max(1, size // 3)]
        chosen = list(dict.fromkeys([*current.get(group, []), *free, *order]))[: size + high]
        pool = [instance.m + i for i in sorted(chosen)]
        for members, _language, _slots in _extend(instance, pool, 0, [], language, slots, high):
            if len(members) >= low:
                key = (group, tuple(x - instance.m for x in members))
                found.setdefault(key, _circle_weight(instance, *key))
    return [(mentors_, mentees_, weight) for (mentors_, mentees_), weight in sorted(found.items())]


def _group_mentors(instance: _Instance, mentors: list[int], by_mentor: dict[int, list[int]]) -> list[list[int]]:
    """Mentor groups of the allowed sizes: alone when circles have one mentor, else built greedily around the matching."""
    low, high = instance.spec.mentors_per_circle
    if high == 1:
        return [[j] for j in mentors]
    weight = instance.weight
    value = {j: int(weight[j, by_mentor.get(j, [])].sum()) for j in mentors}
    order = sorted(mentors, key=lambda j: (-value[j], j))
    free = set(mentors)
    groups: list[list[int]] = []
    for seed in order:
        if seed not in free:
            continue
        group = [seed]
        free.discard(seed)
        while len(group) < high:
            wanted = sorted({i for j in group for i in by_mentor.get(j, [])})
            best: tuple[int, int] | None = None
            for j in sorted(free):
                if not instance.fits_group([*group, j]):
                    continue
                row = weight[j, wanted] if wanted else np.zeros(0, dtype=np.int64)
                together = int(np.where(row >= 0, row, 0).sum()) + int((row >= 0).sum()) * SCALE
                if best is None or together > best[0]:
                    best = (together, j)
            if best is None:
                break
            group.append(best[1])
            free.discard(best[1])
        if len(group) >= low:
            groups.append(sorted(group))
        else:
            free.update(group[1:])
    return groups


def _greedy_new_circles(instance: _Instance, spare: list[int], free: list[int]) -> list[tuple[list[int], list[int]]]:
    """Circles around spare mentor groups from the free mentees, best pair first; kept when they reach the minimum."""
    low, high = instance.spec.mentees_per_circle
    circles: list[tuple[list[int], list[int]]] = []
    free_set = set(free)
    for group, language, slots in _spare_groups(instance, spare):
        if not free_set or any(j in {x for c in circles for x in c[0]} for j in group):
            continue
        rows = instance.weight[group]
        gains = np.where((rows >= 0).all(axis=0), rows.sum(axis=0), NO_PAIR)
        pool = sorted((i for i in free_set if gains[i] >= 0), key=lambda i: (-int(gains[i]), i))
        chosen: list[int] = []
        members = list(group)
        for i in pool:
            x = instance.m + i
            if len(chosen) == high:
                break
            if instance.conflicts[x].intersection(members) or not instance.window_ok(
                language & instance.language[x], slots & instance.slots[x]
            ):
                continue
            chosen.append(i)
            members.append(x)
            language &= instance.language[x]
            slots &= instance.slots[x]
        if len(chosen) >= low:
            circles.append((list(group), chosen))
            free_set.difference_update(chosen)
    return circles


def _spare_groups(instance: _Instance, spare: list[int]) -> Iterator[tuple[list[int], int, int]]:
    low, high = instance.spec.mentors_per_circle
    if high == 1:
        for j in spare:
            yield [j], instance.language[j], instance.slots[j]
        return
    used: set[int] = set()
    for seed in spare:
        if seed in used:
            continue
        group = [seed]
        for j in spare:
            if j not in used and j not in group and len(group) < high and instance.fits_group([*group, j]):
                group.append(j)
        if len(group) >= low:
            used.update(group)
            language, slots = -1, -1
            for j in group:
                language &= instance.language[j]
                slots &= instance.slots[j]
            yield sorted(group), language, slots


def _languages(people: Sequence[Participant]) -> list[str]:
    common = frozenset(people[0].languages)
    for person in people[1:]:
        common &= frozenset(person.languages)
    return sorted(common)


def _describe(instance: _Instance, mentors: list[int], mentees: list[int], *, explain: bool) -> Circle:
    """A circle with its languages, common window and every member's reasons."""
    problem, encoded = instance.encoded.problem, instance.encoded
    mentors, mentees = sorted(mentors), sorted(mentees)
    people = [instance.people[x] for x in (*mentors, *(instance.m + i for i in mentees))]
    slots = -1
    for x in (*mentors, *(instance.m + i for i in mentees)):
        slots &= instance.slots[x]
    minutes = slots.bit_count() * SLOT_MINUTES
    languages = _languages(people)
    weight = instance.weight
    members: list[CircleMember] = []
    mentees_sorted, mentors_sorted = sorted(mentees), sorted(mentors)
    for side, own, others in (("mentor", mentors_sorted, mentees_sorted), ("mentee", mentees_sorted, mentors_sorted)):
        for x in own:
            row = weight[x, others] if side == "mentor" else weight[others, x]
            person = problem.mentors[x] if side == "mentor" else problem.mentees[x]
            reasons: tuple[Reason, ...] = ()
            if explain:
                best = others[int(np.argmax(row))]
                mentor_col, mentee_row = (x, best) if side == "mentor" else (best, x)
                contributions, _scores = edge_scores(encoded, np.array([mentee_row]), np.array([mentor_col]))
                fit = _fit_reason(instance, person, [p for p in people if p is not person], languages, minutes)
                reasons = (fit, *pair_reasons(encoded, mentee_row, mentor_col, contributions[0]))
            members.append(
                CircleMember(
                    id=person.id, role="mentor" if side == "mentor" else "mentee", score=int(row.sum()) / SCALE, explanations=reasons
                )
            )
    return Circle(
        mentor_ids=tuple(problem.mentors[j].id for j in mentors_sorted),
        mentee_ids=tuple(problem.mentees[i].id for i in mentees_sorted),
        score=_circle_weight(instance, mentors, mentees) / SCALE,
        languages=tuple(languages),
        common_minutes=minutes,
        members=tuple(members),
    )


def _fit_reason(instance: _Instance, person: Participant, others: list[Participant], languages: list[str], minutes: int) -> Reason:
    """``circle_fit``: who else is in the circle and the rules it keeps for everyone.

    Params: ``member`` (display name), ``others`` (display names), ``languages`` (shared by all, as words),
    ``minutes`` (the whole circle's common weekly time).
    """
    names = [other.display_name for other in others]
    clauses = ["nobody is in anyone else's reporting line"]
    if languages:
        clauses.insert(0, f"everyone speaks {_join([label(x) for x in languages])}")
    if minutes:
        clauses.append(f"all {len(others) + 1} are free together {_hours(minutes)} a week")
    text = f"{person.display_name} is in a circle with {_join(names)}: {_join(clauses)}."
    params = {"member": person.display_name, "others": names, "languages": [label(x) for x in languages], "minutes": minutes}
    return Reason("circle_fit", text, params)


_BLOCKERS = (
    ("full", "are full"),
    ("pair_rules", "have a member they may not be paired with under the program's rules"),
    ("reporting_line", "have a member in their reporting line"),
    ("language", "share no language with them"),
    ("availability", "have no common weekly window of {minutes} minutes with them"),
)


def _blocker(instance: _Instance, mentors: list[int], mentees: list[int], x: int) -> str:
    """The first rule (in ``_BLOCKERS`` order) that keeps person ``x`` out of a circle."""
    is_mentor = x < instance.m
    spec = instance.spec
    if (is_mentor and len(mentors) >= spec.mentors_per_circle[1]) or (not is_mentor and len(mentees) >= spec.mentees_per_circle[1]):
        return "full"
    weight = instance.weight
    if (weight[x, mentees] < 0).any() if is_mentor else (weight[mentors, x - instance.m] < 0).any():
        return "pair_rules"
    members = [*mentors, *(instance.m + i for i in mentees)]
    if instance.conflicts[x].intersection(members):
        return "reporting_line"
    language, slots = instance.language[x], instance.slots[x]
    for y in members:
        language &= instance.language[y]
        slots &= instance.slots[y]
    if instance.need_language and language == 0:
        return "language"
    if instance.window_ok(language, slots):
        # Unreachable after _seat_spare, which seats anyone who fits a circle with room.
        raise SolverError(f"participant {x} fits a circle with room but was left out")
    return "availability"


def _unplaced(instance: _Instance, circles: list[tuple[list[int], list[int]]], *, explain: bool) -> tuple[Unmatched, ...]:
    encoded = instance.encoded
    placed = {j for mentors, _mentees in circles for j in mentors} | {instance.m + i for _mentors, mentees in circles for i in mentees}
    people = [x for x in range(instance.m + instance.e) if x not in placed]
    if not explain:
        return tuple(Unmatched(instance.people[x].id, "mentor" if x < instance.m else "mentee") for x in people)
    # People with no allowed pair at all (or capacity 0) get the engine's own reason, naming the rules.
    alone_mentors = np.array([x for x in people if x < instance.m and not (instance.weight[x] >= 0).any()], dtype=np.int64)
    alone_mentees = np.array(
        [x - instance.m for x in people if x >= instance.m and not (instance.weight[:, x - instance.m] >= 0).any()], dtype=np.int64
    )
    engine: dict[int, Reason] = {}
    for side, indices, offset in ((False, alone_mentors, 0), (True, alone_mentees, instance.m)):
        if len(indices):
            for index, reason in zip(
                indices.tolist(), unmatched_reasons(encoded, indices, is_mentee=side, mode="score", threshold=None), strict=True
            ):
                engine[index + offset] = reason
    result = []
    for x in people:
        role: Literal["mentor", "mentee"] = "mentor" if x < instance.m else "mentee"
        reason = engine.get(x) or _circle_reason(instance, circles, x)
        result.append(Unmatched(instance.people[x].id, role, reason))
    return tuple(result)


def _circle_reason(instance: _Instance, circles: list[tuple[list[int], list[int]]], x: int) -> Reason:
    """``no_circle_fits`` (params ``circles``, the circles formed, and ``counts``, how many each rule kept them out of,
    with ``min_overlap_minutes``) or ``circle_not_formed`` (params ``mentors`` and ``mentees``, the minimum sizes)."""
    spec, rules = instance.spec, instance.encoded.rules
    is_mentor = x < instance.m
    counts = dict.fromkeys((code for code, _text in _BLOCKERS), 0)
    for mentors, mentees in circles:
        counts[_blocker(instance, mentors, mentees, x)] += 1
    mentor_joins = is_mentor and spec.mentors_per_circle[1] > spec.mentors_per_circle[0]
    if circles and (not is_mentor or mentor_joins):
        parts = [
            f"{count} {text.format(minutes=rules.min_overlap_minutes)}"
            if count != 1
            else f"1 {_singular(text).format(minutes=rules.min_overlap_minutes)}"
            for (code, text) in _BLOCKERS
            if (count := counts[code])
        ]
        formed = len(circles)
        text = f"None of the {formed} circle{'s' if formed != 1 else ''} formed could take them: {_join(parts)}."
        return Reason("no_circle_fits", text, {"circles": formed, "counts": counts, "min_overlap_minutes": rules.min_overlap_minutes})
    low_m, low_e = spec.mentors_per_circle[0], spec.mentees_per_circle[0]
    params = {"mentors": low_m, "mentees": low_e}
    if is_mentor:
        text = (
            f"No circle around them reached the program's minimum of {low_e} mentee{'s' if low_e != 1 else ''}: "
            "the mentees who fit them are in circles that score higher, or do not fit together."
        )
    else:
        text = (
            f"No circle with them reached the program's minimum of {low_m} mentor{'s' if low_m != 1 else ''} "
            f"and {low_e} mentee{'s' if low_e != 1 else ''} who all fit together."
        )
    return Reason("circle_not_formed", text, params)


def _singular(text: str) -> str:
    return text.replace("are full", "is full").replace("have ", "has ", 1).replace("share ", "shares ", 1)
