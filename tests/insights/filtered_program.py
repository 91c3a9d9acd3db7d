"""A program laid out across sites and cohorts with bulk inserts, for the cross-filter tests (hundreds of programs).

Enrolments are approved (or only invited) directly and training is switched off, so "ready" is "approved"; pairs,
their meetings and health states are written as given. Everything the KPIs read is set; nothing else is.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from turnabout.engagement.models import CloseReason, HealthState, Meeting, MeetingStatus, Pair, PairStatus
from turnabout.people.models import Person, Site
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role

STARTED_ON = date(2026, 3, 2)
_numbers = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Member:
    """One enrolment: its side, site (``None``: no site), cohort month ("2026-01") and whether it was approved."""

    role: str
    site: Site | None
    cohort: str = "2026-01"
    approved: bool = True


@dataclass(frozen=True, slots=True)
class Link:
    """A pair between two members (positions in the member list), with what the KPIs read of it."""

    mentor: int
    mentee: int
    status: str = PairStatus.ACTIVE
    health: str = HealthState.HEALTHY
    meetings: int = 0  # held, from a week after the start, a week apart
    closed_early: bool = False


@dataclass(slots=True)
class Laid:
    enrolments: list[Enrolment] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)


def lay_out(program: Program, members: Sequence[Member], links: Sequence[Link] = ()) -> Laid:
    """Write ``members`` and ``links`` into ``program`` (which must have no enrolments yet) and switch its training off."""
    Program.objects.filter(pk=program.pk).update(training_required=False, ends_on=None)
    program.refresh_from_db()
    people = Person.objects.bulk_create(
        Person(
            organisation=program.organisation,
            employee_id=f"X{number}",
            given_name=f"X{number}",
            family_name="Laid",
            email=f"x{number}@laid.test",
            site=member.site,
        )
        for number, member in zip(_numbers, members, strict=False)
    )
    decided = datetime(2026, 3, 1, 9, tzinfo=UTC)
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            program=program,
            person=person,
            role=member.role,
            status=EnrolmentStatus.APPROVED if member.approved else EnrolmentStatus.INVITED,
            decided_at=decided if member.approved else None,
        )
        for person, member in zip(people, members, strict=True)
    )
    for cohort, group in itertools.groupby(
        sorted(zip(members, enrolments, strict=True), key=lambda item: item[0].cohort), key=lambda item: item[0].cohort
    ):
        year, month = (int(part) for part in cohort.split("-"))
        Enrolment.objects.filter(pk__in=[enrolment.pk for _member, enrolment in group]).update(
            created_at=datetime(year, month, 15, 12, tzinfo=UTC)
        )
    closed_at = datetime(2026, 3, 20, 12, tzinfo=UTC)
    pairs = Pair.objects.bulk_create(
        Pair(
            program=program,
            mentor=enrolments[link.mentor],
            mentee=enrolments[link.mentee],
            status=PairStatus.CLOSED if link.closed_early else link.status,
            started_on=STARTED_ON,
            closed_at=closed_at if link.closed_early or link.status == PairStatus.CLOSED else None,
            close_reason=CloseReason.NO_FAULT if link.closed_early else (CloseReason.COMPLETED if link.status == PairStatus.CLOSED else ""),
            health_state=link.health,
        )
        for link in links
    )
    start = datetime.combine(STARTED_ON, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
    Meeting.objects.bulk_create(
        Meeting(pair=pair, starts_at=start + timedelta(days=7 * (number + 1)), status=MeetingStatus.HELD, held_minutes=45)
        for pair, link in zip(pairs, links, strict=True)
        for number in range(link.meetings)
    )
    return Laid(enrolments=enrolments, pairs=pairs)


def mentors(count: int, site: Site | None, **fields: object) -> list[Member]:
    return [Member(Role.MENTOR, site, **fields) for _ in range(count)]  # type: ignore[arg-type]


def mentees(count: int, site: Site | None, **fields: object) -> list[Member]:
    return [Member(Role.MENTEE, site, **fields) for _ in range(count)]  # type: ignore[arg-type]
