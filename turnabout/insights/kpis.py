"""Program KPIs from the database: read-only, aggregates only, every figure about people suppressed.

Definitions are those of ``docs/insights.md``. Each reader here runs a fixed number of queries whatever the
program's size (pinned by tests); the statistics come from the framework-free :mod:`turnabout.insights.stats`
and :mod:`turnabout.insights.suppression`.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone
from scipy import stats as scipy_stats

from turnabout.engagement.models import CloseReason, Goal, GoalStatus, HealthState, Insight, Meeting, MeetingStatus, Pair, PairStatus, Pulse
from turnabout.insights.instants import EpochSeconds, local_date
from turnabout.insights.stats import Estimate, MeanEstimate, mean_ci, nps, paired_gain_ci, proportion_ci
from turnabout.insights.suppression import SuppressedCounts, SuppressedTable, suppress_counts, suppress_table
from turnabout.programs.models import CADENCE_DAYS, Cadence, Enrolment, EnrolmentStatus, Program, Role, TrainingAudience, TrainingCompletion
from turnabout.surveys.models import Instrument, ScaleType, SurveyResponse, WaveKind
from turnabout.surveys.scoring import subscale_score
from turnabout.surveys.services import wave_aggregates

DAYS_PER_MONTH = 30.44
ON_CADENCE_RATIO = 0.8
ROLES = (Role.MENTOR, Role.MENTEE)
RATINGS = ("1", "2", "3", "4", "5")
HEALTH_LABELS = {HealthState.HEALTHY: "Healthy", HealthState.WATCH: "Watch", HealthState.AT_RISK: "At risk"}
NOT_BROKEN_DOWN = "survey figures are not broken down by site or cohort"

# (pk, role, status, decided_at as seconds since the epoch)
EnrolmentRow = tuple[int, str, str, int | None]
# (pk, mentor enrolment, mentee enrolment, status, started_on, closed_at, close_reason, health_state)
PairRow = tuple[int, int, int, str, date, datetime | None, str, str]
# pair pk → (meetings held, local date of the first held, local date of the last held)
MeetingSpans = Mapping[int, tuple[int, date, date]]
PairIds = QuerySet[Pair, Any]


def min_cell() -> int:
    """The small-cell threshold ``k`` from settings (``INSIGHTS_MIN_CELL``, never below 3)."""
    return int(getattr(settings, "INSIGHTS_MIN_CELL", 5))


@dataclass(frozen=True, slots=True)
class Kpi:
    """One published figure: ``estimate`` with its interval (``None`` when withheld, ``note`` says why).

    ``unit`` is one of ``percent`` (a 0–1 proportion), ``days``, ``per_month``, ``ratio``, ``score`` (1–5),
    ``points`` (NPS or a gain) or ``count``. ``n`` counts the people, pairs or answers behind the figure.
    """

    key: str
    label: str
    unit: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    note: str = ""

    @property
    def is_withheld(self) -> bool:
        return self.estimate is None


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
    meetings_per_month: list[tuple[str, int]]  # empty when fewer than k pairs met
    meetings_note: str = ""
    has_retention_figures: bool = False

    def kpi(self, key: str) -> Kpi:
        return next(kpi for kpi in self.kpis if kpi.key == key)


# --- Program KPIs -----------------------------------------------------------------------------------------------


def program_kpis(program: Program, *, site_id: int | None = None, cohort: str | None = None, today: date | None = None) -> ProgramKpis:
    """The program's KPIs (docs/insights.md), optionally for people at one site or of one enrolment month ("2026-01").

    A pair counts when either partner is in the filtered group. Read-only; a bounded number of queries whatever the size (tested).
    """
    k = min_cell()
    today = today or timezone.localdate()
    label: dict[str, str] = {Role.MENTOR: program.mentor_label, Role.MENTEE: program.mentee_label}

    enrolments = Enrolment.objects.filter(program=program)
    if site_id is not None:
        enrolments = enrolments.filter(person__site_id=site_id)
    if cohort is not None:
        year, month = (int(part) for part in cohort.split("-"))
        enrolments = enrolments.filter(created_at__year=year, created_at__month=month)
    # No ordering: Enrolment's default one joins the directory to sort by family name, for nothing here.
    people: list[EnrolmentRow] = list(enrolments.order_by().values_list("pk", "role", "status", EpochSeconds("decided_at")))
    ready_at = _ready_at(program, people)

    pairs_query = Pair.objects.filter(program=program)
    if site_id is not None or cohort is not None:
        pairs_query = pairs_query.filter(Q(mentor_id__in=enrolments.values("pk")) | Q(mentee_id__in=enrolments.values("pk")))
    pairs = list(
        pairs_query.values_list("pk", "mentor_id", "mentee_id", "status", "started_on", "closed_at", "close_reason", "health_state")
    )
    pair_ids = pairs_query.values("pk")
    held = Meeting.objects.filter(pair_id__in=pair_ids, status=MeetingStatus.HELD)
    zone = timezone.get_current_timezone()  # looked up once: timezone.localdate() per row costs more than the query
    # Instants read as epoch seconds: an aware datetime per row costs more in Python than the query.
    meetings_by_pair = {
        pair_id: (count, local_date(first, zone), local_date(last, zone))
        for pair_id, count, first, last in held.values("pair_id")
        .annotate(count=Count("pk"), first=EpochSeconds(Min("starts_at")), last=EpochSeconds(Max("starts_at")))
        .values_list("pair_id", "count", "first", "last")
    }

    kpis: list[Kpi] = []
    kpis += _participation(people, label, k)
    kpis += _match_rate_and_time_to_match(people, ready_at, pairs, label, k, today)
    kpis.append(_time_to_first_meeting(pairs, meetings_by_pair, k))
    kpis.append(_active_pair_rate(program, pairs, meetings_by_pair, k, today))
    kpis += _cadence(program, pairs, meetings_by_pair, k, today)
    kpis.append(_early_closure(program, pairs, k))
    kpis += _goal_completion(pair_ids, label, k)
    pulse_ratings, satisfaction = _satisfaction(pair_ids, label, k)
    kpis += satisfaction
    filtered = site_id is not None or cohort is not None
    kpis += _net_promoter(program, label, k, filtered)
    kpis += _pre_post_gains(program, label, k, filtered)
    kpis += _insights_adopted(pair_ids, len(pairs), k)

    meetings_per_month, meetings_note = _meetings_per_month(held, meetings_by_pair, k)
    health = Counter(state for _pk, _m, _e, status, *_rest, state in pairs if status == PairStatus.ACTIVE)
    return ProgramKpis(
        program=program,
        k=k,
        today=today,
        site_id=site_id,
        cohort=cohort,
        kpis=kpis,
        enrolments=_enrolment_table(people, label, k),
        health=suppress_counts({HEALTH_LABELS[state]: health.get(state, 0) for state in HealthState}, k=k),
        pulse_ratings=pulse_ratings,
        meetings_per_month=meetings_per_month,
        meetings_note=meetings_note,
    )


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


def proportion_kpi(key: str, label: str, successes: int, n: int, k: int) -> Kpi:
    if n < k or 0 < successes < k or 0 < n - successes < k:
        # A numerator or its complement from 1 to k − 1 is a small group of people, whatever the rate.
        return Kpi(key, label, "percent", n=None if n < k else n, note=f"withheld: fewer than {k} people in a group")
    ci = proportion_ci(successes, n)
    return Kpi(key, label, "percent", ci.estimate, ci.low, ci.high, ci.n)


def _mean(key: str, label: str, unit: str, values: Sequence[float], k: int, *, n: int | None = None) -> Kpi:
    people = len(values) if n is None else n
    if people < k or len(values) < 2:
        return Kpi(key, label, unit, note=f"withheld: fewer than {k}")
    return _from_estimate(key, label, unit, mean_ci(values), n=people)


def _mean_of_counts(key: str, label: str, unit: str, counts: Mapping[float, int], k: int, *, n: int) -> Kpi:
    """:func:`_mean` of each value repeated ``count`` times, without building that list (a pulse a meeting adds up).

    The same Student's t interval as :func:`~turnabout.insights.stats.mean_ci`, summed per distinct value.
    """
    answers = sum(counts.values())
    if n < k or answers < 2:
        return Kpi(key, label, unit, note=f"withheld: fewer than {k}")
    mean = math.fsum(value * count for value, count in counts.items()) / answers
    standard_deviation = math.sqrt(math.fsum(count * (value - mean) ** 2 for value, count in counts.items()) / (answers - 1))
    half_width = float(scipy_stats.t.ppf(0.975, answers - 1)) * standard_deviation / math.sqrt(answers)
    estimate = MeanEstimate(
        estimate=mean, low=mean - half_width, high=mean + half_width, n=answers, level=0.95, standard_deviation=standard_deviation
    )
    return _from_estimate(key, label, unit, estimate, n=n)


def _from_estimate(key: str, label: str, unit: str, estimate: Estimate, *, n: int | None = None, note: str = "") -> Kpi:
    return Kpi(key, label, unit, estimate.estimate, estimate.low, estimate.high, estimate.n if n is None else n, note)


def _distribution(key: str, label: str, days: list[int], k: int, note: str) -> Kpi:
    """Median with quartiles (``low``/``high`` are the 25th and 75th percentiles here, not an interval)."""
    if len(days) < k:
        return Kpi(key, label, "days", note=f"withheld: fewer than {k}" + (f"; {note}" if note else ""))
    q1, median, q3 = statistics.quantiles(days, n=4, method="inclusive")
    return Kpi(key, label, "days", median, q1, q3, len(days), note)


def _participation(people: list[EnrolmentRow], label: Mapping[str, str], k: int) -> list[Kpi]:
    kpis = []
    for role in ROLES:
        statuses = [status for _pk, person_role, status, _d in people if person_role == role]
        approved = sum(1 for status in statuses if status == EnrolmentStatus.APPROVED)
        kpis.append(
            proportion_kpi(f"participation.{role}", f"Participation, {label[role]}s (enrolled ÷ invited)", approved, len(statuses), k)
        )
    return kpis


def _match_rate_and_time_to_match(
    people: list[EnrolmentRow],
    ready_at: Mapping[int, int],
    pairs: list[PairRow],
    label: Mapping[str, str],
    k: int,
    today: date,
) -> list[Kpi]:
    first_pair: dict[int, date] = {}
    for _pk, mentor_id, mentee_id, _status, started_on, *_rest in pairs:
        for enrolment_id in (mentor_id, mentee_id):
            if enrolment_id not in first_pair or started_on < first_pair[enrolment_id]:
                first_pair[enrolment_id] = started_on
    zone = timezone.get_current_timezone()
    ready_on = {pk: local_date(seconds, zone) for pk, seconds in ready_at.items()}
    kpis = []
    days_to_match: list[int] = []
    waiting: list[int] = []
    for role in ROLES:
        ready = [pk for pk, person_role, _s, _d in people if person_role == role and pk in ready_at]
        matched = [pk for pk in ready if pk in first_pair]
        kpis.append(proportion_kpi(f"match_rate.{role}", f"Match rate, {label[role]}s", len(matched), len(ready), k))
        days_to_match += [max(0, (first_pair[pk] - ready_on[pk]).days) for pk in matched]
        waiting += [(today - ready_on[pk]).days for pk in ready if pk not in first_pair]
    note = ""
    if len(waiting) >= k:
        note = f"{len(waiting)} still waiting, longest wait {max(waiting)} days"
    elif waiting:
        note = f"fewer than {k} still waiting"
    kpis.append(_distribution("days_to_match", "Days to match (ready → pair accepted)", days_to_match, k, note))
    return kpis


def _time_to_first_meeting(pairs: list[PairRow], meetings_by_pair: MeetingSpans, k: int) -> Kpi:
    days = []
    for pk, _m, _e, _status, started_on, *_rest in pairs:
        if pk in meetings_by_pair:
            days.append(max(0, (meetings_by_pair[pk][1] - started_on).days))
    without = len(pairs) - len(days)
    note = f"{without} pairs without a meeting yet" if without >= k else (f"fewer than {k} pairs without a meeting yet" if without else "")
    return _distribution("days_to_first_meeting", "Days to first meeting held", days, k, note)


def _active_pair_rate(program: Program, pairs: list[PairRow], meetings_by_pair: MeetingSpans, k: int, today: date) -> Kpi:
    window = timedelta(days=1.5 * CADENCE_DAYS[Cadence(program.cadence)])
    eligible = [pk for pk, _m, _e, status, started_on, *_r in pairs if status != PairStatus.CLOSED and started_on <= today - window]
    active = sum(1 for pk in eligible if pk in meetings_by_pair and meetings_by_pair[pk][2] >= today - window)
    return proportion_kpi("active_pair_rate", "Active-pair rate (met within 1.5 × cadence)", active, len(eligible), k)


def _cadence(program: Program, pairs: list[PairRow], meetings_by_pair: MeetingSpans, k: int, today: date) -> list[Kpi]:
    cadence_days = CADENCE_DAYS[Cadence(program.cadence)]
    target_per_month = DAYS_PER_MONTH / cadence_days
    per_month: list[float] = []
    for pk, _m, _e, _status, started_on, closed_at, *_r in pairs:
        end = timezone.localdate(closed_at) if closed_at else today
        days_running = (end - started_on).days
        if days_running < cadence_days:
            continue
        per_month.append(meetings_by_pair.get(pk, (0,))[0] / (days_running / DAYS_PER_MONTH))
    ratios = [value / target_per_month for value in per_month]
    on_cadence = sum(1 for ratio in ratios if ratio >= ON_CADENCE_RATIO)
    return [
        _mean("meetings_per_month", "Meetings per pair per month", "per_month", per_month, k),
        _mean("cadence_ratio", f"Cadence ratio (1.0 = one meeting every {cadence_days} days)", "ratio", ratios, k),
        proportion_kpi("on_cadence", f"Pairs on cadence (ratio ≥ {ON_CADENCE_RATIO})", on_cadence, len(ratios), k),
    ]


def _early_closure(program: Program, pairs: list[PairRow], k: int) -> Kpi:
    early = 0
    for _pk, _m, _e, status, _s, closed_at, reason, _h in pairs:
        before_end = program.ends_on is None or (closed_at is not None and timezone.localdate(closed_at) < program.ends_on)
        if status == PairStatus.CLOSED and reason != CloseReason.COMPLETED and before_end:
            early += 1
    return proportion_kpi("early_closure", "Early-closure rate", early, len(pairs), k)


def _goal_completion(pair_ids: PairIds, label: Mapping[str, str], k: int) -> list[Kpi]:
    rows = (
        Goal.objects.filter(pair_id__in=pair_ids)
        .values("pair_id", "owner_role")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=GoalStatus.DONE)))
        .values_list("owner_role", "total", "done")
    )
    # Pairs have a handful of goals, so few distinct shares: summed per share rather than listed per pair.
    shares: dict[str, Counter[float]] = defaultdict(Counter)
    for role, total, done in rows:
        shares[role][done / total] += 1
    return [
        _mean_of_counts(
            f"goal_completion.{role}", f"Goal completion, {label[role]}s' goals", "percent", shares[role], k, n=shares[role].total()
        )
        for role in ROLES
    ]


def _satisfaction(pair_ids: PairIds, label: Mapping[str, str], k: int) -> tuple[SuppressedTable, list[Kpi]]:
    # One pass over the pulses (the largest table behind the page) into a single row: answers per role and rating, and
    # pairs with an answer per role. Grouping per pair instead returned ~10,000 rows to add up in Python. Pulses carry
    # their pair, so the pass reads the (pair, role, rating) index without joining the 100,000 meetings.
    per_cell = {f"{role}_{rating}": Count("pk", filter=Q(role=role, rating=int(rating))) for role in ROLES for rating in RATINGS}
    per_role = {f"{role}_raters": Count("pair_id", distinct=True, filter=Q(role=role)) for role in ROLES}
    totals = Pulse.objects.filter(pair_id__in=pair_ids).order_by().aggregate(**per_cell, **per_role)
    raters: Counter[str] = Counter({role: totals[f"{role}_raters"] for role in ROLES})
    counts: Counter[tuple[str, str]] = Counter({(role, rating): totals[f"{role}_{rating}"] for role in ROLES for rating in RATINGS})
    table = suppress_table(
        {(label[role], rating): counts.get((role, rating), 0) for role in ROLES for rating in RATINGS},
        k=k,
        rows=[label[role] for role in ROLES],
        columns=list(RATINGS),
    )
    kpis = []
    for role in ROLES:
        ratings = {float(rating): counts.get((role, rating), 0) for rating in RATINGS}
        text = f"Pulse rating, {label[role]}s (1–5)"
        kpis.append(_mean_of_counts(f"satisfaction.{role}", text, "score", ratings, k, n=raters.get(role, 0)))
    return table, kpis


def _net_promoter(program: Program, label: Mapping[str, str], k: int, filtered: bool) -> list[Kpi]:
    if filtered:
        return [Kpi(f"nps.{role}", f"Net Promoter Score, {label[role]}s", "points", note=NOT_BROKEN_DOWN) for role in ROLES]
    rows = [row for row in wave_aggregates(program=program, kind=WaveKind.END) if row.scale_type == ScaleType.NPS]
    kpis = []
    for role in ROLES:
        row = next((row for row in rows if row.role == role), None)
        key, text = f"nps.{role}", f"Net Promoter Score, {label[role]}s (end survey)"
        if row is None or row.promoters is None or row.passives is None or row.detractors is None:
            kpis.append(Kpi(key, text, "points", note="no end-of-program answers yet"))
        elif row.respondents < k:
            kpis.append(Kpi(key, text, "points", note=f"withheld: fewer than {k} answers"))
        else:
            scores = [10] * row.promoters + [7] * row.passives + [0] * row.detractors
            kpis.append(_from_estimate(key, text, "points", nps(scores)))
    return kpis


def _pre_post_gains(program: Program, label: Mapping[str, str], k: int, filtered: bool) -> list[Kpi]:
    """Paired end − baseline gains per role and subscale, from answers read as anonymous pairs of numbers."""
    if filtered:
        return [Kpi("gain", "Pre/post gain", "points", note=NOT_BROKEN_DOWN)]
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
        return [Kpi("gain", "Pre/post gain", "points", note="no baseline and end answers yet")]
    loaded = Instrument.objects.in_bulk({instrument_id for _role, instrument_id, _enrolment in by_person})
    kpis = []
    for role in ROLES:
        for instrument_id, instrument in sorted(loaded.items(), key=lambda item: (item[1].slug, item[1].version)):
            if instrument.scale_type == ScaleType.NPS:
                continue
            both = [
                waves
                for (person_role, owner, _e), waves in by_person.items()
                if person_role == role and owner == instrument_id and len(waves) == 2
            ]
            for subscale in instrument.subscales:
                items = instrument.items_of(subscale["slug"])
                key = f"gain.{role}.{instrument.slug}.{subscale['slug']}"
                text = f"Gain in {subscale['name']}, {label[role]}s"
                if len(both) < k:
                    if both or any(person_role == role and owner == instrument_id for person_role, owner, _e in by_person):
                        kpis.append(Kpi(key, text, "points", note=f"withheld: fewer than {k} people answered both waves"))
                    continue
                scale = {"scale_min": instrument.scale_min, "scale_max": instrument.scale_max}
                before = [subscale_score(items, waves[WaveKind.BASELINE], **scale) for waves in both]
                after = [subscale_score(items, waves[WaveKind.END], **scale) for waves in both]
                kpis.append(_from_estimate(key, text, "points", paired_gain_ci(before, after)))
    return kpis or [Kpi("gain", "Pre/post gain", "points", note="no baseline and end answers yet")]


def _insights_adopted(pair_ids: PairIds, pair_count: int, k: int) -> list[Kpi]:
    per_pair = dict(
        Insight.objects.filter(pair_id__in=pair_ids).values("pair_id").annotate(count=Count("pk")).values_list("pair_id", "count")
    )
    total = sum(per_pair.values())
    if pair_count < k:
        return [Kpi("insights_adopted", "Ideas adopted by seniors", "count", note=f"withheld: fewer than {k} pairs")]
    values = list(per_pair.values()) + [0] * (pair_count - len(per_pair))
    return [
        Kpi("insights_adopted", "Ideas adopted by seniors", "count", float(total), n=pair_count),
        _mean("insights_per_pair", "Ideas adopted per pair", "count", values, k),
        proportion_kpi("pairs_with_insight", "Pairs with at least one idea adopted", len(per_pair), pair_count, k),
    ]


def _meetings_per_month(held: QuerySet[Meeting, Any], meetings_by_pair: MeetingSpans, k: int) -> tuple[list[tuple[str, int]], str]:
    """Meetings held per local month ("2026-01"), counted in SQL; withheld when fewer than ``k`` pairs have met. One query.

    Each meeting is labelled by comparing its start with the local month boundaries, worked out here in the current time
    zone: plain comparisons, so the database returns one row per month rather than one per meeting, and SQLite calls no
    Python function per row (as its ``TruncMonth`` and ``ExtractMonth`` do).
    """
    if len(meetings_by_pair) < k:
        return [], f"withheld: fewer than {k} pairs have met"
    months = _local_months(
        min(first for _count, first, _last in meetings_by_pair.values()), max(last for _count, _first, last in meetings_by_pair.values())
    )
    # A meeting recorded since meetings_by_pair was read falls in the first or last month rather than being lost.
    label = Case(
        *(When(starts_at__lt=next_start, then=Value(name)) for (name, _start), (_next, next_start) in itertools.pairwise(months)),
        default=Value(months[-1][0]),
        output_field=CharField(),
    )
    rows = held.order_by().annotate(month=label).values("month").annotate(count=Count("pk")).values_list("month", "count")
    return sorted(rows), ""


def _local_months(first: date, last: date) -> list[tuple[str, datetime]]:
    """Each month from ``first``'s to ``last``'s (local dates), as ("2026-01", its first instant in the current time zone)."""
    zone = timezone.get_current_timezone()
    year, month = first.year, first.month
    months = []
    while (year, month) <= (last.year, last.month):
        months.append((f"{year:04}-{month:02}", timezone.make_aware(datetime(year, month, 1), zone)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _enrolment_table(people: list[EnrolmentRow], label: Mapping[str, str], k: int) -> SuppressedTable:
    counts = Counter(
        (label[role], "Enrolled" if status == EnrolmentStatus.APPROVED else "Invited, not enrolled") for _pk, role, status, _d in people
    )
    return suppress_table(counts, k=k, rows=[label[role] for role in ROLES], columns=["Enrolled", "Invited, not enrolled"])
