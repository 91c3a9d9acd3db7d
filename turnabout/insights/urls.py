from django.urls import path

from turnabout.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.organisation_dashboard, name="organisation"),
    path("programs/<int:program_id>/", views.program_dashboard, name="program"),
    path("programs/<int:program_id>/export.csv", views.program_export_csv, name="program_csv"),
    path("programs/<int:program_id>/report.pdf", views.program_report, name="program_pdf"),
    path("interest-surveys/<int:survey_id>/", views.interest_survey_results, name="interest"),
]
