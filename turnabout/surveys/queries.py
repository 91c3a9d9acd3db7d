"""Reads for survey pages. The managers' read returns counts per wave and side, never who answered what."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from turnabout.accounts.models import Organisation, User
from turnabout.people.communities import counting_memberships
from turnabout.people.models import Community, CommunityMembership, Department, EmploymentStatus, Grade, Person, Site
from turnabout.programs.models import Program, Role
from turnabout.surveys.models import InterestAnswer, InterestInvitation, InterestSurvey, SurveyAssignment, SurveyWave, WaveStatus


def assignments_of_user(user: User) -> QuerySet[SurveyAssignment]:
    """The user's own assignments, newest wave first."""
    return (
        SurveyAssignment.objects.filter(enrolment__person__user=user, wave__program__organisation=user.organisation)
        .select_related("wave__program", "enrolment")
        .order_by("-wave__opens_on", "pk")
    )


@dataclass(frozen=True)
class SideProgress:
    label: str
    asked: int
    answered: int

    @property
    def rate_percent(self) -> int | None:
        return round(100 * self.answered / self.asked) if self.asked else None


@dataclass(frozen=True)
class WaveProgress:
    wave: SurveyWave
    status: WaveStatus
    sides: list[SideProgress]

    @property
    def asked(self) -> int:
        return sum(side.asked for side in self.sides)

    @property
    def answered(self) -> int:
        return sum(side.answered for side in self.sides)

    @property
    def rate_percent(self) -> int | None:
        return round(100 * self.answered / self.asked) if self.asked else None


def wave_progress(program: Program, *, today: date) -> list[WaveProgress]:
    """Each wave of the program with its status and, per side, how many were asked and how many answered. Two queries."""
    waves = list(SurveyWave.objects.filter(program=program).order_by("opens_on"))
    counts = (
        SurveyAssignment.objects.filter(wave__program=program)
        .values("wave_id", "enrolment__role")
        .annotate(asked=Count("pk"), answered=Count("pk", filter=Q(completed_at__isnull=False)))
    )
    by_wave_and_role = {(row["wave_id"], row["enrolment__role"]): row for row in counts}
    progress = []
    for wave in waves:
        sides = []
        for role in (Role.MENTOR, Role.MENTEE):
            row = by_wave_and_role.get((wave.pk, role), {"asked": 0, "answered": 0})
            sides.append(SideProgress(label=program.label_for(role), asked=row["asked"], answered=row["answered"]))
        progress.append(WaveProgress(wave=wave, status=wave.status_on(today), sides=sides))
    return progress


# --- Interest surveys ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationFilter:
    """Who an interest survey asks: the organisation's active employees matching every filter given."""

    min_grade: Grade | None = None
    max_grade: Grade | None = None
    department: Department | None = None
    site: Site | None = None
    community: Community | None = None

    @classmethod
    def of(cls, survey: InterestSurvey) -> PopulationFilter:
        return cls(min_grade=survey.min_grade, max_grade=survey.max_grade, department=survey.department, site=survey.site,
                   community=survey.community)  # fmt: skip


def interest_population(organisation: Organisation, population: PopulationFilter) -> QuerySet[Person]:
    """The active employees of ``organisation`` the filter chooses; a community counts its memberships that count for a
    program's eligibility (an identity-based network's only with the member's consent)."""
    people = Person.objects.filter(organisation=organisation, employment_status=EmploymentStatus.ACTIVE)
    if population.min_grade is not None:
        people = people.filter(grade__rank__gte=population.min_grade.rank)
    if population.max_grade is not None:
        people = people.filter(grade__rank__lte=population.max_grade.rank)
    if population.department is not None:
        people = people.filter(department=population.department)
    if population.site is not None:
        people = people.filter(site=population.site)
    if population.community is not None:
        members = CommunityMembership.objects.filter(counting_memberships(), community=population.community).values("person_id")
        people = people.filter(pk__in=members)
    return people.order_by("pk")


def interest_surveys_of(organisation: Organisation) -> QuerySet[InterestSurvey]:
    """The organisation's interest surveys, newest first (their counts are read on the results page, suppressed)."""
    return InterestSurvey.objects.filter(organisation=organisation).order_by("-created_at", "-pk")


def interest_invitations_of_user(user: User) -> QuerySet[InterestInvitation]:
    """The user's own interest-survey invitations, newest first."""
    return (
        InterestInvitation.objects.filter(person__user=user, survey__organisation=user.organisation)
        .select_related("survey")
        .order_by("-survey__created_at", "-pk")
    )


@dataclass(frozen=True)
class InterestCounts:
    """What an interest survey's results are made of: counts only, never who answered what.

    ``answers`` counts respondents per answer; ``topics`` and ``roles`` count respondents who would take part (yes or
    maybe) per topic (several each) and per role; ``by_department`` and ``by_site`` count respondents and yes-answers
    per group label (``""`` for people without one).
    """

    invited: int
    responded: int
    answers: dict[str, int]
    topics: dict[str, int]
    roles: dict[str, int]
    by_department: dict[str, tuple[int, int]]
    by_site: dict[str, tuple[int, int]]

    @property
    def yes(self) -> int:
        return self.answers.get(InterestAnswer.YES, 0)

    @property
    def would_take_part(self) -> int:
        return self.answers.get(InterestAnswer.YES, 0) + self.answers.get(InterestAnswer.MAYBE, 0)


def interest_counts(survey: InterestSurvey) -> InterestCounts:
    """The aggregate counts of one interest survey (callers that display them apply small-cell suppression). Four queries."""
    invitations = InterestInvitation.objects.filter(survey=survey)
    invited = invitations.count()
    answered = invitations.filter(answered_at__isnull=False)
    answers = {str(choice): 0 for choice in InterestAnswer}
    roles = {str(role): 0 for role in Role}
    by_department: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_site: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for answer, role, department, site in answered.values_list("answer", "role", "person__department__name", "person__site__name"):
        answers[answer] = answers.get(answer, 0) + 1
        if answer != InterestAnswer.NO and role:
            roles[role] += 1
        for groups, label in ((by_department, department), (by_site, site)):
            groups[label or ""][0] += 1
            groups[label or ""][1] += answer == InterestAnswer.YES
    chosen = Counter(
        InterestInvitation.topics.through.objects.filter(interestinvitation__in=answered.exclude(answer=InterestAnswer.NO)).values_list(
            "skill_id", flat=True
        )
    )
    topics = {topic.label: chosen.get(topic.pk, 0) for topic in survey.topics.order_by("name")}
    return InterestCounts(
        invited=invited,
        responded=sum(answers.values()),
        answers=answers,
        topics=topics,
        roles=roles,
        by_department={label: (total, yes) for label, (total, yes) in sorted(by_department.items())},
        by_site={label: (total, yes) for label, (total, yes) in sorted(by_site.items())},
    )
