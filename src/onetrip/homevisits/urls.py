from django.urls import path

from onetrip.homevisits import views

app_name = "homevisits"
urlpatterns = [
    path("home-visits/", views.visit_list, name="list"),
    path("home-visits/<int:pk>/", views.visit_detail, name="detail"),
    path("home-visits/<int:pk>/schedule/", views.visit_schedule, name="schedule"),
    path("home-visits/<int:pk>/accept/", views.visit_accept, name="accept"),
    path("home-visits/<int:pk>/deliver/", views.visit_deliver, name="deliver"),
]
