from django.contrib import admin
from django.urls import include, path

from onetrip.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("onetrip.web.urls")),
    path("", include("onetrip.catalogue.urls")),
    path("", include("onetrip.queueing.urls")),
    path("", include("onetrip.cases.urls")),
    path("", include("onetrip.intake.urls")),
    path("", include("onetrip.sharing.urls")),
    path("", include("onetrip.tracking.urls")),
    path("", include("onetrip.notices.urls")),
]
