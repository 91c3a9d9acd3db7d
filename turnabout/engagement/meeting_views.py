"""Meeting pages for the two people of a pair (anyone else gets 404), the personal calendar feed and the pulse form."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from turnabout.accounts.access import WITH_GUESTS, access_organisation
from turnabout.accounts.http import AuthenticatedRequest
from turnabout.engagement.access import access_meeting_member, access_pair_member
from turnabout.engagement.calendar import feed_ics, meeting_ics
from turnabout.engagement.errors import EngagementError, InvalidPulse, PulseLinkExpired
from turnabout.engagement.meeting_forms import AgendaForm, LogHeldForm, PulseForm, RescheduleForm, ScheduleForm
from turnabout.engagement.models import CalendarFeed, Meeting, Pair, PairMember
from turnabout.engagement.pulse_links import pulse_token, read_pulse_token
from turnabout.engagement.queries import circle_members, current_agreement, propose_times
from turnabout.engagement.scheduling import display_zone_of, local_wall_clock
from turnabout.engagement.services import (
    cancel_meeting,
    ensure_calendar_feed,
    log_meeting_held,
    reschedule_meeting,
    rotate_calendar_feed,
    schedule_meeting,
    send_agenda,
    submit_pulse,
)
from turnabout.identity.sign_in_policy import guest_access_refusal
from turnabout.people.models import Person
from turnabout.programs.models import Enrolment, Role

# --- The pair's meetings and scheduling ---------------------------------------------------------------


def _other(pair: Pair, role: Role, member: PairMember | None) -> Enrolment:
    """The partner of ``role``'s side; in a circle, the first other current member (whose zone the proposals show
    beside the reader's)."""
    if pair.is_circle and member is not None:
        others = [other for other in circle_members(pair) if other.pk != member.pk]
        if others:
            return others[0].enrolment
    return pair.partner_of(role)


def _mine(pair: Pair, role: Role, member: PairMember | None) -> Enrolment:
    return member.enrolment if pair.is_circle and member is not None else pair.enrolment_for(role)


def _other_zones(pair: Pair, member: PairMember | None) -> list[tuple[str, ZoneInfo]]:
    """A circle's other current members by time zone: (their given names, the zone), zones in member order; empty
    for a pair."""
    if not pair.is_circle or member is None:
        return []
    names: dict[str, list[str]] = {}
    zones: dict[str, ZoneInfo] = {}
    for other in circle_members(pair):
        if other.pk != member.pk:
            zone = display_zone_of(other.enrolment)
            names.setdefault(zone.key, []).append(other.enrolment.person.given_name)
            zones[zone.key] = zone
    return [(", ".join(given), zones[key]) for key, given in names.items()]


def _circle_context(pair: Pair, member: PairMember | None) -> dict[str, object]:
    if not pair.is_circle or member is None:
        return {"circle": False}
    names = [other.enrolment.person.full_name for other in circle_members(pair) if other.pk != member.pk]
    return {"circle": True, "member": member, "others": ", ".join(names)}


def _schedule_form(pair: Pair, role: Role, data: Any = None, member: PairMember | None = None) -> tuple[ScheduleForm, str]:
    partner = _other(pair, role, member)
    proposals, problem = [], ""
    if pair.is_active:
        try:
            proposals = propose_times(pair=pair, now=timezone.now())
        except EngagementError as error:
            problem = error.message
    form = ScheduleForm(
        data,
        zone=display_zone_of(_mine(pair, role, member)),
        proposals=proposals,
        partner=partner.person,
        partner_zone=display_zone_of(partner),
        others=_other_zones(pair, member),
        initial={"mode": current_agreement(pair).meeting_mode, "duration_minutes": 45},
    )
    return form, problem


def _render_meetings(
    request: HttpRequest, pair: Pair, role: Role, form: ScheduleForm, problem: str, *, status: int = 200, member: PairMember | None = None
) -> HttpResponse:
    program = pair.program
    context = {
        **_circle_context(pair, member),
        "pair": pair,
        "program": program,
        "role": role,
        "partner": _other(pair, role, member).person,
        "my_zone": display_zone_of(_mine(pair, role, member)).key,
        "form": form,
        "proposal_problem": problem,
        "has_proposals": bool(form.fields["slot"].widget.choices),
        "can_schedule": pair.is_active,
    }
    return render(request, "engagement/meetings.html", context, status=status)


@login_required
@require_GET
def meetings(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    form, problem = _schedule_form(pair, role, member=member)
    return _render_meetings(request, pair, role, form, problem, member=member)


@login_required
@require_POST
def meeting_schedule(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    form, problem = _schedule_form(pair, role, request.POST, member=member)
    if form.is_valid():
        data = form.cleaned_data
        try:
            meeting = schedule_meeting(pair=pair, starts_at=data["chosen_start"], duration_minutes=data["duration_minutes"],
                                       mode=data["mode"], location=data["location"], by_role=role, by=member)  # fmt: skip
        except EngagementError as error:
            form.add_error(None, error.message)
        else:
            if pair.is_circle:
                messages.success(request, _("Meeting scheduled. Every member of the circle will get an invitation by email."))
            else:
                partner_name = pair.partner_of(role).person.given_name
                messages.success(
                    request, _("Meeting scheduled. %(partner)s and you will get an invitation by email.") % {"partner": partner_name}
                )
            return redirect("engagement:meeting", meeting.pk)
    return _render_meetings(request, pair, role, form, problem, status=400, member=member)


# --- One meeting ----------------------------------------------------------------------------------------


def _render_meeting(
    request: HttpRequest,
    meeting: Meeting,
    role: Role,
    *,
    log_form: LogHeldForm | None = None,
    agenda_form: AgendaForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    error: str = "",
    status: int = 200,
    member: PairMember | None = None,
) -> HttpResponse:
    pair, program = meeting.pair, meeting.pair.program
    now = timezone.now()
    zone = display_zone_of(_mine(pair, role, member))
    partner = _other(pair, role, member)
    is_scheduled = meeting.is_scheduled
    pulses = {pulse.role: pulse for pulse in meeting.pulses.all()}
    partner_pulse = pulses.get(partner.role)
    my_pulse = pulses.get(role)
    token = pulse_token(meeting, role) if meeting.is_held else ""
    if pair.is_circle and member is not None:
        my_pulse = next((pulse for pulse in meeting.pulses.all() if pulse.member_id == member.pk), None)
        partner_pulse = None
        token = pulse_token(meeting, member) if meeting.is_held else ""
    context = {
        **_circle_context(pair, member),
        "meeting": meeting,
        "pair": pair,
        "program": program,
        "role": role,
        "partner": partner.person,
        "my_label": program.label_for(role),
        "partner_label": program.label_for(partner.role),
        "my_zone": zone.key,
        "partner_zone": display_zone_of(partner).key,
        "other_times": [
            {"names": names, "zone": zone.key, "starts_at": local_wall_clock(meeting.starts_at, zone)}
            for names, zone in _other_zones(pair, member)
        ],
        "cancelled_by": _cancelled_by(meeting, role, member),
        "can_log": not meeting.is_cancelled and meeting.starts_at <= now,
        "can_cancel": is_scheduled,
        "can_move": is_scheduled and pair.is_active,
        "can_send_agenda": (member.role if pair.is_circle and member else role) == Role.MENTOR and is_scheduled and meeting.starts_at > now,
        "log_form": log_form or LogHeldForm(initial=_log_initial(meeting)),
        "agenda_form": agenda_form or AgendaForm(initial={"agenda": meeting.agenda}),
        "reschedule_form": reschedule_form or RescheduleForm(zone=zone, initial=_move_initial(meeting, zone)),
        "my_pulse": my_pulse,
        "partner_rating": partner_pulse.rating if partner_pulse else None,
        "pulse_token": token,
        "error": error,
    }
    return render(request, "engagement/meeting.html", context, status=status)


def _cancelled_by(meeting: Meeting, role: Role, member: PairMember | None = None) -> str:
    if not meeting.cancelled_by_role:
        return ""
    if meeting.pair.is_circle and member is not None and meeting.cancelled_by_member is not None:
        by = meeting.cancelled_by_member
        return pgettext("cancelled by", "you") if by.pk == member.pk else by.enrolment.person.given_name
    return (
        pgettext("cancelled by", "you")
        if meeting.cancelled_by_role == role
        else meeting.pair.enrolment_for(meeting.cancelled_by_role).person.given_name
    )


def _log_initial(meeting: Meeting) -> dict[str, Any]:
    return {"held_minutes": meeting.held_minutes or meeting.duration_minutes, "mode": meeting.mode, "topics": ", ".join(meeting.topics)}


def _move_initial(meeting: Meeting, zone: ZoneInfo) -> dict[str, Any]:
    starts_at = local_wall_clock(meeting.starts_at, zone)
    return {"starts_at": starts_at, "mode": meeting.mode, "duration_minutes": meeting.duration_minutes, "location": meeting.location}


@login_required
@require_GET
def meeting_detail(request: AuthenticatedRequest, meeting_id: int) -> HttpResponse:
    meeting, role, member = access_meeting_member(request.user, meeting_id)
    return _render_meeting(request, meeting, role, member=member)


@login_required
@require_POST
def meeting_log(request: AuthenticatedRequest, meeting_id: int) -> HttpResponse:
    meeting, role, member = access_meeting_member(request.user, meeting_id)
    form = LogHeldForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            log_meeting_held(meeting=meeting, held_minutes=data["held_minutes"], topics=data["topics"], mode=data["mode"])
        except EngagementError as error:
            return _render_meeting(request, meeting, role, log_form=form, error=error.message, status=400, member=member)
        messages.success(
            request,
            _("Logged as held. Every member will get a one-minute pulse by email.")
            if meeting.pair.is_circle
            else _("Logged as held. You will both get a one-minute pulse by email."),
        )
        return redirect("engagement:meeting", meeting.pk)
    return _render_meeting(request, meeting, role, log_form=form, status=400, member=member)


@login_required
@require_POST
def meeting_cancel(request: AuthenticatedRequest, meeting_id: int) -> HttpResponse:
    meeting, role, member = access_meeting_member(request.user, meeting_id)
    try:
        cancel_meeting(meeting=meeting, by_role=role, by=member)
    except EngagementError as error:
        return _render_meeting(request, meeting, role, error=error.message, status=400, member=member)
    if meeting.pair.is_circle:
        messages.success(request, _("Meeting cancelled. We told the other members of the circle."))
    else:
        messages.success(
            request, _("Meeting cancelled. We told %(partner)s.") % {"partner": meeting.pair.partner_of(role).person.given_name}
        )
    return redirect("engagement:meeting", meeting.pk)


@login_required
@require_POST
def meeting_reschedule(request: AuthenticatedRequest, meeting_id: int) -> HttpResponse:
    meeting, role, member = access_meeting_member(request.user, meeting_id)
    form = RescheduleForm(request.POST, zone=display_zone_of(_mine(meeting.pair, role, member)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            reschedule_meeting(meeting=meeting, starts_at=data["starts_at"], duration_minutes=data["duration_minutes"],
                               mode=data["mode"], location=data["location"], by_role=role, by=member)  # fmt: skip
        except EngagementError as error:
            return _render_meeting(request, meeting, role, reschedule_form=form, error=error.message, status=400, member=member)
        messages.success(
            request,
            _("Meeting moved. Every member will get an updated invitation.")
            if meeting.pair.is_circle
            else _("Meeting moved. You will both get an updated invitation."),
        )
        return redirect("engagement:meeting", meeting.pk)
    return _render_meeting(request, meeting, role, reschedule_form=form, status=400, member=member)


@login_required
@require_POST
def meeting_agenda(request: AuthenticatedRequest, meeting_id: int) -> HttpResponse:
    meeting, role, member = access_meeting_member(request.user, meeting_id)
    form = AgendaForm(request.POST)
    if form.is_valid():
        try:
            send_agenda(meeting=meeting, agenda=form.cleaned_data["agenda"], by_role=role, by=member)
        except EngagementError as error:
            return _render_meeting(request, meeting, role, agenda_form=form, error=error.message, status=400, member=member)
        messages.success(
            request,
            _("Agenda sent to the circle.")
            if meeting.pair.is_circle
            else _("Agenda sent to %(partner)s.") % {"partner": meeting.pair.partner_of(role).person.given_name},
        )
        return redirect("engagement:meeting", meeting.pk)
    return _render_meeting(request, meeting, role, agenda_form=form, status=400, member=member)


@login_required
@require_GET
def meeting_invite(request: AuthenticatedRequest, meeting_id: int) -> HttpResponse:
    meeting, _role, _member = access_meeting_member(request.user, meeting_id)
    cancelled = meeting.is_cancelled
    document = meeting_ics(meeting, method="CANCEL") if cancelled else meeting_ics(meeting, method="REQUEST")
    content_type = "text/calendar; charset=utf-8; method=" + ("CANCEL" if cancelled else "REQUEST")
    response = HttpResponse(document, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


# --- Personal calendar feed ---------------------------------------------------------------------------


@login_required
@require_GET
def calendar(request: AuthenticatedRequest) -> HttpResponse:
    access_organisation(request.user, roles=WITH_GUESTS)
    feed = ensure_calendar_feed(user=request.user)
    feed_url = settings.SITE_URL + reverse("engagement:calendar_feed", args=[feed.token])
    webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(request, "engagement/calendar.html", {"feed_url": feed_url, "webcal_url": webcal_url})


@login_required
@require_POST
def calendar_rotate(request: AuthenticatedRequest) -> HttpResponse:
    access_organisation(request.user, roles=WITH_GUESTS)
    rotate_calendar_feed(user=request.user)
    messages.success(request, _("Your calendar has a new address. The old one no longer works: subscribe again with the new one."))
    return redirect("engagement:calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the secret token is the credential (calendar apps cannot log in)."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404(_("No such calendar."))
    # A guest whose access ended loses the feed at once, not when the daily job deactivates them.
    person = Person.objects.filter(user=feed.user).first()
    if person is not None and guest_access_refusal(person=person) is not None:
        raise Http404(_("No such calendar."))
    response = HttpResponse(feed_ics(feed.user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- Pulse -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pulse(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The emailed link pre-selects meeting and side; the signed-in user must still be that side's person."""
    try:
        meeting_id, token_role = read_pulse_token(token)
    except PulseLinkExpired as error:
        access_organisation(request.user, roles=WITH_GUESTS)
        return render(request, "engagement/pulse.html", {"expired": error.message}, status=410)
    except InvalidPulse as error:
        raise Http404(error.message) from error
    meeting, role, member = access_meeting_member(request.user, meeting_id)
    if meeting.pair.is_circle:
        # A circle's link names a member; an older link naming a side opens only for a member of that side.
        if member is None or (token_role != member.pk if isinstance(token_role, int) else token_role != role):
            raise Http404(_("This pulse link is for another member of your circle."))
        existing = meeting.pulses.filter(member=member).first()
    else:
        if role != token_role:
            raise Http404(_("This pulse link is for your partner."))
        member = None
        existing = meeting.pulses.filter(role=role).first()
    initial = {"rating": existing.rating, "learned": existing.learned} if existing else {}
    form = PulseForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                submit_pulse(meeting=meeting, role=role, rating=form.cleaned_data["rating"], learned=form.cleaned_data["learned"],
                             member=member)  # fmt: skip
            except EngagementError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Thank you: your pulse is saved."))
                return redirect("engagement:meeting", meeting.pk)
        status = 400
    partner = _other(meeting.pair, role, member)
    context = {
        **_circle_context(meeting.pair, member),
        "meeting": meeting,
        "pair": meeting.pair,
        "program": meeting.pair.program,
        "partner": partner.person,
        "my_zone": display_zone_of(_mine(meeting.pair, role, member)).key,
        "form": form,
        "existing": existing,
        "is_held": meeting.is_held,
    }
    return render(request, "engagement/pulse.html", context, status=status)
