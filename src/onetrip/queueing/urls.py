from django.urls import path

from onetrip.queueing import views

app_name = "queueing"
urlpatterns = [
    path("points/<slug:code>/kiosk/", views.kiosk, name="kiosk"),
    path("points/<slug:code>/kiosk/<str:token>/", views.kiosk_ticket, name="kiosk_ticket"),
    path("points/<slug:code>/board/", views.board, name="board"),
    path("q/<str:token>/", views.ticket_status, name="ticket_status"),
    path("console/windows/", views.console_index, name="console_index"),
    path("console/windows/<int:window_id>/", views.console_window, name="console_window"),
    path("console/windows/<int:window_id>/live/", views.console_live, name="console_live"),
    path(
        "console/windows/<int:window_id>/<slug:action>/",
        views.console_action,
        name="console_action",
    ),
]
