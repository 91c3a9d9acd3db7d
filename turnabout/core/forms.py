"""What every form refuses before a service sees it: text longer than it may be, and control characters.

Django's ``CharField`` already refuses NUL (``ProhibitNullCharactersValidator``) and text beyond a ``max_length``
it was given; a text field without one would take 100,000 characters and pass them to a ``TextField`` or a JSON
list. ``BoundedTextMixin`` goes before ``forms.Form`` or ``forms.ModelForm`` and, for every text field of the form
(fields added in a subclass's ``__init__`` included):

- gives a field without ``max_length`` the bound ``TEXT_MAX_LENGTH``, so a longer value is a form error naming the
  field, never a silent truncation further down;
- refuses control characters other than tab, line feed and carriage return (which only multi-line fields take), and
  the explicit direction controls (embeddings, overrides, isolates: U+202A–U+202E, U+2066–U+2069), which would show
  the text after them reversed (``invoice\u202egnp.exe`` reads "invoiceexe.png"). The joiners U+200C/U+200D and the
  marks U+200E/U+200F, which right-to-left and Indic names use, are text.

Give a field a bound of its own with ``set_max_length`` (it replaces the field's earlier bound rather than adding a
second one).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import QueryDict
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext

from turnabout.core.email import DIRECTION_CONTROLS

TEXT_MAX_LENGTH = 10_000
# What a confirmation form posts with its "Yes, …" button, so that the first post of an irreversible step only asks.
CONFIRMED = "yes"


def is_confirmed(data: QueryDict) -> bool:
    """Whether a posted form (``request.POST``) came from a confirmation page's "Yes, …" button."""
    return data.get("confirm") == CONFIRMED


# C0 controls and DEL, C1 controls, the Unicode non-characters U+FFFE/U+FFFF and the direction controls: none is
# text anyone types.
_CONTROL = f"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff{DIRECTION_CONTROLS}"
_DIRECTION_CONTROL = re.compile(f"[{DIRECTION_CONTROLS}]")
_CONTROL_IN_TEXT = re.compile(f"[{_CONTROL}]")
_CONTROL_IN_LINE = re.compile(f"[{_CONTROL}\t\n\r]")


@deconstructible
class ControlCharacterValidator:
    """Refuse control characters; ``multiline`` allows tab, line feed and carriage return.

    >>> ControlCharacterValidator(multiline=True)("Line one\\r\\nLine two")
    >>> ControlCharacterValidator(multiline=False)("Bob\\r\\nBcc: eve@example.com")
    Traceback (most recent call last):
    ...
    django.core.exceptions.ValidationError: ['Remove the line break or control character (U+000D): this field is one line of text.']
    >>> ControlCharacterValidator(multiline=True)("invoice\u202egnp.exe")
    Traceback (most recent call last):
    ...
    django.core.exceptions.ValidationError: ['Remove the direction control character (U+202E): it would show the text after it reversed.']
    """

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        text = str(value)
        found = (_CONTROL_IN_TEXT if self.multiline else _CONTROL_IN_LINE).search(text)
        if found is None:
            return
        code_point = f"U+{ord(found.group()):04X}"
        if _DIRECTION_CONTROL.fullmatch(found.group()):
            message = gettext("Remove the direction control character (%(code_point)s): it would show the text after it reversed.")
        elif self.multiline:
            message = gettext("Remove the control character (%(code_point)s): it is not text.")
        else:
            message = gettext("Remove the line break or control character (%(code_point)s): this field is one line of text.")
        raise ValidationError(message % {"code_point": code_point}, code="control_character")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlCharacterValidator) and other.multiline == self.multiline


def set_max_length(field: forms.CharField, limit: int) -> None:
    """Bound ``field`` to ``limit`` characters: its validator (replacing any earlier bound) and the input's ``maxlength``."""
    field.max_length = limit
    field.validators = [validator for validator in field.validators if not isinstance(validator, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


def _bound(field: forms.Field) -> None:
    if not isinstance(field, forms.CharField) or field.disabled:
        return
    if field.max_length is None:
        set_max_length(field, TEXT_MAX_LENGTH)
    if not any(isinstance(validator, ControlCharacterValidator) for validator in field.validators):
        field.validators.append(ControlCharacterValidator(multiline=isinstance(field.widget, forms.Textarea)))


def form_problems(form: forms.Form) -> str:
    """A refused form's errors in one message, each named by its field ("Note: Ensure this value has at most …")."""
    return " ".join(
        gettext("%(field)s: %(error)s") % {"field": form.fields[name].label or name.capitalize(), "error": error}
        if name in form.fields
        else f"{error}"
        for name, errors in form.errors.items()
        for error in errors
    )


class BoundedTextMixin:
    """Bound every text field of the form (see the module docstring); put it first among the form's bases."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Here for the rendered maxlength; again in full_clean for fields a subclass adds after this runs.
        for field in self.fields.values():
            _bound(field)

    def full_clean(self) -> None:
        for field in self.fields.values():
            _bound(field)
        super().full_clean()  # type: ignore[misc]


class BoundedForm(BoundedTextMixin, forms.Form):
    """A ``forms.Form`` whose text fields are bounded and refuse control characters."""
