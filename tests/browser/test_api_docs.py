"""/api/docs in a browser: Swagger UI renders from ninja's own static files, offline and within the CSP."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils.csp import build_policy
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Recorded from the first script of every document: Chromium fires this for every blocked script, style,
# image or connection, including the ones it does not report on the console.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${where})`);
});
"""


def test_api_docs_render_offline_within_the_csp(page: Page, live_server, manager) -> None:
    # given a signed-in manager, and from then on every console error, script error, CSP violation and request recorded
    sign_in(page, live_server.url, manager.email, PASSWORD)
    console_errors: list[str] = []
    page_errors: list[str] = []
    requested: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("request", lambda request: requested.append(request.url))
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    # when
    response = page.goto(f"{live_server.url}/api/docs")

    # then Swagger UI has rendered the API's title, its tags and an operation
    assert response is not None
    assert response.status == 200
    assert response.headers["content-security-policy"] == build_policy(settings.SECURE_CSP)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Turnabout API")
    for tag in ("people", "programs", "matching", "insights"):
        expect(page.get_by_role("heading", level=3, name=tag)).to_be_visible()
    expect(page.locator("#operations-people-turnabout_people_api_list_people")).to_contain_text("/api/people/")
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    page.wait_for_load_state("networkidle")

    # and nothing was refused, broken or fetched from anywhere but this server
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
    assert page_errors == []
    assert [url for url in requested if urlsplit(url).hostname not in LOCAL_HOSTS and not url.startswith("data:")] == []
    assert f"{live_server.url}/static/ninja/swagger-ui-bundle.js" in requested
