from django.urls import reverse

from turnabout.matching.models import Match, MatchRun, MatchStatus, PairRule, ProposedPair, RunStatus
from turnabout.matching.presentation import reason_text
from turnabout.matching.services import publish_match_run, start_match_run
from turnabout.people.models import Person
from turnabout.programs.models import Enrolment, EnrolmentStatus, MatchingStyle, Role


def _run(program, by, capture):
    with capture(execute=True):
        run = start_match_run(program=program, by=by)
    run.refresh_from_db()
    return run


def test_manager_runs_pins_and_publishes_from_the_review_page(client, manager, matching_program, pool, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matching:start_run", args=[matching_program.pk]), {"mode": "coverage"})
    run = MatchRun.objects.get()
    assert (run.status, run.mode) == (RunStatus.SUCCEEDED, "coverage")

    page = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode()
    assert "The best possible: no other set of pairs fits better" in page
    assert page.count('data-testid="proposal"') == 3

    client.post(
        reverse("matching:pair_rule", args=[matching_program.pk]), {"mentor": pool["J1"].pk, "mentee": pool["S1"].pk, "kind": "forbid"}
    )
    assert PairRule.objects.get().kind == "forbid"

    # A ban made after the run leaves it stale (it proposed the banned pair): publishing refuses and says why.
    page = client.post(reverse("matching:publish", args=[run.pk]), follow=True).content.decode()
    assert "J1 Tester and S1 Tester are now forbidden as a pair" in page
    assert not Match.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matching:start_run", args=[matching_program.pk]), {"mode": "coverage"})
    rerun = MatchRun.objects.latest()
    client.post(reverse("matching:publish", args=[rerun.pk]))
    assert Match.objects.count() == rerun.proposed_pairs.count() > 0
    assert not Match.objects.filter(mentor=pool["J1"], mentee=pool["S1"]).exists()


def test_progress_fragment_polls_until_done(client, manager, matching_program, pool):
    run = MatchRun.objects.create(
        program=matching_program, requested_by=manager, status=RunStatus.RUNNING, progress=0.4, stage="Scoring pairs"
    )
    client.force_login(manager)
    response = client.get(reverse("matching:run_progress", args=[run.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "Scoring pairs" in html
    assert "HX-Refresh" not in response


def test_participant_sees_why_they_were_matched_and_answers(client, manager, matching_program, pool, django_capture_on_commit_callbacks):
    # given
    run = _run(matching_program, manager, django_capture_on_commit_callbacks)
    match = next(m for m in publish_match_run(run=run, by=manager) if m.mentee_id == pool["S1"].pk)
    senior = pool["S1"].person
    from turnabout.accounts.models import AccountRole
    from turnabout.accounts.services import create_user
    from turnabout.people.services import link_user

    user = create_user(organisation=senior.organisation, email=senior.email, role=AccountRole.PARTICIPANT, password="x" * 12)
    link_user(person=senior, user=user)
    client.force_login(user)

    # when
    page = client.get(reverse("matching:my_match", args=[match.pk])).content.decode()
    client.post(reverse("matching:my_match", args=[match.pk]), {"answer": "decline", "reason": "workload", "confirm": "yes"})

    # then
    assert reason_text(match.reasons[0], match.program) in page.replace("&#x27;", "'")
    match.refresh_from_db()
    assert (match.status, match.decline_reason) == (MatchStatus.DECLINED, "workload")


def test_other_people_cannot_see_or_answer_a_match(
    client, manager, mentor, outsider, sponsor, matching_program, pool, django_capture_on_commit_callbacks
):
    run = _run(matching_program, manager, django_capture_on_commit_callbacks)
    match = publish_match_run(run=run, by=manager)[0]
    for user in (mentor, outsider, sponsor, manager):
        client.force_login(user)
        assert client.get(reverse("matching:my_match", args=[match.pk])).status_code == 404
        assert client.post(reverse("matching:my_match", args=[match.pk]), {"answer": "accept"}).status_code == 404
    match.refresh_from_db()
    assert (match.mentor_response, match.mentee_response) == ("pending", "pending")


def test_only_managers_of_the_organisation_review_runs(client, mentor, sponsor, outsider, manager, matching_program, pool):
    run = MatchRun.objects.create(program=matching_program, requested_by=manager)
    for user, status in ((mentor, 403), (sponsor, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(reverse("matching:review", args=[matching_program.pk])).status_code == status
        assert client.post(reverse("matching:start_run", args=[matching_program.pk])).status_code == status
        assert client.post(reverse("matching:publish", args=[run.pk])).status_code == status
    assert MatchRun.objects.count() == 1
    assert not Match.objects.exists()


def test_review_page_for_2000_participants_renders_in_bounded_queries(
    client, manager, matching_program, acme, django_assert_max_num_queries
):
    # given 1,000 mentors and 1,000 mentees, a finished run proposing 1,000 pairs and 0 left over
    grade = acme.grades.get(code="G5")
    people = Person.objects.bulk_create(
        [
            Person(organisation=acme, employee_id=f"E{n:05}", given_name="P", family_name=f"{n:05}", email=f"e{n}@acme.test", grade=grade)
            for n in range(2000)
        ]
    )
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(program=matching_program, person=p, role=Role.MENTOR if n % 2 else Role.MENTEE, status=EnrolmentStatus.APPROVED)
            for n, p in enumerate(people)
        ]
    )
    run = MatchRun.objects.create(program=matching_program, status=RunStatus.SUCCEEDED, progress=1.0, summary={"pairs": 1000}, pool={})
    ProposedPair.objects.bulk_create(
        [
            ProposedPair(run=run, mentor=enrolments[n + 1], mentee=enrolments[n], score=0.5, reasons=["A reason."], components={})
            for n in range(0, 2000, 2)
        ]
    )
    client.force_login(manager)

    # then
    with django_assert_max_num_queries(25):
        response = client.get(reverse("matching:review", args=[matching_program.pk]))
    assert response.content.decode().count('data-testid="proposal"') == 1000


def test_self_select_mentee_requests_a_suggested_mentor(client, manager, matching_program, pool, acme, django_capture_on_commit_callbacks):
    # given a self-select program whose mentee S1 has a login
    matching_program.matching_style = MatchingStyle.SELF_SELECT
    matching_program.save()
    senior = pool["S1"].person
    from turnabout.accounts.models import AccountRole
    from turnabout.accounts.services import create_user
    from turnabout.people.services import link_user

    link_user(person=senior, user=create_user(organisation=acme, email=senior.email, role=AccountRole.PARTICIPANT, password="x" * 12))
    client.force_login(senior.user)

    # when
    page = client.get(reverse("matching:suggestions", args=[pool["S1"].pk]))
    suggested = [mentor for mentor, _score, _reasons in page.context["suggestions"]]
    client.post(reverse("matching:suggestions", args=[pool["S1"].pk]), {"mentor": suggested[0].pk, "confirm": "yes"})

    # then
    assert 1 <= len(suggested) <= 3
    assert suggested[0] == pool["J1"]
    match = Match.objects.get()
    assert (match.mentor, match.mentee, match.mentee_response, match.requested_by_mentee) == (pool["J1"], pool["S1"], "accepted", True)


def test_review_page_before_any_run_offers_to_run(client, manager, matching_program):
    client.force_login(manager)
    response = client.get(reverse("matching:review", args=[matching_program.pk]))
    assert response.status_code == 200
    assert "Run matching" in response.content.decode()
