"""Turn a :class:`Problem` into arrays the vectorised rules and scores work on.

Each side (mentors, mentees) becomes a :class:`Side` of NumPy arrays and sparse matrices. The two
sides share vocabularies (departments, sites, languages, skills, interests, diversity values) so
that comparing a mentee with a mentor is comparing two integers or a sparse row product.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from turnabout.engine._compiling import compiled
from turnabout.engine._problem import MAX_LEVEL, Participant, Problem, Rules, Taxonomy, Weights, Window

SLOT_MINUTES = 15
SLOTS_PER_WEEK = 7 * 24 * 60 // SLOT_MINUTES
WORDS = (SLOTS_PER_WEEK + 63) // 64
_WEEK_MINUTES = 7 * 24 * 60

# Why a pair is blocked outright; also the order in which unmatched reasons are reported.
BLOCK_REPORTING_LINE = 1
BLOCK_FORBIDDEN = 2
BLOCK_PAST_PAIR = 3

IntArray = npt.NDArray[np.integer[Any]]
Int64Array = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
WordArray = npt.NDArray[np.uint64]


@lru_cache(maxsize=4096)
def _slot_bitmap(windows: tuple[Window, ...], timezone: str, reference_monday: dt.date) -> tuple[int, ...]:
    zone = ZoneInfo(timezone)
    origin = dt.datetime.combine(reference_monday, dt.time(0, 0), tzinfo=dt.UTC)
    bits = np.zeros(SLOTS_PER_WEEK, dtype=bool)
    for window in windows:
        day = reference_monday + dt.timedelta(days=window.weekday)
        start_local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone) + dt.timedelta(minutes=window.start_minute)
        # Local wall-clock arithmetic: resolve the end from midnight so a 24:00 end is the next midnight.
        end_local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone) + dt.timedelta(minutes=window.end_minute)
        start = int((start_local.astimezone(dt.UTC) - origin).total_seconds() // 60)
        end = int((end_local.astimezone(dt.UTC) - origin).total_seconds() // 60)
        first = -(-start // SLOT_MINUTES)
        last = end // SLOT_MINUTES
        if last > first:
            bits[np.arange(first, last) % SLOTS_PER_WEEK] = True
    padded = np.zeros(WORDS * 64, dtype=bool)
    padded[:SLOTS_PER_WEEK] = bits
    words = np.packbits(padded.reshape(WORDS, 64), axis=1, bitorder="little").view(np.uint64).ravel()
    return tuple(int(word) for word in words)


def availability_slots(windows: Sequence[Window], timezone: str, reference_monday: dt.date) -> WordArray:
    """Weekly availability as a bitmap of 15-minute UTC slots, packed into ``uint64`` words.

    Parameters
    ----------
    windows : sequence of Window
        Local weekly windows.
    timezone : str
        IANA time zone the windows are in.
    reference_monday : datetime.date
        The week whose UTC offsets (daylight saving) are used.

    Returns
    -------
    numpy.ndarray
        ``WORDS`` unsigned 64-bit words; bit ``k`` is the slot starting ``15 * k`` minutes after
        Monday 00:00 UTC.

    Examples
    --------
    >>> import datetime as dt
    >>> bits = availability_slots((Window(0, "09:00", "10:00"),), "Europe/Paris", dt.date(2025, 1, 6))
    >>> int(np.bitwise_count(bits).sum())  # four quarter-hours, 08:00-09:00 UTC in winter
    4
    """
    return np.array(_slot_bitmap(tuple(windows), timezone, reference_monday), dtype=np.uint64)


def overlap_minutes(a: Participant, b: Participant, rules: Rules) -> int:
    """Minutes a week two participants are both free, each in their own time zone: what ``min_overlap_minutes`` compares.

    Both availabilities are laid on the engine's weekly calendar of 15-minute UTC slots with the UTC offsets
    (daylight saving) of the week of ``rules.reference_monday``, exactly as :func:`solve` lays them; a pair breaks
    the rule when this is below ``rules.min_overlap_minutes`` (and the rule is on, a minimum above 0).

    Parameters
    ----------
    a, b : Participant
        The two participants (a mentor and a mentee, in either order).
    rules : Rules
        The rules; only ``reference_monday`` is read.

    Returns
    -------
    int
        Shared minutes per week, a multiple of 15.

    Examples
    --------
    >>> import datetime as dt
    >>> paris = Participant("M1", grade=1, timezone="Europe/Paris", availability=(Window(0, "09:00", "11:00"),))
    >>> london = Participant("E1", grade=6, timezone="Europe/London", availability=(Window(0, "09:00", "11:00"),))
    >>> overlap_minutes(paris, london, Rules(reference_monday=dt.date(2025, 1, 6)))  # 08:00-10:00 and 09:00-11:00 UTC
    60
    """
    left = _slot_bitmap(tuple(a.availability), a.timezone, rules.reference_monday)
    right = _slot_bitmap(tuple(b.availability), b.timezone, rules.reference_monday)
    return sum((x & y).bit_count() for x, y in zip(left, right, strict=True)) * SLOT_MINUTES


class Vocabulary:
    """Strings to dense integer codes, in first-seen order."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def code(self, label: str) -> int:
        return self.codes.setdefault(label, len(self.codes))

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True, eq=False)
class Side:
    """One side of the problem as arrays, row ``k`` being participant ``k``."""

    ids: tuple[str, ...]
    grade: Int64Array
    capacity: Int64Array
    department: IntArray
    site: IntArray
    languages: WordArray  # (n, language words) bitmask
    slots: WordArray  # (n, WORDS) availability bitmap
    slot_pattern: IntArray  # (n,) index into patterns
    patterns: WordArray  # (distinct patterns, WORDS)
    skills: sp.csr_array  # (n, goal vocabulary) credit in [0, 1] (mentors) or normalised priority (mentees)
    common: sp.csr_array  # (n, common-ground vocabulary) 0/1
    diversity: IntArray  # (n, attributes) value codes, -1 when absent


@dataclass(frozen=True, eq=False)
class Encoded:
    """A problem, its rules and weights, compiled to arrays."""

    problem: Problem
    rules: Rules
    weights: Weights
    normalised: dict[str, float]
    mentors: Side
    mentees: Side
    skill_labels: tuple[str, ...]
    common_labels: tuple[str, ...]
    diversity_attributes: tuple[str, ...]
    # Blocked pairs sorted by mentee then mentor: rows are mentee indices, cols mentor indices.
    blocked_rows: IntArray
    blocked_cols: IntArray
    blocked_kind: IntArray
    blocked_indptr: Int64Array  # CSR pointer over mentees into the blocked arrays
    pinned_rows: IntArray
    pinned_cols: IntArray
    overlap_table: npt.NDArray[np.int16] | None  # (mentee patterns, mentor patterns) overlapping slots
    skill_credit_dense: Float32Array  # (goal vocabulary, mentors) for block products
    common_dense: Float32Array  # (common vocabulary, mentors)
    # Per mentor, :func:`mentor_credit`; per mentee, :func:`mentee_goals` (the explanations read them back).
    mentor_credits: tuple[dict[str, tuple[float, str]], ...]
    mentee_goals: tuple[dict[str, int], ...]

    @property
    def n_mentors(self) -> int:
        return len(self.mentors.ids)

    @property
    def n_mentees(self) -> int:
        return len(self.mentees.ids)


_OVERLAP_TABLE_LIMIT = 30_000_000


def _language_words(people: Sequence[Participant], vocabulary: Vocabulary, words: int) -> WordArray:
    # Bits are set on Python ints, and the array is made once: a NumPy scalar operation per language is slow.
    rows = []
    for person in people:
        bits = [0] * words
        for language in person.languages:
            code = vocabulary.codes[language]
            bits[code // 64] |= 1 << (code % 64)
        rows.append(bits)
    return np.array(rows, dtype=np.uint64).reshape(len(people), words)


def _sparse(rows: list[int], cols: list[int], values: list[float], shape: tuple[int, int]) -> sp.csr_array:
    matrix = sp.csr_array(
        (np.asarray(values, dtype=np.float64), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))), shape=shape
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def mentor_credit(skills: Mapping[str, int], taxonomy: Taxonomy, related_credit: float) -> dict[str, tuple[float, str]]:
    """Credit a mentor earns against each skill: ``level / 5`` directly, a share of it via a related skill.

    Returns a mapping of canonical skill → (credit, the mentor's own skill that earns it).

    Examples
    --------
    >>> taxonomy = Taxonomy(related={"python": ["data-analysis"]})
    >>> mentor_credit({"python": 5}, taxonomy, 0.5)
    {'python': (1.0, 'python'), 'data-analysis': (0.5, 'python')}
    """
    credit: dict[str, tuple[float, str]] = {}
    for raw_skill, level in sorted(skills.items()):
        skill = taxonomy.canonical(raw_skill)
        direct = level / MAX_LEVEL
        if direct > credit.get(skill, (0.0, ""))[0]:
            credit[skill] = (direct, skill)
        for other in sorted(taxonomy.related_to(skill)):
            partial = direct * related_credit
            if partial > credit.get(other, (0.0, ""))[0]:
                credit[other] = (partial, skill)
    return credit


def mentee_goals(goals: Mapping[str, int], taxonomy: Taxonomy) -> dict[str, int]:
    """Learning goals with synonyms collapsed (the highest priority wins)."""
    result: dict[str, int] = {}
    for raw_skill, priority in sorted(goals.items()):
        skill = taxonomy.canonical(raw_skill)
        result[skill] = max(priority, result.get(skill, 0))
    return result


def _diversity_attributes(problem: Problem, rules: Rules) -> tuple[str, ...]:
    if not rules.use_diversity:
        return ()
    if rules.diversity_attributes:
        return rules.diversity_attributes
    keys = {key for person in (*problem.mentors, *problem.mentees) for key in person.diversity}
    return tuple(sorted(keys))


def encode(problem: Problem, rules: Rules, weights: Weights) -> Encoded:
    """Compile ``problem`` under ``rules`` and ``weights`` into arrays; nothing passed in is modified."""
    problem.check_rules(rules)
    taxonomy = problem.taxonomy
    departments, sites, languages, values = Vocabulary(), Vocabulary(), Vocabulary(), Vocabulary()
    everyone = (*problem.mentors, *problem.mentees)
    for person in everyone:
        departments.code(person.department)
        sites.code(person.site)
        for language in sorted(person.languages):
            languages.code(language)
        for value in person.diversity.values():
            values.code(value)
    language_words = max(1, (len(languages) + 63) // 64)

    goals_per_mentee = [mentee_goals(person.goals, taxonomy) for person in problem.mentees]
    skill_vocabulary = Vocabulary()
    for goals in goals_per_mentee:
        for skill in goals:
            skill_vocabulary.code(skill)
    credits_per_mentor = [mentor_credit(person.skills, taxonomy, weights.related_skill_credit) for person in problem.mentors]

    mentor_common = [{f"i:{x}" for x in person.interests} | {f"v:{x}" for x in person.values} for person in problem.mentors]
    mentee_common = [{f"i:{x}" for x in person.interests} | {f"v:{x}" for x in person.values} for person in problem.mentees]
    shared_labels = set().union(*mentor_common) & set().union(*mentee_common) if mentor_common and mentee_common else set()
    common_vocabulary = Vocabulary()
    for label in sorted(shared_labels):
        common_vocabulary.code(label)

    attributes = _diversity_attributes(problem, rules)

    def side(people: Sequence[Participant], is_mentor: bool) -> Side:
        count = len(people)
        skill_rows: list[int] = []
        skill_cols: list[int] = []
        skill_values: list[float] = []
        common_rows: list[int] = []
        common_cols: list[int] = []
        for row in range(count):
            if is_mentor:
                for skill, (credit, _source) in credits_per_mentor[row].items():
                    code = skill_vocabulary.codes.get(skill)
                    if code is not None:
                        skill_rows.append(row)
                        skill_cols.append(code)
                        skill_values.append(credit)
            else:
                goals = goals_per_mentee[row]
                total = sum(goals.values())
                for skill, priority in goals.items():
                    skill_rows.append(row)
                    skill_cols.append(skill_vocabulary.codes[skill])
                    skill_values.append(priority / total)
            for label in (mentor_common if is_mentor else mentee_common)[row]:
                code = common_vocabulary.codes.get(label)
                if code is not None:
                    common_rows.append(row)
                    common_cols.append(code)
        slots = np.zeros((count, WORDS), dtype=np.uint64)
        for row, person in enumerate(people):
            slots[row] = _slot_bitmap(person.availability, person.timezone, rules.reference_monday)
        if count:
            patterns, pattern_of = np.unique(slots, axis=0, return_inverse=True)
        else:
            patterns, pattern_of = np.zeros((0, WORDS), dtype=np.uint64), np.zeros(0, dtype=np.int64)
        diversity = np.full((count, len(attributes)), -1, dtype=np.int32)
        for row, person in enumerate(people):
            for column, attribute in enumerate(attributes):
                value = person.diversity.get(attribute)
                if value is not None:
                    diversity[row, column] = values.codes[value]
        return Side(
            ids=tuple(person.id for person in people),
            grade=np.array([person.grade for person in people], dtype=np.int64),
            capacity=np.array([person.capacity for person in people], dtype=np.int64),
            department=np.array([departments.codes[person.department] for person in people], dtype=np.int32),
            site=np.array([sites.codes[person.site] for person in people], dtype=np.int32),
            languages=_language_words(people, languages, language_words),
            slots=slots,
            slot_pattern=np.asarray(pattern_of, dtype=np.int32).reshape(count),
            patterns=np.ascontiguousarray(patterns, dtype=np.uint64),
            skills=_sparse(skill_rows, skill_cols, skill_values, (count, len(skill_vocabulary))),
            common=_sparse(common_rows, common_cols, [1.0] * len(common_rows), (count, len(common_vocabulary))),
            diversity=diversity,
        )

    mentors = side(problem.mentors, True)
    mentees = side(problem.mentees, False)

    blocked: dict[tuple[int, int], int] = {}
    for row, mentee in enumerate(problem.mentees):
        for ancestor in mentee.ancestors:
            column = problem.mentor_index.get(ancestor)
            if column is not None:
                blocked[(row, column)] = BLOCK_REPORTING_LINE
    for column, mentor in enumerate(problem.mentors):
        for ancestor in mentor.ancestors:
            mentee_row = problem.mentee_index.get(ancestor)
            if mentee_row is not None:
                blocked[(mentee_row, column)] = BLOCK_REPORTING_LINE
    for kind, pairs in ((BLOCK_PAST_PAIR, rules.past_pairs), (BLOCK_FORBIDDEN, rules.forbidden)):
        for mentor_id, mentee_id in pairs:
            blocked.setdefault((problem.mentee_index[mentee_id], problem.mentor_index[mentor_id]), kind)
    keys = sorted(blocked)
    blocked_rows = np.array([key[0] for key in keys], dtype=np.int32)
    blocked_cols = np.array([key[1] for key in keys], dtype=np.int32)
    blocked_kind = np.array([blocked[key] for key in keys], dtype=np.int32)
    blocked_indptr = np.zeros(len(problem.mentees) + 1, dtype=np.int64)
    np.cumsum(np.bincount(blocked_rows, minlength=len(problem.mentees)), out=blocked_indptr[1:])

    pinned = sorted((problem.mentee_index[mentee_id], problem.mentor_index[mentor_id]) for mentor_id, mentee_id in rules.pinned)

    overlap_table = None
    if len(mentees.patterns) * len(mentors.patterns) <= _OVERLAP_TABLE_LIMIT:
        overlap_table = pattern_overlap(mentees.patterns, mentors.patterns)

    return Encoded(
        problem=problem,
        rules=rules,
        weights=weights,
        normalised=weights.normalised(use_diversity=rules.use_diversity),
        mentors=mentors,
        mentees=mentees,
        skill_labels=tuple(skill_vocabulary.codes),
        common_labels=tuple(common_vocabulary.codes),
        diversity_attributes=attributes,
        blocked_rows=blocked_rows,
        blocked_cols=blocked_cols,
        blocked_kind=blocked_kind,
        blocked_indptr=blocked_indptr,
        pinned_rows=np.array([pair[0] for pair in pinned], dtype=np.int32),
        pinned_cols=np.array([pair[1] for pair in pinned], dtype=np.int32),
        overlap_table=overlap_table,
        skill_credit_dense=np.ascontiguousarray(mentors.skills.T.toarray(), dtype=np.float32),
        common_dense=np.ascontiguousarray(mentors.common.T.toarray(), dtype=np.float32),
        mentor_credits=tuple(credits_per_mentor),
        mentee_goals=tuple(goals_per_mentee),
    )


def pattern_overlap(left: WordArray, right: WordArray) -> npt.NDArray[np.int16]:
    """Overlapping slot counts between every pattern of ``left`` and every pattern of ``right``."""
    table = np.zeros((len(left), len(right)), dtype=np.int16)
    if len(left) and len(right):
        _fill_overlap(np.ascontiguousarray(left, dtype=np.uint64), np.ascontiguousarray(right, dtype=np.uint64), table)
    return table


@compiled
def _fill_overlap(left: WordArray, right: WordArray, table: npt.NDArray[np.int16]) -> None:
    """``table[a, b]``: the bits set in both ``left[a]`` and ``right[b]`` (one pass, no temporaries)."""
    for a in range(left.shape[0]):
        for b in range(right.shape[0]):
            count = 0
            for word in range(left.shape[1]):
                bits = left[a, word] & right[b, word]
                # Population count (SWAR), as in the kernels' scan.
                bits = bits - ((bits >> np.uint64(1)) & np.uint64(0x5555555555555555))
                bits = (bits & np.uint64(0x3333333333333333)) + ((bits >> np.uint64(2)) & np.uint64(0x3333333333333333))
                bits = (bits + (bits >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
                count += int((bits * np.uint64(0x0101010101010101)) >> np.uint64(56))
            table[a, b] = count
