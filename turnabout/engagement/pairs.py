"""Services that start, pause, resume and close pairs."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turnabout.accounts.models import User
from turnabout.engagement.agreements import filled_agreement_text
from turnabout.engagement.errors import PairNotActive
from turnabout.engagement.models import Agreement, CloseReason, ManagerAction, Pair, PairStatus
from turnabout.programs.models import Enrolment, Program


@transaction.atomic
def start_pair(*, program: Program, mentor: Enrolment, mentee: Enrolment) -> Pair:
    """Open the pair once both sides accepted, with a first agreement drafted from the program's template (the pair's
    names, dates and cadence written in); idempotent."""
    existing = Pair.objects.filter(program=program, mentor=mentor, mentee=mentee).exclude(status=PairStatus.CLOSED).first()
    if existing is not None:
        return existing
    pair = Pair.objects.create(program=program, mentor=mentor, mentee=mentee, started_on=timezone.localdate())
    agreement = Agreement.objects.create(
        pair=pair,
        version=1,
        mentee_goals="",
        mentor_goals="",
        cadence=program.cadence,
        confidentiality=_(
            "What we discuss stays between us. The exceptions: a risk of harm to someone, illegal conduct, or serious "
            "misconduct, which either of us may raise with the program manager."
        ),
        body=program.agreement_template,
    )
    agreement.body = filled_agreement_text(agreement)
    agreement.save(update_fields=["body"])
    return pair


def _require_open(pair: Pair) -> None:
    if pair.status == PairStatus.CLOSED:
        raise PairNotActive(_("This pair is closed."))


@transaction.atomic
def pause_pair(*, pair: Pair, by: User, message: str = "") -> Pair:
    """Pause nudges and health alerts, e.g. during leave; the manager records why."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    _require_open(pair)
    pair.status = PairStatus.PAUSED
    pair.save(update_fields=["status", "updated_at"])
    ManagerAction.objects.create(pair=pair, kind="pause", taken_by=by, taken_at=timezone.now(), message=message)
    return pair


@transaction.atomic
def resume_pair(*, pair: Pair, by: User) -> Pair:
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    _require_open(pair)
    pair.status = PairStatus.ACTIVE
    pair.save(update_fields=["status", "updated_at"])
    ManagerAction.objects.create(pair=pair, kind="resume", taken_by=by, taken_at=timezone.now())
    return pair


@transaction.atomic
def close_pair(*, pair: Pair, reason: CloseReason, by: User | None, continue_informally: bool | None = None, message: str = "") -> Pair:
    """Close the pair (idempotent). Nothing about it is deleted; a no-fault close blames no one."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if pair.status == PairStatus.CLOSED:
        return pair
    pair.status = PairStatus.CLOSED
    pair.closed_at = timezone.now()
    pair.close_reason = reason
    if continue_informally is not None:
        pair.continue_informally = continue_informally
    pair.save(update_fields=["status", "closed_at", "close_reason", "continue_informally", "updated_at"])
    if by is not None and by.role in {"admin", "program_manager"}:
        ManagerAction.objects.create(pair=pair, kind=f"close:{reason}", taken_by=by, taken_at=pair.closed_at, message=message)
    return pair
