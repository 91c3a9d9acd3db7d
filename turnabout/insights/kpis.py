"""Program KPIs from the database: read-only, aggregates only, every figure about people suppressed.

Definitions are those of ``docs/insights.md``. Each reader here runs a fixed number of queries whatever the
program's size (pinned by tests); the statistics come from the framework-free :mod:`turnabout.insights.stats`
and :mod:`turnabout.insights.suppression`.

A filtered view (a site, a cohort, both) is computed from the same program-wide rows as the unfiltered program,
kept to the people of the view and the pairs with a partner among them. Each figure names its *units* — the people
or pairs its ``n`` counts, program-wide — and a filtered view shows it only when
:class:`~turnabout.insights.lattice.FilterLattice` allows: comparing it with the unfiltered figure, or with any other
filter's, must not single out fewer than ``k`` of them. Every output (page, CSV, PDF, JSON API) reads this module,
so none decides for itself.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Case, CharField, Count, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from turnabout.engagement.models import CloseReason, Goal, GoalStatus, Insight, Meeting, MeetingStatus, Pair, PairMember, PairStatus, Pulse
from turnabout.insights.breakdowns import (
    RATINGS,
    GuestSplit,
    enrolments_breakdown,
    guest_splits,
    health_breakdown,
    meetings_by_month,
    pulse_table,
    withheld_table,
)
from turnabout.insights.figures import (
    ROLES,
    EnrolmentRow,
    Kpi,
    PairRow,
    ProgramView,
    bounded_mean_kpi,
    cross_filter_note,
    distribution_kpi,
    estimate_kpi,
    min_cell,
    proportion_kpi,
    rate_kpi,
    released,
    unit_words,
)
from turnabout.insights.instants import EpochSeconds, local_date
from turnabout.insights.lattice import Atom, FilterLattice
from turnabout.insights.stats import nps, paired_gain_ci
from turnabout.insights.suppression import SuppressedCounts, SuppressedTable, counts_pattern, table_pattern
from turnabout.people.communities import counting_memberships
from turnabout.people.models import CommunityMembership, PersonKind
from turnabout.programs.models import (
    CADENCE_DAYS,
    Cadence,
    Enrolment,
    EnrolmentStatus,
    Program,
    ProgramStatus,
    Role,
    TrainingAudience,
    TrainingCompletion,
)
from turnabout.surveys.models import Instrument, ScaleType, SurveyResponse, WaveKind
from turnabout.surveys.scoring import subscale_score
from turnabout.surveys.services import wave_aggregates

DAYS_PER_MONTH = 30.44
ON_CADENCE_RATIO = 0.8
RATING_SCALE = (1.0, 5.0)
NOT_BROKEN_DOWN = gettext_lazy("survey figures are not broken down by site or cohort")

PairIds = QuerySet[Pair, Any]


@dataclass(frozen=True, slots=True)
class ProgramKpis:
    """Everything the program dashboard, CSV export and PDF report show, already suppressed at ``k``."""

    program: Program
    k: int
    today: date
    site_id: int | None
    cohort: str | None
    kpis: list[Kpi]
    enrolments: SuppressedTable  # role × (approved, not approved)
    health: SuppressedCounts  # running pairs by health state
    pulse_ratings: SuppressedTable  # role × rating 1–5
    meetings_per_month: list[tuple[str, int | None]]  # suppressed at k (None when hidden); empty when fewer than k pairs met
    meetings_note: str = ""
    has_retention_figures: bool = False
    # Why a section ("enrolments", "health", "pulse_ratings") is withheld whole for this filter; absent when shown.
    table_notes: dict[str, str] = field(default_factory=dict)
    # The community cut, when the view is one community's members (then site_id and cohort are None).
    community_id: int | None = None
    # Each side's enrolled participants and the running pairs, split into employees and guests from outside.
    guest_splits: list[GuestSplit] = field(default_factory=list)

    def kpi(self, key: str) -> Kpi:
        return next(kpi for kpi in self.kpis if kpi.key == key)


def _community_members(program: Program, person_ids: list[int]) -> list[tuple[int, list[bool]]]:
    """Each community of the program's organisation with a member among ``person_ids``, by id, with a flag per person.

    Only memberships that count are read (an identity-based one with the member's consent), as for eligibility, and only
    employees': a community is of the organisation, and a guest from outside is never in a community's figures. One query.
    """
    members: defaultdict[int, set[int]] = defaultdict(set)
    memberships = CommunityMembership.objects.filter(counting_memberships(), person_id__in=person_ids, person__kind=PersonKind.EMPLOYEE)
    for community_id, person_id in (
        memberships.filter(community__organisation_id=program.organisation_id).order_by().values_list("community_id", "person_id")
    ):
        members[community_id].add(person_id)
    return [(community_id, [person in members[community_id] for person in person_ids]) for community_id in sorted(members)]


def program_kpis(
    program: Program, *, site_id: int | None = None, cohort: str | None = None, today: date | None = None, community_id: int | None = None
) -> ProgramKpis:
    """The program's KPIs (docs/insights.md), optionally for people at one site or of one enrolment month ("2026-01").

    A pair counts when either partner is in the filtered group. A filtered figure is shown only when comparing it with
    the unfiltered one and every other filter's cannot single out fewer than ``k`` people or pairs (docs/insights.md,
    "Filters"). Read-only; a bounded number of queries whatever the size (tested).
    """
    k = min_cell()
    today = today or timezone.localdate()
    label: dict[str, str] = {Role.MENTOR: program.mentor_label, Role.MENTEE: program.mentee_label}
    if community_id is not None:
        site_id, cohort = None, None  # a community cut stands alone (filters.program_filters)
    filtered = site_id is not None or cohort is not None or community_id is not None

    fields: list[Any] = ["pk", "role", "status", EpochSeconds("decided_at"), "person__kind"]
    if filtered:
        fields += ["person__site_id", EpochSeconds("created_at"), "person_id"]
    # No ordering: Enrolment's default one joins the directory to sort by family name, for nothing here.
    enrolment_rows = list(Enrolment.objects.filter(program=program).order_by().values_list(*fields))
    people: list[EnrolmentRow] = [(pk, role, status, decided_at) for pk, role, status, decided_at, _kind, *_atom in enrolment_rows]
    guests = [kind == PersonKind.GUEST for _pk, _role, _status, _decided_at, kind, *_atom in enrolment_rows]
    ready_at = _ready_at(program, people)
    program_pairs = Pair.objects.filter(program=program)
    pairs: list[PairRow] = list(
        program_pairs.order_by("pk").values_list(
            "pk", "mentor_id", "mentee_id", "status", "started_on", "closed_at", "close_reason", "health_state"
        )
    )
    pair_ids = program_pairs.values("pk")
    # A circle is one unit with all its members (ADR 8); asked only of a circles program, a pair being its two.
    members: dict[int, tuple[int, ...]] = {}
    if program.is_circles:
        grouped: dict[int, list[int]] = defaultdict(list)
        for pair_id, enrolment_id in PairMember.objects.filter(pair__program=program).order_by("pk").values_list("pair_id", "enrolment_id"):
            grouped[pair_id].append(enrolment_id)
        members = {pair_id: tuple(enrolments) for pair_id, enrolments in grouped.items()}
    zone = timezone.get_current_timezone()  # looked up once: timezone.localdate() per row costs more than the query
    # Instants read as epoch seconds: an aware datetime per row costs more in Python than the query.
    meetings_by_pair = {
        pair_id: (count, local_date(first, zone), local_date(last, zone))
        for pair_id, count, first, last in Meeting.objects.filter(pair_id__in=pair_ids, status=MeetingStatus.HELD)
        .values("pair_id")
        .annotate(count=Count("pk"), first=EpochSeconds(Min("starts_at")), last=EpochSeconds(Max("starts_at")))
        .values_list("pair_id", "count", "first", "last")
    }

    lattice: FilterLattice | None = None
    keeps_person = [True] * len(people)
    if filtered:
        atoms: list[Atom] = [(site, _month(local_date(created, zone))) for *_row, site, created, _person in enrolment_rows]
        communities = _community_members(program, [person for *_row, person in enrolment_rows])
        if community_id is None:
            keeps_person = [(site_id in (None, site)) and (cohort in (None, month)) for site, month in atoms]
        else:
            keeps_person = list(dict(communities).get(community_id, [False] * len(atoms)))
        position = {row[0]: number for number, row in enumerate(people)}
        partners = [
            tuple(position[enrolment_id] for enrolment_id in members.get(pk) or (mentor_id, mentee_id))
            for pk, mentor_id, mentee_id, *_rest in pairs
        ]
        keeps_pair = [any(keeps_person[member] for member in pair_members) for pair_members in partners]
        lattice = FilterLattice.build(atoms, partners, (site_id, cohort), k=k, communities=communities, community=community_id)
    else:
        keeps_pair = [True] * len(pairs)
    view = ProgramView(program, k, today, people, ready_at, pairs, meetings_by_pair, keeps_person, keeps_pair, lattice, guests, members)
    held = Meeting.objects.filter(status=MeetingStatus.HELD)
    held = held.filter(pair_id__in=pair_ids)

    kpis: list[Kpi] = []
    enrolments, enrolments_note = enrolments_breakdown(view, label)
    kpis += _participation(view, label, enrolments)
    kpis += _match_rate_and_time_to_match(view, label)
    kpis.append(_time_to_first_meeting(view))
    kpis.append(_active_pair_rate(view))
    kpis += _cadence(view)
    kpis.append(_early_closure(view))
    kpis += _goal_completion(view, pair_ids, label)
    pulse_ratings, satisfaction, pulses_note = _satisfaction(view, pair_ids, label)
    kpis += satisfaction
    kpis += _net_promoter(program, label, k, filtered)
    kpis += _pre_post_gains(program, label, k, filtered)
    kpis += _insights_adopted(view, pair_ids)

    meetings_per_month, meetings_note = _meetings_per_month(view, held)
    health, health_note = health_breakdown(view)
    splits = guest_splits(view, label, enrolments, health)
    notes = {"enrolments": enrolments_note, "health": health_note, "pulse_ratings": pulses_note}
    return ProgramKpis(
        program=program,
        k=k,
        today=today,
        site_id=site_id,
        cohort=cohort,
        community_id=community_id,
        kpis=kpis,
        enrolments=enrolments,
        health=health,
        pulse_ratings=pulse_ratings,
        meetings_per_month=meetings_per_month,
        meetings_note=meetings_note,
        table_notes={section: note for section, note in notes.items() if note},
        guest_splits=splits,
    )


def _month(day: date) -> str:
    return f"{day.year:04}-{day.month:02}"


def _ready_at(program: Program, people: list[EnrolmentRow]) -> dict[int, int]:
    """When each approved enrolment became ready (epoch seconds): approval, or its last required training module if later."""
    approved = {
        pk: (role, decided_at) for pk, role, status, decided_at in people if status == EnrolmentStatus.APPROVED and decided_at is not None
    }
    if not program.training_required:
        return {pk: decided_at for pk, (_role, decided_at) in approved.items()}
    audiences: Counter[str] = Counter(program.training_modules.values_list("audience", flat=True))
    required: dict[str, int] = {role: audiences[TrainingAudience.BOTH] + audiences[role] for role in ROLES}
    done: dict[int, list[int]] = defaultdict(list)
    completions = TrainingCompletion.objects.filter(enrolment_id__in=list(approved), module__programs=program).order_by()
    for enrolment_id, audience, completed_at in completions.values_list("enrolment_id", "module__audience", EpochSeconds("completed_at")):
        if audience in (TrainingAudience.BOTH, approved[enrolment_id][0]):
            done[enrolment_id].append(completed_at)
    ready = {}
    for pk, (role, decided_at) in approved.items():
        if len(done[pk]) >= required[role]:
            ready[pk] = max([decided_at, *done[pk]])
    return ready


def _participation(view: ProgramView, label: Mapping[str, str], enrolments: SuppressedTable) -> list[Kpi]:
    """Enrolled ÷ invited per role: the enrolment table's row, so shown only as far as that table shows the row.

    Its ``n`` is the row's total and its rate gives the row's two cells: where the table hides them (a small count, a
    complement, a row withheld whole), the rate is withheld too, and the ``n`` with the total.
    """
    approved = [int(status == EnrolmentStatus.APPROVED) for _pk, _role, status, _d in view.people]
    roles = [role for _pk, role, _s, _d in view.people]
    kpis = []
    for role in ROLES:
        units = [person_role == role for person_role in roles]
        kept = view.kept_people_units(units)
        successes = sum(is_approved for is_approved, unit in zip(approved, kept, strict=True) if unit)
        text = _("Participation, %(side)s side (enrolled ÷ invited)") % {"side": label[role]}
        kpi = released(view, proportion_kpi(f"participation.{role}", text, successes, sum(kept), view.k), units, strata=approved)
        row = label[role]
        note = _("withheld: hidden in the enrolment table to protect small groups")
        if enrolments.row_totals[row] is None:
            kpi = Kpi(kpi.key, kpi.label, kpi.unit, note=kpi.note if kpi.is_withheld else note)
        elif not kpi.is_withheld and any(enrolments.value(row, column) is None for column in enrolments.columns):
            kpi = Kpi(kpi.key, kpi.label, kpi.unit, n=kpi.n, note=note)
        kpis.append(kpi)
    return kpis


def _match_rate_and_time_to_match(view: ProgramView, label: Mapping[str, str]) -> list[Kpi]:
    k = view.k
    first_pair: dict[int, date] = {}
    for row in view.pairs:
        started_on = row[4]
        for enrolment_id in view.members_of(row):
            if enrolment_id not in first_pair or started_on < first_pair[enrolment_id]:
                first_pair[enrolment_id] = started_on
    zone = timezone.get_current_timezone()
    # Each person's role if ready (None if not), and whether matched.
    ready_role = [role if pk in view.ready_at else None for pk, role, _s, _d in view.people]
    matched = [int(pk in first_pair) for pk, _role, _s, _d in view.people]
    kpis = []
    for role in ROLES:
        units = [ready == role for ready in ready_role]
        kept = view.kept_people_units(units)
        successes = sum(is_matched for is_matched, unit in zip(matched, kept, strict=True) if unit)
        kpi = proportion_kpi(f"match_rate.{role}", _("Match rate, %(side)s side") % {"side": label[role]}, successes, sum(kept), k)
        kpis.append(released(view, kpi, units, strata=matched))
    days_to_match: list[int] = []
    waiting: list[int] = []
    for (pk, *_row), ready, is_matched, kept_person in zip(view.people, ready_role, matched, view.keeps_person, strict=True):
        if ready is not None and kept_person:
            ready_on = local_date(view.ready_at[pk], zone)
            if is_matched:
                days_to_match.append(max(0, (first_pair[pk] - ready_on).days))
            else:
                waiting.append((view.today - ready_on).days)
    matched_units = [ready is not None and bool(is_matched) for ready, is_matched in zip(ready_role, matched, strict=True)]
    note = ""
    # The number waiting is shown only when the number matched it leaves (of the ready people, whose count the match
    # rates show) is no small group: 16 ready and 12 waiting would tell 4 matched.
    matched_count = len(days_to_match)
    if len(waiting) >= k and not 0 < matched_count < k:
        note = ngettext(
            "%(count)d still waiting, longest wait %(days)d day",
            "%(count)d still waiting, longest wait %(days)d days",
            max(waiting),
        ) % {"count": len(waiting), "days": max(waiting)}
        waiting_units = [ready is not None and not is_matched for ready, is_matched in zip(ready_role, matched, strict=True)]
        if view.is_filtered and not view.releases_people(waiting_units):
            note = _("people still waiting: %(note)s") % {"note": cross_filter_note(k)}
    elif 0 < len(waiting) < k:
        note = _("fewer than %(k)d still waiting") % {"k": k}
    kpi = distribution_kpi("days_to_match", unit_words(view.program, "days_to_match"), days_to_match, k, note)
    kpis.append(released(view, kpi, matched_units, note=note))
    return kpis


def _time_to_first_meeting(view: ProgramView) -> Kpi:
    k = view.k
    met = [pk in view.meetings_by_pair for pk, *_rest in view.pairs]
    days = [
        max(0, (view.meetings_by_pair[pk][1] - started_on).days)
        for (pk, _m, _e, _status, started_on, *_rest), unit in zip(view.pairs, view.kept_pair_units(met), strict=True)
        if unit
    ]
    without = sum(view.kept_pair_units([not has_met for has_met in met]))
    note = ""
    # The number without a meeting is shown only when the number that met it leaves (of all pairs, which other figures
    # count) is no small group: 7 pairs and 5 without a meeting would tell 2 that met.
    if without >= k and not 0 < len(days) < k:
        if view.program.is_circles:
            text = ngettext("%(count)d circle without a meeting yet", "%(count)d circles without a meeting yet", without)
        else:
            text = ngettext("%(count)d pair without a meeting yet", "%(count)d pairs without a meeting yet", without)
        note = text % {"count": without}
    elif 0 < without < k:
        note = unit_words(view.program, "few_without_meeting") % {"k": k}
    if without >= k and view.is_filtered and not view.releases_pairs([not has_met for has_met in met]):
        note = _("pairs without a meeting yet: %(note)s") % {"note": cross_filter_note(k)}
    kpi = distribution_kpi("days_to_first_meeting", _("Days to first meeting held"), days, k, note)
    return released(view, kpi, met, pairs=True, note=note)


def _active_pair_rate(view: ProgramView) -> Kpi:
    title = unit_words(view.program, "active_rate")
    if view.program.status == ProgramStatus.CLOSED:
        return Kpi("active_pair_rate", title, "percent", note=unit_words(view.program, "closed"))
    window = timedelta(days=1.5 * CADENCE_DAYS[Cadence(view.program.cadence)])
    since = view.today - window
    eligible = [status != PairStatus.CLOSED and started_on <= since for _pk, _m, _e, status, started_on, *_r in view.pairs]
    recent = [int(pk in view.meetings_by_pair and view.meetings_by_pair[pk][2] >= since) for pk, *_rest in view.pairs]
    kept = view.kept_pair_units(eligible)
    active = sum(is_recent for is_recent, unit in zip(recent, kept, strict=True) if unit)
    kpi = proportion_kpi("active_pair_rate", title, active, sum(kept), view.k)
    return released(view, kpi, eligible, pairs=True, strata=recent)


def _cadence(view: ProgramView) -> list[Kpi]:
    """Meetings per pair-month and the cadence ratio (exact Poisson intervals), and the share of pairs on cadence.

    Over the pairs running at least one cadence period: meetings held in all ÷ months they ran in all (so each
    month of a pair weighs the same), and that ÷ the cadence's meetings per month.
    """
    k = view.k
    cadence_days = CADENCE_DAYS[Cadence(view.program.cadence)]
    target_per_month = DAYS_PER_MONTH / cadence_days
    # Per pair (meetings held, months running), None for pairs running less than one cadence period.
    spans: list[tuple[int, float] | None] = []
    for pk, _m, _e, _status, started_on, closed_at, *_r in view.pairs:
        end = timezone.localdate(closed_at) if closed_at else view.today
        days_running = (end - started_on).days
        spans.append(None if days_running < cadence_days else (view.meetings_by_pair.get(pk, (0,))[0], days_running / DAYS_PER_MONTH))
    units = [span is not None for span in spans]
    counted = [span for span, kept in zip(spans, view.keeps_pair, strict=True) if span is not None and kept]
    meetings = sum(held for held, _months in counted)
    months = sum(months for _held, months in counted)
    on_cadence = [int(span is not None and span[0] / span[1] / target_per_month >= ON_CADENCE_RATIO) for span in spans]
    on_cadence_count = sum(1 for held, months in counted if held / months / target_per_month >= ON_CADENCE_RATIO)
    ratio_label = ngettext(
        "Cadence ratio (1.0 = one meeting every %(days)d day)", "Cadence ratio (1.0 = one meeting every %(days)d days)", cadence_days
    ) % {"days": cadence_days}
    on_cadence_label = unit_words(view.program, "on_cadence") % {"ratio": ON_CADENCE_RATIO}
    pairs = len(counted)
    per_month_label = unit_words(view.program, "meetings_per_month")
    per_month = rate_kpi("meetings_per_month", per_month_label, "per_month", meetings, months, k, n=pairs)
    ratio = rate_kpi("cadence_ratio", ratio_label, "ratio", meetings, months * target_per_month, k, n=pairs)
    return [
        released(view, per_month, units, pairs=True),
        released(view, ratio, units, pairs=True),
        released(view, proportion_kpi("on_cadence", on_cadence_label, on_cadence_count, pairs, k), units, pairs=True, strata=on_cadence),
    ]


def _early_closure(view: ProgramView) -> Kpi:
    ends_on = view.program.ends_on
    early = []
    for _pk, _m, _e, status, _s, closed_at, reason, _h in view.pairs:
        before_end = ends_on is None or (closed_at is not None and timezone.localdate(closed_at) < ends_on)
        early.append(int(status == PairStatus.CLOSED and reason != CloseReason.COMPLETED and before_end))
    kept = view.keeps_pair
    count = sum(is_early for is_early, unit in zip(early, kept, strict=True) if unit)
    kpi = proportion_kpi("early_closure", _("Early-closure rate"), count, sum(kept), view.k)
    return released(view, kpi, [True] * len(view.pairs), pairs=True, strata=early)


def _goal_completion(view: ProgramView, pair_ids: PairIds, label: Mapping[str, str]) -> list[Kpi]:
    rows = (
        Goal.objects.filter(pair_id__in=pair_ids)
        .values("pair_id", "owner_role")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=GoalStatus.DONE)))
        .values_list("pair_id", "owner_role", "total", "done")
    )
    shares: dict[str, dict[int, float]] = defaultdict(dict)
    for pair_id, role, total, done in rows:
        shares[role][pair_id] = done / total
    kpis = []
    for role in ROLES:
        # Pairs have a handful of goals, so few distinct shares: summed per share rather than listed per pair.
        counts: Counter[float] = Counter(shares[role].values())
        units = [pk in shares[role] for pk, *_rest in view.pairs] if view.is_filtered else []
        if view.is_filtered:
            kept = view.kept_pair_units(units)
            counts = Counter(shares[role][pk] for (pk, *_rest), unit in zip(view.pairs, kept, strict=True) if unit)
        text = _("Goal completion, goals of the %(side)s side") % {"side": label[role]}
        kpi = bounded_mean_kpi(
            f"goal_completion.{role}", text, "percent", counts, view.k, n=counts.total(), scale=(0.0, 1.0), always_wilson=True
        )
        kpis.append(released(view, kpi, units, pairs=True))
    return kpis


def _satisfaction(view: ProgramView, pair_ids: PairIds, label: Mapping[str, str]) -> tuple[SuppressedTable, list[Kpi], str]:
    """Pulse ratings per role (a suppressed table of answers) and each role's mean rating, over pairs with an answer.

    Unfiltered, one pass over the pulses (the largest table behind the page) into a single row: answers per role and
    rating, and pairs with an answer per role. Grouping per pair instead returns ~10,000 rows to add up in Python, which
    a filtered view needs (to tell which pairs it keeps, and for the cross-filter rule). Pulses carry their pair, so either
    pass reads the (pair, role, rating) index without joining the 100,000 meetings.
    """
    k = view.k
    cells: list[tuple[str, str]] = [(role, rating) for role in ROLES for rating in RATINGS]
    pulses = Pulse.objects.filter(pair_id__in=pair_ids).order_by()
    per_pair = None
    if view.is_filtered:
        position = {row[0]: number for number, row in enumerate(view.pairs)}
        cell_number = {cell: number for number, cell in enumerate(cells)}
        per_pair = np.zeros((len(view.pairs), len(cells)), dtype=np.int64)
        for pair_id, role, rating, answers in (
            pulses.values("pair_id", "role", "rating").annotate(answers=Count("pk")).values_list("pair_id", "role", "rating", "answers")
        ):
            if (role, str(rating)) in cell_number:
                per_pair[position[pair_id], cell_number[role, str(rating)]] = answers
        kept = per_pair[np.asarray(view.keeps_pair, dtype=np.bool_)]
        counts: Counter[tuple[str, str]] = Counter(dict(zip(cells, (int(total) for total in kept.sum(axis=0)), strict=True)))
        by_role = {role: kept[:, [number for number, (owner, _r) in enumerate(cells) if owner == role]].sum(axis=1) > 0 for role in ROLES}
        raters: Counter[str] = Counter({role: int(by_role[role].sum()) for role in ROLES})
    else:
        per_cell = {f"{role}_{rating}": Count("pk", filter=Q(role=role, rating=int(rating))) for role, rating in cells}
        per_role = {f"{role}_raters": Count("pair_id", distinct=True, filter=Q(role=role)) for role in ROLES}
        totals = pulses.aggregate(**per_cell, **per_role)
        raters = Counter({role: totals[f"{role}_raters"] for role in ROLES})
        counts = Counter({(role, rating): totals[f"{role}_{rating}"] for role, rating in cells})
    table = pulse_table(counts, label, k)
    kpis = []
    for role in ROLES:
        ratings = {float(rating): counts.get((role, rating), 0) for rating in RATINGS}
        text = _("Pulse rating, %(side)s side (1–5)") % {"side": label[role]}
        kpi = bounded_mean_kpi(f"satisfaction.{role}", text, "score", ratings, k, n=raters.get(role, 0), scale=RATING_SCALE)
        if per_pair is not None:
            columns = [number for number, (owner, _r) in enumerate(cells) if owner == role]
            kpi = released(view, kpi, list(per_pair[:, columns].sum(axis=1) > 0), pairs=True)
        # The mean is a weighted sum of the side's row of the table (Σ (r − mean) · cell(r) = 0): beside a hidden cell
        # it would tell the hidden ones (a mean of 1.0 says every rating was 1), so it is shown only with the whole row.
        if not kpi.is_withheld and any(table.value(label[role], rating) is None for rating in RATINGS):
            kpi = Kpi(kpi.key, kpi.label, kpi.unit, n=kpi.n, note=_("withheld: hidden in the pulse table to protect small groups"))
        kpis.append(kpi)
    if per_pair is not None and not view.releases_pairs(
        list(per_pair.sum(axis=1) > 0),
        contributions=per_pair,
        suppress=lambda answers: table_pattern(pulse_table(dict(zip(cells, answers, strict=True)), label, k)),
    ):
        return withheld_table(table), kpis, cross_filter_note(k)
    return table, kpis, ""


def _net_promoter(program: Program, label: Mapping[str, str], k: int, filtered: bool) -> list[Kpi]:
    if filtered:
        return [
            Kpi(f"nps.{role}", _("Net Promoter Score, %(side)s side") % {"side": label[role]}, "points", note=str(NOT_BROKEN_DOWN))
            for role in ROLES
        ]
    rows = [row for row in wave_aggregates(program=program, kind=WaveKind.END) if row.scale_type == ScaleType.NPS]
    kpis = []
    for role in ROLES:
        row = next((row for row in rows if row.role == role), None)
        key, text = f"nps.{role}", _("Net Promoter Score, %(side)s side (end survey)") % {"side": label[role]}
        if row is None or row.promoters is None or row.passives is None or row.detractors is None:
            kpis.append(Kpi(key, text, "points", note=_("no end-of-program answers yet")))
        elif row.respondents < k:
            kpis.append(Kpi(key, text, "points", note=_("withheld: fewer than %(k)d answers") % {"k": k}))
        else:
            scores = [10] * row.promoters + [7] * row.passives + [0] * row.detractors
            kpis.append(estimate_kpi(key, text, "points", nps(scores)))
    return kpis


def _pre_post_gains(program: Program, label: Mapping[str, str], k: int, filtered: bool) -> list[Kpi]:
    """Paired end − baseline gains per role and subscale, from answers read as anonymous pairs of numbers."""
    if filtered:
        return [Kpi("gain", _("Pre/post gain"), "points", note=str(NOT_BROKEN_DOWN))]
    responses = SurveyResponse.objects.filter(
        assignment__wave__program=program, assignment__wave__kind__in=[WaveKind.BASELINE, WaveKind.END]
    )
    # Keyed by enrolment only to pair each person's two answers; nothing per person leaves this function.
    by_person: dict[tuple[str, int, int], dict[str, dict[str, int]]] = defaultdict(dict)
    rows = responses.values_list(
        "assignment__enrolment__role", "instrument_id", "assignment__enrolment_id", "assignment__wave__kind", "answers"
    )
    for role, instrument_id, enrolment_id, kind, answers in rows:
        by_person[(role, instrument_id, enrolment_id)][kind] = answers
    if not by_person:
        return [Kpi("gain", _("Pre/post gain"), "points", note=_("no baseline and end answers yet"))]
    loaded = Instrument.objects.in_bulk({instrument_id for _role, instrument_id, _enrolment in by_person})
    kpis = []
    for role in ROLES:
        for instrument_id, instrument in sorted(loaded.items(), key=lambda item: (item[1].slug, item[1].version)):
            if instrument.scale_type == ScaleType.NPS or WaveKind.BASELINE not in instrument.waves:
                continue  # a score of its own, or an instrument never asked before the pairs start: no gain to show
            both = [
                waves
                for (person_role, owner, _e), waves in by_person.items()
                if person_role == role and owner == instrument_id and len(waves) == 2
            ]
            for subscale in instrument.subscales:
                items = instrument.items_of(subscale["slug"])
                key = f"gain.{role}.{instrument.slug}.{subscale['slug']}"
                text = _("Gain in %(subscale)s, %(side)s side") % {"subscale": subscale["name"], "side": label[role]}
                if len(both) < k:
                    if both or any(person_role == role and owner == instrument_id for person_role, owner, _e in by_person):
                        kpis.append(Kpi(key, text, "points", note=_("withheld: fewer than %(k)d people answered both waves") % {"k": k}))
                    continue
                scale = {"scale_min": instrument.scale_min, "scale_max": instrument.scale_max}
                before = [subscale_score(items, waves[WaveKind.BASELINE], **scale) for waves in both]
                after = [subscale_score(items, waves[WaveKind.END], **scale) for waves in both]
                # A gain lies between −(max − min) and max − min of the instrument's scale; the t interval is clipped to it.
                span = float(instrument.scale_max - instrument.scale_min)
                gain = paired_gain_ci(before, after)
                clipped = dataclasses.replace(gain, low=max(-span, gain.low), high=min(span, gain.high))
                kpis.append(estimate_kpi(key, text, "points", clipped))
    return kpis or [Kpi("gain", _("Pre/post gain"), "points", note=_("no baseline and end answers yet"))]


def _insights_adopted(view: ProgramView, pair_ids: PairIds) -> list[Kpi]:
    """Ideas adopted in all, per pair (exact Poisson interval) and the share of pairs with at least one: one decision.

    The three are published together or not at all. The total gives the pairs with an idea away when it is small (a
    total of 1 is one pair) and the rate is the total over the pairs, so both are withheld whenever the share is,
    for a group of fewer than ``k`` pairs with or without an idea, or by the cross-filter rule.
    """
    k = view.k
    per_pair = dict(
        Insight.objects.filter(pair_id__in=pair_ids).values("pair_id").annotate(count=Count("pk")).values_list("pair_id", "count")
    )
    pair_count = sum(view.keeps_pair)
    values = [per_pair.get(pk, 0) for pk, *_rest in view.kept_pairs]
    every_pair = [True] * len(view.pairs)
    with_an_idea = [int(pk in per_pair) for pk, *_rest in view.pairs]
    with_ideas = sum(1 for value in values if value)
    labels = {
        "insights_adopted": (_("Ideas adopted by seniors"), "count"),
        "insights_per_pair": (unit_words(view.program, "insights_per_pair"), "count"),
        "pairs_with_insight": (unit_words(view.program, "pairs_with_insight"), "percent"),
    }
    share = proportion_kpi("pairs_with_insight", labels["pairs_with_insight"][0], with_ideas, pair_count, k)
    share = released(view, share, every_pair, pairs=True, strata=with_an_idea)
    if share.is_withheld:
        note = unit_words(view.program, "few") % {"k": k} if pair_count < k else share.note
        return [Kpi(key, label, unit, note=note) for key, (label, unit) in labels.items()]
    total = sum(values)
    adopted = Kpi("insights_adopted", labels["insights_adopted"][0], "count", float(total), n=pair_count)
    per_pair_kpi = rate_kpi("insights_per_pair", labels["insights_per_pair"][0], "count", total, pair_count, k, n=pair_count)
    return [adopted, per_pair_kpi, share]


def _meetings_per_month(view: ProgramView, held: QuerySet[Meeting, Any]) -> tuple[list[tuple[str, int | None]], str]:
    """Meetings held per local month ("2026-01"), counted in SQL and suppressed by
    :func:`~turnabout.insights.breakdowns.meetings_by_month`; withheld when fewer than ``k`` pairs have met. One query.

    Each meeting is labelled by comparing its start with the local month boundaries, worked out here in the current time
    zone: plain comparisons, so the database returns one row per month rather than one per meeting, and SQLite calls no
    Python function per row (as its ``TruncMonth`` and ``ExtractMonth`` do). A filtered view counts per pair and month
    over the whole program (its months are the program's), for the cross-filter rule of a breakdown.
    """
    met = [pk in view.meetings_by_pair for pk, *_rest in view.pairs]
    kept_met = view.kept_pair_units(met)
    spans = [view.meetings_by_pair[pk] for (pk, *_rest), unit in zip(view.pairs, kept_met, strict=True) if unit]
    if len(spans) < view.k:
        return [], unit_words(view.program, "few_met") % {"k": view.k}
    if view.is_filtered:
        spans = list(view.meetings_by_pair.values())
    months = _local_months(min(first for _count, first, _last in spans), max(last for _count, _first, last in spans))
    # A meeting recorded since meetings_by_pair was read falls in the first or last month rather than being lost.
    label = Case(
        *(When(starts_at__lt=next_start, then=Value(name)) for (name, _start), (_next, next_start) in itertools.pairwise(months)),
        default=Value(months[-1][0]),
        output_field=CharField(),
    )
    names = [name for name, _start in months]
    k, pairs_met = view.k, sum(kept_met)
    if not view.is_filtered:
        rows = held.order_by().annotate(month=label).values("month").annotate(count=Count("pk")).values_list("month", "count")
        published = meetings_by_month(dict.fromkeys(names, 0) | dict(rows), pairs_met, k)
        return list(published.values.items()), ""
    position = {row[0]: number for number, row in enumerate(view.pairs)}
    column = {name: number for number, name in enumerate(names)}
    contributions = np.zeros((len(view.pairs), len(names)), dtype=np.int64)
    per_pair = held.order_by().annotate(month=label).values("pair_id", "month").annotate(count=Count("pk"))
    for pair_id, month, count in per_pair.values_list("pair_id", "month", "count"):
        contributions[position[pair_id], column[month]] = count
    kept = contributions[np.asarray(view.keeps_pair, dtype=np.bool_)].sum(axis=0)
    published = meetings_by_month(dict(zip(names, (int(count) for count in kept), strict=True)), pairs_met, k)

    def pattern(counts: tuple[int, ...]) -> frozenset[Hashable]:
        # The rule leaves every class 0 or at least k pairs that met, so a class's months are shown as k pairs' would be.
        return counts_pattern(meetings_by_month(dict(zip(names, counts, strict=True)), k, k))

    if not view.releases_pairs(met, contributions=contributions, suppress=pattern):
        return [], cross_filter_note(k)
    return list(published.values.items()), ""


def _local_months(first: date, last: date) -> list[tuple[str, datetime]]:
    """Each month from ``first``'s to ``last``'s (local dates), as ("2026-01", its first instant in the current time zone)."""
    zone = timezone.get_current_timezone()
    year, month = first.year, first.month
    months = []
    while (year, month) <= (last.year, last.month):
        months.append((f"{year:04}-{month:02}", timezone.make_aware(datetime(year, month, 1), zone)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
