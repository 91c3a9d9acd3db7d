"""Reads for program pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from turnabout.accounts.models import Organisation, User
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role, TrainingCompletion, TrainingModule


def programs_of(organisation: Organisation) -> QuerySet[Program]:
    """The organisation's programs, each with its people by stage: enrolled (approved), applied and invited (not yet answered)."""
    return Program.objects.filter(organisation=organisation).annotate(
        enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.APPROVED)),
        applied_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.APPLIED)),
        invited_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.INVITED)),
    )


def enrolments_of_user(user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(person__user=user).select_related("program").order_by("-created_at")


@dataclass
class SideProgress:
    """Counts for one side of a program: the completion tracker."""

    invited: int = 0
    applied: int = 0
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    # Approved and through the training gate when the program has one: the people matching pairs (ready_for_matching).
    ready: int = 0

    @property
    def active(self) -> int:
        return self.invited + self.applied + self.approved


@dataclass
class Roster:
    enrolments: list[Enrolment]
    progress: dict[str, SideProgress] = field(default_factory=dict)
    awaiting_decision: list[Enrolment] = field(default_factory=list)


def required_modules(program: Program, role: str) -> list[TrainingModule]:
    return [module for module in program.training_modules.all() if module.is_for(role)]


def program_roster(program: Program) -> Roster:
    """Every enrolment with its person and training, the per-side tracker and the approval queue."""
    enrolments = list(
        program.enrolments.select_related("person", "person__grade", "person__department", "person__site")
        .prefetch_related(Prefetch("training_completions", queryset=TrainingCompletion.objects.only("enrolment_id", "module_id")))
        .order_by("role", "status", "person__family_name", "person__given_name")
    )
    modules = list(program.training_modules.all())
    roster = Roster(enrolments=enrolments, progress={Role.MENTOR: SideProgress(), Role.MENTEE: SideProgress()})
    for enrolment in enrolments:
        side = roster.progress[enrolment.role]
        setattr(side, enrolment.status, getattr(side, enrolment.status) + 1)
        required = {module.pk for module in modules if module.is_for(enrolment.role)}
        done = {completion.module_id for completion in enrolment.training_completions.all()}
        enrolment.training_count = (len(required & done), len(required))  # type: ignore[attr-defined]
        if enrolment.status == EnrolmentStatus.APPROVED and passes_training_gate(program, required=required, done=done):
            side.ready += 1
        if enrolment.status == EnrolmentStatus.APPLIED:
            roster.awaiting_decision.append(enrolment)
    return roster


def passes_training_gate(program: Program, *, required: set[int], done: set[int]) -> bool:
    """True when the program does not require training, or ``done`` (module ids) covers the ``required`` ones."""
    return not program.training_required or required <= done


def ready_for_matching(program: Program) -> QuerySet[Enrolment]:
    """Approved enrolments that passed the training gate (when the program has one)."""
    approved = program.enrolments.filter(status=EnrolmentStatus.APPROVED)
    if not program.training_required:
        return approved
    ready_ids = []
    modules = list(program.training_modules.all())
    for enrolment in approved.prefetch_related("training_completions"):
        required = {module.pk for module in modules if module.is_for(enrolment.role)}
        done = {completion.module_id for completion in enrolment.training_completions.all()}
        if passes_training_gate(program, required=required, done=done):
            ready_ids.append(enrolment.pk)
    return program.enrolments.filter(pk__in=ready_ids)
