"""Personal-data requests: a person downloads what Turnabout holds about them; an administrator erases a person.

Why here, above every app: erasing touches the directory, logins, applications and pairs in one transaction, and the
export reads matches and survey answers too. Lower apps may not import higher ones (docs/adr/0002-app-layers.md), and
a hook fires only after its transaction commits (docs/adr/0004-hooks.md), which would split an erasure in parts that
could fail one by one. So this package, beside ``turnabout.api`` and ``turnabout.urls``, calls each app's own part
(``people.erasure``, ``identity.erasure``, ``programs.erasure``, ``engagement.erasure``) in order, under one lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from turnabout.accounts.models import AuditAction, User
from turnabout.accounts.services import record_audit_entry
from turnabout.core.errors import DomainError
from turnabout.engagement.erasure import erase_engagement_content, open_pair_count
from turnabout.identity.erasure import check_login_erasable, end_sign_in_for_erasure
from turnabout.people.erasure import erase_directory_record, erased_name, is_erased
from turnabout.people.languages import language_codes
from turnabout.people.models import Person
from turnabout.personal_data.errors import AlreadyErased, ErasureNotConfirmed, StillTakingPart, UnknownLanguage
from turnabout.personal_data.export import personal_data_document
from turnabout.programs.erasure import erase_application_text, open_participation


@transaction.atomic
def export_personal_data(*, person: Person) -> dict[str, Any]:
    """The person's own data document (``export.personal_data_document``), audited as downloaded by their login.

    Call only for the signed-in person's own record (``people.access.access_own_person``).
    """
    document = personal_data_document(person)
    record_audit_entry(
        organisation=person.organisation,
        actor=person.user,
        action=AuditAction.PERSONAL_DATA_EXPORTED,
        target=person.user,
        summary=f"{person.full_name} downloaded their personal data",
        details={"person_id": person.pk},
    )
    return document


def confirmation_matches(*, person: Person, typed: str) -> bool:
    """Whether ``typed`` is the person's full name, ignoring case and runs of spaces.

    >>> person = Person(given_name="Ana", family_name="de la Cruz")
    >>> confirmation_matches(person=person, typed="  ana  DE la cruz ")
    True
    >>> confirmation_matches(person=person, typed="Ana")
    False
    """
    return " ".join(typed.split()).casefold() == " ".join(person.full_name.split()).casefold()


@dataclass(frozen=True)
class Erasure:
    person: Person
    pseudonym: str
    counts: dict[str, int]


def check_erasable(*, person: Person) -> None:
    """Raise the reason ``person`` cannot be erased now, if any: already erased, still taking part, or last admin.

    Reads only, apart from the administrators' row locks ``check_login_erasable`` takes inside a transaction.
    """
    if is_erased(person):
        raise AlreadyErased(f"{person.full_name} has already been erased.")
    programs = open_participation(person)
    if programs:
        raise StillTakingPart(
            f"{person.full_name} still takes part in {', '.join(programs)}: withdraw their enrolment first, or mark them "
            "as having left (which withdraws it and tells their partner). Erasing changes no enrolment or pair, so the "
            "reports stay as they are."
        )
    pairs = open_pair_count(person)
    if pairs:
        raise StillTakingPart(
            f"{person.full_name} is still in {pairs} open pair{'s' if pairs != 1 else ''}: close {'them' if pairs != 1 else 'it'} first."
        )
    check_login_erasable(person=person)


def erasure_refusal(*, person: Person) -> str | None:
    """Why ``person`` cannot be erased now (``check_erasable``), or None; for the confirmation page. Changes nothing."""
    try:
        with transaction.atomic():
            check_erasable(person=person)
    except DomainError as refusal:
        return refusal.message
    return None


@transaction.atomic
def erase_person(*, person: Person, by: User, confirmation: str) -> Erasure:
    """Erase ``person``: identity replaced by a pseudonym, login ended, sensitive answers and own words deleted.

    For administrators of the person's organisation (checked by the caller). ``confirmation`` must be the person's full
    name. Refused (ErasureNotConfirmed, AlreadyErased, StillTakingPart, identity's LastAdmin), changing nothing, unless
    every check passes. Keeps every row the reports count (enrolments, pairs, meetings, ratings, goals, survey answers),
    so outcome figures stay the same and stay suppressed; the partner's notes are untouched. Audited without the name.
    Locks the person's row, so two erasures of the same person run one after the other (the second is refused).
    """
    person = Person.objects.select_for_update(of=("self",)).select_related("organisation", "user").get(pk=person.pk)
    if not confirmation_matches(person=person, typed=confirmation):
        raise ErasureNotConfirmed(
            gettext("Type the person's full name, %(name)s, exactly as shown to confirm the erasure.") % {"name": person.full_name}
        )
    check_erasable(person=person)
    user = person.user
    pseudonym = erased_name(person.pk)
    engagement = erase_engagement_content(person=person, user=user)
    applications = erase_application_text(person=person)
    sign_in = end_sign_in_for_erasure(person=person)
    directory = erase_directory_record(person=person)
    counts = {
        **engagement.as_counts(),
        "applications_emptied": applications,
        "skills_deleted": directory.skills_deleted,
        "sensitive_answers_deleted": int(directory.sensitive_answers_deleted),
        "sessions_ended": sign_in.sessions_ended,
        "tokens_revoked": sign_in.tokens_revoked,
        "sign_in_links_deleted": sign_in.links_deleted,
        "identity_provider_links_deleted": sign_in.identity_provider_links_deleted,
    }
    record_audit_entry(
        organisation=person.organisation,
        actor=by,
        action=AuditAction.PERSON_ERASED,
        target=user,
        summary=f"Person #{person.pk} erased: now “{pseudonym}”; their login is ended and their own words deleted",
        details={"person_id": person.pk, "had_login": sign_in.had_login, **counts},
    )
    return Erasure(person=person, pseudonym=pseudonym, counts=counts)


def choose_language(*, person: Person, language: str) -> Person:
    """Set the language Turnabout speaks to ``person`` on its pages and in its emails; blank goes back to the browser's.

    Refuses a code outside settings.LANGUAGES with UnknownLanguage.
    """
    if language and language not in language_codes():
        raise UnknownLanguage(
            gettext("Turnabout does not speak “%(language)s”: choose one of %(languages)s.")
            % {"language": language, "languages": ", ".join(language_codes())}
        )
    if person.preferred_language != language:
        person.preferred_language = language
        person.save(update_fields=["preferred_language", "updated_at"])
    return person
