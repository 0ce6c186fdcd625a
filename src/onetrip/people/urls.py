from django.urls import path

from onetrip.people import views

app_name = "people"
urlpatterns = [
    path("accounts/register/", views.register, name="register"),
    path("accounts/register/code/", views.register_code, name="register_code"),
]
