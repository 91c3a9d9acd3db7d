"""HRIS import pages: upload → map columns → preview → apply. Admins and program managers only.

Upload reads the header row in the request; the preview and the apply run in the task worker, and the preview
page shows their progress (htmx polls its ``#progress`` fragment every second) and then their outcome.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from turnabout.accounts.access import access_managed_organisation
from turnabout.core.htmx import is_htmx
from turnabout.people.access import access_import_job
from turnabout.people.errors import ImportAlreadyApplied, ImportFileUnreadable
from turnabout.people.hris_columns import COLUMN_NAMED
from turnabout.people.hris_jobs import create_import_job, recent_import_jobs, request_import_apply, request_import_preview
from turnabout.people.import_forms import ImportMappingForm, ImportUploadForm
from turnabout.people.models import ImportJobStatus


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    organisation = access_managed_organisation(request.user)  # type: ignore[arg-type]
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = create_import_job(organisation=organisation, uploaded_by=request.user, filename=upload.name, content=upload.read())  # type: ignore[arg-type]
        except ImportFileUnreadable as error:
            form.add_error("file", error.message)
        else:
            return redirect("people:import_mapping", job_id=job.pk)
    status = 400 if form.errors else 200
    return render(
        request, "people/import_upload.html", {"form": form, "jobs": recent_import_jobs(organisation), "step": "upload"}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(request.user, job_id)  # type: ignore[arg-type]
    if job.is_applied:
        messages.info(request, _("This import is already applied; upload the file again to import it anew."))
        return redirect("people:import_preview", job_id=job.pk)
    if job.is_running:
        return redirect("people:import_preview", job_id=job.pk)  # which shows the progress
    initial = {**job.mapping, "mark_missing_as_leavers": job.mark_missing_as_leavers}
    form = ImportMappingForm(request.POST or None, initial=initial, headers=job.detected_headers)
    if request.method == "POST" and form.is_valid():
        try:
            request_import_preview(job=job, mapping=form.mapping(), mark_missing_as_leavers=form.cleaned_data["mark_missing_as_leavers"])
        except ImportAlreadyApplied as error:
            messages.error(request, error.message)
        return redirect("people:import_preview", job_id=job.pk)
    status = 400 if form.errors else 200
    return render(request, "people/import_mapping.html", {"job": job, "form": form, "step": "mapping"}, status=status)


@login_required
@require_GET
def import_preview(request: HttpRequest, job_id: int) -> HttpResponse:
    """The preview, the progress of a running check or apply, or the outcome; htmx polls ``#progress`` while it runs."""
    job = access_import_job(request.user, job_id)  # type: ignore[arg-type]
    if job.status == ImportJobStatus.UPLOADED:
        return redirect("people:import_mapping", job_id=job.pk)
    if is_htmx(request):
        response = render(request, "people/import_preview.html#progress", {"job": job})
        if not job.is_running:
            response["HX-Refresh"] = "true"  # done: the whole page changes (summary, problems or outcome)
        return response
    mapped = [(COLUMN_NAMED[name].label, header) for name, header in job.mapping.items() if name in COLUMN_NAMED]
    step = "apply" if job.is_applied or job.is_applying else "preview"
    return render(request, "people/import_preview.html", {"job": job, "summary": job.summary, "mapped": mapped, "step": step})


@login_required
@require_POST
def import_apply(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(request.user, job_id)  # type: ignore[arg-type]
    outcome = request_import_apply(job=job)
    if outcome.already_applied:
        messages.info(request, _("This import was already applied; nothing changed."))
    elif outcome.in_progress:
        messages.info(request, _("This import is already being checked or applied."))
    elif not outcome.queued:
        messages.error(request, _("Preview the import before applying it."))
    return redirect("people:import_preview", job_id=job.pk)
