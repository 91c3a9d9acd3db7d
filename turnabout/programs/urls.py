from django.urls import path

from turnabout.programs import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_new, name="new"),
    path("<int:program_id>/", views.program_detail, name="detail"),
    path("<int:program_id>/edit/", views.program_edit, name="edit"),
    path("<int:program_id>/status/", views.program_status, name="status"),
    path("<int:program_id>/delete/", views.program_delete, name="delete"),
    path("<int:program_id>/invite/", views.program_invite, name="invite"),
    path("<int:program_id>/invite-guests/", views.program_invite_guests, name="invite_guests"),
    path("enrolments/<int:enrolment_id>/", views.enrolment_home, name="enrolment"),
    path("enrolments/<int:enrolment_id>/apply/", views.apply, name="apply"),
    path("enrolments/<int:enrolment_id>/decide/", views.enrolment_decide, name="decide"),
    path("enrolments/<int:enrolment_id>/training/<slug:slug>/", views.training_module, name="training"),
]
