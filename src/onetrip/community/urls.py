from django.urls import path

from onetrip.community import views

app_name = "community"
urlpatterns = [
    path("community/", views.complex_list, name="list"),
    path("community/my/bookings/", views.my_bookings, name="my_bookings"),
    path("community/manage/", views.my_complex, name="my_complex"),
    path("community/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("community/<slug:code>/", views.complex_detail, name="complex"),
    path("community/<slug:code>/slots/<int:pk>/book/", views.slot_book, name="book"),
    path("community/<slug:code>/topics/new/", views.topic_new, name="topic_new"),
    path("community/<slug:code>/topics/<int:pk>/", views.topic_detail, name="topic"),
    path("community/<slug:code>/topics/<int:pk>/support/", views.topic_support, name="support"),
    path("community/<slug:code>/manage/", views.manage, name="manage"),
    path("community/<slug:code>/manage/<slug:what>/", views.manage_post, name="manage_post"),
]
