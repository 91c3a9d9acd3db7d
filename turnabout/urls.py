from django.contrib import admin
from django.urls import include, path

from turnabout import views
from turnabout.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("users/scim/", include("turnabout.identity.scim.admin_urls")),
    path("", include("turnabout.identity.urls")),
    path("accounts/", include("turnabout.accounts.urls")),
    path("sso/", include("turnabout.identity.sso.urls")),
    path("people/", include("turnabout.people.urls")),
    path("people/", include("turnabout.personal_data.urls")),
    path("programs/", include("turnabout.programs.urls")),
    path("matching/", include("turnabout.matching.urls")),
    path("pairs/", include("turnabout.engagement.urls")),
    path("surveys/", include("turnabout.surveys.urls")),
    path("insights/", include("turnabout.insights.urls")),
    path("api/", api.urls),
    path("scim/v2/", include("turnabout.identity.scim.urls")),
    path("admin/", admin.site.urls),
]
