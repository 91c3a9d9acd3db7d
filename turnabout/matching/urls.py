from django.urls import path

from turnabout.matching import views

app_name = "matching"

urlpatterns = [
    path("programs/<int:program_id>/", views.review, name="review"),
    path("programs/<int:program_id>/run/", views.start_run, name="start_run"),
    path("programs/<int:program_id>/pair-rule/", views.pair_rule, name="pair_rule"),
    path("runs/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:run_id>/publish/", views.publish, name="publish"),
    path("mine/", views.my_matches, name="my_matches"),
    path("mine/<int:match_id>/", views.my_match, name="my_match"),
    path("mine/circles/<int:match_id>/", views.my_circle, name="my_circle"),
    path("programs/<int:program_id>/circle-pin/", views.circle_pin, name="circle_pin"),
    path("programs/<int:program_id>/circle-ban/", views.circle_ban, name="circle_ban"),
    path("enrolments/<int:enrolment_id>/suggestions/", views.suggestions, name="suggestions"),
]
urlpatterns += [path("pairs/<int:pair_id>/rematch/", views.rematch, name="rematch")]
