from django.urls import path

from turnabout.people import import_views, views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("org-chart/", views.org_chart, name="org_chart"),
    path("org-chart/<int:person_id>/reports/", views.org_chart_reports, name="org_chart_reports"),
    path("me/privacy/", views.my_privacy, name="my_privacy"),
    path("me/privacy/withdraw/", views.withdraw_privacy, name="withdraw_privacy"),
    path("me/privacy/networks/<int:community_id>/confirm/", views.confirm_listed_network, name="confirm_listed_network"),
    path("me/privacy/networks/<int:community_id>/remove/", views.remove_listed_network, name="remove_listed_network"),
    path("<int:person_id>/", views.person_detail, name="person"),
    path("communities/", views.community_list, name="communities"),
    path("communities/new/", views.community_new, name="community_new"),
    path("communities/<int:community_id>/", views.community_detail, name="community"),
    path("communities/<int:community_id>/join/", views.community_join, name="community_join"),
    path("communities/<int:community_id>/leave/", views.community_leave, name="community_leave"),
    path("communities/<int:community_id>/leads/", views.community_leads, name="community_leads"),
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/<int:job_id>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("import/<int:job_id>/preview/", import_views.import_preview, name="import_preview"),
    path("import/<int:job_id>/apply/", import_views.import_apply, name="import_apply"),
]
