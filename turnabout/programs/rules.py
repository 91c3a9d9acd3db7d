"""The rules of a program: lifecycle, what may change when, launch readiness, eligibility."""

from __future__ import annotations

import calendar
import re
from datetime import date

from django.utils.translation import gettext, ngettext

from turnabout.people.models import Person
from turnabout.programs.models import Program, ProgramStatus, Role, StrategicDriver

_TEMPLATE_BLANK = re.compile(r"\[[^\]]{3,}\]")

DEFAULT_MATCH_WEIGHTS: dict[str, float] = {
    "learning_goals": 0.45,
    "common_ground": 0.15,
    "availability": 0.15,
    "crossing_boundaries": 0.10,
    "diversity": 0.0,
    "grade_gap": 0.15,
}
DEFAULT_MATCH_RULES: dict[str, object] = {
    "mode": "score",
    "require_different_department": False,
    "require_shared_language": True,
    "min_availability_minutes": 60,
    "min_pair_score": 0.15,
    "use_diversity_attributes": False,
}

TRANSITIONS: dict[ProgramStatus, frozenset[ProgramStatus]] = {
    ProgramStatus.DRAFT: frozenset({ProgramStatus.ENROLLING}),
    ProgramStatus.ENROLLING: frozenset({ProgramStatus.MATCHING, ProgramStatus.DRAFT}),
    ProgramStatus.MATCHING: frozenset({ProgramStatus.RUNNING, ProgramStatus.ENROLLING}),
    ProgramStatus.RUNNING: frozenset({ProgramStatus.CLOSING}),
    ProgramStatus.CLOSING: frozenset({ProgramStatus.CLOSED, ProgramStatus.RUNNING}),
    ProgramStatus.CLOSED: frozenset(),
}

_PURPOSE = frozenset(
    {
        "name",
        "purpose_statement",
        "strategic_driver",
        "custom_driver",
        "outcomes_for_mentors",
        "outcomes_for_mentees",
        "outcomes_for_organisation",
        "topics",
        "sponsor",
    }
)
_FORMAT = frozenset(
    {
        "pairing_format",
        "matching_style",
        "acceptance_order",
        "wording",
        "custom_mentor_label",
        "custom_mentee_label",
        "custom_labels",
        "code_of_conduct",
        "agreement_template",
    }
)
_ELIGIBILITY = frozenset(
    {
        "mentee_min_grade",
        "mentor_max_grade",
        "min_grade_gap",
        "min_tenure_months",
        "eligible_sites",
        "eligible_departments",
        "training_required",
        "training_modules",
    }
)
_ENGINE = frozenset({"match_weights", "match_rules"})
_SCHEDULE = frozenset({"enrolment_opens_on", "enrolment_closes_on", "starts_on", "ends_on", "cadence", "target_meeting_count"})

# Settings people have signed up to freeze once they apply; the engine's settings freeze once pairs run.
EDITABLE_FIELDS: dict[ProgramStatus, frozenset[str]] = {
    ProgramStatus.DRAFT: _PURPOSE | _FORMAT | _ELIGIBILITY | _ENGINE | _SCHEDULE,
    ProgramStatus.ENROLLING: _PURPOSE | _ELIGIBILITY | _ENGINE | _SCHEDULE | {"agreement_template"},
    ProgramStatus.MATCHING: _ENGINE | _SCHEDULE | {"name", "sponsor"},
    ProgramStatus.RUNNING: frozenset({"name", "sponsor", "ends_on", "cadence", "target_meeting_count"}),
    ProgramStatus.CLOSING: frozenset({"ends_on"}),
    ProgramStatus.CLOSED: frozenset(),
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> float:
    return (end - start).days / 30.4375


def launch_problems(program: Program) -> list[str]:
    """What must be settled before enrolment opens; empty when ready."""
    problems = []
    if len(program.purpose_statement.strip()) < 20:
        problems.append(gettext("State the program's purpose (at least a sentence)"))
    if program.strategic_driver == StrategicDriver.CUSTOM and not program.custom_driver.strip():
        problems.append(gettext("Name the strategic driver"))
    if not (program.outcomes_for_mentors.strip() and program.outcomes_for_mentees.strip() and program.outcomes_for_organisation.strip()):
        problems.append(gettext("Describe the intended outcomes for mentors, mentees and the organisation"))
    if not program.topics.exists():
        problems.append(gettext("Choose at least one focus topic"))
    if program.sponsor_id is None:
        problems.append(gettext("Name an executive sponsor"))
    if not (program.enrolment_opens_on and program.enrolment_closes_on and program.starts_on and program.ends_on):
        problems.append(gettext("Set the enrolment window, start and end dates"))
    else:
        if program.enrolment_closes_on < program.enrolment_opens_on:
            problems.append(gettext("Enrolment must close after it opens"))
        if program.starts_on < program.enrolment_closes_on:
            problems.append(gettext("The program must start after enrolment closes"))
        if not 3 <= round(months_between(program.starts_on, program.ends_on), 1) <= 18:
            problems.append(gettext("A program runs between 3 and 18 months"))
    # The agreement template keeps its blanks on purpose: each pair fills them in at kickoff.
    texts = [program.purpose_statement, program.outcomes_for_mentors, program.outcomes_for_mentees, program.outcomes_for_organisation,
             program.code_of_conduct]  # fmt: skip
    if any(_TEMPLATE_BLANK.search(text) for text in texts):
        problems.append(gettext("Replace the [bracketed] placeholders left from the template"))
    if program.target_meeting_count < 1:
        problems.append(gettext("Set a target number of meetings"))
    if not program.code_of_conduct.strip():
        problems.append(gettext("Write a code of conduct"))
    if program.training_required and not program.training_modules.exists():
        problems.append(gettext("Choose the training modules, or do not require training"))
    return problems


def deletion_problems(program: Program) -> list[str]:
    """Why the program may not be deleted; empty for a draft nobody has heard of.

    Only a draft goes, and only while every enrolment in it is an invitation not yet emailed: once someone was
    told about the program, applied or took part, its history stays (a program that opened enrolment and went
    back to draft emailed its invitations then).
    """
    if program.status != ProgramStatus.DRAFT:
        return [gettext("only drafts can be deleted, and this program is %(status)s") % {"status": program.get_status_display().lower()}]
    problems = []
    enrolments = program.enrolments.all()
    emailed = enrolments.filter(invitation_emailed_at__isnull=False).count()
    if emailed:
        problems.append(
            ngettext("%(count)d person was emailed an invitation", "%(count)d people were emailed an invitation", emailed)
            % {"count": emailed}
        )
    applied = enrolments.filter(applied_at__isnull=False).count()
    if applied:
        problems.append(ngettext("%(count)d person has applied", "%(count)d people have applied", applied) % {"count": applied})
    return problems


def eligibility_problems(program: Program, person: Person, role: Role | str, *, today: date) -> list[str]:
    """Why ``person`` may not join on ``role``'s side; empty when eligible."""
    problems = []
    if person.organisation_id != program.organisation_id:
        return [gettext("belongs to another organisation")]
    if not person.is_active_employee:
        problems.append(gettext("has left the organisation"))
    rank = person.grade.rank if person.grade else None
    if role == Role.MENTEE and program.mentee_min_grade and (rank is None or rank < program.mentee_min_grade.rank):
        problems.append(gettext("grade is below %(grade)s") % {"grade": program.mentee_min_grade.code})
    if role == Role.MENTOR and program.mentor_max_grade and (rank is None or rank > program.mentor_max_grade.rank):
        problems.append(gettext("grade is above %(grade)s") % {"grade": program.mentor_max_grade.code})
    if program.min_tenure_months and (person.hire_date is None or months_between(person.hire_date, today) < program.min_tenure_months):
        problems.append(
            ngettext("has been with us less than %(count)d month", "has been with us less than %(count)d months", program.min_tenure_months)
            % {"count": program.min_tenure_months}
        )
    site_ids = {site.pk for site in program.eligible_sites.all()}
    if site_ids and person.site_id not in site_ids:
        problems.append(gettext("works at a site outside the program"))
    department_ids = {department.pk for department in program.eligible_departments.all()}
    if department_ids and person.department_id not in department_ids:
        problems.append(gettext("works in a department outside the program"))
    return problems
