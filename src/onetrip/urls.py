from django.contrib import admin
from django.urls import include, path, re_path

from onetrip.api import api
from onetrip.throttles import throttled_view
from onetrip.web import views as web_views

urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/", web_views.api_not_found),
    # the admin's login form counts against the same per-client login limit as the site's
    path("admin/login/", throttled_view("login")(admin.site.login)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("onetrip.ops.urls")),
    path("", include("onetrip.web.urls")),
    path("", include("onetrip.signin.urls")),
    path("", include("onetrip.people.urls")),
    path("", include("onetrip.catalogue.urls")),
    path("", include("onetrip.queueing.urls")),
    path("", include("onetrip.cases.urls")),
    path("", include("onetrip.intake.urls")),
    path("", include("onetrip.sharing.urls")),
    path("", include("onetrip.tracking.urls")),
    path("", include("onetrip.notices.urls")),
    path("", include("onetrip.metrics.urls")),
    path("", include("onetrip.agencies.urls")),
    path("", include("onetrip.homevisits.urls")),
    path("", include("onetrip.safety.urls")),
    path("", include("onetrip.simulation.urls")),
    path("", include("onetrip.community.urls")),
]
