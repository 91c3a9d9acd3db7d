"""The rules of a program: lifecycle, what may change when, launch readiness, eligibility."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any

from django.utils.translation import gettext, ngettext

from turnabout.engine import CircleSpec, Mode, Rules, Weights
from turnabout.people.communities import counting_memberships, eligible_member_ids
from turnabout.people.models import CommunityMembership, Grade, Person
from turnabout.programs.errors import UnknownMatchSetting
from turnabout.programs.models import CIRCLE_SIZE_FIELDS, Program, ProgramStatus, Role, StrategicDriver

_TEMPLATE_BLANK = re.compile(r"\[[^\]]{3,}\]")

# A program's matching settings, stored under the engine's own names: the score weights (``Weights``' components),
# the program-wide hard rules (``Rules``' switches; the grade gap, capacity, pins and bans come from elsewhere) and the
# solve mode (``solve``'s ``mode``, stored among the rules).
WEIGHT_NAMES: tuple[str, ...] = ("goals", "common_ground", "availability", "boundaries", "diversity", "grade_gap")
RULE_NAMES: tuple[str, ...] = ("mode", "forbid_same_department", "require_shared_language", "min_overlap_minutes", "min_pair_score",
                               "use_diversity")  # fmt: skip
ENGINE_RULE_NAMES: tuple[str, ...] = RULE_NAMES[1:]

# The one place a program's default differs from the engine's (Rules' and Weights' own); every other setting of a
# program defaults to the engine's value. A new program's weights add up to 1 with diversity left out.
PRODUCT_DEFAULTS: dict[str, float] = {
    # Diversity is opt-in: a program counts it only once it turns use_diversity on and gives it a weight (engine: 0.10).
    "diversity": 0.0,
    # Covering the mentee's learning goals is what a program is for: it takes half of diversity's share (engine: 0.40).
    "goals": 0.45,
    # A clear grade gap is what makes the mentoring reverse: it takes the other half (engine: 0.10).
    "grade_gap": 0.15,
    # Weak pairs are not proposed: a person left for the manager to pair by hand beats a pair with little in common
    # (engine: 0.0, every pair that passes the hard rules).
    "min_pair_score": 0.15,
}


def _engine_defaults(engine_class: type[Rules] | type[Weights], names: tuple[str, ...]) -> dict[str, Any]:
    """The defaults of ``names``, fields of ``engine_class`` (a KeyError on import if the engine renames one)."""
    defaults = {item.name: item.default for item in dataclass_fields(engine_class)}
    return {name: PRODUCT_DEFAULTS.get(name, defaults[name]) for name in names}


DEFAULT_WEIGHTS: dict[str, float] = _engine_defaults(Weights, WEIGHT_NAMES)
# The mode defaults to solve()'s own.
DEFAULT_RULES: dict[str, object] = {"mode": Mode.SCORE.value, **_engine_defaults(Rules, ENGINE_RULE_NAMES)}


@dataclass(frozen=True)
class MatchSettings:
    """A program's matching settings, typed, under the engine's names; what it does not store is the default."""

    mode: Mode
    forbid_same_department: bool
    require_shared_language: bool
    min_overlap_minutes: int
    min_pair_score: float
    use_diversity: bool
    goals: float
    common_ground: float
    availability: float
    boundaries: float
    diversity: float
    grade_gap: float

    @classmethod
    def from_stored(cls, weights: Mapping[str, object], rules: Mapping[str, object]) -> MatchSettings:
        """The settings from a program's stored documents; raises UnknownMatchSetting for a name the engine does not have."""
        unknown = sorted({*(set(weights) - set(WEIGHT_NAMES)), *(set(rules) - set(RULE_NAMES))})
        if unknown:
            raise UnknownMatchSetting(unknown)
        values: dict[str, Any] = {**DEFAULT_WEIGHTS, **DEFAULT_RULES, **weights, **rules}
        values["mode"] = Mode(values["mode"])
        return cls(**values)

    def engine_rules(self) -> dict[str, Any]:
        """The keyword arguments of ``Rules`` these settings give."""
        return {name: getattr(self, name) for name in ENGINE_RULE_NAMES}

    def engine_weights(self) -> dict[str, Any]:
        """The keyword arguments of ``Weights`` these settings give."""
        return {name: getattr(self, name) for name in WEIGHT_NAMES}


def match_settings(program: Program) -> MatchSettings:
    """The program's matching settings, typed."""
    return MatchSettings.from_stored(program.match_weights, program.match_rules)


def circle_spec(program: Program) -> CircleSpec:
    """The sizes of the program's circles as the engine reads them."""
    return CircleSpec(
        mentors_per_circle=(program.circle_min_mentors, program.circle_max_mentors),
        mentees_per_circle=(program.circle_min_mentees, program.circle_max_mentees),
    )


def circle_size_problems(program: Program, *, mentors: int, mentees: int) -> list[str]:
    """Why a pool of ``mentors`` and ``mentees`` cannot fill even one of the program's circles, in its labels; empty when it can.

    "A circle needs at least 4 juniors and 3 executives; the pool has 2 juniors." (``Program.circle_size_problems``).
    """
    return program.circle_size_problems(mentors=mentors, mentees=mentees)


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
        "guest_grade",
        "min_grade_gap",
        "min_tenure_months",
        "eligible_sites",
        "eligible_departments",
        "eligible_communities",
        "training_required",
        "training_modules",
    }
)
# A circle program's sizes are matching settings: they change with the engine's, until pairs run.
_ENGINE = frozenset({"match_weights", "match_rules", *(name for names in CIRCLE_SIZE_FIELDS.values() for name in names)})
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
    problems.extend(community_problems(program))
    return problems


def community_problems(program: Program, *, today: date | None = None) -> list[str]:
    """Each community the program is open to in which nobody meets its eligibility (on either side) yet."""
    communities = list(program.eligible_communities.order_by("name"))
    if not communities:
        return []
    day = today or date.today()
    members = Person.objects.filter(pk__in=eligible_member_ids(communities)).select_related("grade")
    member_ids = {community.pk: set(community.memberships.filter(counting_memberships()).values_list("person_id", flat=True))
                  for community in communities}  # fmt: skip
    eligible = {
        person.pk
        for person in members
        if any(not eligibility_problems(program, person, role, today=day) for role in (Role.MENTOR, Role.MENTEE))
    }
    return [
        gettext("No one in %(community)s meets this program's eligibility yet.") % {"community": community.name}
        for community in communities
        if not member_ids[community.pk] & eligible
    ]


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


def grade_of(program: Program, person: Person) -> Grade | None:
    """The grade ``program``'s grade rules and matching read for ``person``: a guest stands at the program's guest grade."""
    return program.guest_grade if person.is_guest else person.grade


def has_grade_rules(program: Program) -> bool:
    """Whether the program's rules need a guest's grade: a grade limit on either side, or a grade gap above one.

    A gap of one (the engine's least: the mentor is junior to the mentee) needs none, as a guest without a grade stands
    below every grade of the ladder, as a junior (``matching.pool``).
    """
    return program.mentee_min_grade_id is not None or program.mentor_max_grade_id is not None or program.min_grade_gap > 1


def eligibility_problems(
    program: Program, person: Person, role: Role | str, *, today: date, community_members: frozenset[int] | None = None
) -> list[str]:
    """Why ``person`` may not join on ``role``'s side; empty when eligible.

    ``community_members`` (from ``eligible_community_members``) answers the community rule for many people at once;
    without it, the rule reads the person's memberships.

    A guest from outside joins on the mentor side only, while their access lasts; the rules of a place in the
    organisation (tenure, sites, departments, communities) do not apply to them, as the program manager invited them
    by name, and the grade rules read the program's guest grade. A guest reads no related rows, saved or not.
    """
    problems = []
    if person.organisation_id != program.organisation_id:
        return [gettext("belongs to another organisation")]
    if not person.is_active_employee:
        problems.append(gettext("has left the organisation"))
    if person.is_guest:
        if role == Role.MENTEE:
            problems.append(gettext("is a guest, and guests take part as %(mentors)s") % {"mentors": program.plural_for(Role.MENTOR)})
        if person.guest_access_ended(today):
            problems.append(gettext("their guest access has ended"))
        if has_grade_rules(program) and program.guest_grade_id is None:
            problems.append(gettext("the program does not say where guests stand on the grade ladder"))
            return problems
    grade = grade_of(program, person)
    rank = grade.rank if grade else None
    if role == Role.MENTEE and program.mentee_min_grade and (rank is None or rank < program.mentee_min_grade.rank):
        problems.append(gettext("grade is below %(grade)s") % {"grade": program.mentee_min_grade.code})
    if role == Role.MENTOR and program.mentor_max_grade and (rank is None or rank > program.mentor_max_grade.rank):
        problems.append(gettext("grade is above %(grade)s") % {"grade": program.mentor_max_grade.code})
    if person.is_guest:
        return problems
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
    communities = list(program.eligible_communities.all())
    if not is_in_eligible_communities(program, person, community_members=community_members):
        problems.append(gettext("is not a member of %(communities)s") % {"communities": ", ".join(c.name for c in communities)})
    return problems


def is_in_eligible_communities(program: Program, person: Person, *, community_members: frozenset[int] | None = None) -> bool:
    """Whether ``person`` meets the program's community rule: a membership that counts in one of them, or no rule."""
    communities = list(program.eligible_communities.all())
    if not communities:
        return True
    if community_members is not None:
        return person.pk in community_members
    return person.community_memberships.filter(counting_memberships(), community__in=communities).exists()


def eligible_community_members(program: Program, people: Sequence[Person]) -> frozenset[int]:
    """The ids of ``people`` whose membership of one of the program's communities counts, in one query (none when the
    program has no community rule)."""
    communities = list(program.eligible_communities.all())
    if not communities:
        return frozenset()
    memberships = CommunityMembership.objects.filter(counting_memberships(), community__in=communities, person__in=people)
    return frozenset(memberships.values_list("person_id", flat=True))


def withholds_non_members(program: Program) -> bool:
    """Whether the program's community rule must not name who fails it: it names an identity-based community.

    Who is not a member of an identity-based community is as sensitive as who is one, so a person failing the rule
    of such a program is counted, never named, to whoever invites them (docs/communities.md).
    """
    return any(community.is_identity_based for community in program.eligible_communities.all())
