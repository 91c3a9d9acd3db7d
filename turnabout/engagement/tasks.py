"""Background jobs of engagement: load by id, then send one email or call a service. Safe to run twice."""

from django.tasks import task

from turnabout.accounts.models import Role as AccountRole
from turnabout.accounts.models import User
from turnabout.core.email import send_templated_email
from turnabout.engagement.models import Concern


@task()
def send_concern_email(concern_id: int) -> None:
    """Tell the organisation's program managers a concern was raised (its text is on the private concern page)."""
    concern = Concern.objects.select_related("pair__program").get(pk=concern_id)
    program = concern.pair.program
    managers = list(
        User.objects.filter(organisation_id=program.organisation_id, role=AccountRole.PROGRAM_MANAGER, is_active=True).values_list(
            "email", flat=True
        )
    )
    if not managers:
        managers = list(
            User.objects.filter(organisation_id=program.organisation_id, role=AccountRole.ADMIN, is_active=True).values_list(
                "email", flat=True
            )
        )
    if managers:
        send_templated_email(to=managers, template="engagement/email/concern", context={"concern": concern, "program": program})
