from django.urls import path

from onetrip.metrics import rating_views, views

app_name = "metrics"
urlpatterns = [
    path("metrics/", views.metrics_page, name="page"),
    path("metrics/cases/", views.metrics_cases, name="cases"),
    path("metrics/export.csv", views.metrics_csv, name="csv"),
    path("staff/ratings/", rating_views.ratings_list, name="ratings"),
    path("staff/ratings/<int:pk>/", rating_views.followup_detail, name="followup"),
]
