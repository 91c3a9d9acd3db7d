"""Which language Turnabout speaks to a person: their own choice (``Person.preferred_language``), else none.

One resolution, used everywhere: pages (``turnabout.accounts.middleware.PersonLanguageMiddleware`` activates the
signed-in person's language, the browser's Accept-Language otherwise), emails (``turnabout.core.email`` asks
``preferred_languages_by_email`` for the recipients' languages, LANGUAGE_CODE otherwise) and the HRIS import
(``clean_language`` accepts a code or a regional variant of one, as a browser's would be).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_supported_language_variant

from turnabout.people.models import Person


def supported_language(code: str) -> str | None:
    """``code`` as one of LANGUAGES (``"es-MX"`` → ``"es"``, ``"pt_BR"`` → ``"pt-br"``, ``"en"`` → ``"en-gb"``), or None.

    >>> supported_language("es-MX"), supported_language("PT_br"), supported_language("en"), supported_language("it")
    ('es', 'pt-br', 'en-gb', None)
    """
    code = code.strip().lower().replace("_", "-")
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def language_codes() -> list[str]:
    """The codes of LANGUAGES, in their order."""
    return [code for code, _ in settings.LANGUAGES]


def preferred_languages_by_email(addresses: Iterable[str]) -> dict[str, str]:
    """The language each address's person chose, by address (lower case); an address without a choice is left out.

    An address is a person's through their login (a user's email is unique) or, for someone who never signed in,
    the directory's email; when people of several organisations share that email, it counts only if they agree.
    """
    wanted = {address.strip().lower() for address in addresses if address.strip()}
    if not wanted:
        return {}
    by_login: dict[str, str] = {}
    by_directory: dict[str, set[str]] = {}
    rows = (
        Person.objects.filter(Q(user__email__in=wanted) | Q(email__in=wanted))
        .exclude(preferred_language="")
        .values_list("email", "user__email", "preferred_language")
    )
    for email, login, language in rows:
        if login and login.lower() in wanted:
            by_login[login.lower()] = language
        if email.lower() in wanted:
            by_directory.setdefault(email.lower(), set()).add(language)
    languages = {address: next(iter(found)) for address, found in by_directory.items() if len(found) == 1}
    languages.update(by_login)
    return {address: code for address, language in languages.items() if (code := supported_language(language))}
