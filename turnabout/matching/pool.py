"""Translate a program's ready pool into an engine problem, and fingerprint it to detect stale runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from turnabout.engine import Participant, Problem, Reason, Rules, Taxonomy, Weights, Window
from turnabout.matching.models import OPEN_STATUSES, CircleMatchMember, Match, Response
from turnabout.matching.rule_breaks import (
    FORBIDDEN_PAIR,
    GRADE_GAP,
    MENTEE_IN_MENTOR_LINE,
    MENTOR_IN_MENTEE_LINE,
    NO_SHARED_LANGUAGE,
    SAME_DEPARTMENT,
    RuleBreak,
)
from turnabout.people.models import Person, PersonSkill, SensitiveProfile, Skill
from turnabout.programs.models import Enrolment, PairingFormat, Program, Role
from turnabout.programs.queries import ready_for_matching
from turnabout.programs.rules import grade_of, match_settings

# The engine's code of the reason on different perspectives, and its text once made generic.
DIVERSITY_REASON = "diversity"
GENERIC_DIVERSITY_REASON = "They bring different perspectives, as the program asks."
# A pair's reason as stored: {"code", "text", "params"} (a bare sentence in pairs stored before reasons had codes).
StoredReason = str | dict[str, Any]


def participant_id(enrolment: Enrolment) -> str:
    """Engine ids are person ids, so reporting chains (person ids) compare directly."""
    return str(enrolment.person_id)


# What the engine reads about a participant, grouped by the words a stale check uses to name a change.
# A Participant field missing here is still fingerprinted, under "application".
FINGERPRINT_ASPECTS = {
    "ancestors": "reporting line",
    "grade": "grade",
    "department": "department",
    "site": "site",
    "timezone": "time zone",
    "languages": "languages",
    "skills": "skills",
    "goals": "skills",
    "interests": "interests and values",
    "values": "interests and values",
    "availability": "availability",
    "diversity": "consented profile",
    "capacity": "capacity",
    "name": "name",
}


# The aspects above and those of rules_fingerprint, in words for the stale check's sentences (the keys stay English:
# runs store them).
ASPECT_WORDS: dict[str, Promise] = {
    "reporting line": gettext_lazy("reporting line"),
    "grade": gettext_lazy("grade"),
    "department": gettext_lazy("department"),
    "site": gettext_lazy("site"),
    "time zone": gettext_lazy("time zone"),
    "languages": gettext_lazy("languages"),
    "skills": gettext_lazy("skills"),
    "interests and values": gettext_lazy("interests and values"),
    "availability": gettext_lazy("availability"),
    "consented profile": gettext_lazy("consented profile"),
    "capacity": gettext_lazy("capacity"),
    "name": gettext_lazy("name"),
    "application": gettext_lazy("application"),
    "matching rules": gettext_lazy("matching rules"),
    "pins and bans": gettext_lazy("pins and bans"),
    "weights": gettext_lazy("weights"),
    "skill taxonomy": gettext_lazy("skill taxonomy"),
}


def aspect_words(aspect: str) -> str:
    return str(ASPECT_WORDS.get(aspect, aspect))


@dataclass(frozen=True)
class Pool:
    """The enrolments a run matches, the engine problem built from them, and the fingerprint of both."""

    enrolments: dict[str, Enrolment]
    problem: Problem
    # Enrolment id → aspect ("grade", "reporting line"…) → hash of what the engine read.
    fingerprint: dict[str, dict[str, str]]


def _canonical(value: Any) -> Any:
    """A JSON-ready value that is equal for equal inputs, whatever the order of sets and mappings."""
    if isinstance(value, Window):
        return [value.weekday, value.start_minute, value.end_minute]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(key): _canonical(item) for key, item in sorted(value.items())}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return value


def stable_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``, shortened: enough to tell a change, small enough to store per person."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def participant_fingerprint(participant: Participant) -> dict[str, str]:
    """Changes whenever anything the engine reads about this participant changes, aspect by aspect."""
    grouped: dict[str, dict[str, Any]] = {}
    for item in fields(participant):
        if item.name == "id":
            continue
        grouped.setdefault(FINGERPRINT_ASPECTS.get(item.name, "application"), {})[item.name] = getattr(participant, item.name)
    return {aspect: stable_hash(values) for aspect, values in sorted(grouped.items())}


def rules_fingerprint(rules: Rules, weights: Weights, taxonomy: Taxonomy) -> dict[str, str]:
    """The program-wide inputs of a run: its hard rules, pins and bans (with past pairs), weights and skill taxonomy."""
    pairs = {"pinned": rules.pinned, "forbidden": rules.forbidden, "past_pairs": rules.past_pairs}
    hard = {item.name: getattr(rules, item.name) for item in fields(rules) if item.name not in pairs}
    return {
        "matching rules": stable_hash(hard),
        "pins and bans": stable_hash(pairs),
        "weights": stable_hash({item.name: getattr(weights, item.name) for item in fields(weights)}),
        "skill taxonomy": stable_hash({"synonyms": taxonomy.synonyms, "related": taxonomy.related}),
    }


def open_match_enrolment_ids(program: Program) -> set[int]:
    """Enrolments held by an open match: a pair's two people, and the members of an open circle who have not declined."""
    matches = Match.objects.filter(program=program).open()
    in_circles = CircleMatchMember.objects.filter(match__program=program, match__status__in=OPEN_STATUSES).exclude(
        response=Response.DECLINED
    )
    return (
        set(matches.values_list("mentor_id", flat=True))
        | set(matches.values_list("mentee_id", flat=True))
        | set(in_circles.values_list("enrolment_id", flat=True))
    )


def available_enrolments(program: Program) -> list[Enrolment]:
    """Ready enrolments not already in an open match: a rematch touches only these people."""
    taken = open_match_enrolment_ids(program)
    return list(
        ready_for_matching(program)
        .exclude(pk__in=taken)
        .select_related(*ENROLMENT_RELATED)
        .prefetch_related("skills__skill")
        .order_by("pk")
    )


ENROLMENT_RELATED = ("person", "person__grade", "person__department", "person__site", "person__manager")


def build_pool(program: Program) -> Pool:
    """Build the engine problem for the program's current pool (a fixed number of queries)."""
    enrolments = available_enrolments(program)
    participants = build_participants(program, enrolments)
    mentors = tuple(participant for participant, enrolment in participants if enrolment.role == Role.MENTOR)
    mentees = tuple(participant for participant, enrolment in participants if enrolment.role == Role.MENTEE)
    problem = Problem(mentors, mentees, taxonomy=skill_taxonomy())
    return Pool(
        enrolments={participant.id: enrolment for participant, enrolment in participants},
        problem=problem,
        fingerprint={str(enrolment.pk): participant_fingerprint(participant) for participant, enrolment in participants},
    )


def build_participants(program: Program, enrolments: Iterable[Enrolment]) -> list[tuple[Participant, Enrolment]]:
    """The engine participant for each enrolment, from the current directory (a fixed number of queries)."""
    enrolments = list(enrolments)
    person_ids = [e.person_id for e in enrolments]
    directory_skills: dict[int, dict[str, int]] = {}
    for person_id, slug, level in PersonSkill.objects.filter(person_id__in=person_ids).values_list("person_id", "skill__slug", "level"):
        directory_skills.setdefault(person_id, {})[slug] = level
    use_diversity = match_settings(program).use_diversity
    diversity: dict[int, dict[str, str]] = {}
    if use_diversity:
        consenting = [e.person_id for e in enrolments if e.diversity_consent]
        for profile in SensitiveProfile.objects.filter(person_id__in=consenting):
            answers = {
                "gender": profile.gender.strip().lower(),
                "ethnicity": profile.ethnicity.strip().lower(),
                "under_represented": {True: "yes", False: "no", None: ""}[profile.is_under_represented],
                "age_band": profile.age_band,
            }
            diversity[profile.person_id] = {key: value for key, value in answers.items() if value}
    participants: list[tuple[Participant, Enrolment]] = []
    for enrolment in enrolments:
        person: Person = enrolment.person
        own = {item.skill.slug: item.strength for item in enrolment.skills.all()}
        # A guest stands where the program puts guests (``guest_grade``); without one, at the bottom, as a junior.
        grade = grade_of(program, person)
        participant = Participant(
            participant_id(enrolment),
            grade=grade.rank if grade else 0,
            department=person.department.name if person.department else "",
            site=person.site.name if person.site else "",
            timezone=enrolment.timezone or person.timezone,
            languages=frozenset(enrolment.languages or person.languages),
            ancestors=tuple(str(ancestor) for ancestor in reversed(person.ancestor_ids)),
            # A mentor offers what they named, backed by the directory's levels for everything else.
            skills={**directory_skills.get(person.pk, {}), **own} if enrolment.role == Role.MENTOR else {},
            goals=own if enrolment.role == Role.MENTEE else {},
            interests=frozenset(enrolment.interests),
            values=frozenset(enrolment.values),
            availability=tuple(Window(w["day"], w["start"], w["end"]) for w in enrolment.availability),
            diversity=diversity.get(person.pk, {}),
            capacity=max(1, enrolment.capacity),
            name=person.given_name,
        )
        participants.append((participant, enrolment))
    return participants


def skill_taxonomy() -> Taxonomy:
    skills = Skill.objects.prefetch_related("related").only("slug", "synonyms")
    return Taxonomy(
        synonyms={skill.slug: frozenset(skill.synonyms) for skill in skills},
        related={skill.slug: frozenset(related.slug for related in skill.related.all()) for skill in skills},
    )


def engine_rules(
    program: Program, *, pinned: list[tuple[str, str]], forbidden: list[tuple[str, str]], past: list[tuple[str, str]]
) -> Rules:
    return Rules(
        **match_settings(program).engine_rules(),
        min_grade_gap=program.min_grade_gap,
        max_mentors_per_mentee=2 if program.pairing_format == PairingFormat.TWO_MENTORS_ONE_MENTEE else 1,
        pinned=frozenset(pinned),
        forbidden=frozenset(forbidden),
        past_pairs=frozenset(past),
    )


def engine_weights(program: Program) -> Weights:
    return Weights(**match_settings(program).engine_weights())


def reason_code(reason: StoredReason) -> str:
    """A stored reason's code; "" for a bare sentence stored before reasons had codes."""
    return str(reason.get("code", "")) if isinstance(reason, dict) else ""


def participant_safe_reasons(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    """The engine's reasons as stored, the diversity reason (by its code) made generic: no attribute in its text or params.

    Naming the attributes would hint at a partner's consented answers.
    """
    return [
        {"code": DIVERSITY_REASON, "text": GENERIC_DIVERSITY_REASON, "params": {}}
        if reason.code == DIVERSITY_REASON
        else {"code": reason.code, "text": reason.text, "params": dict(reason.params)}
        for reason in reasons
    ]


def pair_rule_breaks(mentor: Participant, mentee: Participant, rules: Rules, *, mentor_name: str, mentee_name: str) -> list[RuleBreak]:
    """The hard rules a pair breaks now, as codes with params naming the people (availability is left to the fingerprint).

    Worded when read (``rule_breaks.describe_rule_break``). No sensitive attribute is named: the engine never makes
    one a hard rule.
    """
    names = {"mentor": mentor_name, "mentee": mentee_name}
    breaks = []
    if mentor.id in mentee.ancestors:
        breaks.append(RuleBreak(MENTEE_IN_MENTOR_LINE, names))
    if mentee.id in mentor.ancestors:
        breaks.append(RuleBreak(MENTOR_IN_MENTEE_LINE, names))
    if mentee.grade - mentor.grade < rules.min_grade_gap:
        breaks.append(RuleBreak(GRADE_GAP, {**names, "gap": rules.min_grade_gap}))
    if rules.require_shared_language and not set(mentor.languages) & set(mentee.languages):
        breaks.append(RuleBreak(NO_SHARED_LANGUAGE, names))
    if rules.forbid_same_department and mentor.department == mentee.department:
        breaks.append(RuleBreak(SAME_DEPARTMENT, names))
    if (mentor.id, mentee.id) in rules.forbidden:
        breaks.append(RuleBreak(FORBIDDEN_PAIR, names))
    return breaks
