"""Background jobs of sign-in: load, then send one email (``identity.notifications``); once per enqueued request."""

from django.tasks import TaskContext, task

from turnabout.accounts.models import User
from turnabout.identity import notifications


@task(takes_context=True)
def send_requested_sign_in_link(context: TaskContext[[str, str], None], email: str, next_path: str) -> None:
    """Email a link to whoever ``email`` belongs to; sends nothing for unknown addresses and leavers."""
    notifications.send_requested_sign_in_link(email=email, next_path=next_path, request_id=str(context.task_result.id))


@task(takes_context=True)
def send_welcome_link(context: TaskContext[[int, str], None], user_id: int, invited_by: str) -> None:
    """Tell a new login (an invited manager or sponsor, a newly granted role) how to sign in."""
    user = User.objects.select_related("organisation").filter(pk=user_id, is_active=True).first()
    if user is not None:
        notifications.send_welcome(user, invited_by=invited_by, request_id=str(context.task_result.id))
