"""A tour of every page each role can open, at a desktop width (1280 px) and a phone width (390 px).

The roles and the pages come from the permission matrix (tests/security/test_permission_matrix.py): each page
whose GET answers 200 to the role's identity there is visited here, with the matrix's own cast (tests/security/cast.py)
and its path values, so a new page is toured as soon as it has its row. The mentee (Bob) tours the participant's
pages except those whose path holds something of the mentor's own (his pulse link, survey, training, calendar feed).

On each page: a full-page screenshot goes to $TURNABOUT_SCREENSHOTS (default var/screenshots)/<role>/<page>-<width>.png,
the page may not scroll sideways, and axe-core (frontend/node_modules/axe-core, `npm ci` in frontend/) finds no
serious or critical violation. Each role is one test (one sign-in, one browser page reused at both widths); its
failure lists every page and width with what went wrong there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from playwright.sync_api import Browser, Page

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.security.cast import NOW, Cast, build_cast
from tests.security.matrix import IDENTITIES, path_of, path_values, url_patterns
from tests.security.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE = Path(settings.BASE_DIR) / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
# Answers that are not pages a person reads: machine interfaces, files, the Django admin, sign-in hand-offs.
NOT_PAGES = ("api:", "scim", "admin:", "admin/", "saml_", "openid_connect_", "sso:")
FILES = {
    "healthz",
    "engagement:calendar_feed",
    "engagement:certificate",
    "engagement:meeting_invite",
    "insights:program_csv",
    "insights:program_pdf",
}
# Pieces of a page fetched into it (htmx): toured inside the org chart and the match review.
FRAGMENTS = {"people:org_chart_reports", "matching:run_progress"}
# Paths of these pages hold the mentor's own enrolment, token, survey or training: the mentee has his own, not these.
MENTORS_OWN = {
    "engagement:pulse",
    "programs:enrolment",
    "programs:apply",
    "surveys:survey",
    "surveys:thanks",
    "surveys:interest_answer",
    "programs:training",
    "identity:redeem_link",
}
ROLES = {"admin": "admin", "program_manager": "manager", "sponsor": "sponsor", "mentor": "participant", "mentee": "participant"}


def pages_for(role: str) -> list[str]:
    """The matrix keys of the pages the role's identity opens with a 200."""
    column = IDENTITIES.index(ROLES[role])
    keys = [
        key
        for key, found in MATRIX.items()
        if "GET" in found.answers
        and found.answers["GET"][column] == "200"
        and not key.startswith(NOT_PAGES)
        and key not in FILES | FRAGMENTS
    ]
    return [key for key in keys if not (role == "mentee" and key in MENTORS_OWN)]


@pytest.fixture
def at_the_casts_moment() -> Iterator[None]:
    """The cast's links and survey windows hold at NOW; the clock runs on from there (the live server shares it)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def tour_cast(at_the_casts_moment, acme, globex, admin, manager, mentor, mentee, sponsor, outsider, program) -> Cast:
    """The matrix's cast, built in one transaction as in the matrix, so the tasks it queues run after it, as a worker would."""
    with transaction.atomic():
        return build_cast(
            acme=acme, globex=globex, admin=admin, manager=manager, mentor=mentor, mentee=mentee, sponsor=sponsor, outsider=outsider,
            program=program,
        )  # fmt: skip


def _user(cast: Cast, role: str):  # type: ignore[no-untyped-def]
    return {"admin": cast.admin, "program_manager": cast.manager, "sponsor": cast.sponsor, "mentor": cast.mentor, "mentee": cast.mentee}[
        role
    ]


def _paths(cast: Cast, keys: list[str]) -> dict[str, str]:
    values = path_values(cast)
    patterns = {pattern.key: pattern for pattern in url_patterns()}
    paths = {}
    for key in keys:
        chosen = dict(values)
        for name, alternative in MATRIX[key].path.items():
            chosen[name] = values[alternative]
        paths[key] = path_of(patterns[key], chosen)
    return paths


def _axe_problems(page: Page) -> list[str]:
    # Evaluated, not added as a <script>: the page's Content-Security-Policy stays in force and refuses inline scripts.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    problems = []
    for violation in results["violations"]:
        if violation["impact"] not in {"serious", "critical"}:
            continue
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        problems.append(f"axe {violation['impact']} {violation['id']} ({violation['help']}) at {targets}")
    return problems


def _screenshot_path(role: str, key: str, width: int) -> Path:
    root = Path(os.environ.get("TURNABOUT_SCREENSHOTS") or Path(settings.BASE_DIR) / "var" / "screenshots")
    folder = root / role
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key.replace(':', '-')}-{width}.png"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_fits_both_widths_and_passes_axe(browser: Browser, live_server, tour_cast: Cast, role: str) -> None:
    # given: the role signed in
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` in frontend/"
    keys = pages_for(role)
    paths = _paths(tour_cast, keys)
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, _user(tour_cast, role).email, PASSWORD)

    # when: it opens each of its pages at each width
    problems = []
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            problems += _tour(page, live_server.url, role, {key: paths[key] for key in keys}, width)
    finally:
        context.close()

    # then
    assert problems == [], "\n".join(problems)


def _tour(page: Page, base: str, role: str, paths: dict[str, str], width: int) -> list[str]:
    problems = []
    for key, path in paths.items():
        where = f"{role} {key} ({path}) at {width} px"
        response = page.goto(f"{base}{path}")
        assert response is not None
        if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            problems.append(f"{where}: answered {response.status} {response.headers.get('content-type')}")
            continue
        page.screenshot(path=str(_screenshot_path(role, key, width)), full_page=True)
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > inner_width:
            problems.append(f"{where}: scrolls sideways ({scroll_width} px wide in a {inner_width} px window)")
        problems += [f"{where}: {problem}" for problem in _axe_problems(page)]
    return problems


def test_every_role_tours_pages() -> None:
    # A tour with nothing in it passes trivially: every role has pages, and the mentor's include his pair's.
    assert all(pages_for(role) for role in ROLES)
    assert {"engagement:pair", "engagement:meeting", "engagement:pulse"} <= set(pages_for("mentor"))
    assert "engagement:pulse" not in pages_for("mentee")
