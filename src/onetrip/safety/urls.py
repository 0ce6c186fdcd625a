from django.urls import path

from onetrip.safety.views import board, report, volunteers, work

app_name = "safety"
urlpatterns = [
    path("safety/report/", report.report, name="report"),
    path("safety/r/<str:token>/", report.reporter_page, name="mine"),
    path("safety/photos/<int:pk>/", report.photo, name="photo"),
    path("safety/r/<str:token>/act/", report.reporter_act, name="mine_act"),
    path("safety/", work.workspace, name="workspace"),
    path("safety/incidents/<str:number>/", work.incident_detail, name="detail"),
    path("safety/incidents/<str:number>/act/", work.incident_act, name="act"),
    path("safety/rules/", work.rules, name="rules"),
    path("safety/rules/new/", work.rule_edit, name="rule_new"),
    path("safety/rules/<int:pk>/", work.rule_edit, name="rule_edit"),
    path("safety/board/", board.board, name="board"),
    path("safety/board/feed/", board.board_feed, name="board_feed"),
    path("safety/volunteer/", volunteers.my_record, name="volunteer"),
    path("safety/volunteer/register/", volunteers.register, name="volunteer_register"),
    path("safety/volunteers/", volunteers.volunteers_overview, name="volunteers"),
]
