from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from turnabout.accounts.models import Organisation, User

# The Django admin sees every organisation, so it is for the install's operators only (superusers made with
# `manage.py createsuperuser`), never for an organisation's administrators: they use /users/ and the app's pages.
admin.site.has_permission = lambda request: bool(request.user.is_active and request.user.is_superuser)  # type: ignore[method-assign]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "full_name", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "organisation", "role")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "organisation", "role", "password1", "password2")}),)
