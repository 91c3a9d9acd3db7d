from django.urls import path

from turnabout.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.my_surveys, name="my_surveys"),
    path("<int:assignment_id>/", views.survey, name="survey"),
    path("<int:assignment_id>/thanks/", views.thanks, name="thanks"),
    path("programs/<int:program_id>/", views.program_waves, name="program_waves"),
    path("programs/<int:program_id>/schedule/", views.schedule, name="schedule"),
    path("waves/<int:wave_id>/open/", views.open_now, name="open_wave"),
    path("interest/", views.interest_surveys, name="interest_surveys"),
    path("interest/new/", views.interest_new, name="interest_new"),
    path("interest/<int:survey_id>/close/", views.interest_close, name="interest_close"),
    path("interest/<int:survey_id>/program/", views.interest_create_program, name="interest_create_program"),
    path("interest/answer/<int:invitation_id>/", views.interest_answer, name="interest_answer"),
]
