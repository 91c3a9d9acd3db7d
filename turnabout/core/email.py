"""One template per message: ``<name>_subject.txt`` and ``<name>.txt`` rendered with the same context."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def send_templated_email(
    *, to: list[str], template: str, context: dict[str, Any], attachments: list[tuple[str, bytes, str]] | None = None
) -> None:
    """Render and send one message; call from a background task, never inside a request.

    ``attachments`` are (filename, content, mimetype) triples, e.g. ("invitation.ics", ics, "text/calendar; method=REQUEST").
    """
    context = {"site_url": settings.SITE_URL, "link_max_age_days": settings.SIGN_IN_LINK_MAX_AGE_DAYS, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    message = EmailMessage(subject=subject, body=body, to=to)
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()
