"""Background jobs of matching: load by id, then call a service or send one email. Safe to run twice."""

from django.tasks import task
from django.urls import reverse

from turnabout.accounts.models import Organisation
from turnabout.core.email import send_templated_email
from turnabout.identity.links import sign_in_url
from turnabout.matching.models import Match, MatchStatus
from turnabout.matching.services import claim_match_run, end_matches_of_withdrawn, execute_match_run, waiting_for
from turnabout.programs.models import Role
from turnabout.programs.services import withdraw_leavers


@task()
def compute_match_run(run_id: int) -> None:
    """Compute a queued run; a second delivery finds it claimed and does nothing."""
    if claim_match_run(run_id):
        execute_match_run(run_id=run_id)


def _sides(match: Match, role: str) -> tuple[object, object, str, str]:
    program = match.program
    me, partner = (match.mentor, match.mentee) if role == Role.MENTOR else (match.mentee, match.mentor)
    return me, partner, program.label_for(role), program.label_for(partner.role)


@task()
def send_match_proposed_email(match_id: int, role: str) -> None:
    """Ask one side to accept; skipped when their answer is no longer awaited."""
    match = Match.objects.select_related("program", "mentor__person", "mentee__person").get(pk=match_id)
    if role not in waiting_for(match):
        return
    me, partner, my_label, partner_label = _sides(match, role)
    send_templated_email(
        to=[me.person.email],  # type: ignore[attr-defined]
        template="matching/email/proposed",
        context={
            "match": match,
            "me": me.person,  # type: ignore[attr-defined]
            "partner": partner.person,  # type: ignore[attr-defined]
            "my_label": my_label,
            "partner_label": partner_label,
            "program": match.program,
            "action_url": sign_in_url(person=me.person, next_path=reverse("matching:my_match", args=[match.pk])),  # type: ignore[attr-defined]
        },
    )


@task()
def send_match_outcome_email(match_id: int) -> None:
    """Tell both sides that the pair is on, or that it will not go ahead (without saying who declined)."""
    match = Match.objects.select_related("program", "mentor__person", "mentee__person").get(pk=match_id)
    if match.status not in (MatchStatus.ACTIVE, MatchStatus.DECLINED):
        return
    for role in (Role.MENTOR, Role.MENTEE):
        me, partner, _my_label, partner_label = _sides(match, role)
        send_templated_email(
            to=[me.person.email],  # type: ignore[attr-defined]
            template="matching/email/outcome",
            context={"match": match, "me": me.person, "partner": partner.person, "program": match.program, "partner_label": partner_label},  # type: ignore[attr-defined]
        )


@task()
def send_partner_withdrawn_email(match_id: int, leaving_role: str) -> None:
    match = Match.objects.select_related("program", "mentor__person", "mentee__person").get(pk=match_id)
    staying_role = Role.MENTEE if leaving_role == Role.MENTOR else Role.MENTOR
    me, partner, _my_label, partner_label = _sides(match, staying_role)
    send_templated_email(
        to=[me.person.email],  # type: ignore[attr-defined]
        template="matching/email/partner_withdrawn",
        context={"me": me.person, "partner": partner.person, "program": match.program, "partner_label": partner_label},  # type: ignore[attr-defined]
    )


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
