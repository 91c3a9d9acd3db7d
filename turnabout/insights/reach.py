"""Reach of a program across groups, and the organisation-wide roll-up; every group count suppressed at ``k``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from turnabout.accounts.models import Organisation
from turnabout.engagement.models import Meeting, MeetingStatus, Pair
from turnabout.insights.kpis import ROLES, Kpi, min_cell, proportion_kpi
from turnabout.insights.suppression import SuppressedCounts, SuppressedTable, suppress_counts, suppress_table
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role


@dataclass(frozen=True, slots=True)
class DiversityReach:
    """Consenting mentors by under-represented status, and senior leaders reached by grade band, suppressed."""

    k: int
    mentors: SuppressedCounts
    under_represented_share: Kpi
    mentees_by_grade_band: SuppressedCounts


@dataclass(frozen=True, slots=True)
class RollupRow:
    program: Program
    pairs: int | None
    meetings_held: int | None


@dataclass(frozen=True, slots=True)
class OrganisationRollup:
    """Per program: approved participants per role (a suppressed table with totals), pairs and meetings held."""

    k: int
    rows: list[RollupRow]
    participants: SuppressedTable
    pairs_total: int | None
    meetings_total: int | None
    notes: list[str] = field(default_factory=list)


def diversity_reach(program: Program) -> DiversityReach:
    """Consenting mentors by under-represented status and mentees reached by grade band; suppressed at ``k``. Three queries."""
    k = min_cell()
    # No ordering anywhere below: the models' default ones sort by names and dates that no figure here needs.
    answers = (
        Enrolment.objects.filter(program=program, role=Role.MENTOR, status=EnrolmentStatus.APPROVED, diversity_consent=True)
        .order_by()
        .values_list("person__sensitive_profile__is_under_represented", flat=True)
    )
    tally = Counter({True: "Under-represented", False: "Not under-represented", None: "Not stated"}[answer] for answer in answers)
    groups = {name: tally.get(name, 0) for name in ("Under-represented", "Not under-represented", "Not stated")}
    mentors = suppress_counts(groups, k=k)
    stated = groups["Under-represented"] + groups["Not under-represented"]
    share_label = f"Share of consenting {program.mentor_label}s from under-represented groups"
    if mentors.values["Under-represented"] is None or mentors.values["Not under-represented"] is None:
        share = Kpi("under_represented_share", share_label, "percent", note=f"withheld: fewer than {k} people in a group")
    else:
        share = proportion_kpi("under_represented_share", share_label, groups["Under-represented"], stated, k)

    ranks = list(program.organisation.grades.order_by("rank").values_list("rank", "code"))
    band_of = {rank: grade_band_label(ranks, position) for position, (rank, _code) in enumerate(ranks)}
    reached = Pair.objects.filter(program=program).order_by().values_list("mentee__person_id", "mentee__person__grade__rank").distinct()
    by_band = Counter(band_of.get(rank, "No grade") if rank is not None else "No grade" for _person, rank in set(reached))
    bands = list(dict.fromkeys(band_of.values()))
    if by_band.get("No grade"):
        bands.append("No grade")
    mentees = suppress_counts({band: by_band.get(band, 0) for band in bands}, k=k)
    return DiversityReach(k=k, mentors=mentors, under_represented_share=share, mentees_by_grade_band=mentees)


def grade_band_label(ranks: list[tuple[int, str]], position: int) -> str:
    """Grades in bands of three rungs: "G1–G3", "G4–G6", …"""
    start = position - position % 3
    band = ranks[start : start + 3]
    return band[0][1] if len(band) == 1 else f"{band[0][1]}–{band[-1][1]}"


def organisation_rollup(organisation: Organisation, *, programs: Iterable[Program] | None = None) -> OrganisationRollup:
    """Per program of the organisation (or the given ones): approved participants per role, pairs and meetings held,
    with totals; suppressed at ``k``. Four queries.
    """
    k = min_cell()
    chosen = list(programs) if programs is not None else list(Program.objects.filter(organisation=organisation).order_by("name"))
    ids = [program.pk for program in chosen]
    approved = (
        Enrolment.objects.filter(program_id__in=ids, status=EnrolmentStatus.APPROVED)
        .values("program_id", "role")
        .annotate(count=Count("pk"))
        .values_list("program_id", "role", "count")
    )
    names = {program.pk: f"{program.name} (#{program.pk})" for program in chosen}
    participants = suppress_table(
        {(names[program_id], Role(role).label): count for program_id, role, count in approved},
        k=k,
        rows=list(names.values()),
        columns=[role.label for role in ROLES],
    )
    pair_counts = dict(
        Pair.objects.filter(program_id__in=ids).values("program_id").annotate(count=Count("pk")).values_list("program_id", "count")
    )
    meeting_counts = dict(
        Meeting.objects.filter(pair__program_id__in=ids, status=MeetingStatus.HELD)
        .values("pair__program_id")
        .annotate(count=Count("pk"))
        .values_list("pair__program_id", "count")
    )
    pairs = suppress_counts({names[pk]: pair_counts.get(pk, 0) for pk in ids}, k=k)
    rows = [
        RollupRow(
            program=program,
            pairs=pairs.values[names[program.pk]],
            # Meetings are shown only beside a published pair count: a few pairs' meetings describe those people.
            meetings_held=meeting_counts.get(program.pk, 0) if pairs.values[names[program.pk]] is not None else None,
        )
        for program in chosen
    ]
    meetings_total = sum(meeting_counts.values()) if pairs.total is not None else None
    return OrganisationRollup(k=k, rows=rows, participants=participants, pairs_total=pairs.total, meetings_total=meetings_total)
