"""The pair page's meetings section reads its own data, so the pair view needs no meeting knowledge."""

from django import template
from django.utils import timezone

from turnabout.engagement.models import Pair, PairMember
from turnabout.engagement.queries import MeetingOverview, meeting_overview

register = template.Library()


@register.simple_tag(name="meeting_overview")
def meeting_overview_tag(pair: Pair, role: str | PairMember) -> MeetingOverview:
    """``{% meeting_overview pair role as overview %}``: coming up and past meetings as ``role`` (a pair's side, or a
    circle's member) sees them (two queries)."""
    return meeting_overview(pair, role, now=timezone.now())
