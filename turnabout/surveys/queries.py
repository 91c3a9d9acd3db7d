"""Reads for survey pages. The managers' read returns counts per wave and side, never who answered what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from turnabout.accounts.models import User
from turnabout.programs.models import Program, Role
from turnabout.surveys.models import SurveyAssignment, SurveyWave, WaveStatus


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
