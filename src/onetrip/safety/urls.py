from django.urls import path, re_path

from onetrip.safety import open311
from onetrip.safety.views import board, report, volunteers, work

FMT = r"\.(?P<fmt>[a-z]+)$"

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
    re_path(r"^open311/v2/services" + FMT, open311.services_list, name="o311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[\w-]+)" + FMT,
        open311.service_definition,
        name="o311_service",
    ),
    re_path(r"^open311/v2/requests" + FMT, open311.requests_view, name="o311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[\w-]+)" + FMT,
        open311.request_detail,
        name="o311_request",
    ),
    re_path(r"^open311/v2/tokens/(?P<token>[\w-]+)" + FMT, open311.token_detail, name="o311_token"),
]
