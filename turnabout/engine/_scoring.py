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

Two implementations share these formulas: a compiled one that scans mentees against every mentor
(:mod:`turnabout.engine._kernels`), used only to choose and price candidates, and the exact one
here over a list of pairs, which gives the scores the solver optimises and the contributions
reported to people. A property test holds the two together.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from turnabout.engine._features import SLOT_MINUTES, Encoded, FloatArray, IntArray
from turnabout.engine._kernels import row_dots
from turnabout.engine._problem import COMPONENTS
from turnabout.engine._rules import edge_overlap_slots

# Scores are optimised as integers in millionths: exact, deterministic arithmetic in the solver.
SCALE = 1_000_000


def quantise(scores: FloatArray) -> npt.NDArray[np.int64]:
    """Scores in [0, 1] as integer millionths (the solver's exact objective)."""
    return np.rint(np.asarray(scores, dtype=np.float64) * SCALE).astype(np.int64)


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
        components[:, 0] = row_dots(mentees.skills, mentors.skills, rows, cols)
    if mentees.common.shape[1]:
        shared = row_dots(mentees.common, mentors.common, rows, cols)
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
