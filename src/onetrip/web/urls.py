from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic.base import RedirectView

from onetrip.throttles import throttled_view
from onetrip.web import views

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("onetrip/favicon.svg"), permanent=True)),
    path(
        "accounts/login/",
        throttled_view("login")(views.RoleLoginView.as_view()),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("workspace/", views.workspace, name="workspace"),
]
