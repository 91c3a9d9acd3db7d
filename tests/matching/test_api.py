"""The REST API for programs and matching, through the public endpoints, with the named cast."""

import json

import pytest
from django.urls import reverse

from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.matching.models import Match, MatchRun, ProposedPair, RunStatus
from turnabout.matching.pool import GENERIC_DIVERSITY_REASON
from turnabout.people.services import link_user
from turnabout.programs.models import Enrolment, Program, ProgramStatus


def post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def test_manager_creates_and_opens_a_program_through_the_api(client, manager, sponsor):
    client.force_login(manager)
    created = post(client, "/api/programs/", {"driver": "innovation"})
    assert created.status_code == 201
    program_id = created.json()["id"]
    assert created.json()["launch_problems"] == ["Name an executive sponsor"]

    refused = post(client, f"/api/programs/{program_id}/status", {"status": "enrolling"})
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "not_ready_to_launch",
        "detail": "The program is not ready: Name an executive sponsor",
        "problems": ["Name an executive sponsor"],
    }
    assert Program.objects.get().status == ProgramStatus.DRAFT

    patched = client.patch(f"/api/programs/{program_id}", json.dumps({"sponsor_id": sponsor.pk}), content_type="application/json")
    assert patched.json()["launch_problems"] == []
    assert post(client, f"/api/programs/{program_id}/status", {"status": "enrolling"}).json()["status"] == "enrolling"


def test_locked_settings_answer_409_and_change_nothing(client, manager, program):
    client.force_login(manager)
    post(client, f"/api/programs/{program.pk}/status", {"status": "enrolling"})
    post(client, f"/api/programs/{program.pk}/status", {"status": "matching"})
    response = client.patch(f"/api/programs/{program.pk}", json.dumps({"purpose_statement": "New"}), content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "field_locked"
    program.refresh_from_db()
    assert program.purpose_statement != "New"


def test_invitations_with_an_unknown_address_invite_nobody(client, manager, program, mentee):
    client.force_login(manager)
    response = post(client, f"/api/programs/{program.pk}/invitations", {"role": "mentee", "emails": ["bob@acme.test", "nobody@acme.test"]})
    assert response.status_code == 422
    assert not Enrolment.objects.exists()


def test_run_review_publish_and_answer_through_the_api(client, manager, matching_program, pool, acme, django_capture_on_commit_callbacks):
    # given
    client.force_login(manager)

    # when the manager runs, reviews and publishes
    with django_capture_on_commit_callbacks(execute=True):
        queued = post(client, f"/api/matching/programs/{matching_program.pk}/runs", {"mode": "fair"})
    assert queued.status_code == 202
    run_id = queued.json()["id"]
    run = client.get(f"/api/matching/runs/{run_id}").json()
    assert (run["status"], run["progress"], run["mode"]) == ("succeeded", 1.0, "fair")
    pairs = client.get(f"/api/matching/runs/{run_id}/pairs").json()
    assert len(pairs) == 3
    assert all(pair["reasons"] for pair in pairs)
    published = post(client, f"/api/matching/runs/{run_id}/publish")
    assert published.status_code == 200
    again = post(client, f"/api/matching/runs/{run_id}/publish")

    # then publishing twice is refused and creates nothing more
    assert again.status_code == 409
    assert again.json()["code"] == "already_published"
    assert Match.objects.count() == 3

    # and a participant answers their own match only, declining only with a reason
    senior = pool["S1"].person
    user = create_user(organisation=acme, email=senior.email, role=AccountRole.PARTICIPANT, password="x" * 12)
    link_user(person=senior, user=user)
    client.force_login(user)
    (mine,) = client.get("/api/matching/matches/mine").json()
    assert mine["your_role"] == "mentee"
    assert post(client, f"/api/matching/matches/{mine['id']}/response", {"accept": False}).json()["code"] == "decline_reason_required"
    declined = post(client, f"/api/matching/matches/{mine['id']}/response", {"accept": False, "reason": "timing"})
    assert declined.json()["status"] == "declined"
    other = Match.objects.exclude(pk=mine["id"]).first()
    assert post(client, f"/api/matching/matches/{other.pk}/response", {"accept": True}).status_code == 404


def test_a_stale_run_is_refused_with_what_changed(client, manager, matching_program, pool):
    run = MatchRun.objects.create(program=matching_program, status=RunStatus.SUCCEEDED, pool={"999999": "gone"}, summary={})
    client.force_login(manager)
    response = post(client, f"/api/matching/runs/{run.pk}/publish")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_pool"
    assert response.json()["changes"][0].endswith("joined the pool")
    assert not Match.objects.exists()


@pytest.mark.parametrize("who", ["mentor", "sponsor", "outsider"])
def test_only_managers_of_the_organisation_use_the_program_api(client, who, request, matching_program, pool):
    user = request.getfixturevalue(who)
    client.force_login(user)
    expected = 404 if who == "outsider" else 403
    assert client.get(f"/api/programs/{matching_program.pk}").status_code == expected
    assert post(client, f"/api/matching/programs/{matching_program.pk}/runs").status_code == expected
    assert post(client, f"/api/programs/{matching_program.pk}/status", {"status": "running"}).status_code == expected
    assert not MatchRun.objects.exists()
    matching_program.refresh_from_db()
    assert matching_program.status == ProgramStatus.MATCHING


def test_program_list_is_bounded_in_queries(client, manager, program, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(6):
        response = client.get("/api/programs/")
    assert [item["id"] for item in response.json()] == [program.pk]


# Contributions of a pair whose two people differ on two of four consented answers (diversity weight 0.25).
DIFFERENT = {"goals": 0.3, "common_ground": 0.05, "availability": 0.1, "boundaries": 0.05, "diversity": 0.125, "grade_gap": 0.1}
ALIKE = {"goals": 0.35, "common_ground": 0.05, "availability": 0.1, "boundaries": 0.05, "diversity": 0.0, "grade_gap": 0.1}
# Figures that include the diversity term: from any of them, 0.125 (two differing answers) could be worked out.
FULL_FIGURES = ("0.725", "1.375", "0.6875", "0.125")


@pytest.fixture
def run_with_diversity(matching_program, pool):
    """A finished run: J1–S1 differ (full score 0.725, 0.6 without diversity), J2–S2 do not (0.65).

    J1–S1's reasons rank diversity first, as the engine does when it is the largest contribution.
    """
    certificate = {"optimal": True, "objective": 1.375, "upper_bound": 1.375, "gap": 0.0, "method": "exact"}
    greedy = {"name": "greedy", "total_score": 1.375, "pairs": 2, "mentees_matched": 2, "mean_score": 0.6875, "min_score": 0.65}
    summary = {"pairs": 2, "total_score": 1.375, "mean_score": 0.6875, "min_score": 0.65, "p10_score": 0.6575, "fairness_floor": None,
               "score_histogram": [0, 0, 0, 0, 0, 0, 2, 0, 0, 0], "certificate": certificate, "greedy": greedy}  # fmt: skip
    run = MatchRun.objects.create(program=matching_program, status=RunStatus.SUCCEEDED, progress=1.0, summary=summary, pool={})
    diversity = {"code": "diversity", "text": GENERIC_DIVERSITY_REASON, "params": {}}
    reasons = {"J1": [diversity, "Goals.", "Calendars."], "J2": ["Goals.", "Calendars.", "Grades."]}
    for (mentor, mentee), components in [(("J1", "S1"), DIFFERENT), (("J2", "S2"), ALIKE)]:
        score = sum(components.values())
        ProposedPair.objects.create(
            run=run, mentor=pool[mentor], mentee=pool[mentee], score=score, components=components, reasons=reasons[mentor]
        )
    return run


def test_the_pairs_api_shows_the_diversity_contribution_only_as_yes_or_no(client, manager, run_with_diversity, pool):
    # given
    client.force_login(manager)

    # when
    pairs_response = client.get(f"/api/matching/runs/{run_with_diversity.pk}/pairs")
    run_response = client.get(f"/api/matching/runs/{run_with_diversity.pk}")

    # then no component, score or summary figure carries the diversity magnitude
    pairs = pairs_response.json()
    assert [(pair["mentor_enrolment_id"], pair["adds_perspectives"]) for pair in pairs] == [(pool["J2"].pk, False), (pool["J1"].pk, True)]
    for pair in pairs:
        assert "diversity" not in pair["components"]
        assert pair["score"] == sum(pair["components"].values())
    assert [pair["score"] for pair in pairs] == [pytest.approx(0.65), pytest.approx(0.6)]
    # and the diversity sentence comes last, so its rank among the reasons says nothing of its size either
    assert [pair["reasons"] for pair in pairs] == [["Goals.", "Calendars.", "Grades."], ["Goals.", "Calendars.", GENERIC_DIVERSITY_REASON]]
    summary = run_response.json()["summary"]
    assert (summary["total_score"], summary["min_score"]) == (pytest.approx(1.25), pytest.approx(0.6))
    assert (summary["greedy"]["total_score"], summary["certificate"]["objective"], summary["certificate"]["optimal"]) == (None, None, True)
    for text in (pairs_response.content.decode(), run_response.content.decode()):
        assert not any(figure in text for figure in FULL_FIGURES)


def test_the_review_page_shows_adds_perspectives_without_the_magnitude(client, manager, matching_program, run_with_diversity):
    # given
    client.force_login(manager)

    # when
    page = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode()

    # then the pairs show their scores without diversity, in that order, and only the differing pair is marked
    proposals = page[page.index('id="proposals"') :]
    assert proposals.count('data-testid="proposal"') == 2
    assert proposals.index("0.65") < proposals.index("0.60")
    assert page.count("adds perspectives") == 2  # the tag, and the note under the summary
    assert not any(figure in page for figure in ("0.72", "0.73", "1.38", "1.37", "0.69"))
    assert "greedy total" not in page
