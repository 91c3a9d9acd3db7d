"""Forms of the HRIS import pages: the upload and the column mapping."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from turnabout.core.forms import BoundedForm
from turnabout.people.hris_columns import COLUMN_NAMES, COLUMNS
from turnabout.people.hris_reading import ACCEPTED_EXTENSIONS

NOT_IMPORTED = ""


class ImportUploadForm(BoundedForm):
    file = forms.FileField(
        label=_("HRIS file (CSV or XLSX)"),
        help_text=_(
            "Row 1 holds the column headers. CSV files must be UTF-8 (Excel: “CSV UTF-8”), separated by commas, semicolons or tabs."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is %(size)s; the largest file you can import is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        extension = PurePath(upload.name).suffix.lower()
        if extension not in ACCEPTED_EXTENSIONS:
            raise forms.ValidationError(
                gettext("Only %(extensions)s files can be imported; “%(name)s” is not one. Export CSV or XLSX from your HR system.")
                % {"extensions": ", ".join(ACCEPTED_EXTENSIONS), "name": upload.name},
                code="wrong_type",
            )
        return upload


class ImportMappingForm(BoundedForm):
    """One choice per target field: which column of the file holds it (or none)."""

    mark_missing_as_leavers = forms.BooleanField(required=False, label=_("Mark active people missing from this file as leavers"))

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NOT_IMPORTED, gettext("— not imported —")), *[(header, header) for header in headers]]
        for column in COLUMNS:
            field_label = gettext(column.label)
            label = gettext("%(field)s (required)") % {"field": field_label} if column.required else field_label
            self.fields[column.name] = forms.ChoiceField(label=label, choices=choices, required=column.required)
            self.fields[column.name].error_messages["required"] = gettext("Choose the column that holds “%(field)s”.") % {
                "field": field_label
            }
        # Keep the checkbox last, after the columns.
        self.order_fields([*COLUMN_NAMES, "mark_missing_as_leavers"])

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in COLUMN_NAMES if self.cleaned_data.get(name)}
