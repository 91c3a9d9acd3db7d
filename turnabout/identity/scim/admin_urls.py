"""The administrators' SCIM page, mounted at /users/scim/."""

from django.urls import path

from turnabout.identity.scim import views

app_name = "scim_admin"

urlpatterns = [
    path("", views.scim_settings, name="settings"),
    path("rotate/", views.rotate_scim_token, name="rotate"),
    path("revoke/", views.revoke_scim_token, name="revoke"),
]
