from django.urls import path

from onetrip.signin import views

app_name = "signin"
urlpatterns = [
    path("accounts/otp/", views.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/oidc/login/", views.oidc_authenticate, name="oidc_login"),
    path("accounts/oidc/callback/", views.oidc_callback, name="oidc_callback"),
]
