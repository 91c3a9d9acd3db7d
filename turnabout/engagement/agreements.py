"""The partnership agreement: versioned, signed by both sides."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from turnabout.accounts.models import User
from turnabout.engagement.errors import AlreadySigned, PairNotActive
from turnabout.engagement.models import Agreement, AgreementSignature, ManagerSharing, MeetingMode, Pair, PairStatus
from turnabout.programs.models import Role


def current_agreement(pair: Pair) -> Agreement:
    agreement = pair.agreements.prefetch_related("signatures").order_by("-version").first()
    assert agreement is not None, "every pair starts with an agreement"
    return agreement


def is_signed_by_both(agreement: Agreement) -> bool:
    return {signature.role for signature in agreement.signatures.all()} == {Role.MENTOR, Role.MENTEE}


@dataclass(frozen=True)
class AgreementTerms:
    mentee_goals: str
    mentor_goals: str
    cadence: str
    meeting_mode: MeetingMode | str
    confidentiality: str
    share_with_line_managers: ManagerSharing | str
    body: str


@transaction.atomic
def revise_agreement(*, pair: Pair, terms: AgreementTerms, by: User) -> Agreement:
    """Write a new version; earlier versions and their signatures are kept, the new one needs both signatures.

    Performance management is excluded in every version: the clause cannot be switched off.
    """
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if pair.status == PairStatus.CLOSED:
        raise PairNotActive("A closed pair's agreement cannot change.")
    latest = pair.agreements.order_by("-version").first()
    return Agreement.objects.create(
        pair=pair,
        version=(latest.version if latest else 0) + 1,
        mentee_goals=terms.mentee_goals,
        mentor_goals=terms.mentor_goals,
        cadence=terms.cadence,
        meeting_mode=terms.meeting_mode,
        confidentiality=terms.confidentiality,
        share_with_line_managers=terms.share_with_line_managers,
        not_for_performance_management=True,
        body=terms.body,
        created_by=by,
    )


@transaction.atomic
def sign_agreement(*, agreement: Agreement, role: Role, by: User | None) -> AgreementSignature:
    """Record who signed which version, and when. Only the latest version can be signed."""
    latest = Agreement.objects.select_for_update().filter(pair_id=agreement.pair_id).order_by("-version").first()
    if latest is None or latest.pk != agreement.pk:
        raise AlreadySigned("A newer version exists: read and sign that one.")
    if AgreementSignature.objects.filter(agreement=agreement, role=role).exists():
        raise AlreadySigned("You have already signed this version.")
    return AgreementSignature.objects.create(agreement=agreement, role=role, signed_by=by, signed_at=timezone.now())
