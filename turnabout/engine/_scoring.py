"""Pair scores: six explainable components in [0, 1] and their weighted sum.

With ``p_g`` the mentee's priority for goal ``g`` and ``c_jg`` mentor ``j``'s credit for it
(``level / 5`` for the skill itself, ``related_skill_credit * level / 5`` through a related skill):

=============  =====================================================================
goals          ``sum_g p_g * c_jg / sum_g p_g``
common_ground  ``min(1, shared interests and values / common_ground_full_at)``
availability   ``min(1, overlapping weekly minutes / availability_full_at_minutes)``
boundaries     ``0.5 * [different department] + 0.5 * [different site]``
diversity      share of the compared diversity attributes on which the two differ
grade_gap      ``min(1, (mentee grade - mentor grade) / preferred_grade_gap)``
=============  =====================================================================

The score is ``sum_c w_c * component_c`` with the weights normalised to sum to 1.

Two implementations share these formulas: a float32 one over a block of mentees × every mentor,
used only to choose candidates, and an exact float64 one over a list of pairs, which gives the
scores the solver optimises and the contributions reported to people.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from turnabout.engine._features import SLOT_MINUTES, Encoded, Float32Array, FloatArray, IntArray
from turnabout.engine._problem import COMPONENTS
from turnabout.engine._rules import block_feasible, block_overlap_slots, edge_overlap_slots

# Scores are optimised as integers in millionths: exact, deterministic arithmetic in the solver.
SCALE = 1_000_000


def quantise(scores: FloatArray) -> npt.NDArray[np.int64]:
    """Scores in [0, 1] as integer millionths (the solver's exact objective)."""
    return np.rint(np.asarray(scores, dtype=np.float64) * SCALE).astype(np.int64)


def block_scores(encoded: Encoded, rows: IntArray) -> Float32Array:
    """Approximate scores (float32) of mentees ``rows`` against every mentor; ``-inf`` where a rule fails.

    Pairs below the minimum pair score are also ``-inf``. Used to choose candidates, never reported.
    """
    weights, normalised = encoded.weights, encoded.normalised
    mentors, mentees = encoded.mentors, encoded.mentees
    overlap = block_overlap_slots(encoded, rows)
    feasible = block_feasible(encoded, rows, overlap)

    score = np.zeros(feasible.shape, dtype=np.float32)
    if normalised["goals"] and encoded.skill_credit_dense.shape[0]:
        goals = mentees.skills[rows].astype(np.float32)
        score += (goals @ encoded.skill_credit_dense) * np.float32(normalised["goals"])
    if normalised["common_ground"] and encoded.common_dense.shape[0]:
        shared = mentees.common[rows].astype(np.float32) @ encoded.common_dense
        np.minimum(shared, np.float32(weights.common_ground_full_at), out=shared)
        score += shared * np.float32(normalised["common_ground"] / weights.common_ground_full_at)
    if normalised["availability"]:
        full_slots = weights.availability_full_at_minutes / SLOT_MINUTES
        available = np.minimum(overlap.astype(np.float32), np.float32(full_slots))
        score += available * np.float32(normalised["availability"] / full_slots)
    if normalised["boundaries"]:
        half = np.float32(normalised["boundaries"] / 2)
        score += (mentees.department[rows, None] != mentors.department[None, :]) * half
        score += (mentees.site[rows, None] != mentors.site[None, :]) * half
    if normalised["diversity"] and mentees.diversity.shape[1]:
        differ = np.zeros(feasible.shape, dtype=np.float32)
        both = np.zeros(feasible.shape, dtype=np.float32)
        for column in range(mentees.diversity.shape[1]):
            left = mentees.diversity[rows, column][:, None]
            right = mentors.diversity[None, :, column]
            present = (left >= 0) & (right >= 0)
            both += present
            differ += present & (left != right)
        np.maximum(both, 1, out=both)
        score += (differ / both) * np.float32(normalised["diversity"])
    if normalised["grade_gap"]:
        gap = (mentees.grade[rows, None] - mentors.grade[None, :]).astype(np.float32)
        np.clip(gap * np.float32(1 / weights.preferred_grade_gap), 0, 1, out=gap)
        score += gap * np.float32(normalised["grade_gap"])
    score[~feasible] = -np.inf
    if encoded.rules.min_pair_score > 0:
        # The float32 sum may fall a hair short of an exact score at the threshold: keep those as candidates.
        score[score < np.float32(encoded.rules.min_pair_score - 1e-5)] = -np.inf
    return score


def edge_components(encoded: Encoded, rows: IntArray, cols: IntArray) -> FloatArray:
    """Exact components of pairs ``(rows[k], cols[k])`` as an ``(len(rows), 6)`` array in ``COMPONENTS`` order.

    No rule is checked here.
    """
    weights = encoded.weights
    mentors, mentees = encoded.mentors, encoded.mentees
    count = len(rows)
    components = np.zeros((count, len(COMPONENTS)), dtype=np.float64)
    if count == 0:
        return components
    if mentees.skills.shape[1]:
        components[:, 0] = np.asarray(mentees.skills[rows].multiply(mentors.skills[cols]).sum(axis=1)).ravel()
    if mentees.common.shape[1]:
        shared = np.asarray(mentees.common[rows].multiply(mentors.common[cols]).sum(axis=1)).ravel()
        components[:, 1] = np.minimum(shared / weights.common_ground_full_at, 1.0)
    minutes = edge_overlap_slots(encoded, rows, cols).astype(np.float64) * SLOT_MINUTES
    components[:, 2] = np.minimum(minutes / weights.availability_full_at_minutes, 1.0)
    components[:, 3] = 0.5 * (mentees.department[rows] != mentors.department[cols]) + 0.5 * (mentees.site[rows] != mentors.site[cols])
    if mentees.diversity.shape[1]:
        left, right = mentees.diversity[rows], mentors.diversity[cols]
        present = (left >= 0) & (right >= 0)
        differ = (present & (left != right)).sum(axis=1)
        components[:, 4] = differ / np.maximum(present.sum(axis=1), 1)
    gap = (mentees.grade[rows] - mentors.grade[cols]).astype(np.float64)
    components[:, 5] = np.clip(gap / weights.preferred_grade_gap, 0.0, 1.0)
    # Goals can exceed 1 by rounding only; keep every component inside [0, 1].
    np.clip(components, 0.0, 1.0, out=components)
    return components


def weight_vector(encoded: Encoded) -> FloatArray:
    """Normalised weights in ``COMPONENTS`` order."""
    return np.array([encoded.normalised[name] for name in COMPONENTS], dtype=np.float64)


def edge_scores(encoded: Encoded, rows: IntArray, cols: IntArray) -> tuple[FloatArray, FloatArray]:
    """Exact contributions (``(E, 6)``, weight × component) and scores (their row sums) of pairs."""
    contributions = edge_components(encoded, rows, cols) * weight_vector(encoded)
    # Summed left to right, exactly as a reader adds the reported contributions.
    scores = np.zeros(len(rows), dtype=np.float64)
    for column in range(contributions.shape[1]):
        scores += contributions[:, column]
    return contributions, scores
