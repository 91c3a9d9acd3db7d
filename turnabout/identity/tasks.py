"""Background jobs of sign-in: load, then send one email."""

from django.tasks import task

from turnabout.accounts.models import User
from turnabout.core.email import send_templated_email
from turnabout.identity.links import issue_sign_in_link, sign_in_link_recipient


@task()
def send_requested_sign_in_link(email: str, next_path: str) -> None:
    """Email a link to whoever ``email`` belongs to; sends nothing for unknown addresses and leavers."""
    person, user = sign_in_link_recipient(email=email)
    if person is None and user is None:
        return
    url = issue_sign_in_link(person=person, user=user, next_path=next_path)
    name = person.given_name if person is not None else (user.full_name if user is not None else "")
    send_templated_email(to=[email], template="identity/email/sign_in_link", context={"name": name, "sign_in_url": url})


@task()
def send_welcome_link(user_id: int, invited_by: str) -> None:
    """Tell a new login (an invited manager or sponsor, a newly granted role) how to sign in."""
    user = User.objects.select_related("organisation").filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    url = issue_sign_in_link(user=user)
    send_templated_email(
        to=[user.email],
        template="identity/email/welcome",
        context={"user": user, "organisation": user.organisation, "invited_by": invited_by, "sign_in_url": url},
    )
