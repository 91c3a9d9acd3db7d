"""The emails of matching as background tasks: load the match by id, then send one email (``matching.notifications``).

Safe to run twice: each email is sent once under its key (``core.delivery``). The services enqueue these; the jobs
that call services back live in ``matching.jobs`` (and computing a run in ``matching.runs``)."""

from django.tasks import task

from turnabout.matching import notifications
from turnabout.matching.models import CircleMatch, Match

_MATCH_PEOPLE = ("program", "mentor__person", "mentee__person")


@task()
def send_match_proposed_email(match_id: int, role: str) -> None:
    """Ask one side to accept; skipped when their answer is no longer awaited."""
    notifications.send_match_proposed(Match.objects.select_related(*_MATCH_PEOPLE).get(pk=match_id), role=role)


@task()
def send_match_outcome_email(match_id: int) -> None:
    """Tell both sides that the pair is on, or that it will not go ahead (without saying who declined)."""
    notifications.send_match_outcome(Match.objects.select_related(*_MATCH_PEOPLE).get(pk=match_id))


@task()
def send_partner_withdrawn_email(match_id: int, leaving_role: str) -> None:
    """Tell the side that stays that their partner left the program."""
    notifications.send_partner_withdrawn(Match.objects.select_related(*_MATCH_PEOPLE).get(pk=match_id), leaving_role=leaving_role)


def _circle_match(match_id: int) -> CircleMatch:
    return CircleMatch.objects.select_related("program").prefetch_related("members__enrolment__person").get(pk=match_id)


@task()
def send_circle_proposed_email(match_id: int, enrolment_id: int) -> None:
    """Ask one member of a circle proposal to accept; skipped when their answer is no longer awaited."""
    notifications.send_circle_proposed(_circle_match(match_id), enrolment_id=enrolment_id)


@task()
def send_circle_outcome_email(match_id: int) -> None:
    """Tell the members of a circle proposal that it started, or that it will not go ahead."""
    notifications.send_circle_outcome(_circle_match(match_id))
