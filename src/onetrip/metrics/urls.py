from django.urls import path

from onetrip.metrics import views

app_name = "metrics"
urlpatterns = [
    path("metrics/", views.metrics_page, name="page"),
]
