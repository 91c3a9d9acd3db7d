"""Django admin for the directory. SensitiveProfile is deliberately not registered: only its owner sees it."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from turnabout.people.models import Department, Grade, Person, PersonSkill, Site, Skill, SkillCategory
from turnabout.people.services import rebuild_reporting_paths


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin[Grade]):
    list_display = ["code", "name", "rank", "organisation"]
    list_filter = ["organisation"]
    ordering = ["organisation", "rank"]


@admin.register(Department, Site)
class PlaceAdmin(admin.ModelAdmin[Department | Site]):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]


class PersonSkillInline(admin.TabularInline[PersonSkill, Person]):
    model = PersonSkill
    autocomplete_fields = ["skill"]
    extra = 0


class PersonAdminForm(forms.ModelForm[Person]):
    class Meta:
        model = Person
        fields = [
            "organisation", "employee_id", "given_name", "family_name", "email", "job_title", "grade", "department", "site",
            "country", "timezone", "manager", "hire_date", "languages", "employment_status", "end_date", "user",
        ]  # fmt: skip

    def clean_manager(self) -> Person | None:
        manager: Person | None = self.cleaned_data.get("manager")
        person = self.instance
        if manager is not None and person.pk is not None:
            if manager.organisation_id != person.organisation_id:
                raise forms.ValidationError("The manager must belong to the same organisation.")
            if manager.pk == person.pk or manager.reporting_path.startswith(person.reporting_path):
                raise forms.ValidationError(f"{manager.full_name} reports to {person.full_name}, so cannot become their manager.")
        return manager


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    form = PersonAdminForm
    list_display = ["employee_id", "given_name", "family_name", "job_title", "grade", "department", "site", "employment_status"]
    list_filter = ["organisation", "employment_status", "department", "site", "grade"]
    search_fields = ["employee_id", "given_name", "family_name", "email"]
    list_select_related = ["grade", "department", "site"]
    raw_id_fields = ["manager", "user"]
    readonly_fields = ["reporting_path", "reporting_depth"]
    inlines = [PersonSkillInline]

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        """Keep reporting paths correct when an administrator adds someone or changes a manager."""
        super().save_model(request, obj, form, change)
        if not change or "manager" in form.changed_data:
            rebuild_reporting_paths(organisation=obj.organisation)


@admin.register(SkillCategory)
class SkillCategoryAdmin(admin.ModelAdmin[SkillCategory]):
    list_display = ["name", "slug"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
    list_display = ["name", "category", "slug"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "synonyms"]
    filter_horizontal = ["related"]
