"""Each person's language: from the HRIS import or their own choice, then the browser, then LANGUAGE_CODE — on pages
and in the emails sent to them."""

from datetime import date

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.people.test_hris_import import csv_file, snapshot
from turnabout.accounts.models import AccountRole
from turnabout.accounts.services import create_user
from turnabout.core.email import email_language, send_templated_email
from turnabout.people.errors import ImportRejected
from turnabout.people.hris import apply_people_import
from turnabout.people.hris_columns import guess_mapping
from turnabout.people.models import Person
from turnabout.people.services import create_person, update_person
from turnabout.personal_data.errors import UnknownLanguage
from turnabout.personal_data.services import choose_language

LANGUAGE_PAGE = "/people/me/language/"

# A message whose subject says which language rendered it and whose body carries a string es.po translates and a date.
EMAIL_TEMPLATES = {
    "check/email/language_subject.txt": "{% load i18n %}{% get_current_language as language %}Language {{ language }}",
    "check/email/language.txt": "{% load i18n %}{% translate 'Your language is saved.' %} {{ day|date }}",
}


def email_templates():  # type: ignore[no-untyped-def]
    return override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", EMAIL_TEMPLATES)]},
            }
        ]
    )


def person_of(user) -> Person:  # type: ignore[no-untyped-def]
    return Person.objects.get(user=user)


# ------------------------------------------------------------------------------------------------- pages


def test_the_persons_own_choice_beats_the_browsers_language(client, mentee):
    # given a person who chose Spanish, in a browser asking for French
    choose_language(person=person_of(mentee), language="es")
    client.force_login(mentee)

    # when
    response = client.get(LANGUAGE_PAGE, headers={"accept-language": "fr-FR,fr;q=0.9"})

    # then
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in response.text
    assert "<h1>Mi idioma</h1>" in response.text


def test_without_a_choice_the_browsers_language_is_used(client, mentee):
    # given a person who chose nothing
    client.force_login(mentee)

    # when their browser asks for Spanish (Mexico), then for a language Turnabout does not speak
    spanish = client.get(LANGUAGE_PAGE, headers={"accept-language": "es-MX,es;q=0.8"})
    italian = client.get(LANGUAGE_PAGE, headers={"accept-language": "it"})

    # then Spanish, then LANGUAGE_CODE (British English)
    assert (spanish["Content-Language"], "<h1>Mi idioma</h1>" in spanish.text) == ("es", True)
    assert (italian["Content-Language"], "<h1>My language</h1>" in italian.text) == ("en-gb", True)


def test_a_login_without_a_person_follows_the_browser(client, acme):
    # given a sponsor's login with no directory record
    user = create_user(organisation=acme, email="nobody@acme.test", role=AccountRole.SPONSOR, password=PASSWORD)
    client.force_login(user)

    # when
    response = client.get(reverse("home"), headers={"accept-language": "de"})

    # then
    assert response["Content-Language"] == "de"


def test_a_person_chooses_their_language_on_their_language_page(client, mentee):
    # given
    client.force_login(mentee)

    # when they choose Spanish
    response = client.post(LANGUAGE_PAGE, {"language": "es"}, follow=True)

    # then it is stored, and the page and its confirmation are in Spanish
    assert person_of(mentee).preferred_language == "es"
    assert "Tu idioma está guardado." in response.text
    assert "<h1>Mi idioma</h1>" in response.text

    # when they go back to their browser's language
    client.post(LANGUAGE_PAGE, {"language": ""})

    # then
    assert person_of(mentee).preferred_language == ""


def test_the_language_page_refuses_a_language_turnabout_does_not_speak(client, mentee):
    # given
    client.force_login(mentee)

    # when
    response = client.post(LANGUAGE_PAGE, {"language": "it"})

    # then
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert person_of(mentee).preferred_language == ""


def test_the_service_refuses_a_language_turnabout_does_not_speak(mentee):
    # when / then
    with pytest.raises(UnknownLanguage, match="does not speak “it”: choose one of en-gb, es, pt-br, fr, de, nl"):
        choose_language(person=person_of(mentee), language="it")
    assert person_of(mentee).preferred_language == ""


# ------------------------------------------------------------------------------------------------- emails


def test_an_email_to_a_spanish_speaking_person_is_rendered_in_spanish(mentee):
    # given
    choose_language(person=person_of(mentee), language="es")

    # when
    with email_templates():
        send_templated_email(to=[mentee.email], template="check/email/language", context={"day": date(2026, 12, 2)})

    # then the subject rendered with Spanish active, the body's text and date are Spanish
    (message,) = mail.outbox
    assert message.subject == "Language es"
    assert message.body == "Tu idioma está guardado. 2 de diciembre de 2026"


def test_recipients_of_different_languages_get_one_message_each(mentee, mentor, acme):
    # given a Spanish speaker, a German speaker known only to the directory (no login), and someone who chose nothing
    choose_language(person=person_of(mentee), language="es")
    create_person(organisation=acme, employee_id="D1", given_name="Dora", family_name="Deutsch", email="dora@acme.test")
    update_person(person=Person.objects.get(employee_id="D1"), preferred_language="de")

    # when
    with email_templates():
        send_templated_email(
            to=[mentee.email, "Dora@acme.test", mentor.email], template="check/email/language", context={"day": date(2026, 12, 2)}
        )

    # then
    sent = sorted((message.subject, tuple(message.to)) for message in mail.outbox)
    assert sent == [
        ("Language de", ("Dora@acme.test",)),
        ("Language en-gb", (mentor.email,)),
        ("Language es", (mentee.email,)),
    ]
    assert "2 Dec 2026" in next(message.body for message in mail.outbox if message.to == [mentor.email])


def test_an_explicit_language_overrides_the_recipients_choice(mentee):
    # given
    choose_language(person=person_of(mentee), language="es")

    # when
    with email_templates():
        send_templated_email(to=[mentee.email], template="check/email/language", context={"day": date(2026, 12, 2)}, language="fr")

    # then
    assert [message.subject for message in mail.outbox] == ["Language fr"]


def test_email_language_resolves_choice_then_language_code(mentee, mentor):
    # given
    choose_language(person=person_of(mentee), language="pt-br")

    # then: case of the address does not matter; an unknown address gets LANGUAGE_CODE
    assert email_language(mentee.email.upper()) == "pt-br"
    assert email_language(mentor.email) == "en-gb"
    assert email_language("stranger@elsewhere.test") == "en-gb"
    assert email_language(mentee.email, language="nl") == "nl"


def test_people_of_two_organisations_with_one_address_count_only_when_they_agree(acme, globex):
    # given the same address in two directories, with different choices, and no login
    for organisation, language in ((acme, "es"), (globex, "fr")):
        person = create_person(organisation=organisation, employee_id="S1", given_name="Sam", family_name="Shared", email="sam@shared.test")
        update_person(person=person, preferred_language=language)

    # then neither choice wins
    assert email_language("sam@shared.test") == "en-gb"


# ------------------------------------------------------------------------------------------------- HRIS import

HEADER = "employee_id,given_name,family_name,email,Preferred Language"


def test_the_import_reads_the_preferred_language_column_and_accepts_regional_variants(acme, admin):
    # given
    text = f"""{HEADER}
E1,Grace,Hopper,grace@acme.test,es
E2,Alan,Turing,alan@acme.test,pt_BR
E3,Kath,Johnson,kath@acme.test,EN
E4,Edsger,Dijkstra,edsger@acme.test,nl-BE
E5,Ada,Lovelace,ada.l@acme.test,
"""

    # when
    apply_people_import(organisation=acme, file=csv_file(text))

    # then
    stored = dict(Person.objects.filter(organisation=acme, employee_id__startswith="E").values_list("employee_id", "preferred_language"))
    assert stored == {"E1": "es", "E2": "pt-br", "E3": "en-gb", "E4": "nl", "E5": ""}


def test_the_preferred_language_column_is_guessed_apart_from_the_spoken_languages():
    # when
    mapping = guess_mapping(["Employee ID", "Email", "Language", "Preferred Language"])

    # then
    assert (mapping["languages"], mapping["preferred_language"]) == ("Language", "Preferred Language")


def test_an_unknown_preferred_language_is_refused_with_its_own_error_and_nothing_is_imported(acme, admin):
    # given one good row and one with a language Turnabout does not speak
    before = snapshot(acme)
    text = f"""{HEADER}
E1,Grace,Hopper,grace@acme.test,es
E2,Alan,Turing,alan@acme.test,klingon
"""

    # when
    with pytest.raises(ImportRejected) as rejected:
        apply_people_import(organisation=acme, file=csv_file(text))

    # then
    (problem,) = rejected.value.problems
    assert (problem.row, problem.column, problem.value, problem.code) == (3, "Preferred Language", "klingon", "unknown_preferred_language")
    assert problem.reason == "'klingon' is not a language Turnabout speaks: use one of en-gb, es, pt-br, fr, de, nl"
    assert snapshot(acme) == before
