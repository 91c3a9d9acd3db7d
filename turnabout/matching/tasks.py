"""Background jobs of matching: load by id, then call a service or send one email (``matching.notifications``).

Safe to run twice: each email is sent once under its key (``core.delivery``)."""

from django.tasks import task

from turnabout.accounts.models import Organisation
from turnabout.matching import notifications
from turnabout.matching.models import Match
from turnabout.matching.services import claim_match_run, end_matches_of_withdrawn, execute_match_run
from turnabout.programs.services import withdraw_leavers


@task()
def compute_match_run(run_id: int) -> None:
    """Compute a queued run; a second delivery finds it claimed and does nothing."""
    if claim_match_run(run_id):
        execute_match_run(run_id=run_id)


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


@task()
def withdraw_leavers_task(organisation_id: int) -> None:
    """Withdraw leavers' enrolments and close their pairs, telling partners; idempotent."""
    organisation = Organisation.objects.get(pk=organisation_id)
    withdraw_leavers(organisation=organisation)
    end_matches_of_withdrawn(organisation_id=organisation_id)


def enqueue_withdraw_leavers(*, organisation_id: int, count: int) -> None:
    """Handler of core.hooks.people_left: the work runs in the worker."""
    if count:
        withdraw_leavers_task.enqueue(organisation_id)
