"""Background jobs of matching that call its services: withdrawing leavers, and re-checking open pairs after a directory change.

Hook handlers (``core.hooks``) enqueue them, so the work runs in the worker. Each is safe to run twice.
"""

from django.tasks import task

from turnabout.accounts.models import Organisation
from turnabout.matching.services import end_matches_of_withdrawn, flag_rule_breaks
from turnabout.programs.services import withdraw_leavers


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


@task()
def recheck_open_matches_task(organisation_id: int) -> int:
    """Check every open match of the organisation against the current directory, flagging or clearing breaches; how many are flagged."""
    return len(flag_rule_breaks(organisation_id=organisation_id))


def enqueue_recheck_open_matches(*, organisation_id: int) -> None:
    """Handler of core.hooks.people_changed: the re-check runs in the worker."""
    recheck_open_matches_task.enqueue(organisation_id)
