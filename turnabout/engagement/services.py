"""Every write of engagement: agreements, pairs, goals, the journal, meetings and pulses, calendar feeds, managers'
check-ins and the nudges job. Each assumes the caller went through access_pair/access_meeting.

Emails go out through ``engagement.tasks``, enqueued after commit. Agenda and pulse text belong to the pair: nothing
here hands them to program managers or sponsors (the notice of a senior-side cancellation carries no content).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from turnabout.accounts.models import AccountRole, User
from turnabout.core.delivery import claimed_keys, weekly_digest_key
from turnabout.engagement.agreements import filled_agreement_text
from turnabout.engagement.errors import (
    AlreadyInCircle,
    AlreadySigned,
    InvalidCircle,
    InvalidEntry,
    InvalidMeeting,
    InvalidPulse,
    NotAllowed,
    PairNotActive,
    QuoteWithdrawn,
)
from turnabout.engagement.health import refresh_pair_health
from turnabout.engagement.models import (
    Agreement,
    AgreementSignature,
    CalendarFeed,
    CloseReason,
    Concern,
    ConcernStatus,
    Goal,
    GoalStatus,
    Insight,
    ManagerAction,
    ManagerActionKind,
    ManagerSharing,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Milestone,
    Note,
    NoteVisibility,
    Pair,
    PairKind,
    PairMember,
    PairStatus,
    Pulse,
    Quote,
    QuoteAttribution,
    Reflection,
)
from turnabout.engagement.nudges import digest_week_due, digest_window
from turnabout.engagement.pulse_links import require_role
from turnabout.engagement.queries import digest_programs, due_reminders, milestone_share, overdue_pairs, senior_cancellations
from turnabout.engagement.scheduling import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES
from turnabout.engagement.tasks import (
    send_agenda_email,
    send_check_in_email,
    send_circle_member_left,
    send_concern_email,
    send_meeting_cancellation,
    send_meeting_invitation,
    send_meeting_reminder,
    send_overdue_nudge,
    send_pulse_request,
    send_senior_cancellation_notice,
    send_weekly_digest,
)
from turnabout.programs.models import Enrolment, Program, Role

PULSE_EDIT_WINDOW = timedelta(days=7)
LONGEST_HELD_MINUTES = 600
LONGEST_AGENDA_CHARACTERS = 5000
LONGEST_LEARNED_CHARACTERS = 2000
LONGEST_QUOTE_CHARACTERS = 600


# --- The agreement -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementTerms:
    mentee_goals: str
    mentor_goals: str
    cadence: str
    meeting_mode: MeetingMode | str
    confidentiality: str
    share_with_line_managers: ManagerSharing | str
    body: str


@transaction.atomic
def revise_agreement(*, pair: Pair, terms: AgreementTerms, by: User) -> Agreement:
    """Write a new version; earlier versions and their signatures are kept, the new one needs both signatures.

    Performance management is excluded in every version: the clause cannot be switched off.
    """
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if pair.is_closed:
        raise PairNotActive(_("A closed pair's agreement cannot change."))
    latest = pair.agreements.order_by("-version").first()
    return Agreement.objects.create(
        pair=pair,
        version=(latest.version if latest else 0) + 1,
        mentee_goals=terms.mentee_goals,
        mentor_goals=terms.mentor_goals,
        cadence=terms.cadence,
        meeting_mode=terms.meeting_mode,
        confidentiality=terms.confidentiality,
        share_with_line_managers=terms.share_with_line_managers,
        not_for_performance_management=True,
        body=terms.body,
        created_by=by,
    )


@transaction.atomic
def sign_agreement(*, agreement: Agreement, role: Role, by: User | None, member: PairMember | None = None) -> AgreementSignature:
    """Record who signed which version, and when. Only the latest version can be signed.

    ``member`` is the signing member (a circle's every member signs once); without it, the member of ``role``'s side.
    """
    latest = Agreement.objects.select_for_update().filter(pair_id=agreement.pair_id).order_by("-version").first()
    if latest is None or latest.pk != agreement.pk:
        raise AlreadySigned(_("A newer version exists: read and sign that one."))
    member = _acting(agreement.pair, role, member)
    signed = AgreementSignature.objects.filter(agreement=agreement)
    if (signed.filter(member=member) if member is not None and agreement.pair.is_circle else signed.filter(role=role)).exists():
        raise AlreadySigned(_("You have already signed this version."))
    return AgreementSignature.objects.create(
        agreement=agreement, role=member.role if member else role, member=member, signed_by=by, signed_at=timezone.now()
    )


# --- Pairs ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def start_pair(*, program: Program, mentor: Enrolment, mentee: Enrolment) -> Pair:
    """Open the pair once both sides accepted, with a first agreement drafted from the program's template (the pair's
    names, dates and cadence written in); idempotent."""
    existing = Pair.objects.open().filter(program=program, mentor=mentor, mentee=mentee).first()
    if existing is not None:
        return existing
    pair = Pair.objects.create(program=program, mentor=mentor, mentee=mentee, started_on=timezone.localdate())
    _add_members(pair, [mentor, mentee])
    _draft_first_agreement(pair)
    return pair


@transaction.atomic
def start_circle(*, program: Program, mentors: Sequence[Enrolment], mentees: Sequence[Enrolment]) -> Pair:
    """Open a circle of every mentor and mentee given, with a first agreement drafted as for a pair.

    The first mentor and the first mentee are the circle's lead members (``Pair.mentor``/``Pair.mentee``, ADR 0008).
    Raises InvalidCircle when a side is empty or someone is from another program or on the other side, and
    AlreadyInCircle when someone is already a current member of an open pair or circle.
    """
    if not mentors or not mentees:
        raise InvalidCircle(_("A circle needs at least one mentor and one mentee."))
    enrolments = [*mentors, *mentees]
    if len({enrolment.pk for enrolment in enrolments}) != len(enrolments):
        raise InvalidCircle(_("Someone is named twice in this circle."))
    for enrolment, role in [*((mentor, Role.MENTOR) for mentor in mentors), *((mentee, Role.MENTEE) for mentee in mentees)]:
        if enrolment.program_id != program.pk:
            raise InvalidCircle(_("%(name)s is not enrolled in this program.") % {"name": enrolment.person})
        if enrolment.role != role:
            raise InvalidCircle(
                _("%(name)s is enrolled as a %(role)s, not as a %(side)s.")
                % {"name": enrolment.person, "role": program.label_for(enrolment.role), "side": program.label_for(role)}
            )
    # The program's row is the lock: two starts at once cannot both pass the check below for the same enrolment.
    Program.objects.select_for_update().get(pk=program.pk)
    taken = (
        PairMember.objects.current()
        .filter(enrolment__in=enrolments, pair__in=Pair.objects.open())
        .select_related("enrolment__person")
        .order_by("pk")
        .first()
    )
    if taken is not None:
        raise AlreadyInCircle(_("%(name)s is already in an open pair or circle.") % {"name": taken.enrolment.person})
    pair = Pair.objects.create(program=program, kind=PairKind.CIRCLE, mentor=mentors[0], mentee=mentees[0], started_on=timezone.localdate())
    _add_members(pair, enrolments)
    _draft_first_agreement(pair)
    return pair


def _add_members(pair: Pair, enrolments: Sequence[Enrolment]) -> None:
    """Members in the order given (mentors first), so that the lead members have the lowest member ids."""
    for enrolment in enrolments:
        PairMember.objects.create(pair=pair, enrolment=enrolment, role=enrolment.role, joined_at=pair.created_at)


def _draft_first_agreement(pair: Pair) -> Agreement:
    program = pair.program
    agreement = Agreement.objects.create(
        pair=pair,
        version=1,
        mentee_goals="",
        mentor_goals="",
        cadence=program.cadence,
        confidentiality=_(
            "What we discuss stays between us. The exceptions: a risk of harm to someone, illegal conduct, or serious "
            "misconduct, which either of us may raise with the program manager."
        ),
        body=program.agreement_template,
    )
    agreement.body = filled_agreement_text(agreement)
    agreement.save(update_fields=["body"])
    return agreement


def _member_of(pair: Pair, role: str) -> PairMember | None:
    """The member on that side, written beside the role on every new row (ADR 0008, expand step).

    A pair's sole member of that role; a circle's lead member of that role (the side an unconverted caller acts
    for); None for a pair without member rows (made outside ``start_pair``), whose rows the per-side constraints guard.
    """
    if pair.is_circle:
        return pair.members.current().filter(enrolment=pair.enrolment_for(role)).first()
    try:
        return pair.sole_member(role)
    except PairMember.DoesNotExist:
        return None


def _acting(pair: Pair, role: str, member: PairMember | None) -> PairMember | None:
    """The acting member: the one given (a circle's caller names it), else the member of ``role``'s side."""
    if member is not None:
        if member.pair_id != pair.pk or member.left_at is not None:
            raise NotAllowed(_("Only a current member of this circle can do that."))
        return member
    return _member_of(pair, role)


def _require_open(pair: Pair) -> None:
    if pair.is_closed:
        raise PairNotActive(_("This pair is closed."))


@transaction.atomic
def pause_pair(*, pair: Pair, by: User, message: str = "") -> Pair:
    """Pause nudges and health alerts, e.g. during leave; the manager records why."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    _require_open(pair)
    pair.status = PairStatus.PAUSED
    pair.save(update_fields=["status", "updated_at"])
    ManagerAction.objects.create(pair=pair, kind=ManagerActionKind.PAUSE, taken_by=by, taken_at=timezone.now(), message=message)
    return pair


@transaction.atomic
def resume_pair(*, pair: Pair, by: User) -> Pair:
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    _require_open(pair)
    pair.status = PairStatus.ACTIVE
    pair.save(update_fields=["status", "updated_at"])
    ManagerAction.objects.create(pair=pair, kind=ManagerActionKind.RESUME, taken_by=by, taken_at=timezone.now())
    return pair


@transaction.atomic
def close_pair(*, pair: Pair, reason: CloseReason, by: User | None, continue_informally: bool | None = None, message: str = "") -> Pair:
    """Close the pair (idempotent). Nothing about it is deleted; a no-fault close blames no one."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if pair.is_closed:
        return pair
    pair.status = PairStatus.CLOSED
    pair.closed_at = timezone.now()
    pair.close_reason = reason
    if continue_informally is not None:
        pair.continue_informally = continue_informally
    pair.save(update_fields=["status", "closed_at", "close_reason", "continue_informally", "updated_at"])
    if by is not None and by.role in {AccountRole.ADMIN, AccountRole.PROGRAM_MANAGER}:
        ManagerAction.objects.create(pair=pair, kind=f"close:{reason}", taken_by=by, taken_at=pair.closed_at, message=message)
    return pair


@transaction.atomic
def end_membership(*, member: PairMember, reason: CloseReason, by: User | None) -> Pair:
    """A member leaves their relationship (idempotent): ``left_at`` is set, and they lose access to it.

    A circle left with fewer current mentors or mentees than its program's minimum sizes closes with
    ``PARTNER_LEFT``, as a pair closes when a partner leaves, and its scheduled meetings are cancelled (every other
    member gets the cancellation). Otherwise it goes on with the rest, who are told by email (never why): scheduled
    meetings stay, and their next update and the member lists no longer name the leaver. A leaving lead member hands
    the lead field (``Pair.mentor``/``Pair.mentee``, ADR 0008) to the next current member of that side. A pair closes
    whenever a member leaves. ``reason`` is a pair's close reason; a circle falling short always closes with ``PARTNER_LEFT``.
    """
    pair = Pair.objects.select_for_update().select_related("program").get(pk=member.pair_id)
    member = PairMember.objects.select_for_update().get(pk=member.pk)
    if member.has_left:
        return pair
    now = timezone.now()
    member.left_at = now
    member.save(update_fields=["left_at"])
    if pair.is_closed:
        return pair
    if not pair.is_circle:
        return close_pair(pair=pair, reason=reason, by=by)
    current = pair.members.current()
    lead_field = "mentor" if member.role == Role.MENTOR else "mentee"
    if getattr(pair, f"{lead_field}_id") == member.enrolment_id:
        successor = current.filter(role=member.role).order_by("pk").first()
        if successor is not None:
            setattr(pair, f"{lead_field}_id", successor.enrolment_id)
            pair.save(update_fields=[lead_field, "updated_at"])
    program = pair.program
    if current.mentors().count() < program.circle_min_mentors or current.mentees().count() < program.circle_min_mentees:
        pair = close_pair(pair=pair, reason=CloseReason.PARTNER_LEFT, by=by)
        _cancel_scheduled_meetings(pair, now=now)
    else:
        transaction.on_commit(partial(send_circle_member_left.enqueue, member.pk))
    return pair


def _cancel_scheduled_meetings(pair: Pair, *, now: datetime) -> None:
    """Cancel a closing circle's scheduled meetings, blaming no member: every current member gets a CANCEL .ics."""
    for meeting in pair.meetings.scheduled().select_for_update().order_by("starts_at"):
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_at = now
        meeting.ical_sequence += 1
        meeting.save(update_fields=["status", "cancelled_at", "ical_sequence", "updated_at"])
        transaction.on_commit(partial(send_meeting_cancellation.enqueue, meeting.pk, "", None))


# --- Goals ---------------------------------------------------------------------------------------------------------
# Two-way goals: the senior's learning goals and the junior's leadership goals, with milestones. Each goal belongs to
# one side of the pair: only its owner adds, updates and ticks it; the partner reads it. A goal with milestones
# measures its progress by them (the share of milestones done); a goal without milestones takes the progress its owner
# sets. Ticking milestones never marks a goal achieved: its owner does (or sets 100 % on a goal without milestones).
# ``by_role`` is the side acting; ``None`` means no participant acts (the demo seeding its pairs).


def _require_owner(
    *, pair: Pair, owner_role: str, by_role: Role | None, owner_member_id: int | None = None, by_member: PairMember | None = None
) -> None:
    if pair.is_circle:
        # A shared goal (no owner) is anyone's in the circle; a personal goal only its owner's.
        if by_member is not None and owner_member_id is not None and by_member.pk != owner_member_id:
            raise NotAllowed(_("Only its owner changes a personal goal; you can read it."))
        return
    if by_role is not None and by_role != owner_role:
        owner = pair.program.label_for(owner_role)
        raise NotAllowed(_("Only the %(owner)s changes the %(owner)s's goals; you can read them.") % {"owner": owner})


def _save_progress(goal: Goal, progress_percent: int) -> Goal:
    goal.progress_percent = progress_percent
    if goal.is_done:
        goal.progress_percent = 100
        goal.completed_at = goal.completed_at or timezone.now()
    else:
        goal.completed_at = None
    goal.save()
    return goal


@transaction.atomic
def add_goal(
    *,
    pair: Pair,
    owner_role: Role,
    title: str,
    description: str = "",
    by_role: Role | None = None,
    by_member: PairMember | None = None,
    shared: bool = False,
) -> Goal:
    """A goal of one side of a pair; in a circle, ``by_member``'s personal goal, or with ``shared`` the whole circle's
    (no owner, any member updates it)."""
    _require_open(pair)
    if pair.is_circle and by_member is not None:
        owner_member = None if shared else _acting(pair, by_member.role, by_member)
        owner_role_value: str = "" if shared else by_member.role
    else:
        _require_owner(pair=pair, owner_role=owner_role, by_role=by_role)
        owner_member, owner_role_value = _member_of(pair, owner_role), owner_role
    if not title.strip():
        raise InvalidEntry(_("A goal needs a title."))
    return Goal.objects.create(
        pair=pair, owner_role=owner_role_value, owner_member=owner_member, title=title.strip()[:200], description=description
    )


@transaction.atomic
def update_goal_progress(
    *,
    goal: Goal,
    progress_percent: int | None = None,
    status: GoalStatus | None = None,
    by_role: Role | None = None,
    by_member: PairMember | None = None,
) -> Goal:
    """Set the status and, on a goal without milestones, the progress (0–100); 100 % there marks it achieved.

    A goal with milestones keeps the share of its milestones done (a different percentage is refused); marking
    any goal achieved sets it to 100 %.
    """
    _require_open(goal.pair)
    _require_owner(pair=goal.pair, owner_role=goal.owner_role, by_role=by_role, owner_member_id=goal.owner_member_id, by_member=by_member)
    if progress_percent is not None and not 0 <= progress_percent <= 100:
        raise InvalidEntry(_("Progress is a percentage from 0 to 100."))
    share = milestone_share(goal)
    if share is None:
        if progress_percent is None:
            raise InvalidEntry(_("Progress is a percentage from 0 to 100."))
    elif progress_percent is not None and progress_percent != share:
        raise InvalidEntry(
            _("This goal's progress follows its milestones (%(share)d %% done): tick a milestone to move it.") % {"share": share}
        )
    if status is not None:
        goal.status = status
    if share is None and progress_percent == 100 and goal.is_open:
        goal.status = GoalStatus.DONE
    return _save_progress(goal, share if share is not None else progress_percent or 0)


@transaction.atomic
def add_milestone(
    *, goal: Goal, title: str, due_on: date | None = None, by_role: Role | None = None, by_member: PairMember | None = None
) -> Milestone:
    """Add a milestone; from then on the goal's progress is the share of its milestones done."""
    _require_open(goal.pair)
    _require_owner(pair=goal.pair, owner_role=goal.owner_role, by_role=by_role, owner_member_id=goal.owner_member_id, by_member=by_member)
    if not title.strip():
        raise InvalidEntry(_("A milestone needs a title."))
    milestone = Milestone.objects.create(goal=goal, title=title.strip()[:200], due_on=due_on)
    _save_progress(goal, milestone_share(goal) or 0)
    return milestone


@transaction.atomic
def complete_milestone(*, milestone: Milestone, by_role: Role | None = None, by_member: PairMember | None = None) -> Milestone:
    """Mark a milestone done and set its goal's progress to the share of milestones done (its status stays)."""
    goal = milestone.goal
    _require_open(goal.pair)
    _require_owner(pair=goal.pair, owner_role=goal.owner_role, by_role=by_role, owner_member_id=goal.owner_member_id, by_member=by_member)
    if milestone.done_at is None:
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
    _save_progress(goal, milestone_share(goal) or 0)
    return milestone


# --- The journal: notes, insights, concerns, reflections ----------------------------------------------------------


@transaction.atomic
def write_note(*, pair: Pair, author: User, role: Role, body: str, visibility: NoteVisibility, member: PairMember | None = None) -> Note:
    if pair.is_closed:
        raise PairNotActive(_("This pair is closed."))
    if not body.strip():
        raise InvalidEntry(_("A note needs some text."))
    return Note.objects.create(
        pair=pair, author=author, author_role=role, author_member=_acting(pair, role, member), body=body.strip(), visibility=visibility
    )


@transaction.atomic
def log_insight(*, pair: Pair, description: str, owner: str, adopted_on: date, by: User) -> Insight:
    """Record something the senior adopted because of the relationship."""
    if not description.strip():
        raise InvalidEntry(_("Describe what was adopted."))
    return Insight.objects.create(
        pair=pair, description=description.strip()[:300], owner=owner.strip()[:120], adopted_on=adopted_on, created_by=by
    )


@transaction.atomic
def raise_concern(*, pair: Pair, by: User, role: Role, body: str, member: PairMember | None = None) -> Concern:
    """A private message to the program manager; they are emailed after commit, and the pair's health counts it
    (without saying who raised it) until it is resolved."""
    if not body.strip():
        raise InvalidEntry(_("Say what worries you; only the program manager will read it."))
    concern = Concern.objects.create(
        pair=pair, raised_by=by, raised_by_role=role, raised_by_member=_acting(pair, role, member), body=body.strip()
    )
    refresh_pair_health(pair=pair)  # an open concern lowers the pair's health at once
    transaction.on_commit(lambda: send_concern_email.enqueue(concern.pk))
    return concern


@transaction.atomic
def resolve_concern(*, concern: Concern) -> Concern:
    concern.status = ConcernStatus.RESOLVED
    concern.resolved_at = timezone.now()
    concern.save(update_fields=["status", "resolved_at", "updated_at"])
    refresh_pair_health(pair=concern.pair)
    return concern


@transaction.atomic
def write_reflection(
    *,
    pair: Pair,
    role: Role,
    learned: str,
    proudest: str = "",
    next_steps: str = "",
    member: PairMember | None = None,
    by: User | None = None,
    continue_informally: bool | None = None,
) -> Reflection:
    """Each side's (in a circle, each member's) final reflection (can be revised until the pair closes).

    A circle completes (``close_pair`` with COMPLETED, by ``by``) when this is the last current member's reflection;
    the circle's row is locked first, so two last reflections at once still complete it.
    """
    if not learned.strip():
        raise InvalidEntry(_("Say what you learned."))
    if pair.is_circle:
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
    acting = _acting(pair, role, member)
    keys: dict[str, Any] = {"member": acting} if pair.is_circle and acting is not None else {"role": role}
    reflection, _created = Reflection.objects.update_or_create(
        pair=pair,
        **keys,
        defaults={
            "role": acting.role if acting is not None else role,
            "member": acting,
            "learned": learned.strip(),
            "proudest": proudest.strip(),
            "next_steps": next_steps.strip(),
        },
    )
    if pair.is_circle and not pair.is_closed:
        current = set(pair.members.current().values_list("pk", flat=True))
        reflected = set(pair.reflections.filter(member__in=current).values_list("member_id", flat=True))
        if current <= reflected:
            close_pair(pair=pair, reason=CloseReason.COMPLETED, by=by, continue_informally=continue_informally)
    return reflection


# --- Quotes for the report ----------------------------------------------------------------------------------------
# A quote is the one piece of a pair's words that may reach program managers and sponsors: a text its author wrote
# (or edited from their own entry) and offered with the consent sentence ticked. Program managers of the program
# choose which offered quotes the dashboard and the executive report show; the author edits or withdraws it at any
# time. Withdrawing empties the text at once and keeps the row, so a later choice is refused with a clear message.


def _withdrawn_quote() -> QuoteWithdrawn:
    return QuoteWithdrawn(_("This quote was withdrawn by its author and can no longer be shown."))


def _clean_quote(*, text: str, attribution: str, consent: bool) -> str:
    if not consent:
        raise InvalidEntry(_("Tick the consent sentence to offer your words for the report."))
    if attribution not in QuoteAttribution.values:
        raise InvalidEntry(_("Choose how your quote is signed: with your name or anonymously."))
    text = text.strip()
    if not text:
        raise InvalidEntry(_("Write the words you offer for the report."))
    if len(text) > LONGEST_QUOTE_CHARACTERS:
        raise InvalidEntry(
            ngettext("Keep your quote under %(count)d character.", "Keep your quote under %(count)d characters.", LONGEST_QUOTE_CHARACTERS)
            % {"count": LONGEST_QUOTE_CHARACTERS}
        )
    return text


def _locked_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("pair__program").get(pk=quote.pk)


@transaction.atomic
def offer_quote(
    *, pair: Pair, author: User, role: Role, text: str, attribution: str, consent: bool, member: PairMember | None = None
) -> Quote:
    """Offer words for the program's report; nobody but the author sees them until a program manager chooses them."""
    text = _clean_quote(text=text, attribution=attribution, consent=consent)
    return Quote.objects.create(
        pair=pair, author=author, author_role=role, author_member=_acting(pair, role, member), text=text, attribution=attribution
    )


@transaction.atomic
def edit_quote(*, quote: Quote, author: User, text: str, attribution: str, consent: bool) -> Quote:
    """Change an offered quote's words or signature. A changed quote leaves the report until it is chosen again:
    program managers choose the words they read."""
    quote = _locked_quote(quote)
    if quote.author_id != author.pk:
        raise NotAllowed(_("Only its author changes a quote."))
    if quote.is_withdrawn:
        raise QuoteWithdrawn(_("You withdrew this quote; offer your words again to share them."))
    text = _clean_quote(text=text, attribution=attribution, consent=consent)
    if (text, attribution) != (quote.text, quote.attribution):
        quote.text, quote.attribution = text, attribution
        quote.chosen_at, quote.chosen_by = None, None
        quote.save(update_fields=["text", "attribution", "chosen_at", "chosen_by", "updated_at"])
    return quote


@transaction.atomic
def withdraw_quote(*, quote: Quote, author: User) -> Quote:
    """Withdraw a quote (idempotent): it leaves the dashboard and the report at once, its words are deleted."""
    quote = _locked_quote(quote)
    if quote.author_id != author.pk:
        raise NotAllowed(_("Only its author withdraws a quote."))
    if not quote.is_withdrawn:
        quote.text, quote.chosen_at, quote.chosen_by, quote.withdrawn_at = "", None, None, timezone.now()
        quote.save(update_fields=["text", "chosen_at", "chosen_by", "withdrawn_at", "updated_at"])
    return quote


@transaction.atomic
def choose_quote(*, quote: Quote, by: User) -> Quote:
    """Show an offered quote on the program's dashboard and in its executive report (idempotent).

    Raises QuoteWithdrawn, changing nothing, when its author withdrew it meanwhile.
    """
    quote = _locked_quote(quote)
    if quote.is_withdrawn:
        raise _withdrawn_quote()
    if quote.chosen_at is None:
        quote.chosen_at, quote.chosen_by = timezone.now(), by
        quote.save(update_fields=["chosen_at", "chosen_by", "updated_at"])
    return quote


@transaction.atomic
def unchoose_quote(*, quote: Quote) -> Quote:
    """Stop showing a quote (idempotent); it stays offered. Raises QuoteWithdrawn for a withdrawn quote."""
    quote = _locked_quote(quote)
    if quote.is_withdrawn:
        raise _withdrawn_quote()
    if quote.chosen_at is not None:
        quote.chosen_at, quote.chosen_by = None, None
        quote.save(update_fields=["chosen_at", "chosen_by", "updated_at"])
    return quote


# --- Meetings ------------------------------------------------------------------------------------------------------


def _check_slot(*, pair: Pair, starts_at: datetime, duration_minutes: int, mode: str, location: str, moving: Meeting | None) -> None:
    if timezone.is_naive(starts_at):
        raise InvalidMeeting(_("The start time needs a time zone."))
    if starts_at <= timezone.now():
        raise InvalidMeeting(_("Pick a start time in the future."))
    if not SHORTEST_MEETING_MINUTES <= duration_minutes <= LONGEST_MEETING_MINUTES:
        raise InvalidMeeting(
            ngettext(
                "A meeting lasts between %(shortest)d and %(longest)d minute.",
                "A meeting lasts between %(shortest)d and %(longest)d minutes.",
                LONGEST_MEETING_MINUTES,
            )
            % {"shortest": SHORTEST_MEETING_MINUTES, "longest": LONGEST_MEETING_MINUTES}
        )
    if mode not in MeetingMode.values:
        raise InvalidMeeting(_("Choose how you meet: %(modes)s.") % {"modes": _mode_list()})
    if len(location) > 300:
        raise InvalidMeeting(
            ngettext("Keep the place or link under %(count)d character.", "Keep the place or link under %(count)d characters.", 300)
            % {"count": 300}
        )
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    scheduled = pair.meetings.scheduled().filter(starts_at__lt=ends_at)
    if moving is not None:
        scheduled = scheduled.exclude(pk=moving.pk)
    for other in scheduled:
        if other.starts_at + timedelta(minutes=other.duration_minutes) > starts_at:
            raise InvalidMeeting(
                _("That overlaps your meeting at %(time)s UTC.") % {"time": date_format(other.starts_at.astimezone(UTC), "D d M Y, H:i")}
            )


def _mode_list() -> str:
    """The ways to meet, as a list in a sentence: "in person, video call, phone, a mix"."""
    return pgettext("list separator", ", ").join(str(label).lower() for label in MeetingMode.labels)


@transaction.atomic
def schedule_meeting(
    *, pair: Pair, starts_at: datetime, duration_minutes: int, mode: str, location: str, by_role: str, by: PairMember | None = None
) -> Meeting:
    """Schedule a meeting of an active pair; both people get an invitation with an .ics after commit.

    Locks the pair row so two requests cannot book overlapping meetings. Refuses past times, paused or closed
    pairs and overlaps with the pair's scheduled meetings (InvalidMeeting, PairNotActive).
    """
    by_role = require_role(by_role)
    status = Pair.objects.select_for_update().values_list("status", flat=True).get(pk=pair.pk)
    if status != PairStatus.ACTIVE:
        raise PairNotActive(
            _("This pair is paused: no new meetings can be scheduled.")
            if status == PairStatus.PAUSED
            else _("This pair is closed: no new meetings can be scheduled.")
        )
    location = location.strip()
    _check_slot(pair=pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode, location=location, moving=None)
    meeting = Meeting.objects.create(pair=pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode, location=location)
    _enqueue_invitation(meeting, by_role, _acting(pair, by_role, by))
    return meeting


def _enqueue_invitation(meeting: Meeting, by_role: Role, by: PairMember | None) -> None:
    """A circle's invitation task names the scheduling member (every member is invited); a pair's names the side."""
    member_id = by.pk if by is not None and meeting.pair.is_circle else None
    transaction.on_commit(partial(send_meeting_invitation.enqueue, meeting.pk, meeting.ical_sequence, str(by_role), member_id))


def _locked(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    # Keep the caller's already loaded pair, program and people.
    locked.pair = meeting.pair
    return locked


@transaction.atomic
def reschedule_meeting(
    *,
    meeting: Meeting,
    starts_at: datetime,
    duration_minutes: int,
    mode: str | None = None,
    location: str | None = None,
    by_role: str,
    by: PairMember | None = None,
) -> Meeting:
    """Move a scheduled meeting: same UID, sequence raised by one, and a fresh invitation to both after commit."""
    by_role = require_role(by_role)
    status = Pair.objects.select_for_update().values_list("status", flat=True).get(pk=meeting.pair_id)
    if status != PairStatus.ACTIVE:
        raise PairNotActive(
            _("This pair is paused: meetings cannot be moved.")
            if status == PairStatus.PAUSED
            else _("This pair is closed: meetings cannot be moved.")
        )
    meeting = _locked(meeting)
    if not meeting.is_scheduled:
        raise InvalidMeeting(
            _("This meeting is held; only scheduled meetings can be moved.")
            if meeting.is_held
            else _("This meeting is cancelled; only scheduled meetings can be moved.")
        )
    mode = meeting.mode if mode is None else mode
    location = meeting.location if location is None else location.strip()
    _check_slot(pair=meeting.pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode, location=location, moving=meeting)
    meeting.starts_at, meeting.duration_minutes, meeting.mode, meeting.location = starts_at, duration_minutes, mode, location
    meeting.ical_sequence += 1
    meeting.save(update_fields=["starts_at", "duration_minutes", "mode", "location", "ical_sequence", "updated_at"])
    _enqueue_invitation(meeting, by_role, _acting(meeting.pair, by_role, by))
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by_role: str, by: PairMember | None = None) -> Meeting:
    """Cancel a scheduled meeting, recording which side cancelled and when; raises the iCalendar sequence.

    After commit the partner gets a CANCEL .ics; when the mentee (the senior) cancels, the program managers
    are told that it happened, with no agenda, place or notes.
    """
    by_role = require_role(by_role)
    meeting = _locked(meeting)
    if not meeting.is_scheduled:
        raise InvalidMeeting(_("This meeting is already held.") if meeting.is_held else _("This meeting is already cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_by_member = _acting(meeting.pair, by_role, by)
    # A circle's cancelling member is on their own side, whatever side the caller named.
    meeting.cancelled_by_role = meeting.cancelled_by_member.role if meeting.pair.is_circle and meeting.cancelled_by_member else by_role
    meeting.cancelled_at = timezone.now()
    meeting.ical_sequence += 1
    meeting.save(update_fields=["status", "cancelled_by_role", "cancelled_by_member", "cancelled_at", "ical_sequence", "updated_at"])
    member_id = meeting.cancelled_by_member.pk if meeting.pair.is_circle and meeting.cancelled_by_member else None
    transaction.on_commit(partial(send_meeting_cancellation.enqueue, meeting.pk, str(by_role), member_id))
    if meeting.cancelled_by_role == Role.MENTEE:
        transaction.on_commit(partial(send_senior_cancellation_notice.enqueue, meeting.pk))
    return meeting


def _clean_topics(topics: Iterable[str]) -> list[str]:
    cleaned = []
    for topic in topics:
        topic = " ".join(str(topic).split())
        if topic and topic not in cleaned:
            if len(topic) > 100:
                raise InvalidMeeting(
                    ngettext(
                        "Keep each topic under %(count)d character: %(topic)s….",
                        "Keep each topic under %(count)d characters: %(topic)s….",
                        100,
                    )
                    % {"count": 100, "topic": topic[:30]}
                )
            cleaned.append(topic)
    if len(cleaned) > 20:
        raise InvalidMeeting(ngettext("List at most %(count)d topic.", "List at most %(count)d topics.", 20) % {"count": 20})
    return cleaned


@transaction.atomic
def log_meeting_held(*, meeting: Meeting, held_minutes: int, topics: Iterable[str], mode: str) -> Meeting:
    """Record that a meeting whose start has passed took place; logging it again corrects the record.

    The first time, each side (in a circle, every current member) is sent a pulse request with a signed link after
    commit (once each).
    """
    meeting = _locked(meeting)
    if meeting.is_cancelled:
        raise InvalidMeeting(_("This meeting was cancelled; schedule a new one instead."))
    if meeting.starts_at > timezone.now():
        raise InvalidMeeting(_("This meeting has not started yet; log it once it has taken place."))
    if not 1 <= held_minutes <= LONGEST_HELD_MINUTES:
        raise InvalidMeeting(
            ngettext(
                "Say how long you met, from 1 to %(longest)d minute.",
                "Say how long you met, from 1 to %(longest)d minutes.",
                LONGEST_HELD_MINUTES,
            )
            % {"longest": LONGEST_HELD_MINUTES}
        )
    if mode not in MeetingMode.values:
        raise InvalidMeeting(_("Choose how you met: %(modes)s.") % {"modes": _mode_list()})
    first_time = meeting.is_scheduled
    meeting.status = MeetingStatus.HELD
    meeting.held_minutes = held_minutes
    meeting.topics = _clean_topics(topics)
    meeting.mode = mode
    meeting.save(update_fields=["status", "held_minutes", "topics", "mode", "updated_at"])
    if first_time and meeting.pair.is_circle:
        for member in meeting.pair.members.current().order_by("pk"):
            transaction.on_commit(partial(send_pulse_request.enqueue, meeting.pk, str(member.role), member.pk))
    elif first_time:
        for role in (Role.MENTOR, Role.MENTEE):
            transaction.on_commit(partial(send_pulse_request.enqueue, meeting.pk, str(role)))
    return meeting


@transaction.atomic
def send_agenda(*, meeting: Meeting, agenda: str, by_role: str, by: PairMember | None = None) -> Meeting:
    """The mentor (in a circle, any current mentor member, ``by``) sends (or re-sends) the agenda of an upcoming
    meeting; the partner (the circle's mentee members) is emailed after commit.

    Raises NotAllowed for the mentee side. The agenda is the pair's: only its members ever see it.
    """
    by_role = require_role(by_role)
    program = meeting.pair.program
    if meeting.pair.is_circle and by is not None:
        _acting(meeting.pair, by_role, by)  # refuses a member of another relationship, or one who left
        by_role = Role(by.role)
    if by_role != Role.MENTOR:
        raise NotAllowed(_("Only the %(mentor)s sends the agenda.") % {"mentor": program.mentor_label})
    meeting = _locked(meeting)
    if not meeting.is_scheduled:
        raise InvalidMeeting(
            _("This meeting is held; agendas go out before a meeting.")
            if meeting.is_held
            else _("This meeting is cancelled; agendas go out before a meeting.")
        )
    if meeting.starts_at <= timezone.now():
        raise InvalidMeeting(_("This meeting has started; agendas go out beforehand."))
    agenda = agenda.strip()
    if not agenda:
        raise InvalidMeeting(_("Write the agenda first."))
    if len(agenda) > LONGEST_AGENDA_CHARACTERS:
        raise InvalidMeeting(
            ngettext("Keep the agenda under %(count)d character.", "Keep the agenda under %(count)d characters.", LONGEST_AGENDA_CHARACTERS)
            % {"count": LONGEST_AGENDA_CHARACTERS}
        )
    meeting.agenda = agenda
    meeting.agenda_sent_at = timezone.now()
    meeting.save(update_fields=["agenda", "agenda_sent_at", "updated_at"])
    transaction.on_commit(partial(send_agenda_email.enqueue, meeting.pk))
    return meeting


# --- Pulses --------------------------------------------------------------------------------------------------------


@transaction.atomic
def submit_pulse(*, meeting: Meeting, role: str, rating: int, learned: str, member: PairMember | None = None) -> Pulse:
    """One side's (in a circle, one member's) one-minute pulse on a held meeting; a second submission within 7 days
    updates it.

    Raises InvalidPulse before the meeting is logged as held, for a rating outside 1–5, and for changes after
    7 days. The rating feeds pair health; ``learned`` stays with the pair.
    """
    role = require_role(role)
    meeting = _locked(meeting)
    if not meeting.is_held:
        raise InvalidPulse(_("You can give a pulse once the meeting is logged as held."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidPulse(_("Rate the meeting from 1 (not useful) to 5 (very useful)."))
    learned = learned.strip()
    if len(learned) > LONGEST_LEARNED_CHARACTERS:
        raise InvalidPulse(
            ngettext(
                "Keep what you learned under %(count)d character.",
                "Keep what you learned under %(count)d characters.",
                LONGEST_LEARNED_CHARACTERS,
            )
            % {"count": LONGEST_LEARNED_CHARACTERS}
        )
    now = timezone.now()
    acting = _acting(meeting.pair, role, member)
    own: dict[str, Any] = {"member": acting} if meeting.pair.is_circle and acting is not None else {"role": role}
    existing = Pulse.objects.filter(meeting=meeting, **own).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Pulse.objects.create(
                    meeting=meeting,
                    pair_id=meeting.pair_id,
                    role=acting.role if acting is not None else role,
                    member=acting,
                    rating=rating,
                    learned=learned,
                    submitted_at=now,
                )
        except IntegrityError:
            # The same side submitted twice at once; the other request's row is there now.
            existing = Pulse.objects.get(meeting=meeting, **own)
    if now - existing.submitted_at > PULSE_EDIT_WINDOW:
        raise InvalidPulse(
            ngettext(
                "You gave your pulse on %(date)s; it can be changed for %(days)d day only.",
                "You gave your pulse on %(date)s; it can be changed for %(days)d days only.",
                PULSE_EDIT_WINDOW.days,
            )
            % {"date": date_format(existing.submitted_at.astimezone(UTC), "d M Y"), "days": PULSE_EDIT_WINDOW.days}
        )
    existing.rating, existing.learned = rating, learned
    existing.save(update_fields=["rating", "learned"])
    return existing


# --- Calendar feeds ------------------------------------------------------------------------------------------------


@transaction.atomic
def ensure_calendar_feed(*, user: User) -> CalendarFeed:
    """The user's personal feed, created on first use; idempotent."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def rotate_calendar_feed(*, user: User) -> CalendarFeed:
    """Give the feed a new secret address; the old one stops working at once."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    feed.token = secrets.token_urlsafe()
    feed.save(update_fields=["token"])
    return feed


# --- Managers' actions on health ----------------------------------------------------------------------------------


@transaction.atomic
def check_in_on_pair(*, pair: Pair, by: User) -> ManagerAction:
    """Record a manager's check-in on an open pair; both people get a short, content-free note after commit."""
    if pair.is_closed:
        raise PairNotActive(_("This pair is closed."))
    action = ManagerAction.objects.create(pair=pair, kind=ManagerActionKind.CHECK_IN, taken_by=by, taken_at=timezone.now())
    transaction.on_commit(lambda: send_check_in_email.enqueue(action.pk))
    return action


# --- The nudges job -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeSummary:
    reminders: int
    overdue: int
    digests: int
    senior_cancellations: int

    def __str__(self) -> str:
        return (
            f"Enqueued {self.reminders} meeting reminders, {self.overdue} past-cadence nudges and {self.digests} weekly digests "
            f"({self.senior_cancellations} senior-side cancellations flagged)."
        )


def send_due_nudges(*, now: datetime) -> NudgeSummary:
    """Enqueue a task for every nudge due at ``now`` that is not sent yet. Reads only; safe to run at any interval.

    The tasks claim their keys, so overlapping runs send nothing twice.
    """
    reminders = due_reminders(now=now)
    for meeting in reminders:
        send_meeting_reminder.enqueue(meeting.pk)

    overdue = overdue_pairs(now=now)
    sent = claimed_keys(stretch.key for stretch in overdue)
    overdue = [stretch for stretch in overdue if stretch.key not in sent]
    for stretch in overdue:
        send_overdue_nudge.enqueue(stretch.pair.pk)

    digests = 0
    flagged = 0
    week = digest_week_due(now)
    if week is not None:
        programs = digest_programs()
        sent = claimed_keys(weekly_digest_key(program.pk, week) for program in programs)
        start, end = digest_window(week)
        for program in programs:
            if weekly_digest_key(program.pk, week) in sent:
                continue
            flagged += sum(item.count for item in senior_cancellations(program, start=start, end=end))
            send_weekly_digest.enqueue(program.pk, week)
            digests += 1
    return NudgeSummary(reminders=len(reminders), overdue=len(overdue), digests=digests, senior_cancellations=flagged)
