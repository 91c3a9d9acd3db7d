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
]
