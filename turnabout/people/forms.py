from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from turnabout.core.forms import BoundedForm
from turnabout.people.models import AgeBand
from turnabout.people.queries import SEARCH_MAX_CHARACTERS, DirectoryChoices, DirectoryFilters, search_text_problem


class DirectoryFilterForm(BoundedForm):
    """The directory's filters; choice fields accept only this organisation's ids, so no id reaches the database unchecked."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX_CHARACTERS, label=_("Search"))
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)
    grade = forms.TypedChoiceField(label=_("Grade"), required=False, coerce=int, empty_value=None)
    include_leavers = forms.BooleanField(required=False, label=_("Include leavers"))

    def __init__(self, *args: object, choices: DirectoryChoices, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", gettext("All departments")), *[(d.pk, d.name) for d in choices.departments]]  # type: ignore[attr-defined]
        self.fields["site"].choices = [("", gettext("All sites")), *[(s.pk, s.name) for s in choices.sites]]  # type: ignore[attr-defined]
        self.fields["grade"].choices = [("", gettext("All grades")), *[(g.pk, str(g)) for g in choices.grades]]  # type: ignore[attr-defined]

    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"]
        if problem := search_text_problem(text):
            raise forms.ValidationError(problem, code="search_too_broad")
        return text

    def filters(self) -> DirectoryFilters | None:
        """The filters asked for: everyone when nothing is asked, None when the form is refused (it shows why)."""
        if not self.is_bound:
            return DirectoryFilters()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return DirectoryFilters(
            text=data["q"] or "",
            department_id=data["department"],
            site_id=data["site"],
            grade_id=data["grade"],
            include_leavers=data["include_leavers"],
        )


class SensitiveProfileForm(BoundedForm):
    """The person's own, optional answers; every field may stay blank."""

    consent = forms.BooleanField(
        required=True,
        label=_("I agree that Turnabout stores these answers for the purpose stated above, and I can withdraw at any time."),
    )
    gender = forms.CharField(label=_("Gender"), required=False, max_length=60)
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False, max_length=100)
    has_disability = forms.NullBooleanField(required=False, label=_("Do you consider yourself to have a disability?"))
    is_under_represented = forms.NullBooleanField(required=False, label=_("Do you belong to a group under-represented in our leadership?"))
    age_band = forms.ChoiceField(label=_("Age band"), required=False, choices=[("", _("Prefer not to say")), *AgeBand.choices])


class CommunityForm(BoundedForm):
    """A new community: its name, purpose, whether people join it themselves, whether membership is sensitive, its leads."""

    name = forms.CharField(max_length=150, label=_("Name"))
    purpose = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Purpose"))
    is_open = forms.BooleanField(required=False, label=_("Open: people join and leave it themselves"))
    is_identity_based = forms.BooleanField(
        required=False, label=_("Identity-based: membership is sensitive, shown only to the member and counted only in aggregates")
    )
    lead_emails = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Leads (work email addresses)")
    )

    def clean_lead_emails(self) -> list[str]:
        raw: str = self.cleaned_data["lead_emails"]
        return sorted({item.strip().lower() for item in raw.replace(";", ",").replace("\n", ",").split(",") if item.strip()})
