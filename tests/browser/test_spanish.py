"""A Spanish-speaking sponsor in a browser: their own language choice beats the browser's English, on every page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from turnabout.people.models import Person
from turnabout.personal_data.services import choose_language

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_person_who_chose_spanish_sees_turnabout_in_spanish_and_can_change_it(page: Page, live_server, sponsor) -> None:
    # given Diana, who chose Spanish, in an English browser
    choose_language(person=Person.objects.get(user=sponsor), language="es")
    base = live_server.url

    # when she signs in: her home page is in Spanish
    sign_in(page, base, sponsor.email, PASSWORD)
    page.goto(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Te damos la bienvenida, Diana Sponsor")
    expect(page.get_by_role("link", name="Resultados en toda tu organización")).to_be_visible()

    # and so is her language page
    page.goto(f"{base}/people/me/language/")
    expect(page.get_by_role("heading", name="Mi idioma")).to_be_visible()
    expect(page.get_by_label("Idioma")).to_have_value("es")

    # when she goes back to English
    page.get_by_label("Idioma").select_option(label="English")
    page.get_by_role("button", name="Guardar mi idioma").click()

    # then the next page and its confirmation are in English
    expect(page.get_by_text("Your language is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="My language")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
