"""The agreement reads with the pair's names, dates and cadence filled in, never "[name]" or "every2weeks"."""

from datetime import date

import pytest
from django.urls import reverse

from turnabout.engagement.agreements import cadence_label, filled_agreement_text
from turnabout.engagement.models import Agreement
from turnabout.engagement.queries import current_agreement
from turnabout.programs.models import Cadence, Role


@pytest.fixture
def pair(active_pair):
    """Ada (junior, mentor) and Ben (senior, mentee), both with logins, in an active pair."""
    return active_pair


def login(client, pair, role):
    client.force_login(pair.enrolment_for(role).person.user)


def _names(pair):
    return pair.mentor.person.full_name, pair.mentee.person.full_name


def test_the_agreement_page_shows_the_pairs_names_and_the_human_cadence(client, pair):
    # given an agreement stored as the digital preset's template ("Mentor: [name]", "We meet [every two weeks] for …"),
    # as agreements were before start_pair filled them in, every two weeks
    agreement = current_agreement(pair)
    Agreement.objects.filter(pk=agreement.pk).update(cadence=Cadence.EVERY_2_WEEKS, body=pair.program.agreement_template)
    agreement.refresh_from_db()
    mentor_name, mentee_name = _names(pair)
    assert "Mentor: [name]" in agreement.body

    # when
    login(client, pair, Role.MENTEE)
    response = client.get(reverse("engagement:agreement", args=[pair.pk]))
    page = response.content.decode()

    # then
    shown = response.context["agreement_text"]
    assert f"Mentor: {mentor_name}\nMentee: {mentee_name}" in shown
    assert f"Signed (mentor): {mentor_name}" in shown
    assert f"Signed (mentee): {mentee_name}" in shown
    assert "We meet every 2 weeks for" in shown
    assert "[name]" not in page
    assert "every2weeks" not in page
    assert '<dd data-testid="agreement-cadence">Every 2 weeks</dd>' in page
    # the revision form starts from the same filled text, so a new version keeps it
    assert response.context["form"].initial["body"] == shown


def test_the_filled_text_follows_the_program_wording_dates_and_the_agreed_cadence(pair):
    # given a reciprocal template, a pair started on 1 February and a program ending on 1 August
    pair.started_on = date(2026, 2, 1)
    pair.program.ends_on = date(2026, 8, 1)
    body = (
        "Reverse partner: [name]\nSenior partner: [name]\nStart date: [date]\nMidpoint review: [date]\nEnd date: [date]\n"
        "We meet [monthly] for [60] minutes.\n1. [goal, for example: chair a meeting]\n"
        "Signed (reverse partner): [name]    Date: [date]\nSigned (senior partner): [name]    Date: [date]"
    )
    agreement = Agreement(pair=pair, version=9, cadence=Cadence.QUARTERLY, body=body)
    mentor_name, mentee_name = _names(pair)

    # when
    text = filled_agreement_text(agreement)

    # then
    assert text.splitlines()[:6] == [
        f"Reverse partner: {mentor_name}",
        f"Senior partner: {mentee_name}",
        "Start date: 1 February 2026",
        "Midpoint review: 2 May 2026",
        "End date: 1 August 2026",
        "We meet quarterly for [60] minutes.",
    ]
    assert "1. [goal, for example: chair a meeting]" in text  # the pair's own blanks stay for them to fill
    assert f"Signed (reverse partner): {mentor_name}    Date: [date]" in text
    assert f"Signed (senior partner): {mentee_name}    Date: [date]" in text


def test_a_changed_cadence_rewrites_the_filled_sentence(pair):
    agreement = Agreement(pair=pair, version=9, cadence=Cadence.EVERY_2_MONTHS, body="We meet every 2 weeks for an hour.")
    assert filled_agreement_text(agreement) == "We meet every 2 months for an hour."
    assert cadence_label(agreement) == "Every 2 months"


def test_a_new_pair_stores_its_first_agreement_filled_in(pair):
    # given a pair started from the program's template (the fixture)

    # when
    body = current_agreement(pair).body

    # then what is stored (and so what a personal-data download holds) carries the names, not the blanks
    assert "[name]" not in body
    assert pair.mentor.person.full_name in body
    assert pair.mentee.person.full_name in body
