from django.urls import path

from onetrip.metrics import views

app_name = "metrics"
urlpatterns = [
    path("metrics/", views.metrics_page, name="page"),
    path("metrics/cases/", views.metrics_cases, name="cases"),
    path("metrics/export.csv", views.metrics_csv, name="csv"),
]
