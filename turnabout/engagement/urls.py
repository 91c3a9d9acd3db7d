from django.urls import path

from turnabout.engagement import views

app_name = "engagement"

urlpatterns = [
    path("", views.my_pairs, name="my_pairs"),
    path("<int:pair_id>/", views.pair_home, name="pair"),
    path("<int:pair_id>/agreement/", views.agreement, name="agreement"),
    path("<int:pair_id>/agreement/sign/", views.sign, name="sign"),
    path("<int:pair_id>/goals/", views.goal_add, name="goal_add"),
    path("goals/<int:goal_id>/", views.goal_update, name="goal_update"),
    path("goals/<int:goal_id>/milestones/", views.milestone_add, name="milestone_add"),
    path("milestones/<int:milestone_id>/done/", views.milestone_done, name="milestone_done"),
    path("<int:pair_id>/notes/", views.note_add, name="note_add"),
    path("<int:pair_id>/insights/", views.insight_add, name="insight_add"),
    path("<int:pair_id>/concern/", views.concern, name="concern"),
    path("<int:pair_id>/closure/", views.closure, name="closure"),
    path("<int:pair_id>/certificate.pdf", views.certificate, name="certificate"),
    path("guides/", views.guides, name="guides"),
    path("guides/<slug:slug>/", views.guide, name="guide"),
    path("programs/<int:program_id>/concerns/", views.concerns, name="concerns"),
    path("concerns/<int:concern_id>/resolve/", views.concern_resolve, name="concern_resolve"),
]
