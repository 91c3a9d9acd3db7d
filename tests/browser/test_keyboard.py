"""A keyboard-only journey: sign in, open the pair, schedule a meeting, give a pulse — Tab, Shift+Tab, Enter, Space and arrows only.

After the first page.goto nothing is clicked, filled or navigated to by the test: it moves focus with the keyboard
until the control it wants has it, and each control it reaches shows a visible focus ring (:focus-visible with an outline).
The pair is the matrix's cast (tests/security/cast.py): Charlie, the mentor, and Bob, with a held meeting whose pulse
Charlie has not given yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import time_machine
from django.db import transaction
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.security.cast import NOW, Cast, build_cast
from turnabout.engagement.models import Meeting, MeetingStatus, Pulse

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The focused element's accessible name as a person hears it, and whether its focus shows.
FOCUSED = """() => {
  const element = document.activeElement;
  const label = element.labels && element.labels.length ? element.labels[0].innerText : "";
  const name = element.getAttribute("aria-label") || label || element.innerText || element.value || "";
  const style = getComputedStyle(element);
  return {
    name: name.trim(), tag: element.tagName.toLowerCase(), type: element.type || "", checked: !!element.checked,
    visible: element.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
  };
}"""


@pytest.fixture
def keyboard_cast(acme, globex, admin, manager, mentor, mentee, sponsor, outsider, program) -> Iterator[Cast]:
    with time_machine.travel(NOW, tick=True):
        with transaction.atomic():
            cast = build_cast(
                acme=acme, globex=globex, admin=admin, manager=manager, mentor=mentor, mentee=mentee, sponsor=sponsor,
                outsider=outsider, program=program,
            )  # fmt: skip
        yield cast


def tab_to(page: Page, name: str, *, tag: str | None = None, backwards: bool = False, presses: int = 60) -> dict[str, object]:
    """Press Tab (or Shift+Tab) until the focused element's name matches ``name``; its focus must be visible."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(f"{focused['tag']} {focused['name'][:40]!r}")
        if re.search(name, str(focused["name"])) and (tag is None or focused["tag"] == tag):
            assert focused["visible"], f"{name!r} has focus but shows no focus ring"
            return focused
    raise AssertionError(f"No {name!r} reached with the keyboard; focus went through: " + ", ".join(seen))


def test_sign_in_schedule_a_meeting_and_give_a_pulse_with_the_keyboard_only(page: Page, live_server, keyboard_cast: Cast) -> None:
    # given: Charlie at the sign-in page
    cast = keyboard_cast
    page.goto(f"{live_server.url}/accounts/login/")

    # when: he signs in
    tab_to(page, "^Email$", tag="input")
    page.keyboard.type(cast.mentor.email)
    tab_to(page, "^Password$", tag="input")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # and opens his pair from the menu
    tab_to(page, "^My pair$", tag="a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/pairs/{cast.pair.pk}/")

    # and schedules a meeting at the first time that suits them both (Space checks a radio button)
    tab_to(page, "Schedule a meeting", tag="a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/pairs/{cast.pair.pk}/meetings/")
    radio = tab_to(page, ".", tag="input")
    assert radio["type"] == "radio", f"the first field of the form is {radio}, not a proposed time"
    page.keyboard.press("Space")
    assert page.evaluate(FOCUSED)["checked"]
    tab_to(page, "^Schedule meeting$", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("meeting-status")).to_contain_text("Scheduled")

    # and gives the pulse of the meeting they held: 4 of 5, with the arrow keys
    tab_to(page, "^My pair$", tag="a", backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/pairs/{cast.pair.pk}/")
    tab_to(page, "give your pulse", tag="a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pulse/**")
    tab_to(page, "^1$", tag="input")
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    tab_to(page, "What I learned")
    page.keyboard.type("Start from the question")
    tab_to(page, "^Save pulse$", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("meeting-status")).to_be_visible()

    # then
    assert Meeting.objects.filter(pair=cast.pair, status=MeetingStatus.SCHEDULED).count() == 2
    pulse = Pulse.objects.get(meeting=cast.held_meeting)
    assert (pulse.role, pulse.rating, pulse.learned) == ("mentor", 4, "Start from the question")
