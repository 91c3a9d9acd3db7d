"""Notes, insights adopted, concerns raised and final reflections."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from turnabout.accounts.models import User
from turnabout.engagement.errors import PairNotActive
from turnabout.engagement.health import refresh_pair_health
from turnabout.engagement.models import Concern, ConcernStatus, Insight, Note, NoteVisibility, Pair, PairStatus, Reflection
from turnabout.engagement.tasks import send_concern_email
from turnabout.programs.models import Role


def notes_visible_to(pair: Pair, user: User) -> QuerySet[Note]:
    """Shared notes of the pair and the user's own private ones; nobody else's private note, ever."""
    return pair.notes.filter(Q(visibility=NoteVisibility.SHARED) | Q(author=user)).select_related("author")


@transaction.atomic
def write_note(*, pair: Pair, author: User, role: Role, body: str, visibility: NoteVisibility) -> Note:
    if pair.status == PairStatus.CLOSED:
        raise PairNotActive(_("This pair is closed."))
    if not body.strip():
        raise ValueError(_("A note needs some text."))
    return Note.objects.create(pair=pair, author=author, author_role=role, body=body.strip(), visibility=visibility)


@transaction.atomic
def log_insight(*, pair: Pair, description: str, owner: str, adopted_on: date, by: User) -> Insight:
    """Record something the senior adopted because of the relationship."""
    if not description.strip():
        raise ValueError(_("Describe what was adopted."))
    return Insight.objects.create(
        pair=pair, description=description.strip()[:300], owner=owner.strip()[:120], adopted_on=adopted_on, created_by=by
    )


@transaction.atomic
def raise_concern(*, pair: Pair, by: User, role: Role, body: str) -> Concern:
    """A private message to the program manager; they are emailed after commit, and the pair's health counts it
    (without saying who raised it) until it is resolved."""
    if not body.strip():
        raise ValueError(_("Say what worries you; only the program manager will read it."))
    concern = Concern.objects.create(pair=pair, raised_by=by, raised_by_role=role, body=body.strip())
    refresh_pair_health(pair=pair)  # an open concern lowers the pair's health at once
    transaction.on_commit(lambda: send_concern_email.enqueue(concern.pk))
    return concern


@transaction.atomic
def resolve_concern(*, concern: Concern) -> Concern:
    concern.status = ConcernStatus.RESOLVED
    concern.resolved_at = timezone.now()
    concern.save(update_fields=["status", "resolved_at", "updated_at"])
    refresh_pair_health(pair=concern.pair)
    return concern


@transaction.atomic
def write_reflection(*, pair: Pair, role: Role, learned: str, proudest: str = "", next_steps: str = "") -> Reflection:
    """Each side's final reflection (can be revised until the pair closes)."""
    if not learned.strip():
        raise ValueError(_("Say what you learned."))
    reflection, _created = Reflection.objects.update_or_create(
        pair=pair, role=role, defaults={"learned": learned.strip(), "proudest": proudest.strip(), "next_steps": next_steps.strip()}
    )
    return reflection
