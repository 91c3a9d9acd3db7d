"""Plain-language reasons: why a pair was made, and why someone was left without a partner."""

from __future__ import annotations

import functools

import numpy as np

from turnabout.engine._features import SLOT_MINUTES, Encoded, FloatArray, IntArray
from turnabout.engine._parallel import in_parallel, split, workers
from turnabout.engine._problem import COMPONENTS, MAX_LEVEL, Participant
from turnabout.engine._result import Reason
from turnabout.engine._rules import edge_overlap_slots, edge_rule_checks
from turnabout.engine._scoring import edge_scores

TOP_REASONS = 3

# Every code a Reason of the engine can carry. Pair reasons are named after their score component; the
# params of each code are documented where it is made.
PAIR_REASON_CODES = frozenset({"goals", "common_ground", "availability", "boundaries", "diversity", "grade_gap"})
UNMATCHED_REASON_CODES = frozenset(
    {
        "no_capacity",
        "nobody_on_other_side",
        "ruled_out",
        "below_minimum_score",
        "below_fairness_floor",
        "partner_taken",
        "partners_taken",
    }
)
REASON_CODES = PAIR_REASON_CODES | UNMATCHED_REASON_CODES
# The hard rules an unmatched reason's ``rules`` param can name (``RuleCheck.rule``).
RULE_CODES = frozenset({"capacity", "grade_gap", "language", "reporting_line", "department", "availability", "forbidden", "past_pair"})


@functools.cache
def label(skill: str) -> str:
    """A skill id as words: ``"public-speaking"`` → ``"public speaking"``."""
    return skill.replace("-", " ").replace("_", " ")


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{text} {rest} minutes" if rest else text


def pair_reasons(
    encoded: Encoded, mentee_row: int, mentor_col: int, contributions: FloatArray, *, overlap_slots: int | None = None
) -> tuple[Reason, ...]:
    """Up to three reasons on the components that contribute most to a pair's score, coded by component.

    Params: ``mentor`` and ``mentee`` (display names) on every reason; ``goals``: ``skills``, a list of
    ``{"skill", "level" (or None), "max_level", "through" (the related skill credited, or None), "top"
    ("only", "one_of" or "")}``; ``common_ground``: ``interests`` and ``values`` (words); ``availability``:
    ``minutes`` a week; ``boundaries``: ``departments`` and ``sites``, each the two names (None when unspecified)
    or None when the same; ``diversity``: ``attributes``; ``grade_gap``: ``gap``.

    Parameters
    ----------
    encoded : Encoded
        The compiled problem.
    mentee_row, mentor_col : int
        The pair.
    contributions : numpy.ndarray
        The pair's weighted components in ``COMPONENTS`` order.
    overlap_slots : int, optional
        The pair's shared availability slots when the caller has them already (computed otherwise).
    """
    problem = encoded.problem
    mentor = problem.mentors[mentor_col]
    mentee = problem.mentees[mentee_row]
    a, b = mentor.display_name, mentee.display_name
    names = {"mentor": a, "mentee": b}
    sentences: list[tuple[float, Reason]] = []
    amounts = contributions.tolist()[: len(COMPONENTS)]
    # Largest first, ties in component order (a stable sort); only the first TOP_REASONS sentences are kept.
    for position in sorted(range(len(amounts)), key=lambda index: -amounts[index]):
        if len(sentences) == TOP_REASONS:
            break
        value = float(amounts[position])
        if value <= 0:
            continue
        name = COMPONENTS[position]
        if name == "goals":
            credit = encoded.mentor_credits[mentor_col]
            goals = encoded.mentee_goals[mentee_row]
            top_priority = max(goals.values(), default=0)
            helped = sorted(
                ((priority * credit[skill][0], skill, priority) for skill, priority in goals.items() if skill in credit),
                key=lambda item: (-item[0], item[1]),
            )[:2]
            parts, skills = [], []
            for _value, skill, priority in helped:
                amount, source = credit[skill]
                level = round(amount * MAX_LEVEL) if source == skill else None
                if level is not None:
                    part = f"{label(skill)} (level {level} of {MAX_LEVEL}"
                else:
                    part = f"{label(skill)} (through the related skill {label(source)}"
                tops = sum(1 for value in goals.values() if value == top_priority)
                top = ("only" if tops == 1 else "one_of") if priority == top_priority and len(goals) > tops else ""
                part += {"only": f", {b}'s top goal)", "one_of": f", one of {b}'s top goals)", "": ")"}[top]
                parts.append(part)
                through = label(source) if level is None else None
                skills.append({"skill": label(skill), "level": level, "max_level": MAX_LEVEL, "through": through, "top": top})
            if parts:
                sentences.append((value, Reason("goals", f"{a} can help {b} with {_join(parts)}.", {**names, "skills": skills})))
        elif name == "common_ground":
            interests = sorted(frozenset(mentor.interests) & frozenset(mentee.interests))
            values = sorted(frozenset(mentor.values) & frozenset(mentee.values))
            clauses = []
            if interests:
                clauses.append(f"both enjoy {_join([label(x) for x in interests[:3]])}")
            if values:
                clauses.append(f"both value {_join([label(x) for x in values[:3]])}")
            shared = {"interests": [label(x) for x in interests[:3]], "values": [label(x) for x in values[:3]]}
            sentences.append((value, Reason("common_ground", f"They have common ground: {_join(clauses)}.", {**names, **shared})))
        elif name == "availability":
            slots = (
                overlap_slots
                if overlap_slots is not None
                else int(edge_overlap_slots(encoded, np.array([mentee_row]), np.array([mentor_col]))[0])
            )
            minutes = slots * SLOT_MINUTES
            text = f"Their calendars overlap {_hours(minutes)} a week."
            sentences.append((value, Reason("availability", text, {**names, "minutes": minutes})))
        elif name == "boundaries":
            differences = []
            if mentor.department != mentee.department:
                differences.append(f"departments ({mentor.department or 'unspecified'} and {mentee.department or 'unspecified'})")
            if mentor.site != mentee.site:
                differences.append(f"sites ({mentor.site or 'unspecified'} and {mentee.site or 'unspecified'})")
            text = f"They work in different {_join(differences)}, so each sees another part of the organisation."
            params = {
                **names,
                "departments": [mentor.department or None, mentee.department or None] if mentor.department != mentee.department else None,
                "sites": [mentor.site or None, mentee.site or None] if mentor.site != mentee.site else None,
            }
            sentences.append((value, Reason("boundaries", text, params)))
        elif name == "diversity":
            attributes = [
                attribute
                for attribute in encoded.diversity_attributes
                if attribute in mentor.diversity
                and attribute in mentee.diversity
                and mentor.diversity[attribute] != mentee.diversity[attribute]
            ]
            words = [label(x) for x in attributes]
            text = f"They bring different perspectives ({_join(words)}), as the program asks."
            sentences.append((value, Reason("diversity", text, {**names, "attributes": words})))
        elif name == "grade_gap":
            gap = mentee.grade - mentor.grade
            text = f"{b} is {gap} grade{'s' if gap != 1 else ''} more senior than {a}: a genuine reverse-mentoring pair."
            sentences.append((value, Reason("grade_gap", text, {**names, "gap": gap})))
    return tuple(reason for _value, reason in sentences[:TOP_REASONS])


def unmatched_reasons(encoded: Encoded, people: IntArray, *, is_mentee: bool, mode: str, threshold: float | None) -> list[Reason]:
    """Why each of ``people`` has no partner, naming the rule or the competition that left them out.

    Hard rules are applied one after another against everyone on the other side; the sentence
    names the rules that removed candidates, up to the one that removed the last. People are
    checked in blocks against the whole other side at once.

    Every reason's params hold ``other``, the side they would pair with (``"mentor"`` or ``"mentee"``);
    ``ruled_out`` and ``below_minimum_score`` also ``rules`` (the rule names, in order, that removed
    candidates), ``min_grade_gap`` and ``min_overlap_minutes``; ``below_minimum_score`` ``min_pair_score``;
    ``below_fairness_floor`` ``count`` and ``fairness_floor``; ``partners_taken`` ``count``.
    """
    others = encoded.n_mentors if is_mentee else encoded.n_mentees
    step = max(1, _BLOCK_PAIRS // max(1, others))

    def explain(first: int, stop: int, done: list[int], slot: int) -> list[Reason]:
        reasons: list[Reason] = []
        for start in range(first, stop, step):
            reasons += _block_reasons(encoded, np.asarray(people[start : min(start + step, stop)]), is_mentee, mode, threshold)
            done[slot] = len(reasons)
        return reasons

    parts = in_parallel(split(len(people), step, workers()), explain, len(people), None, "explaining")
    return [reason for part in parts for reason in part]


_BLOCK_PAIRS = 2_000_000


def _block_reasons(encoded: Encoded, people: IntArray, is_mentee: bool, mode: str, threshold: float | None) -> list[Reason]:
    others = encoded.n_mentors if is_mentee else encoded.n_mentees
    other = "mentor" if is_mentee else "mentee"
    side = encoded.problem.mentees if is_mentee else encoded.problem.mentors
    base: dict[str, object] = {"other": other}
    if others == 0:
        nobody = Reason("nobody_on_other_side", f"There are no {other}s in this run.", base)
        return [_zero_capacity(side[person], other) or nobody for person in people.tolist()]
    fixed = np.repeat(people, others)
    index = np.tile(np.arange(others), len(people))
    rows, cols = (fixed, index) if is_mentee else (index, fixed)
    shape = (len(people), others)
    remaining = np.ones(shape, dtype=bool)
    clauses: list[list[str]] = [[] for _ in people]
    rule_names: list[list[str]] = [[] for _ in people]
    emptied = np.zeros(len(people), dtype=bool)
    for check in edge_rule_checks(encoded, rows, cols, for_mentee=is_mentee):
        live = ~emptied
        after = remaining & check.passes.reshape(shape)
        removed = live & (after.sum(axis=1) < remaining.sum(axis=1))
        for position in np.flatnonzero(removed).tolist():
            clauses[position].append(check.clause)
            rule_names[position].append(check.rule)
        remaining = after
        emptied |= ~remaining.any(axis=1)
    minimum = encoded.rules.min_pair_score
    acceptable_count = remaining.sum(axis=1)
    if minimum > 0 and remaining.any():
        local, partner = np.nonzero(remaining)
        pair_rows, pair_cols = (people[local], partner) if is_mentee else (partner, people[local])
        _contributions, scores = edge_scores(encoded, pair_rows, pair_cols)
        acceptable_count = np.bincount(local[scores >= minimum], minlength=len(people))
    rules = encoded.rules
    reasons = []
    for position, person in enumerate(people.tolist()):
        zero = _zero_capacity(side[person], other)
        if zero:
            reasons.append(zero)
            continue
        said = clauses[position]
        ruled = {
            **base,
            "rules": rule_names[position],
            "min_grade_gap": rules.min_grade_gap,
            "min_overlap_minutes": rules.min_overlap_minutes,
        }
        if emptied[position]:
            # Emptied by a rule, so that rule (at least) is named.
            reasons.append(Reason("ruled_out", f"No {other} {_join(said)}.", ruled))
            continue
        count = int(acceptable_count[position])
        if count == 0:
            rule_text = f" who {_join(said)}" if said else ""
            text = f"Every {other}{rule_text} would score below the program's minimum pair score of {minimum:.2f}."
            reasons.append(Reason("below_minimum_score", text, {**ruled, "min_pair_score": minimum}))
        elif threshold is not None and mode == "fair":
            text = (
                f"The {count} {other}{'s' if count != 1 else ''} who meet the rules are taken, "
                f"or would pair below the fairness floor of {threshold:.2f} that lets everyone else be matched."
            )
            reasons.append(Reason("below_fairness_floor", text, {**base, "count": count, "fairness_floor": threshold}))
        elif count == 1:
            text = f"The one {other} who meets the rules is already matched with someone they fit better."
            reasons.append(Reason("partner_taken", text, base))
        else:
            text = f"All {count} {other}s who meet the rules are already matched at capacity with pairs that score higher overall."
            reasons.append(Reason("partners_taken", text, {**base, "count": count}))
    return reasons


def _zero_capacity(person: Participant, other: str) -> Reason | None:
    if person.capacity != 0:
        return None
    return Reason("no_capacity", "Their capacity is 0, so they take no partner in this run.", {"other": other})
