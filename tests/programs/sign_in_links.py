"""Reading the sign-in link out of an email a person was sent, and following it as they would.

Every email to a directory person carries one link to ``/accounts/link/<token>/``; the token exists only in the
email, so the stored link is found by its hash, as redeeming it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.http import HttpResponse
from django.test import Client

from turnabout.identity.links import hash_secret
from turnabout.identity.models import SignInLink

LINK = re.compile(r"http://127\.0\.0\.1:8000(/accounts/link/([A-Za-z0-9_-]+)/)")


def sign_in_link_in(message: EmailMessage) -> tuple[str, SignInLink]:
    """The path of the one sign-in link in ``message`` and the stored link it names."""
    found = LINK.findall(str(message.body))
    assert len(found) == 1, message.body
    path, token = found[0]
    return path, SignInLink.objects.select_related("person").get(token_hash=hash_secret(token))


@dataclass(frozen=True)
class Followed:
    opened: HttpResponse  # the GET a mail scanner or the person makes first
    continued: HttpResponse  # the POST of "Continue", in ``client``
    again: HttpResponse  # a second POST of the same link, from another browser
    again_client: Client


def follow_sign_in_link(client: Client, message: EmailMessage) -> Followed:
    """Open the email's link, continue, then post the same link once more from a fresh browser."""
    path, _link = sign_in_link_in(message)
    opened = client.get(path)
    continued = client.post(path)
    again_client = Client()
    again = again_client.post(path)
    return Followed(opened=opened, continued=continued, again=again, again_client=again_client)
