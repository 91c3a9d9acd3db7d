"""The signed links that open one side's pulse form from an email: pure signing, no ORM."""

from __future__ import annotations

from datetime import timedelta

from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from turnabout.engagement.errors import InvalidPulse, PulseLinkExpired
from turnabout.engagement.models import Meeting, PairMember
from turnabout.programs.models import Role

PULSE_SALT = "engagement.pulse"
PULSE_LINK_MAX_AGE = timedelta(days=14)


def require_role(role: str) -> Role:
    """``role`` as a side of the pair; a programming error (ValueError) for anything else."""
    if role not in Role.values:
        raise ValueError(f"Unknown side {role!r}.")
    return Role(role)


def pulse_token(meeting: Meeting, role: str | PairMember) -> str:
    """A signed, timestamped token naming the meeting and whose pulse the emailed link opens: a pair's side
    (``"<meeting>:<role>"``), or a circle's member (``"<meeting>:m<member id>"``)."""
    if isinstance(role, PairMember):
        return TimestampSigner(salt=PULSE_SALT).sign(f"{meeting.pk}:m{role.pk}")
    return TimestampSigner(salt=PULSE_SALT).sign(f"{meeting.pk}:{require_role(role)}")


def read_pulse_token(token: str) -> tuple[int, Role | int]:
    """The meeting id and the side (a Role) or member id (an int) a pulse token names. Raises PulseLinkExpired after
    14 days, InvalidPulse if forged."""
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
    if meeting_id.isdigit() and role.startswith("m") and role[1:].isdigit():
        return int(meeting_id), int(role[1:])
    if not meeting_id.isdigit() or role not in Role.values:
        raise InvalidPulse(_("This pulse link is not valid."))
    return int(meeting_id), Role(role)
