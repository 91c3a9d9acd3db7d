"""The emails of sign-in: a link someone asked for, and the welcome of a new login; each sent once per request
(``core.delivery``, keyed by the task that carries the request). The link is issued inside the send, so a
redelivery that sends nothing issues no link either."""

from turnabout.accounts.models import User
from turnabout.core.delivery import send_once, sign_in_link_key, welcome_key
from turnabout.core.email import send_templated_email
from turnabout.identity.links import issue_sign_in_link, sign_in_link_recipient


def send_requested_sign_in_link(*, email: str, next_path: str, request_id: str) -> None:
    """Email a link to whoever ``email`` belongs to; sends nothing for unknown addresses and leavers."""
    person, user = sign_in_link_recipient(email=email)
    if person is None and user is None:
        return
    name = person.given_name if person is not None else (user.full_name if user is not None else "")

    def send() -> None:
        url = issue_sign_in_link(person=person, user=user, next_path=next_path)
        send_templated_email(to=[email], template="identity/email/sign_in_link", context={"name": name, "sign_in_url": url})

    send_once(sign_in_link_key(request_id), send)


def send_welcome(user: User, *, invited_by: str, request_id: str) -> None:
    """Tell a new login (an invited manager or sponsor, a newly granted role) how to sign in."""

    def send() -> None:
        url = issue_sign_in_link(user=user)
        send_templated_email(
            to=[user.email],
            template="identity/email/welcome",
            context={"user": user, "organisation": user.organisation, "invited_by": invited_by, "sign_in_url": url},
        )

    send_once(welcome_key(request_id), send)
