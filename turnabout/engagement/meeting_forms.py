"""Input parsing for meeting pages: times typed in the person's own zone come out as aware datetimes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from turnabout.core.forms import BoundedForm
from turnabout.engagement.models import MeetingMode
from turnabout.engagement.scheduling import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES, from_wall_clock
from turnabout.people.models import Person

# A location that starts like an address ("https://…", "zoommtg://…", "javascript:…") must be a web link.
SCHEME = re.compile(r"^\s*(javascript|vbscript|[a-z][a-z0-9+.-]*(?=://))\s*:", re.IGNORECASE)
VIDEO_LINK = URLValidator(schemes=["http", "https"])
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _in_zone(value: datetime, zone: ZoneInfo) -> datetime:
    """Read a form's wall-clock time in ``zone``, refusing a time the clocks skip.

    Django made the typed time aware in the current zone; making it naive again gives back what was typed.
    """
    wall_clock = timezone.make_naive(value)
    moment = from_wall_clock(wall_clock, zone)
    if moment is None:
        raise forms.ValidationError(
            gettext("%(time)s does not exist on %(date)s in %(zone)s: the clocks change.")
            % {"time": f"{wall_clock:%H:%M}", "date": f"{wall_clock:%d %b %Y}", "zone": zone.key}
        )
    return moment


class _MeetingDetailsForm(BoundedForm):
    duration_minutes = forms.IntegerField(
        min_value=SHORTEST_MEETING_MINUTES, max_value=LONGEST_MEETING_MINUTES, initial=45, label=_("Length (minutes)")
    )
    mode = forms.ChoiceField(choices=MeetingMode.choices, label=_("How you meet"))
    location = forms.CharField(max_length=300, required=False, label=_("Where (a room or a video link)"))

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_location(self) -> str:
        """A room as typed, or a video link: a web address starting http:// or https:// (the meeting page links it)."""
        value: str = self.cleaned_data["location"]
        scheme = SCHEME.match(value)
        if scheme is None:
            return value
        if scheme.group(1).lower() not in ("http", "https"):
            raise forms.ValidationError(gettext("A video link starts with https:// (or http://)."), code="link_scheme")
        try:
            VIDEO_LINK(value)
        except ValidationError as error:
            raise forms.ValidationError(gettext("That video link is not a valid web address."), code="link_invalid") from error
        return value

    def _parse_typed_time(self, value: datetime | None) -> datetime | None:
        return None if value is None else _in_zone(value, self.zone)


class ScheduleForm(_MeetingDetailsForm):
    """A proposed time (UTC, from propose_times) or a time typed in the person's zone."""

    slot = forms.CharField(required=False, label=_("Proposed times"), widget=forms.RadioSelect)
    starts_at = forms.DateTimeField(required=False, widget=DATETIME_LOCAL)

    field_order = ["slot", "starts_at", "duration_minutes", "mode", "location"]

    def __init__(
        self,
        *args: Any,
        zone: ZoneInfo,
        proposals: list[datetime],
        partner: Person,
        partner_zone: ZoneInfo,
        others: Sequence[tuple[str, ZoneInfo]] = (),
        **kwargs: Any,
    ) -> None:
        """``others`` are a circle's other members by zone, (their names, the zone): each proposal reads in all of
        them; without it, in the partner's zone."""
        super().__init__(*args, zone=zone, **kwargs)
        choices = []
        for proposal in proposals:
            mine = proposal.astimezone(zone)

            def clock(other_zone: ZoneInfo, mine: datetime = mine, proposal: datetime = proposal) -> str:
                theirs = proposal.astimezone(other_zone)
                return theirs.strftime("%H:%M" if mine.date() == theirs.date() else "%a %H:%M")

            if others:
                theirs = pgettext("list separator", " · ").join(
                    gettext("%(time)s for %(names)s") % {"time": clock(other_zone), "names": names} for names, other_zone in others
                )
                label = gettext("%(mine)s your time · %(theirs)s") % {"mine": f"{mine:%a %d %b %Y, %H:%M}", "theirs": theirs}
            else:
                label = gettext("%(mine)s your time · %(theirs)s for %(partner)s") % {
                    "mine": f"{mine:%a %d %b %Y, %H:%M}",
                    "theirs": clock(partner_zone),
                    "partner": partner.given_name,
                }
            choices.append((proposal.astimezone(UTC).isoformat(), label))
        self.fields["slot"].widget.choices = choices
        self.fields["starts_at"].label = gettext("Or another time (your time, %(zone)s)") % {"zone": zone.key}

    def clean_slot(self) -> datetime | None:
        value = self.cleaned_data["slot"]
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as error:
            raise forms.ValidationError(gettext("That proposed time is not valid; pick one of the list.")) from error
        if timezone.is_naive(parsed):
            raise forms.ValidationError(gettext("That proposed time is not valid; pick one of the list."))
        return parsed

    def clean_starts_at(self) -> datetime | None:
        return self._parse_typed_time(self.cleaned_data["starts_at"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        slot, typed = cleaned.get("slot"), cleaned.get("starts_at")
        if "slot" in cleaned and "starts_at" in cleaned:
            if slot and typed:
                raise forms.ValidationError(gettext("Pick a proposed time or type one, not both."))
            if not slot and not typed:
                raise forms.ValidationError(gettext("Pick a proposed time or type one."))
        cleaned["chosen_start"] = slot or typed
        return cleaned


class RescheduleForm(_MeetingDetailsForm):
    starts_at = forms.DateTimeField(widget=DATETIME_LOCAL)

    field_order = ["starts_at", "duration_minutes", "mode", "location"]

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, zone=zone, **kwargs)
        self.fields["starts_at"].label = gettext("New time (your time, %(zone)s)") % {"zone": zone.key}

    def clean_starts_at(self) -> datetime | None:
        return self._parse_typed_time(self.cleaned_data["starts_at"])


class LogHeldForm(BoundedForm):
    held_minutes = forms.IntegerField(min_value=1, max_value=600, label=_("How long did you meet? (minutes)"))
    mode = forms.ChoiceField(choices=MeetingMode.choices, label=_("How you met"))
    topics = forms.CharField(max_length=1000, required=False, label=_("Topics (separate with commas)"))

    def clean_topics(self) -> list[str]:
        return [topic.strip() for topic in self.cleaned_data["topics"].split(",") if topic.strip()]


class AgendaForm(BoundedForm):
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=5000, label=_("Agenda"))


class PulseForm(BoundedForm):
    rating = forms.TypedChoiceField(
        coerce=int, choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect, label=_("How useful was this meeting? (1–5)")
    )
    learned = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=False, label=_("What I learned"))
