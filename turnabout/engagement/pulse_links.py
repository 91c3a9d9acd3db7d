"""The signed links that open one side's pulse form from an email: pure signing, no ORM."""

from __future__ import annotations

from datetime import timedelta

from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from turnabout.engagement.errors import InvalidPulse, PulseLinkExpired
from turnabout.engagement.models import Meeting
from turnabout.programs.models import Role

PULSE_SALT = "engagement.pulse"
PULSE_LINK_MAX_AGE = timedelta(days=14)


def require_role(role: str) -> Role:
    """``role`` as a side of the pair; a programming error (ValueError) for anything else."""
    if role not in Role.values:
        raise ValueError(f"Unknown side {role!r}.")
    return Role(role)


def pulse_token(meeting: Meeting, role: str) -> str:
    """A signed, timestamped token naming the meeting and the side whose pulse the emailed link opens."""
    return TimestampSigner(salt=PULSE_SALT).sign(f"{meeting.pk}:{require_role(role)}")


def read_pulse_token(token: str) -> tuple[int, Role]:
    """The meeting id and side a pulse token names. Raises PulseLinkExpired after 14 days, InvalidPulse if forged."""
    try:
        value = TimestampSigner(salt=PULSE_SALT).unsign(token, max_age=PULSE_LINK_MAX_AGE)
    except SignatureExpired as error:
        raise PulseLinkExpired(
            ngettext(
                "This pulse link has expired: links work for %(days)d day.",
                "This pulse link has expired: links work for %(days)d days.",
                PULSE_LINK_MAX_AGE.days,
            )
            % {"days": PULSE_LINK_MAX_AGE.days}
        ) from error
    except BadSignature as error:
        raise InvalidPulse(_("This pulse link is not valid.")) from error
    meeting_id, _colon, role = value.partition(":")
    if not meeting_id.isdigit() or role not in Role.values:
        raise InvalidPulse(_("This pulse link is not valid."))
    return int(meeting_id), Role(role)
