from django.urls import path

from onetrip.tracking import views

app_name = "tracking"
urlpatterns = [
    path("t/<str:token>", views.tracking_page, name="page"),
    # Links copied from SMS often gain a trailing slash; serve the same page (same checks).
    path("t/<str:token>/", views.tracking_page, name="page_slash"),
    path("t/<str:token>/verify/", views.tracking_verify, name="verify"),
    path("t/<str:token>/upload/", views.tracking_upload, name="upload"),
    path("t/<str:token>/resubmit/", views.tracking_resubmit, name="resubmit"),
    path("t/<str:token>/messages/", views.tracking_message, name="message"),
    path("t/<str:token>/rating/", views.tracking_rate, name="rate"),
    path("w/<slug:point_code>/<str:window_number>/", views.window_entry, name="window"),
    path("w/<slug:point_code>/<str:window_number>/qr.svg", views.window_qr, name="window_qr"),
    path("staff/messages/", views.staff_messages, name="staff_messages"),
    path("staff/messages/<str:number>/", views.staff_thread, name="staff_thread"),
    path("my/cases/", views.my_cases, name="my_cases"),
    path("my/cases/<str:number>/certificate.pdf", views.my_certificate, name="certificate"),
]
