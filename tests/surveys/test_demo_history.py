"""The demo's completed program of the previous year: every outcome figure k allows is shown, in the dashboard, the
retention comparison and the executive PDF; and the demo's mentor and mentee sign-ins are partners in a running pair.

One test: loading the 2,000-person demo and its programs is the expensive part, and every check reads the same data.
"""

import dataclasses
from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from turnabout.accounts.models import User
from turnabout.engagement.models import (
    CloseReason,
    GoalStatus,
    HealthState,
    Insight,
    Meeting,
    MeetingStatus,
    Pair,
    PairKind,
    PairStatus,
    Pulse,
)
from turnabout.insights.exports import report_charts, report_pdf
from turnabout.insights.kpis import ProgramKpis, program_kpis
from turnabout.insights.reach import diversity_reach
from turnabout.insights.retention import program_retention, retention_section
from turnabout.matching.demo import ENROLLING_NAME, RUNNING_NAME, seed_demo_programs
from turnabout.matching.models import CircleMatch, CircleMatchMember, MatchRun, MatchStatus, Response
from turnabout.people.models import EmploymentStatus, Grade, GradeChange, Person, PersonKind
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role
from turnabout.programs.rules import add_months
from turnabout.surveys.demo import COMPLETED_PREFIX, completed_name, seed_demo_history
from turnabout.surveys.demo_formats import CAMPUS_NAME, JUNIOR_BOARD_NAME, UNIVERSITY, seed_demo_formats
from turnabout.surveys.models import SurveyResponse, WaveKind

# The one card a closed program cannot show, by design: the active-pair rate counts running pairs (active or paused),
# and once the program has closed none is left. (Instruments asked only at the midpoint and the end have no gain card.)
BY_DESIGN_WITHHELD = {"active_pair_rate"}


def test_the_demo_loads_a_completed_year_that_shows_every_figure_and_pairs_the_demo_logins(db: None, client: Client) -> None:
    # given
    call_command("seed_demo", employees=2000, seed=1, verbosity=0)
    today = timezone.localdate()

    # when: loaded as ``make demo`` does
    out = StringIO()
    call_command("seed_demo_programs", seed=1, stdout=out)

    # then: the completed program, closed, with a year of history
    name = completed_name(today)
    assert name.startswith(COMPLETED_PREFIX)
    assert out.getvalue().startswith(f"Demo programs: {RUNNING_NAME}, {ENROLLING_NAME}, {name}, {CAMPUS_NAME}, {JUNIOR_BOARD_NAME};")
    program = Program.objects.get(name=name)
    assert program.status == ProgramStatus.CLOSED
    assert program.starts_on is not None
    assert program.ends_on is not None
    assert (program.ends_on - program.starts_on).days >= 365
    assert program.ends_on < today <= program.ends_on + timedelta(days=62)
    _assert_history(program)

    # (a) every card a closed program can show has a figure; exactly the cards it cannot are withheld
    kpis = program_kpis(program)
    withheld = {kpi.key for kpi in kpis.kpis if kpi.is_withheld}
    assert withheld == BY_DESIGN_WITHHELD, [(kpi.key, kpi.note) for kpi in kpis.kpis if kpi.is_withheld]
    assert kpis.kpi("early_closure").estimate
    assert 0 < kpis.kpi("on_cadence").estimate < 1  # type: ignore[operator]
    assert 0 < kpis.kpi("pairs_with_insight").estimate < 1  # type: ignore[operator]
    assert all(count is not None for _month, count in kpis.meetings_per_month)
    assert len(kpis.meetings_per_month) == 12
    assert not kpis.pulse_ratings.hidden
    assert not kpis.enrolments.hidden

    # (b) the retention and promotion comparison shows a figure for every outcome
    section = retention_section(program, program_retention(program, today=today), today=today)
    assert section is not None
    assert section.is_reportable
    for line in section.lines:
        assert line.note == "", (line.key, line.note)
        assert line.participant_rate != "—"
        assert line.control_rate != "—"
        assert line.effect != "—"

    # (c) the executive PDF renders, with the meetings and pulse charts drawn
    with_retention = dataclasses.replace(kpis, has_retention_figures=section.is_reportable)
    _assert_report(with_retention)
    manager = User.objects.get(email__startswith="pm@")
    client.force_login(manager)
    assert client.get(reverse("insights:program", args=[program.pk])).status_code == 200
    response = client.get(reverse("insights:program_pdf", args=[program.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")

    # (d) the demo's mentor and mentee sign-ins are the two partners of one active pair of the running program
    running = Program.objects.get(name=RUNNING_NAME)
    pair = Pair.objects.get(program=running, mentor__person__user__email__startswith="mentor@")
    assert pair.status == PairStatus.ACTIVE
    assert Pair.objects.filter(pk=pair.pk, mentee__person__user__email__startswith="mentee@").exists()
    assert pair.agreements.get().signatures.count() == 2
    assert (
        not Pair.objects.filter(program=running)
        .filter(Q(mentor__person__user__email__startswith="mentee@") | Q(mentee__person__user__email__startswith="mentor@"))
        .exists()
    )

    # (e) the junior board runs two circles formed by a match run, every member accepted, signed and pulsed
    _assert_junior_board(Program.objects.get(name=JUNIOR_BOARD_NAME), client)

    # (f) the campus mentors are three guests from outside, each in an active pair with a held meeting
    _assert_campus_mentors(Program.objects.get(name=CAMPUS_NAME), today, client)

    # (g) idempotent: a second run adds nothing
    counts = _counts()
    again = seed_demo_programs(seed=1)
    assert again.created == []
    assert seed_demo_history(seed=1) is None
    assert seed_demo_formats(seed=1).created == []
    assert _counts() == counts


def _assert_history(program: Program) -> None:
    pairs = Pair.objects.filter(program=program)
    assert pairs.count() >= 30
    assert not pairs.exclude(status=PairStatus.CLOSED).exists()
    early = pairs.exclude(close_reason=CloseReason.COMPLETED)
    assert early.count() >= 5
    assert set(early.values_list("close_reason", flat=True)) == {CloseReason.NO_FAULT, CloseReason.PARTNER_LEFT}
    held = Meeting.objects.filter(pair__program=program, status=MeetingStatus.HELD)
    assert held.count() >= 12 * 20
    assert held.filter(starts_at__date__lt=program.starts_on).count() == 0
    assert held.filter(starts_at__date__gte=program.ends_on).count() == 0
    ratings = set(Pulse.objects.filter(pair__program=program).values_list("rating", flat=True))
    assert ratings == {2, 3, 4, 5}
    now = timezone.now()
    assert not Meeting.objects.filter(pair__program=program, starts_at__gt=now).exists()
    assert not Pulse.objects.filter(pair__program=program, submitted_at__gt=now).exists()
    goals = program.pairs.values_list("goals__status", flat=True)
    assert {GoalStatus.OPEN, GoalStatus.DONE} <= set(goals)
    assert Insight.objects.filter(pair__program=program).exists()
    for kind in (WaveKind.BASELINE, WaveKind.END):
        assert SurveyResponse.objects.filter(assignment__wave__program=program, assignment__wave__kind=kind).count() >= 40
    # The directory's year: participants and colleagues promoted and leaving during the program.
    participants = set(program.enrolments.values_list("person_id", flat=True))
    during = {"changed_on__gt": program.starts_on, "changed_on__lte": program.ends_on}
    promoted = set(GradeChange.objects.filter(**during).values_list("person_id", flat=True))
    assert promoted & participants
    assert promoted - participants
    leavers = set(
        Person.objects.filter(
            employment_status=EmploymentStatus.LEAVER, end_date__gt=program.starts_on, end_date__lte=program.ends_on
        ).values_list("pk", flat=True)
    )
    assert leavers & participants
    assert leavers - participants


def _assert_junior_board(program: Program, client: Client) -> None:
    assert program.is_circles
    assert program.status == ProgramStatus.RUNNING
    assert program.sponsor is not None
    circles = Pair.objects.filter(program=program, kind=PairKind.CIRCLE, status=PairStatus.ACTIVE)
    assert circles.count() == 2
    assert not Pair.objects.filter(program=program).exclude(pk__in=circles).exists()
    assert MatchRun.objects.filter(program=program).exclude(published_at=None).count() == 1
    matches = CircleMatch.objects.filter(program=program)
    assert set(matches.values_list("status", flat=True)) == {MatchStatus.ACTIVE}
    assert not CircleMatchMember.objects.filter(match__program=program).exclude(response=Response.ACCEPTED).exists()
    mentors = mentees = 0
    ratings = []
    for circle in circles:
        members = circle.members.current()
        mentors += members.filter(role=Role.MENTOR).count()
        mentees += members.filter(role=Role.MENTEE).count()
        agreement = circle.agreements.get()
        assert set(agreement.signatures.values_list("member_id", flat=True)) == set(members.values_list("pk", flat=True))
        meeting = Meeting.objects.get(pair=circle, status=MeetingStatus.HELD)
        assert meeting.starts_at < timezone.now()
        assert set(meeting.pulses.values_list("member_id", flat=True)) == set(members.values_list("pk", flat=True))
        ratings += list(meeting.pulses.values_list("rating", flat=True))
        assert circle.goals.filter(owner_member=None, owner_role="").count() == 1
        enrolments = [member.enrolment for member in members.select_related("enrolment__person")]
        for junior in (e.person for e in enrolments if e.role == Role.MENTOR):
            for senior in (e.person for e in enrolments if e.role == Role.MENTEE):
                assert junior.pk not in senior.ancestor_ids
                assert senior.pk not in junior.ancestor_ids
    assert 4 <= mentors <= 6
    assert 3 <= mentees <= 4
    assert len(set(ratings)) > 1
    manager = User.objects.get(email__startswith="pm@")
    client.force_login(manager)
    pages = {}
    for page in ("matching:review", "engagement:health", "insights:program"):
        response = client.get(reverse(page, args=[program.pk]))
        assert response.status_code == 200, page
        pages[page] = response.content.decode()
    assert pages["matching:review"].count('data-testid="circle"') == 2
    # Circle health: both circles assessed (healthy after a month with their meeting held and every pulse in).
    assert "Circle health" in pages["engagement:health"]
    assert set(circles.values_list("health_state", flat=True)) == {HealthState.HEALTHY}
    # The dashboard counts circles as its units, and two are fewer than k.
    assert "withheld: fewer than 5 circles" in pages["insights:program"]


def _assert_campus_mentors(program: Program, today: date, client: Client) -> None:
    assert program.status == ProgramStatus.RUNNING
    guests = Person.objects.guests().filter(enrolments__program=program)
    assert guests.count() == 3
    assert set(guests.values_list("guest_organisation", flat=True)) == {UNIVERSITY}
    assert set(guests.values_list("access_ends_on", flat=True)) == {add_months(today, 6)}
    assert not Person.objects.employees().filter(pk__in=guests).exists()
    pairs = Pair.objects.filter(program=program, status=PairStatus.ACTIVE)
    assert pairs.count() == 3
    assert set(pairs.values_list("mentor__person_id", flat=True)) == set(guests.values_list("pk", flat=True))
    seniors = Person.objects.filter(pk__in=pairs.values_list("mentee__person_id", flat=True))
    assert set(seniors.values_list("kind", flat=True)) == {PersonKind.EMPLOYEE}
    assert {grade.rank for grade in Grade.objects.filter(people__in=seniors)} == {7}
    for pair in pairs:
        assert pair.agreements.get().signatures.count() == 2
        assert Meeting.objects.filter(pair=pair, status=MeetingStatus.HELD).count() == 1
        assert Pulse.objects.filter(pair=pair).count() == 2
    manager = User.objects.get(email__startswith="pm@")
    client.force_login(manager)
    page = client.get(reverse("programs:detail", args=[program.pk]))
    assert page.status_code == 200
    for guest in guests:
        assert guest.full_name in page.content.decode()
    dashboard = client.get(reverse("insights:program", args=[program.pk]))
    assert dashboard.status_code == 200
    # The split between employees and guests is shown, and withheld: three guests are fewer than k.
    assert 'data-testid="guest-split"' in dashboard.content.decode()
    assert "(of whom — guests from outside)" in dashboard.content.decode()


def _assert_report(kpis: ProgramKpis) -> None:
    charts = {chart.title: chart for chart in report_charts(kpis)}
    assert charts["Meetings held per month"].has_values
    assert charts["Pulse ratings"].has_values
    # No pair is active in a closed program: the health chart says so instead of drawing bars.
    assert not charts["Active pairs by health"].has_values
    pdf = bytes(report_pdf(kpis, diversity_reach(kpis.program)).output())
    assert pdf.startswith(b"%PDF")


def _counts() -> tuple[int, ...]:
    return (
        Program.objects.count(),
        Pair.objects.count(),
        Meeting.objects.count(),
        Pulse.objects.count(),
        Person.objects.count(),
        Enrolment.objects.count(),
        CircleMatch.objects.count(),
        MatchRun.objects.count(),
        GradeChange.objects.count(),
        Person.objects.filter(employment_status=EmploymentStatus.LEAVER).count(),
        SurveyResponse.objects.count(),
    )
