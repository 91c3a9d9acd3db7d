"""Reach of a program across groups, and the organisation-wide roll-up; every group count suppressed at ``k``.

The roll-up is the organisation "unfiltered", each program's dashboard a filter of it. So a program's row shows exactly
what that program's dashboard shows (its enrolment table's "Enrolled" column, its pair count, its meetings), and an
organisation total is shown only when every figure it adds up is shown: a total minus the programs' own figures can
then never give a hidden one.

Both count the organisation's people, so employees only: a guest from outside (``people.PersonKind.GUEST``) is in
no diversity group, grade band or roll-up cell. The roll-up shows each program's employees as its dashboard's split
into employees and guests does (:func:`~turnabout.insights.breakdowns.split_counts`), and the guests beside them, never
broken down by their own organisation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turnabout.accounts.models import Organisation
from turnabout.engagement.models import Meeting, MeetingStatus, Pair, PairMember
from turnabout.insights.breakdowns import ENROLLED, enrolment_table, meetings_held_total, split_counts
from turnabout.insights.figures import ROLES, Kpi, min_cell, proportion_kpi
from turnabout.insights.suppression import SuppressedCounts, SuppressedTable, suppress_counts
from turnabout.people.models import PersonKind
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role

# The groups' keys, looked up by code (and the API's labels), so English; REACH_LABELS gives the words shown for them.
UNDER_REPRESENTED, NOT_UNDER_REPRESENTED, NOT_STATED = "Under-represented", "Not under-represented", "Not stated"
NO_GRADE = "No grade"
REACH_LABELS: dict[str, Promise] = {
    UNDER_REPRESENTED: gettext_lazy("Under-represented"),
    NOT_UNDER_REPRESENTED: gettext_lazy("Not under-represented"),
    NOT_STATED: gettext_lazy("Not stated"),
    NO_GRADE: gettext_lazy("No grade"),
}


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
    # Approved guests from outside of both sides, as the program's dashboard splits them; None when hidden there.
    guests: int | None = 0


@dataclass(frozen=True, slots=True)
class OrganisationRollup:
    """Per program: approved employees per role (a suppressed table with totals), guests, pairs and meetings held."""

    k: int
    rows: list[RollupRow]
    participants: SuppressedTable
    pairs_total: int | None
    meetings_total: int | None
    notes: list[str] = field(default_factory=list)
    guests_total: int | None = 0


def diversity_reach(program: Program) -> DiversityReach:
    """Consenting mentors by under-represented status and mentees reached by grade band; suppressed at ``k``. Three queries.

    Employees only: a guest from outside has no grade and no place in the organisation's diversity figures.
    """
    k = min_cell()
    # No ordering anywhere below: the models' default ones sort by names and dates that no figure here needs.
    answers = (
        Enrolment.objects.filter(
            program=program, role=Role.MENTOR, status=EnrolmentStatus.APPROVED, diversity_consent=True, person__kind=PersonKind.EMPLOYEE
        )
        .order_by()
        .values_list("person__sensitive_profile__is_under_represented", flat=True)
    )
    tally = Counter({True: UNDER_REPRESENTED, False: NOT_UNDER_REPRESENTED, None: NOT_STATED}[answer] for answer in answers)
    groups = {name: tally.get(name, 0) for name in (UNDER_REPRESENTED, NOT_UNDER_REPRESENTED, NOT_STATED)}
    mentors = suppress_counts(groups, k=k)
    stated = groups[UNDER_REPRESENTED] + groups[NOT_UNDER_REPRESENTED]
    share_label = _("Share from under-represented groups, consenting people of the %(side)s side") % {"side": program.mentor_label}
    if mentors.values[UNDER_REPRESENTED] is None or mentors.values[NOT_UNDER_REPRESENTED] is None:
        share = Kpi("under_represented_share", share_label, "percent", note=_("withheld: fewer than %(k)d people in a group") % {"k": k})
    else:
        share = proportion_kpi("under_represented_share", share_label, groups[UNDER_REPRESENTED], stated, k)

    ranks = list(program.organisation.grades.order_by("rank").values_list("rank", "code"))
    band_of = {rank: grade_band_label(ranks, position) for position, (rank, _code) in enumerate(ranks)}
    reached: Iterable[tuple[int, int | None]]
    if program.is_circles:  # every senior member of a circle, not only its lead
        reached = (
            PairMember.objects.filter(pair__program=program, role=Role.MENTEE, enrolment__person__kind=PersonKind.EMPLOYEE)
            .order_by()
            .values_list("enrolment__person_id", "enrolment__person__grade__rank")
            .distinct()
        )
    else:
        reached = (
            Pair.objects.filter(program=program, mentee__person__kind=PersonKind.EMPLOYEE)
            .order_by()
            .values_list("mentee__person_id", "mentee__person__grade__rank")
            .distinct()
        )
    by_band = Counter(band_of.get(rank, NO_GRADE) if rank is not None else NO_GRADE for _person, rank in set(reached))
    bands = list(dict.fromkeys(band_of.values()))
    if by_band.get(NO_GRADE):
        bands.append(NO_GRADE)
    mentees = suppress_counts({band: by_band.get(band, 0) for band in bands}, k=k)
    return DiversityReach(k=k, mentors=mentors, under_represented_share=share, mentees_by_grade_band=mentees)


def grade_band_label(ranks: list[tuple[int, str]], position: int) -> str:
    """Grades in bands of three rungs: "G1–G3", "G4–G6", …"""
    start = position - position % 3
    band = ranks[start : start + 3]
    return band[0][1] if len(band) == 1 else f"{band[0][1]}–{band[-1][1]}"


def organisation_rollup(organisation: Organisation, *, programs: Iterable[Program] | None = None) -> OrganisationRollup:
    """Per program of the organisation (or the given ones): approved employees per role and guests, pairs and meetings
    held, each shown as the program's own dashboard shows it, with totals shown where every part is. Three queries.
    """
    k = min_cell()
    chosen = list(programs) if programs is not None else list(Program.objects.filter(organisation=organisation).order_by("name"))
    ids = [program.pk for program in chosen]
    enrolments = (
        Enrolment.objects.filter(program_id__in=ids)
        .order_by()
        .values("program_id", "role")
        .annotate(
            approved=Count("pk", filter=Q(status=EnrolmentStatus.APPROVED)),
            others=Count("pk", filter=~Q(status=EnrolmentStatus.APPROVED)),
            guests=Count("pk", filter=Q(status=EnrolmentStatus.APPROVED, person__kind=PersonKind.GUEST)),
        )
        .values_list("program_id", "role", "approved", "others", "guests")
    )
    counts: dict[int, dict[tuple[str, bool], int]] = {pk: {} for pk in ids}
    guests: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for program_id, role, approved, others, guest_count in enrolments:
        counts[program_id].update({(role, True): approved, (role, False): others})
        guests[program_id][role] = guest_count
    names = {program.pk: f"{program.name} (#{program.pk})" for program in chosen}
    participants, guests_shown = _participants(chosen, names, counts, guests, k)
    pair_counts = dict(
        Pair.objects.filter(program_id__in=ids).values("program_id").annotate(count=Count("pk")).values_list("program_id", "count")
    )
    meetings = {
        program_id: (count, pairs_met)
        for program_id, count, pairs_met in Meeting.objects.filter(pair__program_id__in=ids, status=MeetingStatus.HELD)
        .values("pair__program_id")
        .annotate(count=Count("pk"), pairs_met=Count("pair_id", distinct=True))
        .values_list("pair__program_id", "count", "pairs_met")
    }
    rows = []
    for program in chosen:
        pairs = pair_counts.get(program.pk, 0)
        held, pairs_met = meetings.get(program.pk, (0, 0))
        rows.append(
            RollupRow(
                program=program,
                # The dashboard's figures: pairs as the n of its pair rates; meetings as its chart, once k pairs have met.
                pairs=pairs if pairs == 0 or pairs >= k else None,
                meetings_held=meetings_held_total(held, pairs_met, k),
                guests=guests_shown[program.pk],
            )
        )
    return OrganisationRollup(
        k=k,
        rows=rows,
        participants=participants,
        pairs_total=_total(row.pairs for row in rows),
        meetings_total=_total(row.meetings_held for row in rows),
        guests_total=_total(row.guests for row in rows),
    )


def _participants(
    programs: list[Program],
    names: dict[int, str],
    counts: dict[int, dict[tuple[str, bool], int]],
    guests: dict[int, dict[str, int]],
    k: int,
) -> tuple[SuppressedTable, dict[int, int | None]]:
    """Program × role table of approved employees, and each program's approved guests (``None`` when hidden).

    Each cell is the employees of the program's split of its "Enrolled" cell, as its dashboard shows it; a row total is
    the sum of its shown cells, or, in a program without guests, the enrolment table's "Enrolled" total (then the
    employees' own): a total shown beside a hidden split would give the employees less the guests of the other side.
    """
    columns = [str(role.label) for role in ROLES]  # the labels are lazy: read once, in the active language, as keys
    cells: dict[tuple[str, str], int | None] = {}
    row_totals: dict[str, int | None] = {}
    guests_shown: dict[int, int | None] = {}
    for program in programs:
        label: dict[str, str] = {Role.MENTOR: program.mentor_label, Role.MENTEE: program.mentee_label}
        table = enrolment_table(counts[program.pk], label, k)
        name = names[program.pk]
        program_guests: list[int | None] = []
        for role, column in zip(ROLES, columns, strict=True):
            guest_count = guests[program.pk].get(role, 0)
            employees = counts[program.pk].get((role, True), 0) - guest_count
            cells[name, column], shown_guests = split_counts(table.value(label[role], ENROLLED), employees, guest_count, k)
            program_guests.append(shown_guests)
        has_guests = any(guests[program.pk].values())
        row_totals[name] = _total(cells[name, column] for column in columns) if has_guests else table.column_totals[ENROLLED]
        guests_shown[program.pk] = _total(program_guests)
    rows = [names[program.pk] for program in programs]
    column_totals = {column: _total(cells[row, column] for row in rows) for column in columns}
    grand_total = _total(row_totals.values())
    if grand_total is None:
        grand_total = _total(column_totals.values())
    table = SuppressedTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=grand_total,
        hidden=frozenset(cell for cell, value in cells.items() if value is None),
        k=k,
    )
    return table, guests_shown


def _total(parts: Iterable[int | None]) -> int | None:
    """The sum of published figures, or ``None`` if any is hidden: the total less the others would give it away."""
    numbers = list(parts)
    return None if None in numbers else sum(number for number in numbers if number is not None)
