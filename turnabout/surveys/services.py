"""Every state change of surveys goes through these functions, plus ``wave_aggregates``, the only read of answers.

Answers are never returned per person: ``wave_aggregates`` yields rows per wave, side, instrument and subscale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from turnabout.accounts.models import Organisation, User
from turnabout.engagement.models import PairKind, PairStatus
from turnabout.people.models import Skill
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role, StrategicDriver
from turnabout.programs.services import create_program_from_preset, invite_people, update_program
from turnabout.surveys.catalogue import in_program_wording, instrument_catalogue
from turnabout.surveys.errors import (
    AnswersInvalid,
    EmptyPopulation,
    InterestAnswerInvalid,
    InterestSurveyClosed,
    ProgramAlreadyCreated,
    ProgramNotScheduled,
    WaveClosed,
    WaveNotOpen,
)
from turnabout.surveys.models import (
    Instrument,
    InterestAnswer,
    InterestInvitation,
    InterestSurvey,
    ScaleType,
    SurveyAssignment,
    SurveyResponse,
    SurveyWave,
    WaveKind,
    WaveStatus,
)
from turnabout.surveys.queries import PopulationFilter, interest_population
from turnabout.surveys.scoring import AggregateRow, net_promoter, subscale_score
from turnabout.surveys.tasks import send_interest_invitation, send_survey_invitation

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
        # A member of a pair or circle (a circle's members beyond its lead members are reached through memberships).
        # A member who left a circle is no longer asked; a circle's lead fields are read through its memberships only.
        paired = (
            Q(pairs_as_mentor__status__in=PAIRED_STATUSES, pairs_as_mentor__kind=PairKind.PAIR)
            | Q(pairs_as_mentee__status__in=PAIRED_STATUSES, pairs_as_mentee__kind=PairKind.PAIR)
            | Q(memberships__pair__status__in=PAIRED_STATUSES, memberships__left_at__isnull=True)
        )
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


# --- Interest surveys: before a program exists -------------------------------------------------------------------


@transaction.atomic
def create_interest_survey(
    *, organisation: Organisation, title: str, population: PopulationFilter, topics: Iterable[Skill], by: User
) -> InterestSurvey:
    """Create the survey and ask everyone the population filter chooses now; the emails go after commit, once each.

    EmptyPopulation, and nothing created, when the filter chooses nobody.
    """
    for chosen in (population.min_grade, population.max_grade, population.department, population.site, population.community):
        if chosen is not None and chosen.organisation_id != organisation.pk:
            raise ValueError("An interest survey's population filters belong to its organisation.")
    people = list(interest_population(organisation, population))
    if not people:
        raise EmptyPopulation(_("Nobody matches this population, so nobody would be asked. Widen the filters and try again."))
    survey = InterestSurvey.objects.create(
        organisation=organisation,
        title=title.strip(),
        created_by=by,
        min_grade=population.min_grade,
        max_grade=population.max_grade,
        department=population.department,
        site=population.site,
        community=population.community,
    )
    survey.topics.set(list(topics))
    invitations = InterestInvitation.objects.bulk_create([InterestInvitation(survey=survey, person=person) for person in people])
    ids = [invitation.pk for invitation in invitations]
    transaction.on_commit(lambda: [send_interest_invitation.enqueue(invitation_id) for invitation_id in ids])
    return survey


@transaction.atomic
def answer_interest_survey(
    *, invitation: InterestInvitation, answer: str, role: str, topics: Iterable[Skill], now: datetime | None = None
) -> InterestInvitation:
    """Store the respondent's answer; answering again while the survey is open replaces the earlier answer.

    Whoever says no gives no role and no topics. Assumes the caller is the respondent (see access_own_interest_invitation).
    """
    now = now or timezone.now()
    invitation = InterestInvitation.objects.select_for_update().select_related("survey").get(pk=invitation.pk)
    if invitation.survey.is_closed:
        raise InterestSurveyClosed(_("This survey has closed; your answers can no longer change."))
    if answer not in InterestAnswer.values:
        raise InterestAnswerInvalid(_("Choose yes, maybe or no."))
    chosen = list(topics)
    if answer == InterestAnswer.NO:
        role, chosen = "", []
    elif role not in Role.values:
        raise InterestAnswerInvalid(_("Choose the role you would take."))
    offered = set(invitation.survey.topics.values_list("pk", flat=True))
    if any(topic.pk not in offered for topic in chosen):
        raise InterestAnswerInvalid(_("Choose topics from the survey's list."))
    invitation.answer, invitation.role, invitation.answered_at = answer, role, now
    invitation.save(update_fields=["answer", "role", "answered_at", "updated_at"])
    invitation.topics.set(chosen)
    return invitation


@transaction.atomic
def close_interest_survey(*, survey: InterestSurvey, now: datetime | None = None) -> InterestSurvey:
    """Stop accepting answers; idempotent (a closed survey keeps its first closing time)."""
    survey = InterestSurvey.objects.select_for_update().get(pk=survey.pk)
    if survey.closed_at is None:
        survey.closed_at = now or timezone.now()
        survey.save(update_fields=["closed_at", "updated_at"])
    return survey


@dataclass(frozen=True)
class SeededProgram:
    program: Program
    invited: int
    not_eligible: int


@transaction.atomic
def create_program_from_interest_survey(*, survey: InterestSurvey, driver: StrategicDriver | str, by: User) -> SeededProgram:
    """A draft program from the driver's preset, named after the survey, with the survey's topics, inviting on their
    preferred side everyone who said yes (never who said maybe or no); they hear of it when enrolment opens.

    Closes the survey first, so nobody answers after the invitations were decided. Once per survey.
    """
    survey = close_interest_survey(survey=survey)
    if survey.program_id is not None:
        raise ProgramAlreadyCreated(_("A program was already created from this survey."))
    program = create_program_from_preset(organisation=survey.organisation, driver=driver, by=by, community=survey.community)
    program = update_program(program=program, changes={"name": survey.title, "topics": list(survey.topics.all())}, by=by)
    yes = InterestInvitation.objects.filter(survey=survey, answer=InterestAnswer.YES).select_related("person__grade")
    invited = not_eligible = 0
    for role in (Role.MENTOR, Role.MENTEE):
        result = invite_people(
            program=program, people=[invitation.person for invitation in yes if invitation.role == role], role=role, by=by
        )
        invited += len(result.invited)
        not_eligible += len(result.not_eligible)
    survey.program = program
    survey.save(update_fields=["program", "updated_at"])
    return SeededProgram(program=program, invited=invited, not_eligible=not_eligible)
