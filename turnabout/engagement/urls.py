from django.urls import path

from turnabout.engagement import health_views, meeting_views, quote_views, views

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
    path("programs/<int:program_id>/health/", health_views.health, name="health"),
    path("<int:pair_id>/check-in/", health_views.check_in, name="health_check_in"),
    path("<int:pair_id>/pause/", health_views.pause, name="health_pause"),
    path("<int:pair_id>/resume/", health_views.resume, name="health_resume"),
    path("<int:pair_id>/close-without-fault/", health_views.close_without_fault, name="health_close"),
    # Meetings, the personal calendar feed and pulses (engagement.meeting_views).
    path("<int:pair_id>/meetings/", meeting_views.meetings, name="meetings"),
    path("<int:pair_id>/meetings/schedule/", meeting_views.meeting_schedule, name="meeting_schedule"),
    path("meetings/<int:meeting_id>/", meeting_views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/log/", meeting_views.meeting_log, name="meeting_log"),
    path("meetings/<int:meeting_id>/cancel/", meeting_views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:meeting_id>/move/", meeting_views.meeting_reschedule, name="meeting_reschedule"),
    path("meetings/<int:meeting_id>/agenda/", meeting_views.meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:meeting_id>/invite.ics", meeting_views.meeting_invite, name="meeting_invite"),
    # Quotes offered for the program's report (engagement.quote_views).
    path("<int:pair_id>/quotes/", quote_views.quotes, name="quotes"),
    path("<int:pair_id>/quotes/edit/", quote_views.quote_edit, name="quote_edit"),
    path("<int:pair_id>/quotes/withdraw/", quote_views.quote_withdraw, name="quote_withdraw"),
    path("programs/<int:program_id>/quotes/", quote_views.program_quotes, name="program_quotes"),
    path("programs/<int:program_id>/quotes/choose/", quote_views.quote_choose, name="quote_choose"),
    path("programs/<int:program_id>/quotes/unchoose/", quote_views.quote_unchoose, name="quote_unchoose"),
    path("calendar/", meeting_views.calendar, name="calendar"),
    path("calendar/new-address/", meeting_views.calendar_rotate, name="calendar_rotate"),
    path("calendar/<str:token>.ics", meeting_views.calendar_feed, name="calendar_feed"),
    path("pulse/<str:token>/", meeting_views.pulse, name="pulse"),
]
