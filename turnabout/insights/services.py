"""The only writes of the read-only insights app: audit entries for reading consented diversity answers and downloads.

Every output of a program's outcomes carries its diversity reach, computed from consented sensitive answers (in
suppressed aggregates): the dashboard and the API are audited as reads of it, the CSV and the PDF as downloads.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import AuditAction, User
from turnabout.accounts.services import record_audit_entry
from turnabout.programs.models import Program


class ReportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    PDF = "pdf", _("PDF")


class ReachChannel(models.TextChoices):
    DASHBOARD = "dashboard", _("dashboard")
    API = "api", _("API")


@transaction.atomic
def record_report_download(
    *, user: User, program: Program, report_format: ReportFormat, site_id: int | None = None, cohort: str | None = None
) -> None:
    """Audit a download of ``program``'s outcomes (access already checked); call before returning the file."""
    record_audit_entry(
        organisation=program.organisation,
        actor=user,
        action=AuditAction.REPORT_EXPORTED,
        summary=f"Outcomes of {program.name} downloaded as {report_format.value.upper()}",
        details={"program_id": program.pk, "format": report_format, "includes_diversity_reach": True, "site_id": site_id, "cohort": cohort},
    )


@transaction.atomic
def record_diversity_reach_read(*, user: User, program: Program, channel: ReachChannel) -> None:
    """Audit a read of ``program``'s diversity reach, the aggregate of consented answers (access already checked)."""
    record_audit_entry(
        organisation=program.organisation,
        actor=user,
        action=AuditAction.DIVERSITY_REACH_READ,
        summary=f"Diversity reach of {program.name} read on the {'API' if channel == ReachChannel.API else channel.value}",
        details={"program_id": program.pk, "channel": channel},
    )
