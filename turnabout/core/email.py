"""Plain-text email: one template per message, ``<name>_subject.txt`` and ``<name>.txt``, rendered with the same context.

Both are plain text, so they render with autoescaping off (a name reads "Oliver O'Brien", never "O&#x27;Brien"):
a ``<script>`` in plain text is only text. What plain text does not neutralise is removed by ``plain_text``:
control characters, and the explicit bidirectional formatting characters that would make the rest of a line after
a name display reversed (U+202E, RIGHT-TO-LEFT OVERRIDE). The subject is one line; the mailer refuses a header with a line break anyway.

Each message is in its recipient's language: ``email_language`` is the one resolution (an explicit language, else
the recipient's own choice, else LANGUAGE_CODE), and subject and body render inside ``translation.override`` of it,
dates and numbers included. Recipients of one call who speak different languages get one message per language.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context, Engine
from django.utils import translation
from django.utils.module_loading import import_string

# Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they reorder the text after them up to the
# end of the line. Right-to-left names need none of them (the marks U+200E and U+200F stay).
DIRECTION_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_DIRECTION_CONTROL = re.compile(f"[{DIRECTION_CONTROLS}]")
# C0 and C1 controls and DEL, except tab and line feed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str, *, multiline: bool) -> str:
    r"""``text`` as a plain-text medium (email, calendar) should carry it: no control character, no direction override;
    line breaks become ``\n`` (``multiline``) or the text becomes one line with single spaces.

    >>> plain_text("Oliver O'Brien\u202egnp.exe", multiline=False)
    "Oliver O'Briengnp.exe"
    >>> plain_text("Re:\r\nBcc: eve@example.test\u2028x\x00y", multiline=False)
    'Re: Bcc: eve@example.test x y'
    >>> plain_text("Line one\r\nLine two\r\tend\x07", multiline=True)
    'Line one\nLine two\n\tend'
    """
    text = _DIRECTION_CONTROL.sub("", text)
    if not multiline:
        return " ".join(_CONTROL.sub(" ", text).split())
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n").split("\n")
    return "\n".join(_CONTROL.sub("", line) for line in lines)


def render_plain_text(template: str, context: dict[str, Any]) -> str:
    """Render a plain-text template of the project's engine with autoescaping off."""
    return Engine.get_default().get_template(template).render(Context(context, autoescape=False))


def recipient_languages(addresses: Iterable[str]) -> dict[str, str]:
    """The language each address's person chose (lower-case address → code of LANGUAGES); the others are left out.

    Asks ``settings.EMAIL_RECIPIENT_LANGUAGES`` (a dotted path: the people app knows who chose what).
    """
    resolve = import_string(settings.EMAIL_RECIPIENT_LANGUAGES)
    languages: dict[str, str] = resolve(addresses)
    return languages


def email_language(address: str, *, language: str | None = None) -> str:
    """The language of a message to ``address``: ``language`` when given, else the recipient's choice, else LANGUAGE_CODE."""
    return _languages_of([address], language=language)[address]


def _languages_of(addresses: list[str], *, language: str | None) -> dict[str, str]:
    if language:
        return dict.fromkeys(addresses, translation.get_supported_language_variant(language))
    chosen = recipient_languages(addresses)
    default = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
    return {address: chosen.get(address.strip().lower(), default) for address in addresses}


def send_templated_email(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    attachments: list[tuple[str, bytes, str]] | None = None,
    language: str | None = None,
) -> None:
    """Render and send one message per language of the recipients; call from a background task, never inside a request.

    ``attachments`` are (filename, content, mimetype) triples, e.g. ("invitation.ics", ics, "text/calendar; method=REQUEST").
    ``language`` (a code of LANGUAGES) overrides the recipients' own languages (``email_language``).
    """
    context = {"site_url": settings.SITE_URL, "link_max_age_days": settings.SIGN_IN_LINK_MAX_AGE_DAYS, **context}
    recipients_in: dict[str, list[str]] = {}
    for address, code in _languages_of(to, language=language).items():
        recipients_in.setdefault(code, []).append(address)
    for code, recipients in recipients_in.items():
        with translation.override(code):
            subject = plain_text(render_plain_text(f"{template}_subject.txt", context), multiline=False)
            body = plain_text(render_plain_text(f"{template}.txt", context), multiline=True)
        message = EmailMessage(subject=subject, body=body, to=recipients)
        for filename, content, mimetype in attachments or []:
            message.attach(filename, content, mimetype)
        message.send()
