"""The programs' part of erasing a person: their applications' own words go; enrolments, statuses and dates stay.

Called by ``turnabout.personal_data.services.erase_person`` inside its transaction, which first refuses while the
person still takes part (``open_participation``): erasing changes no status, so no figure moves.
"""

from __future__ import annotations

from django.db import transaction

from turnabout.people.models import Person
from turnabout.programs.models import Enrolment, EnrolmentStatus, ProgramStatus

OPEN_ENROLMENT_STATUSES = (EnrolmentStatus.INVITED, EnrolmentStatus.APPLIED, EnrolmentStatus.APPROVED)


def open_participation(person: Person) -> list[str]:
    """The names of programs, not closed, in which ``person`` is still invited, applying or approved. Reads only."""
    return list(
        Enrolment.objects.filter(person=person, status__in=OPEN_ENROLMENT_STATUSES)
        .exclude(program__status=ProgramStatus.CLOSED)
        .order_by("program__name")
        .values_list("program__name", flat=True)
    )


@transaction.atomic
def erase_application_text(*, person: Person) -> int:
    """Empty the motivation and goals ``person`` wrote in their applications; returns the enrolments touched."""
    return Enrolment.objects.filter(person=person).update(motivation="", goals_text="")
