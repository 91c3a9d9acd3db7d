"""Hard rules, vectorised: which (mentee, mentor) pairs may be made at all.

Rules are checked before anything is scored, on whole blocks of mentees against every mentor, and
the same rules can be asked one by one for any list of pairs so that an unmatched person can be
told which rule left them without a partner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from turnabout.engine._features import (
    BLOCK_FORBIDDEN,
    BLOCK_PAST_PAIR,
    BLOCK_REPORTING_LINE,
    SLOT_MINUTES,
    BoolArray,
    Encoded,
    IntArray,
)
from turnabout.engine._sorting import pair_keys


def edge_overlap_slots(encoded: Encoded, rows: IntArray, cols: IntArray) -> npt.NDArray[np.int16]:
    """Overlapping slots for the pairs ``(rows[k], cols[k])``."""
    mentors, mentees = encoded.mentors, encoded.mentees
    if encoded.overlap_table is not None:
        return encoded.overlap_table[mentees.slot_pattern[rows], mentors.slot_pattern[cols]]
    return np.bitwise_count(mentees.slots[rows] & mentors.slots[cols]).sum(axis=1).astype(np.int16)


@dataclass(frozen=True)
class RuleCheck:
    """One hard rule checked on a list of pairs: ``passes[k]`` for pair ``k``."""

    rule: str
    clause: str  # completes "no mentor who ..." / "no mentee who ..."
    passes: BoolArray


def edge_rule_checks(encoded: Encoded, rows: IntArray, cols: IntArray, *, for_mentee: bool) -> list[RuleCheck]:
    """Every hard rule (except the minimum score) on pairs ``(rows[k], cols[k])``, in reporting order.

    ``for_mentee`` picks the wording: clauses describe the mentor a mentee lacks, or the reverse.
    """
    rules, mentors, mentees = encoded.rules, encoded.mentors, encoded.mentees
    other = "mentee" if not for_mentee else "mentor"
    gap = rules.min_grade_gap
    grades = "grade" if gap == 1 else "grades"
    checks = [
        RuleCheck("capacity", "has room for a partner", (mentors.capacity[cols] > 0) & (mentees.capacity[rows] > 0)),
        RuleCheck(
            "grade_gap",
            f"is at least {gap} {grades} {'junior' if for_mentee else 'senior'}",
            (mentees.grade[rows] - mentors.grade[cols]) >= gap,
        ),
    ]
    if rules.require_shared_language:
        shared = ((mentees.languages[rows] & mentors.languages[cols]) != 0).any(axis=1)
        checks.append(RuleCheck("language", "shares a language", shared))
    blocked_kind = _edge_blocked_kind(encoded, rows, cols)
    checks.append(RuleCheck("reporting_line", "is outside their reporting line", blocked_kind != BLOCK_REPORTING_LINE))
    if rules.forbid_same_department:
        checks.append(RuleCheck("department", "works in another department", mentees.department[rows] != mentors.department[cols]))
    if rules.min_overlap_minutes:
        minutes = edge_overlap_slots(encoded, rows, cols).astype(np.int64) * SLOT_MINUTES
        checks.append(
            RuleCheck(
                "availability",
                f"has at least {rules.min_overlap_minutes} minutes of shared weekly availability",
                minutes >= rules.min_overlap_minutes,
            )
        )
    checks.append(RuleCheck("forbidden", f"is allowed by the program as their {other}", blocked_kind != BLOCK_FORBIDDEN))
    checks.append(RuleCheck("past_pair", "has not been paired with them before", blocked_kind != BLOCK_PAST_PAIR))
    return checks


def edge_feasible(encoded: Encoded, rows: IntArray, cols: IntArray) -> BoolArray:
    """Whether each pair passes every hard rule except the minimum score."""
    passes = np.ones(len(rows), dtype=bool)
    for check in edge_rule_checks(encoded, rows, cols, for_mentee=True):
        passes &= check.passes
    return passes


def _edge_blocked_kind(encoded: Encoded, rows: IntArray, cols: IntArray) -> IntArray:
    kind = np.zeros(len(rows), dtype=np.int32)
    if len(encoded.blocked_rows) == 0 or len(rows) == 0:
        return kind
    width = encoded.n_mentors
    # Blocked pairs are sorted by mentee: only those of the mentees asked about are searched (a block
    # of explanations asks about a few mentees, against every mentor).
    first, stop = encoded.blocked_indptr[int(rows.min())], encoded.blocked_indptr[int(rows.max()) + 1]
    keys = pair_keys(encoded.blocked_rows[first:stop], encoded.blocked_cols[first:stop], width)
    if len(keys) == 0:
        return kind
    queries = pair_keys(rows, cols, width)
    kinds = encoded.blocked_kind[first:stop]
    if np.all(queries[1:] > queries[:-1]):
        # Distinct sorted queries (a block of explanations): look each blocked pair up among them.
        positions = np.searchsorted(queries, keys).clip(max=len(queries) - 1)
        hit = queries[positions] == keys
        kind[positions[hit]] = kinds[hit]
        return kind
    positions = np.searchsorted(keys, queries)
    found = positions < len(keys)
    found[found] = keys[positions[found]] == queries[found]
    kind[found] = kinds[positions[found]]
    return kind
