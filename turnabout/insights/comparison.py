"""Retention and promotion of participants against matched non-participants.

Method (coarsened exact matching, estimating the effect on participants):

1. **Strata.** Employees are grouped by ``(grade_band, department, tenure_band)``.
2. **Observable outcomes only.** For each outcome, employees whose value is ``None`` (not yet
   observable, for instance joined less than 12 months ago) are left out of that outcome.
3. **Matching.** A stratum is matched when it holds at least one participant and one non-participant
   with the outcome observed. Participants in other strata are *unmatched* and left out.
4. **Weighting.** Each matched stratum ``s`` weighs ``w_s = p_s / P``: its matched participants over all
   matched participants. The participant rate is ``Σ w_s · a_s / p_s`` (simply the rate of matched
   participants); the control rate is ``Σ w_s · b_s / c_s`` — what non-participants would show with the
   participants' mix of grades, departments and tenures. The effect is participant rate − control rate.
5. **Interval.** Deterministic, no resampling: Newcombe's hybrid score interval (MOVER), with the
   participant rate's Wilson interval and, for the weighted control rate, the MOVER interval of a
   weighted sum of independent proportions (Zou & Donner 2008): its bounds are
   ``θ ∓ √(Σ w_s² (b_s/c_s − wilson_bound_s)²)``. So
   ``low = d − √((θ_P − l_P)² + (u_C − θ_C)²)`` and ``high = d + √((u_P − θ_P)² + (θ_C − l_C)²)``.
6. **Small cells.** With fewer than ``k`` matched participants or matched non-participants, rates and
   effect are withheld (``None``). Counts are returned as they are: pass them through
   :func:`turnabout.insights.suppression.suppress_counts` before publishing them.

Every published comparison carries :data:`CAUTION`.

Examples
--------
Two strata; in Sales (one participant, two controls) the participant stayed, one of two controls did;
in Tech (two participants, one control) both stayed, as did the control.

>>> people = [
...     Employee("E1", True, "G3", "Sales", "1-3y", retained_6m=True),
...     Employee("E2", False, "G3", "Sales", "1-3y", retained_6m=True),
...     Employee("E3", False, "G3", "Sales", "1-3y", retained_6m=False),
...     Employee("E4", True, "G5", "Tech", "3-5y", retained_6m=True),
...     Employee("E5", True, "G5", "Tech", "3-5y", retained_6m=True),
...     Employee("E6", False, "G5", "Tech", "3-5y", retained_6m=True),
...     Employee("E7", True, "G9", "Legal", "5y+", retained_6m=False),
... ]
>>> report = compare_outcomes(people, k=3, outcomes=("retained_6m",))
>>> result = report.outcomes["retained_6m"]
>>> result.participants_matched, result.controls_matched, result.participants_unmatched, result.strata
(3, 3, 1, 2)
>>> result.participant_rate, round(result.control_rate, 4), round(result.effect.estimate, 4)
(1.0, 0.8333, 0.1667)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from turnabout.insights.stats import Estimate, wilson_bounds, z_value
from turnabout.insights.suppression import validate_k

__all__ = [
    "CAUTION",
    "METHOD",
    "OUTCOMES",
    "ComparisonReport",
    "Employee",
    "Outcome",
    "OutcomeComparison",
    "compare_outcomes",
]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the translation catalogues (``makemessages`` finds the call by name) without importing
    Django: this module is framework-free. The dashboard and the PDF report show it through ``gettext``."""
    return message


CAUTION = gettext_noop(
    "Effects of mentoring on retention and promotion are usually small; this comparison matches on grade, "
    "department and tenure but cannot rule out that more engaged people chose to take part."
)
"""Plain-language caution to show beside every comparison."""

METHOD = gettext_noop(
    "Participants are compared with non-participants of the same grade band, department and tenure band; "
    "non-participants' rates are weighted by the number of participants in each group. The interval is "
    "Newcombe's hybrid score interval extended to the weighted rate (MOVER); no resampling, so it is reproducible."
)
"""Plain-language description of the method, for a dashboard footnote."""

Outcome = Literal["retained_6m", "retained_12m", "promoted_6m", "promoted_12m"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
"""The outcomes compared, in display order."""

_Stratum = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Employee:
    """One employee's row: participation, matching strata and outcomes (``None`` = not yet observable)."""

    id: str
    is_participant: bool
    grade_band: str
    department: str
    tenure_band: str
    retained_6m: bool | None = None
    retained_12m: bool | None = None
    promoted_6m: bool | None = None
    promoted_12m: bool | None = None


@dataclass(frozen=True, slots=True)
class OutcomeComparison:
    """Participants against matched non-participants on one outcome.

    Counts are of employees with the outcome observed, except ``participants_unobserved`` (participants
    whose outcome is ``None``). ``participant_rate``, ``control_rate`` and ``effect`` (participant rate −
    control rate, −1 to 1, with its interval; ``n`` counts both groups) are ``None`` when fewer than ``k``
    participants or non-participants were matched.
    """

    outcome: Outcome
    participants_matched: int
    controls_matched: int
    participants_unmatched: int
    participants_unobserved: int
    strata: int
    participant_rate: float | None
    control_rate: float | None
    effect: Estimate | None

    @property
    def is_reportable(self) -> bool:
        """Whether enough people were matched to publish the rates and effect."""
        return self.effect is not None


@dataclass(frozen=True, slots=True)
class ComparisonReport:
    """Every outcome's comparison, with matching counts irrespective of outcomes, the method and the caution.

    ``participants_matched`` counts participants whose stratum has at least one non-participant;
    ``controls_matched`` the non-participants in those strata.
    """

    outcomes: Mapping[Outcome, OutcomeComparison]
    participants: int
    controls: int
    participants_matched: int
    controls_matched: int
    participants_unmatched: int
    level: float
    k: int
    method: str = METHOD
    caution: str = CAUTION


def compare_outcomes(
    employees: Iterable[Employee], *, level: float = 0.95, k: int = 5, outcomes: Sequence[Outcome] = OUTCOMES
) -> ComparisonReport:
    """Compare participants with non-participants of the same grade band, department and tenure band.

    See the module docstring for the method. Deterministic: the same rows, in any order, give the same report.

    Parameters
    ----------
    employees : iterable of Employee
        Participants and non-participants, each once (ids must be unique).
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.
    k : int, default 5
        Smallest number of matched participants, and of matched non-participants, for which rates and
        effect are published; at least 3.
    outcomes : sequence of str, default all of :data:`OUTCOMES`
        The outcomes to compare.

    Returns
    -------
    ComparisonReport

    Raises
    ------
    ValueError
        If ``level`` is outside (0, 1), ``k`` is below 3, an outcome is unknown, an id repeats, or a row
        holds something other than a boolean (or ``None`` for an outcome).
    """
    z = z_value(level)
    threshold = validate_k(k)
    unknown = [outcome for outcome in outcomes if outcome not in OUTCOMES]
    if unknown:
        raise ValueError(f"outcomes must be among {list(OUTCOMES)}; got {unknown!r}")
    rows = _validated(employees, outcomes)

    participants_by_stratum: dict[_Stratum, int] = defaultdict(int)
    controls_by_stratum: dict[_Stratum, int] = defaultdict(int)
    for employee in rows:
        by_stratum = participants_by_stratum if employee.is_participant else controls_by_stratum
        by_stratum[_stratum(employee)] += 1
    matched_strata = {stratum for stratum in participants_by_stratum if controls_by_stratum.get(stratum, 0) > 0}
    participants = sum(participants_by_stratum.values())
    participants_matched = sum(participants_by_stratum[stratum] for stratum in matched_strata)

    return ComparisonReport(
        outcomes={outcome: _compare_outcome(rows, outcome, z=z, level=level, k=threshold) for outcome in outcomes},
        participants=participants,
        controls=sum(controls_by_stratum.values()),
        participants_matched=participants_matched,
        controls_matched=sum(controls_by_stratum[stratum] for stratum in matched_strata),
        participants_unmatched=participants - participants_matched,
        level=level,
        k=threshold,
    )


def _compare_outcome(rows: list[Employee], outcome: Outcome, *, z: float, level: float, k: int) -> OutcomeComparison:
    # stratum → [participants, participant successes, controls, control successes]
    tallies: dict[_Stratum, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    participants_unobserved = 0
    for employee in rows:
        value = getattr(employee, outcome)
        if value is None:
            participants_unobserved += employee.is_participant
            continue
        tally = tallies[_stratum(employee)]
        offset = 0 if employee.is_participant else 2
        tally[offset] += 1
        tally[offset + 1] += value
    # Strata in sorted order, so float sums (and the report) do not depend on the order of the rows.
    matched = {stratum: tally for stratum, tally in sorted(tallies.items()) if tally[0] > 0 and tally[2] > 0}
    participants_matched = sum(tally[0] for tally in matched.values())
    controls_matched = sum(tally[2] for tally in matched.values())
    participants_observed = sum(tally[0] for tally in tallies.values())
    comparison = OutcomeComparison(
        outcome=outcome,
        participants_matched=participants_matched,
        controls_matched=controls_matched,
        participants_unmatched=participants_observed - participants_matched,
        participants_unobserved=participants_unobserved,
        strata=len(matched),
        participant_rate=None,
        control_rate=None,
        effect=None,
    )
    if participants_matched < k or controls_matched < k:
        return comparison

    participant_successes = sum(tally[1] for tally in matched.values())
    participant_rate = participant_successes / participants_matched
    participant_low, participant_high = wilson_bounds(participant_successes, participants_matched, z)
    control_rate = 0.0
    control_low_squares = control_high_squares = 0.0
    for participants, _, controls, control_successes in matched.values():
        weight = participants / participants_matched
        rate = control_successes / controls
        low, high = wilson_bounds(control_successes, controls, z)
        control_rate += weight * rate
        control_low_squares += (weight * (rate - low)) ** 2
        control_high_squares += (weight * (high - rate)) ** 2
    difference = participant_rate - control_rate
    low = difference - math.sqrt((participant_rate - participant_low) ** 2 + control_high_squares)
    high = difference + math.sqrt((participant_high - participant_rate) ** 2 + control_low_squares)
    effect = Estimate(estimate=difference, low=max(-1.0, low), high=min(1.0, high), n=participants_matched + controls_matched, level=level)
    return OutcomeComparison(
        outcome=outcome,
        participants_matched=participants_matched,
        controls_matched=controls_matched,
        participants_unmatched=comparison.participants_unmatched,
        participants_unobserved=participants_unobserved,
        strata=len(matched),
        participant_rate=participant_rate,
        control_rate=control_rate,
        effect=effect,
    )


def _stratum(employee: Employee) -> _Stratum:
    return employee.grade_band, employee.department, employee.tenure_band


def _validated(employees: Iterable[Employee], outcomes: Sequence[Outcome]) -> list[Employee]:
    rows = list(employees)
    seen: set[str] = set()
    for position, employee in enumerate(rows):
        if not isinstance(employee, Employee):
            raise ValueError(f"employees must hold Employee rows; got {type(employee).__name__} at position {position}")
        if employee.id in seen:
            raise ValueError(f"employees must have unique ids; got {employee.id!r} twice")
        seen.add(employee.id)
        if not isinstance(employee.is_participant, bool):
            raise ValueError(f"is_participant must be True or False; got {employee.is_participant!r} for {employee.id!r}")
        for outcome in outcomes:
            value = getattr(employee, outcome)
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"{outcome} must be True, False or None; got {value!r} for {employee.id!r}")
    return rows
