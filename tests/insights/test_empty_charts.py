"""A chart with no published value is never drawn as bare axes: the page says why instead of the canvas, and keeps the
table beside it as the chart's text alternative."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from turnabout.insights import views
from turnabout.insights.kpis import program_kpis

pytestmark = pytest.mark.django_db


def dashboard(client, program) -> str:
    response = client.get(reverse("insights:program", args=[program.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_program_without_meetings_says_so_instead_of_drawing(client, matching_program, manager) -> None:
    # given a program with no pair yet
    client.force_login(manager)

    # when
    page = dashboard(client, matching_program)

    # then
    assert "<canvas" not in page
    assert 'data-testid="chart-empty-meetings"' in page
    assert "No meetings held yet." in page or "fewer than" in page
    assert 'data-testid="chart-empty-health"' in page
    assert 'data-testid="chart-empty-pulses"' in page
    assert "No pulse ratings yet." in page


def test_withheld_months_replace_the_chart_but_keep_the_table(client, seeded, manager, monkeypatch) -> None:
    # given every month's count withheld
    def withheld_months(program, **filters):
        kpis = program_kpis(program, **filters)
        return dataclasses.replace(kpis, meetings_per_month=[(month, None) for month, _count in kpis.meetings_per_month])

    monkeypatch.setattr(views, "program_kpis", withheld_months)
    client.force_login(manager)

    # when
    response = client.get(reverse("insights:program", args=[seeded.pk]))

    # then
    page = response.content.decode()
    assert 'id="chart-meetings"' not in page
    assert "Withheld to protect privacy." in page
    months = response.context["meeting_months"]
    assert months
    assert all(count == views.HIDDEN for _month, count in months)
    for month, _count in months:
        assert f'<th scope="col">{month}</th>' in page
    assert response.context["published"]["meetings"] is False


def test_published_figures_are_drawn_with_their_table(client, seeded, manager) -> None:
    # given
    client.force_login(manager)

    # when
    response = client.get(reverse("insights:program", args=[seeded.pk]))

    # then
    page = response.content.decode()
    assert response.context["published"] == {
        "meetings": True,
        "health": any(response.context["charts"]["health"]["values"]),
        "pulses": any(value for series in response.context["charts"]["pulses"]["series"] for value in series["values"]),
    }
    assert 'id="chart-meetings"' in page
    assert 'data-testid="chart-empty-meetings"' not in page
    for chart, published in response.context["published"].items():
        assert (f'id="chart-{chart}"' in page) is published
        assert (f'data-testid="chart-empty-{chart}"' in page) is not published
