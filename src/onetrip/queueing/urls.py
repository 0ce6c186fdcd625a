from django.urls import path

from onetrip.queueing import booking_views, views

app_name = "queueing"
urlpatterns = [
    path("points/<slug:code>/kiosk/", views.kiosk, name="kiosk"),
    path("points/<slug:code>/guide-ticket/", views.guide_ticket, name="guide_ticket"),
    path("points/<slug:code>/kiosk/check-in/", views.kiosk_check_in, name="kiosk_check_in"),
    path("points/<slug:code>/kiosk/<str:token>/", views.kiosk_ticket, name="kiosk_ticket"),
    path("points/<slug:code>/board/", views.board, name="board"),
    path("q/<str:token>/", views.ticket_status, name="ticket_status"),
    path("points/<slug:code>/book/", booking_views.book, name="book"),
    path("appointments/<str:token>/", booking_views.appointment, name="appointment"),
    path(
        "appointments/<str:token>/cancel/",
        booking_views.appointment_cancel,
        name="appointment_cancel",
    ),
    path("appointments/<str:token>/move/", booking_views.appointment_move, name="appointment_move"),
    path("console/windows/", views.console_index, name="console_index"),
    path("console/windows/<int:window_id>/", views.console_window, name="console_window"),
    path("console/windows/<int:window_id>/live/", views.console_live, name="console_live"),
    path(
        "console/windows/<int:window_id>/<slug:action>/",
        views.console_action,
        name="console_action",
    ),
]
