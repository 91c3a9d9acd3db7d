"""Retention and promotion of a program's participants against similar colleagues, from the directory (HRIS) data.

The database side of :mod:`turnabout.insights.comparison`: it builds one :class:`~turnabout.insights.comparison.Employee`
row per person of the program's organisation who was employed on the program's start date, then lets the
framework-free comparison match and estimate. Four queries whatever the organisation's size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from turnabout.engagement.models import Pair, PairMember
from turnabout.insights.comparison import CAUTION, ComparisonReport, Employee, Outcome, compare_outcomes
from turnabout.insights.figures import min_cell
from turnabout.insights.reach import grade_band_label
from turnabout.insights.suppression import suppress_counts
from turnabout.people.models import EmploymentStatus, Grade, GradeChange, Person
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program
from turnabout.programs.rules import add_months

HORIZON_MONTHS: Mapping[Outcome, int] = {"retained_6m": 6, "retained_12m": 12, "promoted_6m": 6, "promoted_12m": 12}
OUTCOME_LABELS: Mapping[Outcome, str] = {
    "retained_6m": gettext_noop("Still employed 6 months after the start"),
    "retained_12m": gettext_noop("Still employed 12 months after the start"),
    "promoted_6m": gettext_noop("Promoted within 6 months of the start"),
    "promoted_12m": gettext_noop("Promoted within 12 months of the start"),
}
HIDDEN = "—"


def tenure_band(hire_date: date, start: date) -> str:
    """Completed years of service on ``start``: "<1y", "1-3y", "3-5y" or "5y+"."""
    years = start.year - hire_date.year - ((start.month, start.day) < (hire_date.month, hire_date.day))
    if years < 1:
        return "<1y"
    if years < 3:
        return "1-3y"
    if years < 5:
        return "3-5y"
    return "5y+"


def program_retention(program: Program, *, today: date) -> ComparisonReport | None:
    """Participants' retention and promotion at 6 and 12 months against non-participants of the same grade band,
    department and tenure band, or ``None`` when the program has no start date or starts after ``today``.

    Participants: people with an approved enrolment in the program or in one of its pairs. Everyone else of the
    organisation employed on the start date is a possible match (employees only: a guest from outside is never a
    participant or a colleague here), in the grade they held that day (read back from
    GradeChange). People without a grade, department or hire date cannot be matched and are left out. An outcome
    whose horizon is after ``today`` is not yet observable (``None``).
    Read-only; four queries. Counts in the report are raw: pass them through suppression before showing them.
    """
    start = program.starts_on
    if start is None or start > today:
        return None
    horizons = {months: add_months(start, months) for months in (6, 12)}
    observable = {months: horizon <= today for months, horizon in horizons.items()}

    pair_people = Pair.objects.filter(program=program)
    members = PairMember.objects.filter(pair__program=program)  # every member of a circle, and a pair's two
    participant_ids = set(
        Enrolment.objects.filter(program=program)
        .filter(
            Q(status=EnrolmentStatus.APPROVED)
            | Q(pk__in=pair_people.values("mentor_id"))
            | Q(pk__in=pair_people.values("mentee_id"))
            | Q(pk__in=members.values("enrolment_id"))
        )
        .order_by()  # the default ordering joins the directory to sort by name, for a set
        .values_list("person_id", flat=True)
    )
    ranks = list(Grade.objects.filter(organisation_id=program.organisation_id).order_by("rank").values_list("id", "rank", "code"))
    ladder = [(rank, code) for _id, rank, code in ranks]
    band_of_grade = {grade_id: grade_band_label(ladder, position) for position, (grade_id, _rank, _code) in enumerate(ranks)}

    employed_on_start = (
        Person.objects.employees()
        .filter(organisation_id=program.organisation_id, hire_date__lte=start, department__isnull=False)
        .filter(Q(end_date__gt=start) | Q(end_date__isnull=True, employment_status=EmploymentStatus.ACTIVE))
        .order_by()
    )
    people = list(employed_on_start.values_list("id", "grade_id", "department_id", "hire_date", "end_date"))
    # Grade changes since the start, oldest first: the first one's from-grade is the grade held on the start date,
    # and the first change to a higher rank within a horizon is a promotion.
    changes = (
        GradeChange.objects.filter(person_id__in=employed_on_start.values("id"), changed_on__gt=start)
        .order_by("person_id", "changed_on", "pk")
        .values_list("person_id", "changed_on", "from_grade_id", "from_grade__rank", "to_grade__rank")
    )
    grade_on_start: dict[int, int | None] = {}
    first_promotion: dict[int, date] = {}
    for person_id, changed_on, from_grade_id, from_rank, to_rank in changes:
        grade_on_start.setdefault(person_id, from_grade_id)
        if from_rank is not None and to_rank > from_rank:
            first_promotion.setdefault(person_id, changed_on)

    def retained(end_date: date | None, months: int) -> bool | None:
        return (end_date is None or end_date > horizons[months]) if observable[months] else None

    def promoted(person_id: int, months: int) -> bool | None:
        return (person_id in first_promotion and first_promotion[person_id] <= horizons[months]) if observable[months] else None

    rows = [
        Employee(
            id=str(person_id),
            is_participant=person_id in participant_ids,
            grade_band=band_of_grade[grade_id],
            department=str(department_id),
            tenure_band=tenure_band(hire_date, start),
            retained_6m=retained(end_date, 6),
            retained_12m=retained(end_date, 12),
            promoted_6m=promoted(person_id, 6),
            promoted_12m=promoted(person_id, 12),
        )
        for person_id, current_grade_id, department_id, hire_date, end_date in people
        if (grade_id := grade_on_start.get(person_id, current_grade_id)) is not None and hire_date is not None
    ]
    return compare_outcomes(rows, k=min_cell())


@dataclass(frozen=True, slots=True)
class RetentionLine:
    """One outcome ready to show: rates, effect and interval (in points), counts already suppressed, or a note."""

    key: str
    label: str
    participant_rate: str
    control_rate: str
    effect: str
    interval: str
    participants: str
    controls: str
    note: str


@dataclass(frozen=True, slots=True)
class RetentionSection:
    """The dashboard's "Retention and promotion against similar colleagues" section."""

    start: date
    lines: list[RetentionLine]
    is_reportable: bool
    caution: str = ""

    def __post_init__(self) -> None:
        # The caution in the reader's language (CAUTION is only marked for translation).
        if not self.caution:
            object.__setattr__(self, "caution", _(CAUTION))


def retention_section(program: Program, report: ComparisonReport | None, *, today: date) -> RetentionSection | None:
    """What the dashboard shows of ``report``: every count through :func:`suppress_counts` at the report's ``k``."""
    if report is None or program.starts_on is None:
        return None
    lines = []
    for outcome, comparison in report.outcomes.items():
        horizon = add_months(program.starts_on, HORIZON_MONTHS[outcome])
        counts = suppress_counts(
            {"participants": comparison.participants_matched, "controls": comparison.controls_matched}, k=report.k, total_shown=False
        )
        shown = {group: HIDDEN if count is None else str(count) for group, count in counts.values.items()}
        if horizon > today:
            lines.append(_withheld(outcome, _("not yet observable (from %(date)s)") % {"date": date_format(horizon, "j F Y")}))
            continue
        if comparison.effect is None or comparison.participant_rate is None or comparison.control_rate is None:
            note = _("withheld: fewer than %(k)d participants or similar colleagues to compare") % {"k": report.k}
            lines.append(_withheld(outcome, note, participants=shown["participants"], controls=shown["controls"]))
            continue
        effect = comparison.effect
        lines.append(
            RetentionLine(
                key=outcome,
                label=_(OUTCOME_LABELS[outcome]),
                participant_rate=f"{100 * comparison.participant_rate:.1f} %",
                control_rate=f"{100 * comparison.control_rate:.1f} %",
                effect=_("%(effect)s points") % {"effect": f"{100 * effect.estimate:+.1f}"},
                interval=_("%(level)s %% CI %(low)s to %(high)s points")
                % {"level": f"{100 * effect.level:.0f}", "low": f"{100 * effect.low:+.1f}", "high": f"{100 * effect.high:+.1f}"},
                participants=shown["participants"],
                controls=shown["controls"],
                note="",
            )
        )
    return RetentionSection(start=program.starts_on, lines=lines, is_reportable=any(c.is_reportable for c in report.outcomes.values()))


def _withheld(outcome: Outcome, note: str, *, participants: str = HIDDEN, controls: str = HIDDEN) -> RetentionLine:
    return RetentionLine(outcome, _(OUTCOME_LABELS[outcome]), HIDDEN, HIDDEN, HIDDEN, "", participants, controls, note)
