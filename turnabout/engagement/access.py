"""Access to pairs. Participants see their own pair's content; managers see metadata only; sponsors nothing.

The one exception is a quote its author offered for the report: program managers of its program read it to choose it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from turnabout.accounts.access import WITH_GUESTS, access_organisation
from turnabout.accounts.models import User
from turnabout.engagement.models import Meeting, Pair, PairMember, Quote
from turnabout.programs.access import manages_program
from turnabout.programs.models import Program, Role

_PAIR_RELATIONS = ("program", "mentor__person", "mentee__person", "mentor__person__grade", "mentee__person__grade")


def access_pair(user: User, pair_id: int) -> tuple[Pair, Role]:
    """The user's own pair with their side (a guest's too). Anyone else, managers included, gets 404: content is the pair's."""
    organisation = access_organisation(user, roles=WITH_GUESTS)
    pair = Pair.objects.select_related(*_PAIR_RELATIONS).filter(pk=pair_id, program__organisation=organisation).first()
    role = _side(user, pair) if pair is not None else None
    if pair is None or role is None:
        raise Http404("No such pair of yours.")
    return pair, role


def access_pair_member(user: User, pair_id: int) -> tuple[Pair, Role, PairMember | None]:
    """``access_pair`` with the user's current member row: always set for a circle, None only for a pair made without
    member rows (ADR 0008, expand step)."""
    pair, role = access_pair(user, pair_id)
    return pair, role, _member(user, pair)


def access_meeting_member(user: User, meeting_id: int) -> tuple[Meeting, Role, PairMember | None]:
    """``access_meeting`` with the user's current member row, as ``access_pair_member``."""
    meeting, role = access_meeting(user, meeting_id)
    return meeting, role, _member(user, meeting.pair)


def _member(user: User, pair: Pair) -> PairMember | None:
    member = pair.members.current().filter(enrolment__person__user_id=user.pk).select_related("enrolment__person").first()
    if member is None and pair.is_circle:
        raise Http404("No such pair of yours.")
    return member


def _side(user: User, pair: Pair) -> Role | None:
    """The user's side of the pair (in a circle, their member's role), None when it is not theirs.

    A circle member who left has no side any more.
    """
    if pair.is_circle:
        role = pair.members.current().filter(enrolment__person__user_id=user.pk).values_list("role", flat=True).first()
        return Role(role) if role is not None else None
    if pair.mentor.person.user_id == user.pk:
        return Role.MENTOR
    if pair.mentee.person.user_id == user.pk:
        return Role.MENTEE
    return None


def access_managed_pair(user: User, pair_id: int) -> Pair:
    """A pair in the user's organisation, for program managers acting on its health (metadata only)."""
    organisation = access_organisation(user)
    pair = Pair.objects.select_related(*_PAIR_RELATIONS).filter(pk=pair_id, program__organisation=organisation).first()
    if pair is None:
        raise Http404("No such pair in your organisation.")
    if not manages_program(user, pair.program):
        raise PermissionDenied("Only the program's managers act on pairs.")
    return pair


def access_meeting(user: User, meeting_id: int) -> tuple[Meeting, Role]:
    """A meeting of the user's own pair (a guest's too), with their side: one query, the pair loaded with it as
    ``access_pair`` loads it."""
    organisation = access_organisation(user, roles=WITH_GUESTS)
    meeting = (
        Meeting.objects.select_related(*[f"pair__{relation}" for relation in _PAIR_RELATIONS])
        .filter(pk=meeting_id, pair__program__organisation=organisation)
        .first()
    )
    role = _side(user, meeting.pair) if meeting is not None else None
    if meeting is None or role is None:
        raise Http404("No such meeting of yours.")
    return meeting, role


def access_own_quote(user: User, pair: Pair, quote_id: int) -> Quote:
    """A quote the user wrote in ``pair`` (already checked with ``access_pair``); the partner's and anyone else's 404."""
    quote = Quote.objects.select_related("pair").filter(pk=quote_id, pair=pair, author=user).first()
    if quote is None:
        raise Http404("No such quote of yours.")
    return quote


def access_program_quote(program: Program, quote_id: int) -> Quote:
    """A quote offered in ``program`` (already checked with ``access_program``), for choosing it; other programs' 404."""
    quote = Quote.objects.select_related("pair__program").filter(pk=quote_id, pair__program=program).first()
    if quote is None:
        raise Http404("No such quote in this program.")
    return quote
