from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from turnabout.core.forms import BoundedForm


class ErasureForm(BoundedForm):
    confirmation = forms.CharField(
        label=_("Type their full name to confirm"), max_length=210, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class LanguageForm(BoundedForm):
    """The language of the person's pages and emails; each language is named in itself, as language menus do."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("My browser’s language")), *settings.LANGUAGES],
        required=False,
        help_text=_("Turnabout’s pages and the emails it sends you use this language."),
    )
