from django.urls import include, path

from onetrip.queueing import booking_views, views

app_name = "queueing"
# Each prefix is written once; its pages are included under it (Django's way of removing a
# repeated route prefix).
point_pages = [
    path("kiosk/", views.kiosk, name="kiosk"),
    path("guide-ticket/", views.guide_ticket, name="guide_ticket"),
    path("kiosk/check-in/", views.kiosk_check_in, name="kiosk_check_in"),
    path("kiosk/<str:token>/", views.kiosk_ticket, name="kiosk_ticket"),
    path("board/", views.board, name="board"),
    path("book/", booking_views.book, name="book"),
]
appointment_pages = [
    path("", booking_views.appointment, name="appointment"),
    path("cancel/", booking_views.appointment_cancel, name="appointment_cancel"),
    path("move/", booking_views.appointment_move, name="appointment_move"),
]
window_pages = [
    path("", views.console_window, name="console_window"),
    path("live/", views.console_live, name="console_live"),
    path("<slug:action>/", views.console_action, name="console_action"),
]
urlpatterns = [
    path("points/<slug:code>/", include(point_pages)),
    path("q/<str:token>/", views.ticket_status, name="ticket_status"),
    path("appointments/<str:token>/", include(appointment_pages)),
    path("console/windows/", views.console_index, name="console_index"),
    path("console/windows/<int:window_id>/", include(window_pages)),
]
