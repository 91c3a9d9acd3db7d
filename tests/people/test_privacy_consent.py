"""The privacy page's consent statement and its checkbox show the same stored state."""

import re

from django.urls import reverse

from turnabout.people.models import SensitiveProfile


def _consent_box(html: str) -> str:
    match = re.search(r'<input[^>]*name="consent"[^>]*>', html)
    assert match, "the consent checkbox is on the page"
    return match.group(0)


def test_stored_consent_ticks_the_checkbox_and_states_it(client, mentee):
    # given
    client.force_login(mentee)
    client.post(reverse("people:my_privacy"), {"consent": "on", "gender": "Woman", "age_band": ""})

    # when
    html = client.get(reverse("people:my_privacy")).content.decode()

    # then
    assert SensitiveProfile.objects.filter(person=mentee.person).exists()
    assert "You gave consent on" in html
    assert "checked" in _consent_box(html)


def test_without_consent_the_checkbox_is_unticked_and_the_page_says_so(client, mentee):
    # given
    client.force_login(mentee)

    # when
    html = client.get(reverse("people:my_privacy")).content.decode()

    # then
    assert "You gave consent on" not in html
    assert "You have not given consent" in html
    assert "checked" not in _consent_box(html)


def test_withdrawing_consent_clears_both_the_statement_and_the_checkbox(client, mentee):
    # given
    client.force_login(mentee)
    client.post(reverse("people:my_privacy"), {"consent": "on", "gender": "Woman", "age_band": ""})

    # when
    client.post(reverse("people:withdraw_privacy"))
    html = client.get(reverse("people:my_privacy")).content.decode()

    # then
    assert not SensitiveProfile.objects.filter(person=mentee.person).exists()
    assert "You have not given consent" in html
    assert "checked" not in _consent_box(html)
