from django.urls import path

from onetrip.notices import views

app_name = "notices"
urlpatterns = [
    path("staff/notices/", views.staff_notices, name="staff_list"),
    path("staff/notices/<int:notice_id>/resend/", views.staff_notice_resend, name="resend"),
    path("demo/sms/", views.demo_sms, name="demo_sms"),
]
