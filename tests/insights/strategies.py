"""Hypothesis strategies for the insights modules: counts tables, one-way breakdowns, KPI answers."""

from __future__ import annotations

from hypothesis import strategies as st

from turnabout.insights.comparison import Employee
from turnabout.insights.suppression import Cell

ROW_LABELS = ("Finance", "Sales", "Tech", "Legal", "Operations", "People")
COLUMN_LABELS = ("G1", "G2", "G3", "G4", "G5")

thresholds = st.integers(min_value=3, max_value=7)


def counts(threshold: int) -> st.SearchStrategy[int]:
    """Counts that exercise every rule: zeros, small counts (1 to threshold − 1), counts at and above it."""
    return st.one_of(
        st.just(0),
        st.integers(min_value=1, max_value=threshold - 1),
        st.integers(min_value=threshold, max_value=threshold + 3),
        st.integers(min_value=threshold, max_value=60),
    )


@st.composite
def tables(draw: st.DrawFn, *, max_rows: int = 5, max_columns: int = 5) -> tuple[dict[Cell, int], int]:
    """A ``{(row, column): count}`` table of 1×1 up to ``max_rows`` × ``max_columns``, with its threshold."""
    threshold = draw(thresholds)
    height = draw(st.integers(min_value=1, max_value=max_rows))
    width = draw(st.integers(min_value=1, max_value=max_columns))
    table = {(row, column): draw(counts(threshold)) for row in ROW_LABELS[:height] for column in COLUMN_LABELS[:width]}
    return table, threshold


@st.composite
def tables_without_small_counts(draw: st.DrawFn) -> tuple[dict[Cell, int], int]:
    """Tables whose cells and totals are all 0 or at least the threshold."""
    threshold = draw(thresholds)
    height = draw(st.integers(min_value=1, max_value=5))
    width = draw(st.integers(min_value=1, max_value=5))
    large = st.one_of(st.just(0), st.integers(min_value=threshold, max_value=60))
    return {(row, column): draw(large) for row in ROW_LABELS[:height] for column in COLUMN_LABELS[:width]}, threshold


@st.composite
def breakdowns(draw: st.DrawFn) -> tuple[dict[str, int], int]:
    """A one-way breakdown of 1 to 6 groups, with its threshold."""
    threshold = draw(thresholds)
    size = draw(st.integers(min_value=1, max_value=6))
    return {f"Group {index}": draw(counts(threshold)) for index in range(size)}, threshold


levels = st.sampled_from((0.8, 0.9, 0.95, 0.99))


@st.composite
def proportions(draw: st.DrawFn) -> tuple[int, int]:
    """``(successes, n)`` with ``0 <= successes <= n`` and ``1 <= n <= 500``."""
    n = draw(st.integers(min_value=1, max_value=500))
    return draw(st.integers(min_value=0, max_value=n)), n


answers = st.lists(st.integers(min_value=1, max_value=5), min_size=2, max_size=60)
nps_scores = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=80)


@st.composite
def employees(draw: st.DrawFn, *, max_size: int = 40) -> list[Employee]:
    """Employees in a handful of strata, with outcomes sometimes not yet observable (``None``)."""
    outcome = st.one_of(st.none(), st.booleans())
    size = draw(st.integers(min_value=0, max_value=max_size))
    return [
        Employee(
            id=f"E{index}",
            is_participant=draw(st.booleans()),
            grade_band=draw(st.sampled_from(("G1-2", "G3-4"))),
            department=draw(st.sampled_from(("Sales", "Tech"))),
            tenure_band=draw(st.sampled_from(("<1y", "1y+"))),
            retained_6m=draw(outcome),
            retained_12m=draw(outcome),
            promoted_6m=draw(outcome),
            promoted_12m=draw(outcome),
        )
        for index in range(size)
    ]
