"""The outcomes API with the named cast: the pages' permission matrix, suppressed figures only, bounded queries."""

import pytest

K = 5


pytestmark = pytest.mark.usefixtures("on_report_day")


def kpis_url(program_id: int) -> str:
    return f"/api/insights/programs/{program_id}/kpis"


def published_counts(body: object) -> list[tuple[str, object]]:
    """Every ("value" or "n", number) anywhere in a response body."""
    found: list[tuple[str, object]] = []
    if isinstance(body, dict):
        for key, item in body.items():
            if key in ("value", "n") and item is not None:
                found.append((key, item))
            found += published_counts(item)
    elif isinstance(body, list):
        for item in body:
            found += published_counts(item)
    return found


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("manager", 200), ("sponsor", 200), ("mentor", 403), ("mentee", 403), ("outsider", 404)]
)
def test_program_kpis_permission_matrix(client, request, seeded, admin, outsider, who, status) -> None:
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    response = client.get(kpis_url(seeded.pk))

    # then
    assert response.status_code == status
    if status != 200:
        assert "kpis" not in response.json()


def test_program_kpis_need_a_login(client, seeded) -> None:
    # when
    response = client.get(kpis_url(seeded.pk))

    # then
    assert response.status_code == 401


def test_sponsor_of_another_program_is_refused(client, seeded, acme) -> None:
    # given a second sponsor at Acme, who sponsors nothing
    from turnabout.accounts.models import AccountRole
    from turnabout.accounts.services import create_user

    other = create_user(organisation=acme, email="sam@acme.test", role=AccountRole.SPONSOR, full_name="Sam Sponsor", password="x" * 12)
    client.force_login(other)

    # when
    response = client.get(kpis_url(seeded.pk))

    # then
    assert response.status_code == 403


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("manager", 200), ("sponsor", 200), ("mentor", 403), ("outsider", 200)])
def test_rollup_permission_matrix(client, request, seeded, admin, outsider, who, status) -> None:
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    response = client.get("/api/insights/rollup")

    # then: the outsider reaches only Globex's own (empty) roll-up
    assert response.status_code == status
    if who == "outsider":
        assert [row["program_id"] for row in response.json()["rows"]] == []
    if who == "sponsor":
        assert [(row["program_id"], row["may_open"]) for row in response.json()["rows"]] == [(seeded.pk, True)]


def test_program_kpis_match_the_dashboard_and_hide_small_cells(client, seeded, sponsor) -> None:
    # given
    client.force_login(sponsor)

    # when
    body = client.get(kpis_url(seeded.pk)).json()

    # then: the figures of the page (test_dashboard_pages, test_kpis)
    kpis = {kpi["key"]: kpi for kpi in body["kpis"]}
    assert (kpis["active_pair_rate"]["estimate"], kpis["active_pair_rate"]["n"], kpis["active_pair_rate"]["suppressed"]) == (0.5, 10, False)
    assert kpis["pairs_with_insight"]["suppressed"] is True
    assert kpis["pairs_with_insight"]["estimate"] is None
    assert body["meetings_per_month"] == [
        {"month": "2026-01", "meetings_held": 5, "suppressed": False},
        {"month": "2026-02", "meetings_held": 5, "suppressed": False},
    ]
    # two approved mentees: their row is hidden (and the ten mentors' with it, or 12 − 10 would give it away)
    rows = {row["label"]: row for row in body["enrolments"]["rows"]}
    for label in (seeded.mentor_label, seeded.mentee_label):
        assert rows[label]["total"] == {"label": "Total", "value": None, "suppressed": True}
        assert rows[label]["cells"][0] == {"label": "Enrolled", "value": None, "suppressed": True}
    # and the mentees' row reads "2 enrolled, 0 invited": withheld whole, its 0 too, with the totals crossing it
    assert rows[seeded.mentee_label]["cells"][1] == {"label": "Invited, not enrolled", "value": None, "suppressed": True}
    assert body["enrolments"]["grand_total"]["value"] is None
    assert body["k"] == K


@pytest.mark.parametrize("url", ["kpis", "rollup"])
def test_no_count_below_k_in_any_response(client, seeded, manager, url) -> None:
    # given
    client.force_login(manager)

    # when
    body = client.get(kpis_url(seeded.pk) if url == "kpis" else "/api/insights/rollup").json()

    # then
    counts = published_counts(body)
    assert counts
    for key, number in counts:
        assert number == 0 or number >= K, (key, number)
    hidden = [cell for cell in _cells(body) if cell["suppressed"]]
    assert all(cell["value"] is None for cell in hidden)
    assert all(cell["value"] is not None for cell in _cells(body) if not cell["suppressed"])


def _cells(body: object) -> list[dict]:
    if isinstance(body, dict):
        own = [body] if "suppressed" in body and "value" in body else []
        return own + [cell for item in body.values() for cell in _cells(item)]
    if isinstance(body, list):
        return [cell for item in body for cell in _cells(item)]
    return []


def test_query_counts_are_bounded(client, seeded, manager, django_assert_max_num_queries) -> None:
    # given
    client.force_login(manager)

    # when / then
    with django_assert_max_num_queries(30):
        assert client.get(kpis_url(seeded.pk)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/insights/rollup").status_code == 200
