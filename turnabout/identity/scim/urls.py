"""The SCIM 2.0 protocol, mounted at /scim/v2/; a trailing slash is tolerated, anything else answers a SCIM 404."""

from django.urls import path, re_path

from turnabout.identity.scim import views

app_name = "scim"

urlpatterns = [
    path("", views.not_found, name="root"),
    re_path(r"^ServiceProviderConfig/?$", views.service_provider_config, name="service_provider_config"),
    re_path(r"^ResourceTypes/?$", views.resource_types, name="resource_types"),
    re_path(r"^ResourceTypes/(?P<resource_type_id>[^/]+)/?$", views.resource_type, name="resource_type"),
    re_path(r"^Schemas/?$", views.schemas, name="schemas"),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", views.schema, name="schema"),
    re_path(r"^\.search/?$", views.search, name="search"),
    re_path(r"^Users/?$", views.users, name="users"),
    re_path(r"^Users/\.search/?$", views.search, name="users_search"),
    re_path(r"^Users/(?P<user_id>[^/]+)/?$", views.user, name="user"),
    re_path(r"^.*$", views.not_found, name="not_found"),
]
