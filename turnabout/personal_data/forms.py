from django import forms

from turnabout.core.forms import BoundedForm


class ErasureForm(BoundedForm):
    confirmation = forms.CharField(
        label="Type their full name to confirm", max_length=210, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
