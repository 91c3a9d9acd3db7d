"""The inputs of a matching run: participants, taxonomy, rules and weights.

Everything here is a frozen dataclass validated on construction, so a bad value fails where it
enters, with an error naming the field. Collections given by the caller are copied into immutable
ones; the caller's objects are never modified.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Mode",
    "Participant",
    "Problem",
    "ProblemError",
    "Rules",
    "Taxonomy",
    "Weights",
    "Window",
]

MAX_LEVEL = 5
MAX_PRIORITY = 5
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class ProblemError(ValueError):
    """A participant, rule or weight that cannot be used, with the field that is wrong.

    Parameters
    ----------
    message : str
        What is wrong, in words an administrator understands.
    field : str
        The offending field, for example ``"skills"`` or ``"mentors[3].grade"``.
    participant_id : str, optional
        The participant the field belongs to, when there is one.

    Examples
    --------
    >>> error = ProblemError("must be at least 1", field="capacity", participant_id="E7")
    >>> str(error)
    'E7: capacity: must be at least 1'
    """

    def __init__(self, message: str, *, field: str, participant_id: str | None = None) -> None:
        self.message = message
        self.field = field
        self.participant_id = participant_id
        prefix = f"{participant_id}: " if participant_id else ""
        super().__init__(f"{prefix}{field}: {message}")


class Mode(enum.StrEnum):
    """What the solver optimises.

    ``SCORE`` maximises the total pair score. ``COVERAGE`` first matches as many mentees as
    possible, then maximises the total score. ``FAIR`` matches as many mentees as possible, then
    maximises the worst pair's score, then the total score.
    """

    SCORE = "score"
    COVERAGE = "coverage"
    FAIR = "fair"


@lru_cache(maxsize=1 << 16)
def normalise_label(value: str) -> str:
    """Lower-case, trimmed, inner whitespace as single hyphens: ``" Public Speaking "`` → ``"public-speaking"``."""
    return "-".join(value.strip().lower().split())


def _minutes(text: str, *, field_name: str) -> int:
    match = _TIME.match(text.strip())
    if match is None:
        raise ProblemError(f"{text!r} is not a time of day as HH:MM", field=field_name)
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 24 * 60:
        raise ProblemError(f"{text!r} is after 24:00", field=field_name)
    return minutes


@dataclass(frozen=True, slots=True)
class Window:
    """A weekly availability window in the participant's own time zone.

    Parameters
    ----------
    weekday : int
        0 for Monday through 6 for Sunday.
    start, end : str
        Local times as ``"HH:MM"``; ``end`` may be ``"24:00"`` and must be after ``start``.

    Examples
    --------
    >>> Window(0, "09:00", "12:30").minutes
    210
    >>> Window.parse("wed 14:00-16:00")
    Window(weekday=2, start='14:00', end='16:00')
    """

    weekday: int
    start: str
    end: str

    def __post_init__(self) -> None:
        if not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ProblemError(f"weekday {self.weekday!r} is not 0 (Monday) to 6 (Sunday)", field="availability")
        start = _minutes(self.start, field_name="availability")
        end = _minutes(self.end, field_name="availability")
        if end <= start:
            raise ProblemError(f"{self.start}-{self.end} ends before it starts; split windows that cross midnight", field="availability")

    @property
    def start_minute(self) -> int:
        """Minutes after local midnight at which the window opens."""
        return _minutes(self.start, field_name="availability")

    @property
    def end_minute(self) -> int:
        """Minutes after local midnight at which the window closes."""
        return _minutes(self.end, field_name="availability")

    @property
    def minutes(self) -> int:
        """Length of the window in minutes."""
        return self.end_minute - self.start_minute

    @classmethod
    def parse(cls, text: str) -> Window:
        """Read ``"mon 09:00-12:00"`` (day names are English, three letters or full)."""
        parts = text.split()
        if len(parts) != 2 or "-" not in parts[1]:
            raise ProblemError(f"{text!r} is not like 'mon 09:00-12:00'", field="availability")
        day = parts[0].strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ProblemError(f"{parts[0]!r} is not a day of the week", field="availability")
        start, end = parts[1].split("-", 1)
        return cls(WEEKDAYS.index(day), start, end)


def _frozen_labels(values: Iterable[str], *, field_name: str) -> frozenset[str]:
    if isinstance(values, str):
        raise ProblemError("must be a collection of strings, not one string", field=field_name)
    labels = set()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ProblemError(f"{value!r} is not a non-empty string", field=field_name)
        labels.add(normalise_label(value))
    return frozenset(labels)


def _frozen_levels(values: Mapping[str, int], *, field_name: str, top: int) -> Mapping[str, int]:
    if not isinstance(values, Mapping):
        raise ProblemError("must be a mapping of skill to number", field=field_name)
    levels: dict[str, int] = {}
    for key, level in values.items():
        if not isinstance(key, str) or not key.strip():
            raise ProblemError(f"skill {key!r} is not a non-empty string", field=field_name)
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= top:
            raise ProblemError(f"{key}: {level!r} is not a whole number from 1 to {top}", field=field_name)
        label = normalise_label(key)
        levels[label] = max(level, levels.get(label, 0))
    return MappingProxyType(levels)


@dataclass(frozen=True, slots=True)
class Participant:
    """A mentor (the junior employee) or a mentee (the senior leader).

    Parameters
    ----------
    id : str
        Unique employee id.
    grade : int
        Position on the grade ladder; higher is more senior.
    department, site : str
        Organisational unit and location.
    timezone : str
        IANA time zone of the participant's availability, for example ``"Europe/Paris"``.
    languages : iterable of str
        Languages the participant can mentor or be mentored in.
    ancestors : sequence of str
        The reporting chain above the participant (line manager first), as employee ids.
    skills : mapping of str to int
        Skills the participant offers, with a level from 1 to 5 (mentors).
    goals : mapping of str to int
        Learning goals, the skill wanted with a priority from 1 to 5 (mentees).
    interests, values : iterable of str
        Common ground: hobbies and topics, and personal values.
    availability : sequence of Window
        Weekly windows in ``timezone``.
    diversity : mapping of str to str
        Optional attributes (for example ``{"generation": "gen-z"}``), used only when the program
        enables diversity pairing.
    capacity : int
        How many partners this participant can take: mentors default to 1, mentees up to 2.
    name : str
        Display name used in explanations; the id when empty.

    Examples
    --------
    >>> ana = Participant("M1", grade=2, languages=["English"], skills={"Python": 4})
    >>> ana.skills["python"], sorted(ana.languages)
    (4, ['english'])
    """

    id: str
    grade: int
    department: str = ""
    site: str = ""
    timezone: str = "UTC"
    languages: Collection[str] = frozenset()
    ancestors: tuple[str, ...] = ()
    skills: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    goals: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    interests: Collection[str] = frozenset()
    values: Collection[str] = frozenset()
    availability: tuple[Window, ...] = ()
    diversity: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    capacity: int = 1
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ProblemError(f"{self.id!r} is not a non-empty string", field="id")
        try:
            self._normalise()
        except ProblemError as error:
            raise ProblemError(error.message, field=error.field, participant_id=self.id) from None

    def _normalise(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "id", self.id.strip())
        if isinstance(self.grade, bool) or not isinstance(self.grade, int):
            raise ProblemError(f"{self.grade!r} is not a whole number", field="grade")
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int) or self.capacity < 0:
            raise ProblemError(f"{self.capacity!r} is not a whole number of at least 0", field="capacity")
        for name in ("department", "site", "name"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ProblemError(f"{value!r} is not a string", field=name)
            setattr_(self, name, value.strip())
        if not isinstance(self.timezone, str):
            raise ProblemError(f"{self.timezone!r} is not an IANA time zone name", field="timezone")
        try:
            ZoneInfo(self.timezone.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ProblemError(f"{self.timezone!r} is not an IANA time zone name like 'Europe/Paris'", field="timezone") from None
        setattr_(self, "timezone", self.timezone.strip())
        setattr_(self, "languages", _frozen_labels(self.languages, field_name="languages"))
        setattr_(self, "interests", _frozen_labels(self.interests, field_name="interests"))
        setattr_(self, "values", _frozen_labels(self.values, field_name="values"))
        if isinstance(self.ancestors, str):
            raise ProblemError("must be a sequence of employee ids, not one string", field="ancestors")
        ancestors = tuple(ancestor.strip() for ancestor in self.ancestors if isinstance(ancestor, str) and ancestor.strip())
        if len(ancestors) != len(tuple(self.ancestors)):
            raise ProblemError("every ancestor must be a non-empty employee id", field="ancestors")
        if self.id in ancestors:
            raise ProblemError("a participant cannot be their own ancestor", field="ancestors")
        setattr_(self, "ancestors", ancestors)
        setattr_(self, "skills", _frozen_levels(self.skills, field_name="skills", top=MAX_LEVEL))
        setattr_(self, "goals", _frozen_levels(self.goals, field_name="goals", top=MAX_PRIORITY))
        windows = tuple(self.availability)
        if not all(isinstance(window, Window) for window in windows):
            raise ProblemError("every entry must be a Window", field="availability")
        setattr_(self, "availability", windows)
        if not isinstance(self.diversity, Mapping):
            raise ProblemError("must be a mapping of attribute to value", field="diversity")
        diversity = {}
        for key, value in self.diversity.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ProblemError(f"{key!r}: {value!r} must map a string to a string", field="diversity")
            if value.strip():
                diversity[normalise_label(key)] = normalise_label(value)
        setattr_(self, "diversity", MappingProxyType(diversity))

    @property
    def display_name(self) -> str:
        """The name to use in sentences."""
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Skill vocabulary: synonyms collapse to one skill, related skills earn partial credit.

    Parameters
    ----------
    synonyms : mapping of str to iterable of str
        Canonical skill id → other names for the same skill.
    related : mapping of str to iterable of str
        Skill id → skills close enough that a mentor strong in one can help with the other.
        The relation is made symmetric.

    Examples
    --------
    >>> taxonomy = Taxonomy.from_mapping({"python": {"synonyms": ["py"], "related": ["data-analysis"]}})
    >>> taxonomy.canonical("Py"), sorted(taxonomy.related_to("data-analysis"))
    ('python', ['python'])
    """

    synonyms: Mapping[str, Collection[str]] = field(default_factory=lambda: MappingProxyType({}))
    related: Mapping[str, Collection[str]] = field(default_factory=lambda: MappingProxyType({}))
    _canonical: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False)

    def __post_init__(self) -> None:
        canonical: dict[str, str] = {}
        synonyms: dict[str, frozenset[str]] = {}
        for skill, names in self.synonyms.items():
            key = normalise_label(skill)
            labels = _frozen_labels(names, field_name=f"taxonomy.{key}.synonyms")
            synonyms[key] = labels
            for label in labels:
                if canonical.get(label, key) != key:
                    raise ProblemError(f"{label!r} is a synonym of both {canonical[label]!r} and {key!r}", field=f"taxonomy.{key}.synonyms")
                canonical[label] = key
        related: dict[str, set[str]] = {}
        for skill, names in self.related.items():
            key = canonical.get(normalise_label(skill), normalise_label(skill))
            for label in _frozen_labels(names, field_name=f"taxonomy.{key}.related"):
                other = canonical.get(label, label)
                if other != key:
                    related.setdefault(key, set()).add(other)
                    related.setdefault(other, set()).add(key)
        object.__setattr__(self, "synonyms", MappingProxyType(synonyms))
        object.__setattr__(self, "related", MappingProxyType({key: frozenset(value) for key, value in related.items()}))
        object.__setattr__(self, "_canonical", MappingProxyType(canonical))

    @classmethod
    def from_mapping(cls, entries: Mapping[str, Mapping[str, Iterable[str]]]) -> Taxonomy:
        """Build from ``{skill: {"synonyms": [...], "related": [...]}}`` (the TOML ``[taxonomy]`` table)."""
        synonyms: dict[str, Collection[str]] = {}
        related: dict[str, Collection[str]] = {}
        for skill, entry in entries.items():
            if not isinstance(entry, Mapping):
                raise ProblemError("must be a table with 'synonyms' and/or 'related'", field=f"taxonomy.{skill}")
            unknown = set(entry) - {"synonyms", "related"}
            if unknown:
                raise ProblemError(f"unknown key(s) {sorted(unknown)}", field=f"taxonomy.{skill}")
            synonyms[skill] = tuple(entry.get("synonyms", ()))
            related[skill] = tuple(entry.get("related", ()))
        return cls(synonyms=synonyms, related=related)

    def canonical(self, skill: str) -> str:
        """The canonical id of ``skill`` (itself when it has no entry)."""
        label = normalise_label(skill)
        return self._canonical.get(label, label)

    def related_to(self, skill: str) -> frozenset[str]:
        """Skills related to ``skill``, by canonical id."""
        return frozenset(self.related.get(self.canonical(skill), ()))


def _pair_set(pairs: Iterable[tuple[str, str]], *, field_name: str) -> frozenset[tuple[str, str]]:
    result = set()
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(part, str) and part.strip() for part in pair)):
            raise ProblemError(f"{pair!r} is not a (mentor_id, mentee_id) pair", field=field_name)
        result.add((pair[0].strip(), pair[1].strip()))
    return frozenset(result)


@dataclass(frozen=True, slots=True)
class Rules:
    """Hard rules: a pair that breaks one is never proposed.

    Parameters
    ----------
    min_grade_gap : int
        The mentee's grade minus the mentor's grade must be at least this (the mentor is junior).
    forbid_same_department : bool
        Never pair two people from the same department.
    require_shared_language : bool
        The pair must share at least one language.
    min_overlap_minutes : int
        Minimum overlap of weekly availability, in minutes; 0 turns the rule off.
    min_pair_score : float
        Pairs scoring below this are not acceptable.
    use_diversity : bool
        Whether the diversity component is used at all (opt-in per program).
    diversity_attributes : sequence of str
        The diversity attributes compared; empty means every attribute present.
    max_mentors_per_mentee : int
        Upper limit on a mentee's capacity.
    pinned, forbidden, past_pairs : iterable of (mentor_id, mentee_id)
        Pairs that must be made, must not be made, and were made before (never repeated).
    reference_monday : datetime.date
        Monday of the week used to turn local availability into UTC (fixes daylight saving).

    Examples
    --------
    >>> Rules(min_grade_gap=2, forbidden=[("M1", "E1")]).forbidden
    frozenset({('M1', 'E1')})
    """

    min_grade_gap: int = 1
    forbid_same_department: bool = False
    require_shared_language: bool = True
    min_overlap_minutes: int = 60
    min_pair_score: float = 0.0
    use_diversity: bool = False
    diversity_attributes: tuple[str, ...] = ()
    max_mentors_per_mentee: int = 2
    pinned: frozenset[tuple[str, str]] = frozenset()
    forbidden: frozenset[tuple[str, str]] = frozenset()
    past_pairs: frozenset[tuple[str, str]] = frozenset()
    reference_monday: dt.date = dt.date(2025, 1, 6)

    def __post_init__(self) -> None:
        for name in ("min_grade_gap", "min_overlap_minutes", "max_mentors_per_mentee"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ProblemError(f"{value!r} is not a whole number", field=name)
        if self.min_overlap_minutes < 0 or self.min_overlap_minutes > 7 * 24 * 60:
            raise ProblemError(f"{self.min_overlap_minutes} is not between 0 and a week of minutes", field="min_overlap_minutes")
        if self.min_grade_gap < 1:
            raise ProblemError("must be at least 1: the mentor is always junior to the mentee", field="min_grade_gap")
        if self.max_mentors_per_mentee < 1:
            raise ProblemError("must be at least 1", field="max_mentors_per_mentee")
        for name in ("forbid_same_department", "require_shared_language", "use_diversity"):
            if not isinstance(getattr(self, name), bool):
                raise ProblemError(f"{getattr(self, name)!r} is not true or false", field=name)
        score = self.min_pair_score
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0.0 <= score <= 1.0 or math.isnan(score):
            raise ProblemError(f"{score!r} is not a number from 0 to 1", field="min_pair_score")
        object.__setattr__(self, "min_pair_score", float(score))
        object.__setattr__(
            self, "diversity_attributes", tuple(sorted(_frozen_labels(self.diversity_attributes, field_name="diversity_attributes")))
        )
        for name in ("pinned", "forbidden", "past_pairs"):
            object.__setattr__(self, name, _pair_set(getattr(self, name), field_name=name))
        clash = self.pinned & (self.forbidden | self.past_pairs)
        if clash:
            raise ProblemError(f"{sorted(clash)[0]} is both pinned and forbidden or already paired before", field="pinned")
        if not isinstance(self.reference_monday, dt.date) or self.reference_monday.weekday() != 0:
            raise ProblemError(f"{self.reference_monday!r} is not a Monday", field="reference_monday")


COMPONENTS = ("goals", "common_ground", "availability", "boundaries", "diversity", "grade_gap")


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score components and the scales that turn raw facts into [0, 1].

    The score of a pair is ``sum(weight_c * component_c) / sum(weight_c)``, so it lies in [0, 1]
    and each weighted term is that component's contribution. The diversity weight counts only
    when :attr:`Rules.use_diversity` is on.

    Parameters
    ----------
    goals, common_ground, availability, boundaries, diversity, grade_gap : float
        Non-negative weights; at least one must be positive.
    related_skill_credit : float
        Share of credit a related skill earns against a learning goal (0 to 1).
    common_ground_full_at : int
        Shared interests plus values that earn full common-ground credit.
    availability_full_at_minutes : int
        Weekly overlap that earns full availability credit.
    preferred_grade_gap : int
        Grade gap that earns full grade-gap credit; smaller gaps earn proportionally less.

    Examples
    --------
    >>> Weights().normalised(use_diversity=False)["diversity"]
    0.0
    """

    goals: float = 0.40
    common_ground: float = 0.15
    availability: float = 0.15
    boundaries: float = 0.10
    diversity: float = 0.10
    grade_gap: float = 0.10
    related_skill_credit: float = 0.5
    common_ground_full_at: int = 3
    availability_full_at_minutes: int = 120
    preferred_grade_gap: int = 3

    def __post_init__(self) -> None:
        for name in (*COMPONENTS, "related_skill_credit"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise ProblemError(f"{value!r} is not a non-negative number", field=name)
            object.__setattr__(self, name, float(value))
        if self.related_skill_credit > 1:
            raise ProblemError("must be between 0 and 1", field="related_skill_credit")
        for name in ("common_ground_full_at", "availability_full_at_minutes", "preferred_grade_gap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ProblemError(f"{value!r} is not a whole number of at least 1", field=name)
        if sum(getattr(self, name) for name in COMPONENTS if name != "diversity") <= 0:
            raise ProblemError("at least one weight other than diversity must be positive", field="weights")

    def normalised(self, *, use_diversity: bool) -> dict[str, float]:
        """Component weights scaled to sum to 1, diversity zeroed unless enabled."""
        raw = {name: getattr(self, name) for name in COMPONENTS}
        if not use_diversity:
            raw["diversity"] = 0.0
        total = sum(raw.values())
        return {name: value / total for name, value in raw.items()}


@dataclass(frozen=True, slots=True)
class Problem:
    """The people to match and the skill taxonomy.

    Parameters
    ----------
    mentors : sequence of Participant
        The junior employees, who mentor.
    mentees : sequence of Participant
        The senior leaders, who learn.
    taxonomy : Taxonomy, optional
        Synonyms and related skills.

    Raises
    ------
    ProblemError
        On duplicate ids (the field names the list and position).

    Examples
    --------
    >>> problem = Problem(mentors=[Participant("M1", grade=1)], mentees=[Participant("E1", grade=5)])
    >>> problem.mentor_index["M1"], problem.mentee_index["E1"]
    (0, 0)
    """

    mentors: tuple[Participant, ...]
    mentees: tuple[Participant, ...]
    taxonomy: Taxonomy = field(default_factory=Taxonomy)
    mentor_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    mentee_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for side in ("mentors", "mentees"):
            people = tuple(getattr(self, side))
            index: dict[str, int] = {}
            for position, person in enumerate(people):
                if not isinstance(person, Participant):
                    raise ProblemError(f"{person!r} is not a Participant", field=f"{side}[{position}]")
                if person.id in index:
                    raise ProblemError(
                        f"duplicate id {person.id!r} (also at position {index[person.id]})",
                        field=f"{side}[{position}].id",
                        participant_id=person.id,
                    )
                index[person.id] = position
            object.__setattr__(self, side, people)
            object.__setattr__(self, side[:-1] + "_index", MappingProxyType(index))
        if not isinstance(self.taxonomy, Taxonomy):
            raise ProblemError(f"{self.taxonomy!r} is not a Taxonomy", field="taxonomy")

    def check_rules(self, rules: Rules) -> None:
        """Check that pinned pairs name real participants and fit capacities.

        Raises
        ------
        ProblemError
            Naming the ``pinned`` (or ``forbidden``/``past_pairs``) field and the pair.
        """
        for name in ("pinned", "forbidden", "past_pairs"):
            for mentor_id, mentee_id in sorted(getattr(rules, name)):
                if mentor_id not in self.mentor_index:
                    raise ProblemError(f"({mentor_id!r}, {mentee_id!r}): no mentor has id {mentor_id!r}", field=name)
                if mentee_id not in self.mentee_index:
                    raise ProblemError(f"({mentor_id!r}, {mentee_id!r}): no mentee has id {mentee_id!r}", field=name)
        for position, mentee in enumerate(self.mentees):
            if mentee.capacity > rules.max_mentors_per_mentee:
                raise ProblemError(
                    f"{mentee.capacity} is more than the program's limit of {rules.max_mentors_per_mentee} mentors per mentee",
                    field=f"mentees[{position}].capacity",
                    participant_id=mentee.id,
                )
        mentor_load: dict[str, int] = {}
        mentee_load: dict[str, int] = {}
        for mentor_id, mentee_id in sorted(rules.pinned):
            mentor_load[mentor_id] = mentor_load.get(mentor_id, 0) + 1
            mentee_load[mentee_id] = mentee_load.get(mentee_id, 0) + 1
            if mentor_load[mentor_id] > self.mentors[self.mentor_index[mentor_id]].capacity:
                raise ProblemError(f"{mentor_id!r} is pinned to more mentees than their capacity", field="pinned")
            if mentee_load[mentee_id] > self.mentees[self.mentee_index[mentee_id]].capacity:
                raise ProblemError(f"{mentee_id!r} is pinned to more mentors than their capacity", field="pinned")


def coerce_pairs(value: Any, *, field_name: str) -> frozenset[tuple[str, str]]:
    """Turn a list of two-item lists (as TOML gives) into a pair set, naming ``field_name`` on error."""
    if not isinstance(value, list | tuple | set | frozenset):
        raise ProblemError("must be a list of [mentor_id, mentee_id] pairs", field=field_name)
    return _pair_set((tuple(pair) if isinstance(pair, list) else pair for pair in value), field_name=field_name)
