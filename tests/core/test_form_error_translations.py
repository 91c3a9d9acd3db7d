"""The errors every bounded form gives are translated into the language of the request, not fixed when Python loads."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext, ngettext

from turnabout.core.forms import BoundedForm, form_problems


class NoteForm(BoundedForm):
    note = forms.CharField(label="Note", max_length=5)
    title = forms.CharField(label="Title", required=False)


def test_a_too_long_text_is_refused_in_the_active_language():
    # given
    english = NoteForm({"note": "abcdefgh"})
    english.is_valid()

    # when
    with translation.override("de"):
        german = NoteForm({"note": "abcdefgh"})
        german.is_valid()
        expected = ngettext(
            "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
            "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
            5,
        ) % {"limit_value": 5, "show_value": 8}
        refusal = gettext("%(field)s: %(error)s") % {"field": "Note", "error": expected}

        # then (errors render when shown, so in the language of the page that shows them)
        assert [str(error) for error in german.errors["note"]] == [expected]
        assert form_problems(german) == refusal
    assert expected != english.errors["note"][0]  # German really is another text
    assert english.errors["note"] == ["Ensure this value has at most 5 characters (it has 8)."]


def test_a_direction_control_is_refused_with_the_message_of_the_active_language():
    # when
    with translation.override("de"):
        form = NoteForm({"note": "ok", "title": "invoice\u202egnp.exe"})
        form.is_valid()
        expected = gettext("Remove the direction control character (%(code_point)s): it would show the text after it reversed.") % {
            "code_point": "U+202E"
        }

        # then
        assert [str(error) for error in form.errors["title"]] == [expected]
    assert form.errors.as_data()["title"][0].code == "control_character"
