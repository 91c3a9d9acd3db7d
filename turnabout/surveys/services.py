"""Every state change of surveys goes through these functions, plus ``wave_aggregates``, the only read of answers.

Answers are never returned per person: ``wave_aggregates`` yields rows per wave, side, instrument and subscale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from turnabout.engagement.models import PairStatus
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role
from turnabout.surveys.catalogue import in_program_wording, instrument_catalogue
from turnabout.surveys.errors import AnswersInvalid, ProgramNotScheduled, WaveClosed, WaveNotOpen
from turnabout.surveys.models import (
    Instrument,
    ScaleType,
    SurveyAssignment,
    SurveyResponse,
    SurveyWave,
    WaveKind,
    WaveStatus,
)
from turnabout.surveys.scoring import AggregateRow, net_promoter, subscale_score

WAVE_OPEN_DAYS = 21
# Midpoint and end ask about the relationship, so only people who have been in a pair are asked.
PAIRED_STATUSES = (PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.CLOSED)


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    deactivated: int

    def __str__(self) -> str:
        return f"Instruments: {self.created} added, {self.updated} updated, {self.deactivated} retired."


@transaction.atomic
def sync_instruments() -> SyncResult:
    """Upsert the shipped instruments by slug and version; rows no longer shipped become inactive (never deleted,
    since responses keep pointing at the version they answered). Idempotent.
    """
    created = updated = 0
    shipped = []
    for fields in instrument_catalogue():
        instrument, was_created = Instrument.objects.update_or_create(
            slug=fields["slug"], version=fields["version"], defaults={**fields, "is_active": True}
        )
        shipped.append(instrument.pk)
        created += was_created
        updated += not was_created
    deactivated = Instrument.objects.filter(is_active=True).exclude(pk__in=shipped).update(is_active=False)
    return SyncResult(created=created, updated=updated, deactivated=deactivated)


# --- Waves -----------------------------------------------------------------------------------------------------


def planned_wave_dates(*, starts_on: date, ends_on: date) -> dict[WaveKind, tuple[date, date]]:
    """When each wave opens and closes: baseline at the start, midpoint halfway, end at the end date; each open
    three weeks, the first two closing before the next one opens.

    >>> dates = planned_wave_dates(starts_on=date(2026, 1, 5), ends_on=date(2026, 7, 5))
    >>> [(kind.value, str(opens), str(closes)) for kind, (opens, closes) in dates.items()]
    [('baseline', '2026-01-05', '2026-01-26'), ('midpoint', '2026-04-05', '2026-04-26'), ('end', '2026-07-05', '2026-07-26')]
    """
    midpoint = starts_on + (ends_on - starts_on) / 2
    opening = {WaveKind.BASELINE: starts_on, WaveKind.MIDPOINT: midpoint, WaveKind.END: ends_on}
    following = {WaveKind.BASELINE: midpoint, WaveKind.MIDPOINT: ends_on}
    planned = {}
    for kind, opens_on in opening.items():
        closes_on = opens_on + timedelta(days=WAVE_OPEN_DAYS)
        if kind in following:
            closes_on = max(opens_on, min(closes_on, following[kind] - timedelta(days=1)))
        planned[kind] = (opens_on, closes_on)
    return planned


@transaction.atomic
def schedule_waves(*, program: Program) -> list[SurveyWave]:
    """Create the baseline, midpoint and end waves from the program's dates; idempotent.

    Waves not yet opened follow later changes of the program's dates; opened waves keep theirs.
    """
    if program.starts_on is None or program.ends_on is None or program.ends_on <= program.starts_on:
        raise ProgramNotScheduled(_("Set the program's start and end dates before scheduling its surveys."))
    existing = {wave.kind: wave for wave in SurveyWave.objects.select_for_update().filter(program=program)}
    waves = []
    for kind, (opens_on, closes_on) in planned_wave_dates(starts_on=program.starts_on, ends_on=program.ends_on).items():
        wave = existing.get(kind)
        if wave is None:
            wave = SurveyWave.objects.create(program=program, kind=kind, opens_on=opens_on, closes_on=closes_on)
        elif wave.invited_at is None and (wave.opens_on, wave.closes_on) != (opens_on, closes_on):
            wave.opens_on, wave.closes_on = opens_on, closes_on
            wave.save(update_fields=["opens_on", "closes_on", "updated_at"])
        waves.append(wave)
    return waves


def instruments_for_wave(kind: str) -> list[Instrument]:
    """The active instruments a wave of this kind uses, in a stable order."""
    return [instrument for instrument in Instrument.objects.filter(is_active=True).order_by("pk") if kind in instrument.waves]


@dataclass(frozen=True)
class OpenedWave:
    wave: SurveyWave
    assigned: int
    to_invite: int


@transaction.atomic
def open_wave(*, wave: SurveyWave, now: datetime) -> OpenedWave:
    """Open the wave (today, if it was due later) and ask every approved participant it applies to; idempotent.

    Running it again asks only people who became eligible since. Invitations go by ``send_survey_invitation``
    after commit, one per assignment not yet emailed; the task claims the assignment, so nobody is emailed twice.
    Locks the wave row so two runs cannot both create assignments.
    """
    from turnabout.surveys.tasks import send_survey_invitation

    wave = SurveyWave.objects.select_for_update().select_related("program").get(pk=wave.pk)
    today = timezone.localdate(now)
    if wave.status_on(today) == WaveStatus.CLOSED:
        raise WaveClosed(
            _("The %(kind)s survey closed on %(date)s.")
            % {"kind": wave.get_kind_display().lower(), "date": date_format(wave.closes_on, "j F Y")}
        )
    if wave.invited_at is None:
        wave.invited_at = now
        wave.opens_on = min(wave.opens_on, today)
        wave.save(update_fields=["invited_at", "opens_on", "updated_at"])
    instruments = instruments_for_wave(wave.kind)
    enrolments = Enrolment.objects.filter(program=wave.program, status=EnrolmentStatus.APPROVED).exclude(survey_assignments__wave=wave)
    if wave.kind != WaveKind.BASELINE:
        paired = Q(pairs_as_mentor__status__in=PAIRED_STATUSES) | Q(pairs_as_mentee__status__in=PAIRED_STATUSES)
        enrolments = enrolments.filter(paired).distinct()
    assigned = 0
    for enrolment in enrolments.order_by("pk"):
        theirs = [instrument for instrument in instruments if instrument.is_for(enrolment.role)]
        if not theirs:
            continue
        assignment = SurveyAssignment.objects.create(wave=wave, enrolment=enrolment)
        assignment.instruments.set(theirs)
        assigned += 1
    to_invite = list(wave.assignments.filter(invitation_emailed_at__isnull=True, completed_at__isnull=True).values_list("pk", flat=True))
    transaction.on_commit(lambda: [send_survey_invitation.enqueue(assignment_id) for assignment_id in to_invite])
    return OpenedWave(wave=wave, assigned=assigned, to_invite=len(to_invite))


@dataclass(frozen=True)
class DueWaves:
    opened: int
    programs: int
    assigned: int

    def __str__(self) -> str:
        return f"Opened {self.opened} survey waves in {self.programs} programs; {self.assigned} people asked."


def open_due_waves(*, now: datetime) -> DueWaves:
    """Open every wave whose opening day has come and which has not closed; each wave in its own transaction."""
    today = timezone.localdate(now)
    due = SurveyWave.objects.filter(invited_at__isnull=True, opens_on__lte=today, closes_on__gte=today).order_by("pk")
    opened, programs, assigned = 0, set(), 0
    for wave in due:
        result = open_wave(wave=wave, now=now)
        opened += 1
        programs.add(wave.program_id)
        assigned += result.assigned
    return DueWaves(opened=opened, programs=len(programs), assigned=assigned)


# --- Answers -----------------------------------------------------------------------------------------------------


def _as_whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def check_answers(instruments: list[Instrument], answers_by_instrument: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, int]]:
    """Every item of every instrument answered with a whole number on its scale, and nothing else; returns the
    answers as integers by instrument slug, or raises AnswersInvalid mapping each bad item id to a sentence.
    """
    errors: dict[str, str] = {}
    by_slug = {instrument.slug: instrument for instrument in instruments}
    for slug in answers_by_instrument:
        if slug not in by_slug:
            errors[slug] = _("This questionnaire is not part of your survey.")
    cleaned: dict[str, dict[str, int]] = {}
    for instrument in instruments:
        given = answers_by_instrument.get(instrument.slug, {})
        item_ids = {item["id"] for item in instrument.items}
        for item_id in given:
            if item_id not in item_ids:
                errors[item_id] = _("This question is not part of the questionnaire.")
        cleaned[instrument.slug] = {}
        for item in instrument.items:
            raw = given.get(item["id"])
            value = _as_whole_number(raw)
            if raw is None or raw == "":
                errors[item["id"]] = _("Choose an answer.")
            elif value is None or not instrument.scale_min <= value <= instrument.scale_max:
                errors[item["id"]] = _("Choose one of the points from %(low)s to %(high)s.") % {
                    "low": instrument.scale_min,
                    "high": instrument.scale_max,
                }
            else:
                cleaned[instrument.slug][item["id"]] = value
    if errors:
        raise AnswersInvalid(errors)
    return cleaned


@transaction.atomic
def submit_survey(
    *, assignment: SurveyAssignment, answers_by_instrument: Mapping[str, Mapping[str, object]], now: datetime | None = None
) -> SurveyAssignment:
    """Store the respondent's answers to every instrument of the assignment, all or nothing.

    Answering again while the wave is open replaces the earlier answers; before it opens or after it closes,
    WaveNotOpen or WaveClosed. Assumes the caller is the respondent (see access_own_assignment).
    """
    now = now or timezone.now()
    assignment = SurveyAssignment.objects.select_for_update().select_related("wave").get(pk=assignment.pk)
    status = assignment.wave.status_on(timezone.localdate(now))
    if status == WaveStatus.CLOSED:
        raise WaveClosed(
            _("This survey closed on %(date)s; your answers can no longer change.")
            % {"date": date_format(assignment.wave.closes_on, "j F Y")}
        )
    if status == WaveStatus.SCHEDULED:
        raise WaveNotOpen(_("This survey has not opened yet."))
    instruments = list(assignment.instruments.order_by("pk"))
    cleaned = check_answers(instruments, answers_by_instrument)
    for instrument in instruments:
        SurveyResponse.objects.update_or_create(
            assignment=assignment, instrument=instrument, defaults={"answers": cleaned[instrument.slug], "submitted_at": now}
        )
    assignment.completed_at = now
    assignment.save(update_fields=["completed_at", "updated_at"])
    return assignment


# --- Aggregates: the only read of answers ------------------------------------------------------------------------


def wave_aggregates(*, program: Program, kind: WaveKind | str, role: Role | str | None = None) -> list[AggregateRow]:
    """Per side, instrument version and subscale of one wave: respondents, mean on the instrument's own scale
    (reverse scoring applied) and, for NPS, promoter/passive/detractor counts and the score. Aggregates only;
    callers that display rows apply small-cell suppression. Two queries.
    """
    responses = SurveyResponse.objects.filter(assignment__wave__program=program, assignment__wave__kind=kind)
    if role is not None:
        responses = responses.filter(assignment__enrolment__role=role)
    answers_by_group: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for instrument_id, respondent_role, answers in responses.values_list("instrument_id", "assignment__enrolment__role", "answers"):
        answers_by_group[(respondent_role, instrument_id)].append(answers)
    instruments = Instrument.objects.in_bulk({instrument_id for _role, instrument_id in answers_by_group})
    rows = []
    side_order: dict[str, int] = {Role.MENTOR: 0, Role.MENTEE: 1}
    for respondent_role, instrument_id in sorted(
        answers_by_group, key=lambda group: (side_order.get(group[0], 2), instruments[group[1]].slug, instruments[group[1]].version)
    ):
        instrument = instruments[instrument_id]
        name = in_program_wording(instrument.name, mentor_label=program.mentor_label, mentee_label=program.mentee_label)
        group = answers_by_group[(respondent_role, instrument_id)]
        for subscale in instrument.subscales:
            items = instrument.items_of(subscale["slug"])
            scores = [subscale_score(items, answers, scale_min=instrument.scale_min, scale_max=instrument.scale_max) for answers in group]
            row: dict[str, Any] = {}
            if instrument.scale_type == ScaleType.NPS:
                # One question per NPS subscale: its answers are the scores.
                counts = net_promoter(answers[items[0]["id"]] for answers in group)
                row = {"promoters": counts.promoters, "passives": counts.passives, "detractors": counts.detractors,
                       "net_promoter_score": counts.score}  # fmt: skip
            rows.append(
                AggregateRow(
                    wave_kind=str(kind),
                    role=respondent_role,
                    instrument=instrument.slug,
                    instrument_version=instrument.version,
                    instrument_name=name,
                    subscale=subscale["slug"],
                    subscale_name=subscale["name"],
                    scale_type=instrument.scale_type,
                    scale_min=instrument.scale_min,
                    scale_max=instrument.scale_max,
                    respondents=len(group),
                    mean=round(sum(scores) / len(scores), 2),
                    **row,
                )
            )
    return rows
