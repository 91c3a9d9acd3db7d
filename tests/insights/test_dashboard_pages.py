"""Outcome pages with the named cast: who may read them, what sponsors see, query counts, CSV and PDF."""

import csv
import io

import pytest
from django.urls import reverse

from turnabout.insights.presentation import HIDDEN_NOTE

PAGES = ["insights:program", "insights:program_csv", "insights:program_pdf"]


pytestmark = pytest.mark.usefixtures("on_report_day")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("manager", 200), ("sponsor", 200), ("mentor", 403), ("mentee", 403), ("outsider", 404)]
)
def test_program_pages_permission_matrix(client, request, seeded, admin, outsider, page, who, status) -> None:
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    response = client.get(reverse(page, args=[seeded.pk]))

    # then
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("manager", 200), ("sponsor", 200), ("mentor", 403), ("outsider", 200)])
def test_rollup_permission_matrix(client, request, seeded, admin, outsider, who, status) -> None:
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    response = client.get(reverse("insights:organisation"))

    # then: the outsider reaches only Globex's own (empty) roll-up
    assert response.status_code == status
    if who == "outsider":
        assert seeded.name not in response.content.decode()


def test_sponsor_of_another_program_is_refused(client, seeded, acme, manager) -> None:
    # given a second sponsor at Acme
    from turnabout.accounts.models import AccountRole
    from turnabout.accounts.services import create_user

    other = create_user(organisation=acme, email="sam@acme.test", role=AccountRole.SPONSOR, full_name="Sam Sponsor", password="x" * 12)
    client.force_login(other)

    # when
    response = client.get(reverse("insights:program", args=[seeded.pk]))

    # then
    assert response.status_code == 403


def test_sponsor_sees_aggregates_and_no_names(client, seeded, sponsor) -> None:
    # given
    client.force_login(sponsor)

    # when
    response = client.get(reverse("insights:program", args=[seeded.pk]))

    # then
    page = response.content.decode()
    assert "Active-pair rate" in page
    assert "50.0 %" in page
    for name in ("Charlie", "Bob Senior", "Charlie Junior", "Jr0", "Sr0", "Tester", "@acme.test"):
        assert name not in page


def test_dashboard_query_count_is_bounded(client, seeded, manager, django_assert_max_num_queries) -> None:
    # given
    client.force_login(manager)

    # when / then
    with django_assert_max_num_queries(30):
        response = client.get(reverse("insights:program", args=[seeded.pk]), {"site": "", "cohort": "2026-01"})
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("insights:organisation")).status_code == 200


def test_csv_has_no_count_below_k(client, seeded, manager) -> None:
    # given
    client.force_login(manager)

    # when
    response = client.get(reverse("insights:program_csv", args=[seeded.pk]))

    # then
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows
    for row in rows:
        if row["n"]:
            assert int(row["n"]) >= 5
        if row["section"] != "kpi" and row["value"]:
            assert int(row["value"]) == 0 or int(row["value"]) >= 5
        if row["value"] == "" and row["section"] != "kpi":
            assert row["note"] == HIDDEN_NOTE
    active = next(row for row in rows if row["figure"].startswith("Active-pair rate"))
    assert (active["value"], active["n"]) == ("0.5000", "10")


def test_pdf_report(client, seeded, sponsor) -> None:
    # given
    client.force_login(sponsor)

    # when
    response = client.get(reverse("insights:program_pdf", args=[seeded.pk]))

    # then
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
