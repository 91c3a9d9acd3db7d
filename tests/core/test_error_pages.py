"""Error pages (400, 403, 404, 500, a failed CSRF check) in production settings: the site's layout, what happened in
plain words, and where to go next. The 500 page renders without a request and without the database."""

import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.templatetags.static import static
from django.test import Client
from django.urls import path, reverse

from tests.security.matrix import HOST, production_settings
from turnabout import urls as site_urls


def _broken_view(request: HttpRequest) -> HttpResponse:
    raise OperationalError("the database went away")


# The site's URLs and one page that fails as a lost database would.
urlpatterns = [path("broken/", _broken_view), *site_urls.urlpatterns]


@pytest.fixture
def production(settings) -> None:
    """A production install's settings (DEBUG off, HTTPS only), with this module's URLs."""
    for name, value in production_settings().items():
        setattr(settings, name, value)
    settings.ROOT_URLCONF = __name__
    assert settings.DEBUG is False


def _client(**options) -> Client:
    return Client(headers={"Host": HOST}, raise_request_exception=False, **options)


def _assert_site_page(page: str) -> None:
    """Laid out as every page of the site, with the way home."""
    assert 'class="topbar"' in page
    assert static("turnabout.css") in page
    assert static("favicon.svg") in page
    assert 'data-testid="error-page"' in page
    assert f'href="{reverse("home")}"' in page


def test_an_unknown_address_answers_the_styled_not_found_page_with_a_way_to_sign_in(production, db) -> None:
    # when
    response = _client().get("/no/such/page/", secure=True)

    # then
    assert response.status_code == 404
    page = response.content.decode()
    _assert_site_page(page)
    assert "Page not found" in page
    assert f'href="{reverse("accounts:login")}"' in page
    assert "Resolver404" not in page


def test_a_signed_in_user_meets_the_not_found_page_with_the_navigation_and_no_sign_in_link(production, mentor) -> None:
    # given
    client = _client()
    client.force_login(mentor)

    # when
    response = client.get(reverse("engagement:pair", args=[999_999]), secure=True)

    # then
    assert response.status_code == 404
    page = response.content.decode()
    _assert_site_page(page)
    assert 'aria-label="Main"' in page
    assert f'href="{reverse("accounts:login")}"' not in page


def test_a_refused_page_says_why_on_the_styled_forbidden_page(production, mentor) -> None:
    # given a participant, who may not read outcomes
    client = _client()
    client.force_login(mentor)

    # when
    response = client.get(reverse("insights:organisation"), secure=True)

    # then: the layout, the plain explanation and the reason the check gave
    assert response.status_code == 403
    page = response.content.decode()
    _assert_site_page(page)
    assert "You cannot open this page" in page
    assert "Your role does not allow this." in page


def test_a_server_error_answers_the_styled_page_without_touching_the_database(production) -> None:
    # given no database access at all (the test is not marked for one): any query would fail the page

    # when a page fails as a lost database makes it fail
    response = _client().get("/broken/", secure=True)

    # then
    assert response.status_code == 500
    page = response.content.decode()
    _assert_site_page(page)
    assert "Something went wrong on our side" in page
    assert "the database went away" not in page
    assert "Traceback" not in page


def test_the_server_error_page_renders_with_no_request_and_no_context() -> None:
    # when rendered as Django's server_error does
    page = loader.get_template("500.html").render()

    # then
    _assert_site_page(page)
    assert f'href="{reverse("accounts:login")}"' in page


def test_an_unreadable_request_answers_the_styled_bad_request_page(production, db) -> None:
    # when a request names a host the install does not serve
    response = Client(raise_request_exception=False).get("/", headers={"Host": "elsewhere.example"}, secure=True)

    # then
    assert response.status_code == 400
    page = response.content.decode()
    _assert_site_page(page)
    assert "This request could not be read" in page


def test_a_form_sent_without_its_csrf_token_answers_the_styled_page_and_changes_nothing(production, mentor) -> None:
    # given a signed-in participant whose sign-out form lost its token
    client = _client(enforce_csrf_checks=True)
    client.force_login(mentor)

    # when
    response = client.post(reverse("accounts:logout"), secure=True, headers={"Referer": f"https://{HOST}/"})

    # then: refused with the page, still signed in
    assert response.status_code == 403
    page = response.content.decode()
    _assert_site_page(page)
    assert "This form could not be sent" in page
    assert client.get(reverse("home"), secure=True).status_code == 302
    assert "_auth_user_id" in client.session


def test_the_api_keeps_its_own_json_answer_to_a_missing_csrf_token(production, manager) -> None:
    # given a signed-in manager writing through the API with the session cookie and no token
    client = _client(enforce_csrf_checks=True)
    client.force_login(manager)

    # when
    response = client.post("/api/programs/", {}, content_type="application/json", secure=True)

    # then
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "csrf_failed"


def test_the_browsers_own_favicon_request_is_sent_to_the_icon(production, db) -> None:
    # when
    response = _client().get("/favicon.ico", secure=True)

    # then: a temporary redirect (the icon's URL carries its hash once collected) to the icon base.html links
    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")


def test_the_icon_base_html_links_is_served(client) -> None:
    # when (the test settings serve static files from the finders)
    response = client.get(static("favicon.svg"))

    # then
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content)
